"""What readers get from the reading services: only published contributions, in order;
likes once each; views once per person per local day, even when requests race."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.columns import editorial, reading
from app.columns.models import Contribution, ContributionLike, ContributionView
from app.errors import NotFound
from app.extensions import db as _db
from tests.columns import columns_data
from tests.columns import reading_data as data
from tests.columns.reading_data import START
from tests.helpers import race


def listed(column) -> list[str]:
    return [c.title for c in _db.session.scalars(reading.published_query(column))]


def test_only_published_contributions_are_listed_featured_first_then_newest(db):
    world = data.world()
    data.published(world, title="较早", at=START)
    data.published(world, title="最新", at=START + timedelta(days=2))
    data.published(world, title="精选", at=START - timedelta(days=5), featured=True)
    data.published(world, world.audio, title="别的专栏")
    data.draft(world, title="草稿")
    data.submitted(world, title="待审")
    data.unpublished(world, title="撤下")

    assert listed(world.picks) == ["精选", "最新", "较早"]
    assert [c.title for c in reading.latest(world.picks)] == ["最新", "较早", "精选"]
    assert [c.title for c in reading.feed_entries(world.picks, limit=2)] == ["最新", "较早"]


@pytest.mark.parametrize("state", ["draft", "submitted", "unpublished"])
def test_a_contribution_not_published_does_not_exist_for_readers(db, state):
    world = data.world()
    hidden = getattr(data, state)(world)
    with pytest.raises(NotFound):
        reading.get_published(world.picks, hidden.id)
    with pytest.raises(NotFound):
        reading.like(world.author, hidden.id)


def test_a_published_contribution_is_found_only_under_its_own_column(db):
    world = data.world()
    shown = data.published(world)
    assert reading.get_published(world.picks, shown.id) is shown
    with pytest.raises(NotFound):
        reading.get_published(world.audio, shown.id)
    with pytest.raises(NotFound):
        reading.get_published(world.picks, 999999)


def test_the_author_is_masked_unless_they_chose_their_full_name(db):
    world = data.world(author_name="张三丰")
    masked = data.published(world, title="匿名")
    full = data.published(world, title="实名", show_full_name=True)
    assert reading.author_name(masked) == "张*丰"
    assert reading.author_name(full) == "张三丰"


def test_the_excerpt_is_plain_text_cut_at_about_120_characters():
    body = "## 标题\n\n**加粗** 和 [链接](https://example.org) <b>x</b>\n\n" + "书" * 300
    text = reading.excerpt(body)
    assert text.startswith("标题 加粗 和 链接 <b>x</b>")
    assert "**" not in text and "](" not in text and "<p>" not in text
    assert len(text) == reading.EXCERPT_LENGTH and text.endswith("…")
    assert reading.excerpt("短短一句") == "短短一句"
    assert reading.excerpt("") == ""


def like_count(contribution_id: int) -> tuple[int, int]:
    """(the counter, the like rows), freshly read."""
    _db.session.expire_all()
    rows = _db.session.scalar(
        select(func.count(ContributionLike.id)).where(
            ContributionLike.contribution_id == contribution_id
        )
    )
    return _db.session.get(Contribution, contribution_id).like_count, rows


def test_a_person_likes_once_and_may_take_it_back(db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()

    reading.like(reader, shown.id)
    reading.like(reader, shown.id)
    assert like_count(shown.id) == (1, 1)
    assert reading.liked_ids(reader, [shown.id, 999]) == {shown.id}
    assert reading.liked_ids(world.author, [shown.id]) == set()

    reading.like(world.author, shown.id)
    assert like_count(shown.id) == (2, 2)

    reading.unlike(reader, shown.id)
    reading.unlike(reader, shown.id)
    assert like_count(shown.id) == (1, 1)
    assert reading.liked_ids(reader, [shown.id]) == set()


def test_likes_sent_at_the_same_moment_keep_the_count_exact(app, db):
    world = data.world()
    shown = data.published(world)
    readers = [columns_data.author().id for _ in range(6)]
    shown_id = shown.id
    db.session.commit()

    def like_twice(user_id: int) -> None:
        reading.like(_db.session.get(User, user_id), shown_id)

    outcomes = race(app, like_twice, readers + readers)
    assert outcomes == ["ok"] * 12, outcomes
    assert like_count(shown_id) == (6, 6)

    outcomes = race(
        app,
        lambda user_id: reading.unlike(_db.session.get(User, user_id), shown_id),
        readers[:3] * 2,
    )
    assert outcomes == ["ok"] * 6, outcomes
    assert like_count(shown_id) == (3, 3)


def view_count(contribution_id: int) -> tuple[int, int]:
    _db.session.expire_all()
    rows = _db.session.scalar(
        select(func.count(ContributionView.id)).where(
            ContributionView.contribution_id == contribution_id
        )
    )
    return _db.session.get(Contribution, contribution_id).view_count, rows


def test_a_view_counts_once_per_person_per_local_day(db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()
    evening = START.replace(hour=15, minute=50)  # 23:50 in Shanghai

    assert reading.record_view(reader, shown, now=evening) is True
    assert reading.record_view(reader, shown, now=evening + timedelta(minutes=5)) is False
    assert shown.view_count == 1
    assert reading.record_view(reader, shown, now=evening + timedelta(minutes=15)) is True
    assert reading.record_view(world.author, shown, now=evening) is True
    assert view_count(shown.id) == (3, 3)


def test_views_at_the_same_moment_count_once(app, db):
    world = data.world()
    shown = data.published(world)
    reader_id, shown_id = columns_data.author().id, shown.id
    db.session.commit()

    def view(_n: int) -> None:
        reading.record_view(
            _db.session.get(User, reader_id), _db.session.get(Contribution, shown_id), now=START
        )

    assert race(app, view, list(range(6))) == ["ok"] * 6
    assert view_count(shown_id) == (1, 1)


def test_featuring_moves_a_contribution_to_the_top(db):
    world = data.world()
    data.published(world, title="旧", at=START)
    newer = data.published(world, title="新", at=START + timedelta(days=1))
    older = _db.session.scalar(select(Contribution).where(Contribution.title == "旧"))
    editorial.set_featured(world.editor, older.id, True, now=START)
    assert listed(world.picks) == ["旧", "新"]
    editorial.set_featured(world.editor, older.id, False, now=START)
    assert listed(world.picks) == [newer.title, "旧"]
