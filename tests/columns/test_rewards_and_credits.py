"""What publishing is worth: points once per publication (taken back when unpublished),
published counts for badges, and Second Classroom credit records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import hooks
from app.columns import catalogue, editorial, providers
from app.columns.catalogue import ColumnFields
from app.credits import records
from app.credits import rules as credit_rules
from app.credits.models import CreditRecord
from app.errors import Conflict
from app.extensions import db as _db
from app.rewards import badge_awarding, badges, points
from app.rewards.models import Badge, PointEntry, PointRule
from tests.columns import columns_data

NOW = datetime(2026, 3, 2, 17, 30)  # 01:30 on 3 March in Shanghai
LATER = NOW + timedelta(days=3)


@pytest.fixture
def columns(db) -> dict:
    credit_rules.seed_rules()
    return columns_data.seeded()


def entries_of(user) -> list[tuple[int, str, str]]:
    return [
        (entry.points, entry.kind, entry.idempotency_key)
        for entry in _db.session.scalars(
            select(PointEntry).where(PointEntry.user_id == user.id).order_by(PointEntry.id)
        )
    ]


def publish(columns, code: str = "picks", *, author=None, editor=None, now=NOW, **values):
    author = author or columns_data.author()
    editor = editor or columns_data.editor(columns[code])
    contribution = columns_data.submitted(author, columns[code], now=now, **values)
    return columns_data.published(editor, contribution, now=now), editor


# Points --------------------------------------------------------------------------------------


def test_publishing_awards_the_rules_points_once(columns):
    contribution, editor = publish(columns)
    author = contribution.author

    assert entries_of(author) == [
        (15, points.CONTRIBUTION_PUBLISHED, f"contribution:{contribution.id}:20260302173000")
    ]
    entry = _db.session.scalar(select(PointEntry).where(PointEntry.user_id == author.id))
    assert (entry.source_type, entry.source_id, entry.occurred_at) == (
        "contribution",
        contribution.id,
        NOW,
    )
    with pytest.raises(Conflict):
        editorial.publish_now(editor, contribution.id, now=LATER)
    assert editorial.publish_due(now=LATER)["published"] == 0
    assert points.balance(author.id) == 15


def test_unpublishing_reverses_the_points_and_republishing_awards_them_anew(columns):
    contribution, editor = publish(columns)
    author = contribution.author

    editorial.unpublish(editor, contribution.id, "图片侵权", now=NOW + timedelta(hours=1))
    assert points.balance(author.id) == 0
    reversal = entries_of(author)[-1]
    assert reversal[:2] == (-15, points.REVERSAL)

    editorial.publish_now(editor, contribution.id, now=LATER)
    assert points.balance(author.id) == 15
    assert entries_of(author)[-1] == (
        15,
        points.CONTRIBUTION_PUBLISHED,
        f"contribution:{contribution.id}:{LATER:%Y%m%d%H%M%S}",
    )
    editorial.unpublish(editor, contribution.id, "再次撤下", now=LATER + timedelta(hours=1))
    assert points.balance(author.id) == 0
    assert len(entries_of(author)) == 4


def test_the_points_follow_the_rule_and_a_switched_off_rule_awards_none(columns):
    rule = _db.session.scalar(
        select(PointRule).where(PointRule.code == points.CONTRIBUTION_PUBLISHED)
    )
    rule.points = 25
    first, editor = publish(columns)
    assert points.balance(first.author_id) == 25

    rule.active = False
    second, _ = publish(columns, editor=editor)
    assert points.balance(second.author_id) == 0
    editorial.unpublish(editor, second.id, "撤下", now=LATER)
    assert points.balance(second.author_id) == 0


def test_a_scheduled_publication_earns_its_points_at_the_time_it_appears(columns):
    author = columns_data.author()
    editor = columns_data.editor(columns["ideas"])
    contribution = columns_data.submitted(author, columns["ideas"], now=NOW)
    editorial.approve(editor, contribution.id, publish_at=LATER, now=NOW)
    assert points.balance(author.id) == 0

    editorial.publish_due(now=LATER + timedelta(seconds=30.5))
    assert entries_of(author) == [
        (15, points.CONTRIBUTION_PUBLISHED, f"contribution:{contribution.id}:20260305173030")
    ]


# Badges --------------------------------------------------------------------------------------


def test_published_counts_per_person_and_per_column(columns):
    ana = columns_data.author(name="安娜")
    bo = columns_data.author(name="薄")
    editor = columns_data.editor(columns["picks"])
    publish(columns, author=ana, editor=editor)
    publish(columns, author=ana, editor=editor)
    publish(columns, "audio", author=ana)
    publish(columns, author=bo, editor=editor)
    columns_data.submitted(bo, columns["picks"], now=NOW)
    gone, _ = publish(columns, author=bo, editor=editor)
    editorial.unpublish(editor, gone.id, "撤下", now=LATER)

    assert providers.published_counts() == {ana.id: 3, bo.id: 1}
    assert providers.published_counts("picks") == {ana.id: 2, bo.id: 1}
    assert providers.published_counts("audio") == {ana.id: 1}
    assert providers.published_counts("video") == {}
    assert providers.published_counts(None, [bo.id]) == {bo.id: 1}


def test_a_contributions_badge_is_earned_from_published_work(columns):
    assert providers.published_counts in hooks.CONTRIBUTIONS.providers
    badge = Badge(
        code="picks-2",
        name_zh="荐书达人",
        name_en="Recommender",
        criterion="contributions",
        threshold=2,
        params={"column": "picks"},
    )
    _db.session.add(badge)
    ana = columns_data.author(name="安娜")
    editor = columns_data.editor(columns["picks"])
    publish(columns, author=ana, editor=editor)
    publish(columns, "ideas", author=ana)
    assert badge_awarding.evaluate_badge(badge, now=LATER)["awarded"] == 0

    publish(columns, author=ana, editor=editor)
    assert badge_awarding.evaluate_badge(badge, now=LATER)["awarded"] == 1
    assert [award.badge_id for award in badges.badges_of(ana.id)] == [badge.id]


# Second Classroom credits --------------------------------------------------------------------


def record_of(contribution) -> CreditRecord | None:
    return _db.session.scalar(
        select(CreditRecord).where(
            CreditRecord.source == "contribution", CreditRecord.source_id == contribution.id
        )
    )


def test_a_published_contribution_becomes_a_credit_record(app, columns):
    contribution, _ = publish(columns, title="推荐《三体》")
    columns_data.submitted(contribution.author, columns["picks"], now=NOW)
    assert record_of(contribution) is None

    records.sync_records(now=LATER)

    record = record_of(contribution)
    assert (record.user_id, record.team_id, record.task_id) == (contribution.author_id, None, None)
    assert record.category == app.config["CREDIT_CONTRIBUTION_CATEGORY"]
    assert record.activity_name == "每周资源推介：推荐《三体》"
    assert record.role == "作者"
    assert record.started_on == record.ended_on == date(2026, 3, 3)  # the local day
    assert record.minutes == 120 and not record.void
    assert len(records.records_of(contribution.author_id)) == 1


def test_the_column_decides_the_category_and_the_minutes(admin, columns):
    audio = columns["audio"]
    fields = ColumnFields(
        **{name: getattr(audio, name) for name in ColumnFields.__dataclass_fields__}
    )
    catalogue.save_column(
        admin, audio.id, replace(fields, credit_category="创新创业", credit_minutes=90)
    )
    contribution, _ = publish(columns, "audio")
    records.sync_records(now=LATER)
    record = record_of(contribution)
    assert (record.category, record.minutes) == ("创新创业", 90)


def test_unpublishing_voids_the_credit_record_at_the_next_sync(columns):
    contribution, editor = publish(columns)
    records.sync_records(now=LATER)
    editorial.unpublish(editor, contribution.id, "内容有误", now=LATER)

    records.sync_records(now=LATER + timedelta(hours=1))

    record = record_of(contribution)
    assert record.void and record.minutes == 0 and record.credits == 0


def test_credit_sources_can_be_asked_for_some_people_only(columns):
    first, _ = publish(columns)
    second, _ = publish(columns, "ideas")
    assert [s.source_id for s in providers.credit_sources([second.author_id])] == [second.id]
    assert [s.source_id for s in providers.credit_sources()] == [first.id, second.id]


def test_on_a_fresh_site_the_first_publication_earns_the_default_points(db):
    """No rewards job has run yet, so no points rule exists: publishing creates the
    defaults rather than awarding nothing for good."""
    catalogue.seed_columns()
    picks = catalogue.get_column("picks")
    author = columns_data.author()
    contribution = columns_data.submitted(author, picks, now=NOW)

    columns_data.published(columns_data.editor(picks), contribution, now=NOW)

    assert entries_of(author) == [
        (15, points.CONTRIBUTION_PUBLISHED, f"contribution:{contribution.id}:20260302173000")
    ]
