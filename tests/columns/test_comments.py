"""Readers' comments on published contributions, through the services: the author is told,
the thread runs newest last, editors hide with a reason and close a post, bad input is
refused with a clear message (English here; the Chinese is in the catalogue), counts stay
exact when people act at the same moment, and comments count for the reader's engagement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.columns import comments
from app.columns.models import Contribution, ContributionComment
from app.engagement import services as engagement
from app.engagement.models import EngagementScore
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from app.notifications.models import Notification
from tests.columns import columns_data
from tests.columns import reading_data as data
from tests.columns.reading_data import START
from tests.helpers import race


def notified(user: User) -> list[Notification]:
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "columns.commented"
    )
    return list(_db.session.scalars(query))


def test_a_reader_comments_and_the_author_is_told_but_not_of_their_own(db):
    world = data.world()
    shown = data.published(world, title="好书推荐")
    reader = columns_data.author(name="李四")

    comments.add_comment(reader, shown.id, "  写得真好，**推荐**！ ", now=START)
    comments.add_comment(world.author, shown.id, "谢谢！", now=START + timedelta(minutes=1))

    thread = comments.thread(shown)
    assert [c.body for c in thread] == ["写得真好，**推荐**！", "谢谢！"]  # newest last
    assert shown.comment_count == 2
    [told] = notified(world.author)
    assert "好书推荐" in told.title and "李*" in told.body and "写得真好" in told.body
    assert told.link == f"/columns/picks/{shown.id}#comments"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Please write a comment."),
        (
            "评" * (comments.MAX_COMMENT_LENGTH + 1),
            "A comment can be at most 2000 characters long.",
        ),
    ],
)
def test_an_empty_or_oversized_comment_is_refused_with_a_clear_message(db, body, message):
    world = data.world()
    shown = data.published(world)
    with force_locale("en"), pytest.raises(InvalidInput) as refused:
        comments.add_comment(world.author, shown.id, body)
    assert refused.value.field == "body"
    assert str(refused.value.message) == message
    assert comments.thread(shown) == []


@pytest.mark.parametrize("state", ["draft", "submitted", "unpublished"])
def test_nobody_comments_on_a_contribution_that_is_not_published(db, state):
    world = data.world()
    hidden = getattr(data, state)(world)
    with pytest.raises(NotFound):
        comments.add_comment(columns_data.author(), hidden.id, "你好")


def test_an_editor_closes_and_reopens_comments_and_it_is_audited(db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()

    comments.set_comments_closed(world.editor, shown.id, True, now=START)
    with force_locale("en"), pytest.raises(Conflict) as refused:
        comments.add_comment(reader, shown.id, "还能评论吗？")
    assert str(refused.value.message) == "Comments on this contribution are closed."

    comments.set_comments_closed(world.editor, shown.id, False, now=START)
    comments.add_comment(reader, shown.id, "可以了")
    actions = _db.session.scalars(
        select(AuditEntry.after).where(AuditEntry.action == "columns.comments_closed")
    ).all()
    assert actions == [{"comments_closed": True}, {"comments_closed": False}]


def test_an_editor_hides_a_comment_with_a_reason_once(db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()
    spam = comments.add_comment(reader, shown.id, "广告：代写论文", now=START)
    kept = comments.add_comment(reader, shown.id, "有用", now=START)

    with force_locale("en"), pytest.raises(InvalidInput) as refused:
        comments.hide_comment(world.editor, spam.id, "  ")
    assert str(refused.value.message) == "Please give a reason for hiding this comment."

    comments.hide_comment(world.editor, spam.id, "广告", now=START)
    comments.hide_comment(world.editor, spam.id, "又点了一次", now=START)

    assert comments.thread(shown) == [kept]
    assert comments.thread(shown, with_hidden=True) == [spam, kept]
    assert shown.comment_count == 1 and spam.hidden_reason == "广告"
    notes = _db.session.scalars(
        select(AuditEntry.note).where(AuditEntry.action == "columns.comment_hidden")
    ).all()
    assert notes == ["广告"]


def test_only_the_columns_editors_moderate(db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()
    comment = comments.add_comment(reader, shown.id, "你好")
    other_editor = world.editors["audio"]

    for person in (reader, world.author, other_editor):
        with pytest.raises(Forbidden):
            comments.hide_comment(person, comment.id, "不喜欢")
        with pytest.raises(Forbidden):
            comments.set_comments_closed(person, shown.id, True)
    assert comments.thread(shown) == [comment] and not shown.comments_closed


def counts(contribution_id: int) -> tuple[int, int]:
    """The stored count and the shown comments' rows."""
    _db.session.expire_all()
    rows = _db.session.scalar(
        select(func.count(ContributionComment.id)).where(
            ContributionComment.contribution_id == contribution_id,
            ContributionComment.hidden_at.is_(None),
        )
    )
    return _db.session.get(Contribution, contribution_id).comment_count, rows


def test_comments_and_hides_at_the_same_moment_keep_the_count_exact(app, db):
    world = data.world()
    shown = data.published(world)
    shown_id, editor_id = shown.id, world.editor.id
    readers = [columns_data.author().id for _ in range(6)]
    db.session.commit()

    outcomes = race(
        app,
        lambda user_id: comments.add_comment(_db.session.get(User, user_id), shown_id, "同时"),
        readers,
    )
    assert outcomes == ["ok"] * 6, outcomes
    assert counts(shown_id) == (6, 6)

    first = _db.session.scalars(
        select(ContributionComment.id).order_by(ContributionComment.id).limit(2)
    ).all()
    outcomes = race(
        app,
        lambda comment_id: comments.hide_comment(
            _db.session.get(User, editor_id), comment_id, "重复"
        ),
        first + first,
    )
    assert outcomes == ["ok"] * 4, outcomes
    assert counts(shown_id) == (4, 4)


def test_comments_count_for_the_readers_engagement_but_a_hidden_one_does_not(db):
    world = data.world()
    shown = data.published(world, at=START - timedelta(days=3))
    commenter = columns_data.author()
    silent = columns_data.author()
    for day in range(3):
        comments.add_comment(commenter, shown.id, f"第{day}条", now=START - timedelta(days=day))
    hidden = comments.add_comment(silent, shown.id, "广告", now=START)
    comments.hide_comment(world.editor, hidden.id, "广告", now=START)

    engagement.score_day(now=START + timedelta(hours=1))

    scores = dict(_db.session.execute(select(EngagementScore.user_id, EngagementScore.score)).all())
    assert scores[commenter.id] > 0
    assert scores[silent.id] == 0
