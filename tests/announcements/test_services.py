"""Writing an announcement, the job sending it once to its frozen audience, reading it,
the one reminder and withdrawing."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.announcements import services
from app.announcements.models import Announcement
from app.common.time import utcnow
from app.engagement.models import EngagementDay, EngagementScore
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.shifts import signups
from tests.announcements import announcement_data as data
from tests.recruitment import recruiting
from tests.shifts import signup_data


def test_a_shifts_confirmed_sign_ups_are_told_once_with_a_link_to_the_announcement(db):
    where = data.place()
    announcement = data.to_shift(where)
    db.session.commit()
    assert data.announcements_of(where.confirmed[0]) == []  # never in the request

    assert data.send()["delivered"] == 2
    data.send()  # a second run tells nobody again

    for person in where.confirmed:
        [told] = data.announcements_of(person)
        assert told.title == "明天值班请提前到"
        assert told.link == f"/announcements/{announcement.id}"
    assert data.announcements_of(where.waitlisted[0]) == []
    assert db.session.get(Announcement, announcement.id).status == "sent"


def test_both_reaches_the_waitlist_and_the_audience_is_frozen_when_sent(db):
    where = data.place()
    data.to_shift(where, signups="both")
    db.session.commit()
    data.send()
    later = signup_data.member(where.team)
    signups.sign_up(where.shift, later)
    db.session.commit()
    data.send()

    assert len(data.announcements_of(where.waitlisted[0])) == 1
    assert data.announcements_of(later) == []


def test_a_scheduled_announcement_waits_for_its_time(db):
    where = data.place()
    now = utcnow()
    data.to_shift(where, send_at=now + timedelta(hours=2))
    db.session.commit()
    data.send(now)
    assert data.announcements_of(where.confirmed[0]) == []
    data.send(now + timedelta(hours=2, minutes=1))
    assert len(data.announcements_of(where.confirmed[0])) == 1


def test_a_team_announcement_reaches_its_active_members(db):
    where = data.place()
    services.write(
        where.coordinator,
        services.Draft(audience="team", target_id=where.team.id, title="例会", body="周五例会"),
    )
    db.session.commit()
    data.send()
    assert all(len(data.announcements_of(p)) == 1 for p in where.confirmed + where.waitlisted)
    assert data.announcements_of(where.coordinator) == []


def _count() -> int:
    return db.session.scalar(select(func.count(Announcement.id)))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"body": "   "}, "body", "needs a message"),
        ({"body": "长" * 10_001}, "body", "longer than"),
        ({"title": ""}, "title", "needs a title"),
        ({"send_at": utcnow() - timedelta(hours=1)}, "send_at", "already passed"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(db, english_messages, fields, field, message):
    where = data.place()
    with pytest.raises(InvalidInput) as refused:
        data.to_shift(where, **fields)
    assert refused.value.field == field
    assert message in str(refused.value.message)
    assert _count() == 0


def test_a_coordinator_cannot_reach_people_outside_their_teams(db):
    where = data.place()
    stranger = recruiting.coordinator(signup_data.team())
    for audience, target in [
        ("shift", where.shift.id),
        ("task", where.task.id),
        ("team", where.team.id),
        ("everyone", None),
    ]:
        with pytest.raises(Forbidden):
            services.write(
                stranger, services.Draft(audience=audience, target_id=target, title="t", body="b")
            )
    with pytest.raises(NotFound):
        data.to_shift(where, target_id=where.shift.id + 1000)
    assert _count() == 0


REMINDER = "system.announcement_reminder"


def test_the_writer_sees_who_read_it_and_reminds_the_unread_once(db):
    where = data.place(confirmed=3, waitlisted=0)
    announcement = data.to_shift(where)
    db.session.commit()
    data.send()
    reader, *others = where.confirmed
    services.read(reader, announcement.id)
    receipts = services.receipts(announcement)
    assert (receipts.recipients, receipts.delivered, receipts.read) == (3, 3, 1)
    assert receipts.unread == others

    services.ask_reminder(where.coordinator, announcement)
    with pytest.raises(Conflict):
        services.ask_reminder(where.coordinator, announcement)
    db.session.commit()
    assert data.send()["reminded"] == 2
    assert data.send()["reminded"] == 0
    assert len(data.announcements_of(reader)) == 1
    # The reminder is a kind of its own (its own line in the settings), not a second
    # announcement with a prefixed title.
    assert data.announcements_of(reader, REMINDER) == []
    assert len(data.announcements_of(others[0])) == 1
    [reminder] = data.announcements_of(others[0], REMINDER)
    assert reminder.title.endswith("明天值班请提前到") and reminder.title != "明天值班请提前到"
    assert reminder.link == f"/announcements/{announcement.id}"


def test_withdrawn_it_is_hidden_from_its_recipients(db):
    where = data.place()
    announcement = data.to_shift(where, pinned=True)
    db.session.commit()
    data.send()
    person = where.confirmed[0]
    assert services.received_by(person, pinned_only=True) == [announcement]
    services.withdraw(where.coordinator, announcement)
    assert services.received_by(person) == []
    with pytest.raises(NotFound):
        services.read(person, announcement.id)
    with pytest.raises(Conflict):
        services.withdraw(where.coordinator, announcement)


def test_someone_not_told_cannot_read_it(db):
    where = data.place()
    announcement = data.to_shift(where)
    db.session.commit()
    data.send()
    with pytest.raises(NotFound):
        services.read(where.waitlisted[0], announcement.id)


def test_a_campaigns_applicants_are_reached_by_status(db):
    where = data.place()
    campaign = recruiting.campaign(where.team)
    accepted, pending = recruiting.apply(campaign), recruiting.apply(campaign)
    accepted.status = "accepted"
    draft = services.Draft(
        audience="campaign", target_id=campaign.id, title="面试通过", body="欢迎", among="accepted"
    )
    services.write(where.coordinator, draft)
    db.session.commit()
    data.send()
    assert len(data.announcements_of(accepted.user)) == 1
    assert data.announcements_of(pending.user) == []

    stranger = recruiting.coordinator(signup_data.team())
    with pytest.raises(Forbidden):
        services.write(stranger, draft)
    with pytest.raises(InvalidInput):
        services.write(where.coordinator, replace(draft, among="at_risk"))


def test_an_admin_reaches_the_latest_at_risk_segment_and_a_coordinator_cannot(db):
    where = data.place()
    admin = recruiting.admin()
    today = utcnow().date()
    at_risk, was_at_risk = where.confirmed
    for day, person, segment in [
        (today, at_risk, "at_risk"),
        (today - timedelta(days=1), was_at_risk, "at_risk"),
        (today, was_at_risk, "active"),
    ]:
        db.session.add(
            EngagementScore(day=day, user_id=person.id, score=30, segment=segment, reason="r")
        )
    # The days the job finished; a day it is still writing has no record yet.
    db.session.add_all([EngagementDay(day=today - timedelta(days=1)), EngagementDay(day=today)])
    db.session.add(
        EngagementScore(
            day=today + timedelta(days=1),
            user_id=was_at_risk.id,
            score=0,
            segment="at_risk",
            reason="r",
        )
    )
    draft = services.Draft(
        audience="segment", target_id=None, title="好久不见", body="回来看看", among="at_risk"
    )
    with pytest.raises(Forbidden):
        services.write(where.coordinator, draft)
    services.write(admin, draft)
    db.session.commit()
    data.send()
    assert len(data.announcements_of(at_risk)) == 1
    assert data.announcements_of(was_at_risk) == []


def test_withdrawn_before_its_time_it_is_never_sent(db):
    where = data.place()
    now = utcnow()
    announcement = data.to_shift(where, send_at=now + timedelta(hours=1))
    services.withdraw(where.coordinator, announcement, now=now)
    db.session.commit()
    data.send(now + timedelta(hours=2))
    assert data.announcements_of(where.confirmed[0]) == []
