"""Coordinators' private notes and commendations on team members: who writes, edits and
reads them, the commendation's notification and points, the personal data export and
anonymisation."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts import anonymise, personal_data
from app.audit.models import AuditEntry
from app.errors import Forbidden, InvalidInput, NotFound
from app.notifications.models import Notification
from app.recruitment import member_notes
from app.rewards import defaults, points
from app.rewards.models import PointEntry, PointRule
from tests.recruitment import recruiting

NOW = datetime(2026, 3, 2, 8, 0)


@pytest.fixture
def world(db):
    people = recruiting.team_with_member(now=NOW)
    db.session.commit()
    return people


def write(world, kind="note", body="做事认真，周三晚上常来", *, actor=None, **options):
    return member_notes.add(
        world["team"],
        world["volunteer"],
        kind=kind,
        body=body,
        actor=actor or world["coordinator"],
        now=NOW,
        **options,
    )


def notifications_of(person) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == person.id)
    return list(member_notes.db.session.scalars(query))


def test_a_private_note_is_kept_with_its_author_and_audited_but_nobody_is_told(db, world):
    note = write(world)
    db.session.commit()
    assert member_notes.about_member(world["team"], world["volunteer"].id) == [note]
    assert note.author_id == world["coordinator"].id and note.created_at == NOW
    assert member_notes.commendations_of(world["volunteer"].id) == []
    assert notifications_of(world["volunteer"]) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "member_note"))
    assert entry.action == "recruitment.member_note_added"
    assert entry.actor_id == world["coordinator"].id


def test_a_commendation_tells_the_volunteer_and_awards_the_rule_points_once(db, world):
    defaults.seed_defaults()
    rule = db.session.scalar(select(PointRule).where(PointRule.code == points.COMMENDATION))
    rule.points = 8
    note = write(world, "commendation", "帮读者找到了绝版书", award_points=True)
    db.session.commit()
    assert note.points == 8
    assert points.balance(world["volunteer"].id) == 8
    assert member_notes.commendations_of(world["volunteer"].id) == [note]
    [notice] = notifications_of(world["volunteer"])
    assert notice.kind == "recruitment.commended"
    assert "阅览室志愿者队" in notice.title and "帮读者找到了绝版书" in notice.body
    assert notice.link == "/teams/profile"
    # Booking the same commendation again (a replayed request, a retry) adds nothing.
    assert member_notes._award(note, now=NOW) == 0
    assert points.balance(world["volunteer"].id) == 8
    entries = db.session.scalars(select(PointEntry).where(PointEntry.source_type == "member_note"))
    assert [entry.idempotency_key for entry in entries] == [f"commendation:{note.id}"]


def test_a_commendation_without_points_or_with_the_rule_off_awards_nothing(db, world):
    write(world, "commendation")
    defaults.seed_defaults()
    rule = db.session.scalar(select(PointRule).where(PointRule.code == points.COMMENDATION))
    rule.active = False
    switched_off = write(world, "commendation", "再次感谢", award_points=True)
    db.session.commit()
    assert switched_off.points == 0
    assert points.balance(world["volunteer"].id) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "Please write something"), ("   ", "Please write something"), ("字" * 2001, "2000")],
)
def test_empty_or_oversized_notes_are_refused(app, db, world, body, message):
    with app.test_request_context(), force_locale("en"), pytest.raises(InvalidInput) as raised:
        write(world, body=body)
    assert message in str(raised.value.message) and raised.value.field == "body"


def test_only_the_teams_coordinators_write_about_its_members(app, db, world):
    with pytest.raises(Forbidden):
        write(world, actor=world["other_coordinator"])
    with app.test_request_context(), force_locale("en"), pytest.raises(NotFound) as raised:
        member_notes.add(
            world["team"], world["outsider"], kind="note", body="x", actor=world["coordinator"]
        )
    assert "not a member" in str(raised.value.message)


def test_only_the_author_edits_a_note_and_the_edit_is_audited(db, world):
    note = write(world)
    db.session.commit()
    with pytest.raises(Forbidden):
        member_notes.edit(note, body="改一下", actor=world["colleague"])
    member_notes.edit(note, body="改好了", actor=world["coordinator"], now=NOW)
    db.session.commit()
    assert note.body == "改好了" and note.updated_at == NOW
    edited = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "recruitment.member_note_edited")
    )
    assert edited.before == {"body": "做事认真，周三晚上常来"}
    assert edited.after == {"body": "改好了"}


def test_the_volunteer_export_holds_notes_about_them_private_ones_included(db, world):
    write(world, body="私下的记录")
    write(world, "commendation", "公开的表扬")
    db.session.commit()
    section = personal_data.collect(world["volunteer"])["sections"]["recruitment"]
    assert {(row["kind"], row["body"]) for row in section["member_notes"]} == {
        ("note", "私下的记录"),
        ("commendation", "公开的表扬"),
    }
    assert all(row["team"] == "阅览室志愿者队" for row in section["member_notes"])
    written = personal_data.collect(world["coordinator"])["sections"]["recruitment"]
    assert len(written["member_notes_written"]) == 2
    assert "body" not in written["member_notes_written"][0]


def test_anonymising_blanks_what_was_written_about_the_person(db, world):
    note = write(world, body="张三的私人记录")
    admin = recruiting.admin()
    db.session.commit()
    anonymise.anonymise_person(
        world["volunteer"],
        actor=admin,
        confirmation=world["volunteer"].student_number,
        reason="毕业离校",
    )
    db.session.commit()
    db.session.expire_all()
    assert note.body == ""
