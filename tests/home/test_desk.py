"""The coordinator's home: today's shifts of their teams with who is in and who is missing,
and what waits for them, each kind counted by its own feature through the waiting hook."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import event

from app import hooks
from app.common.time import local_today, utc_of_local
from app.home import desk
from app.shifts.models import ShiftHandover
from tests import factories
from tests.checkin import attendance_data, checkin_data
from tests.helpers import page
from tests.recruitment import recruiting


@pytest.fixture
def noon():
    return utc_of_local(local_today(), time(12))


@pytest.fixture
def world(db, noon):
    """A shift of 阅览室志愿者队 that started half an hour before noon, three confirmed."""
    made = attendance_data.world(start=noon - timedelta(minutes=30))
    db.session.commit()
    return made


def names(people) -> list[str]:
    return [person.name for person in people]


def test_todays_shift_shows_who_is_in_who_left_and_who_is_missing(world, noon):
    first, second, _third = world.people
    attendance_data.record(world.shift, first)
    attendance_data.record(world.shift, second, checked_out_at=noon)

    shown = desk.desk(world.boss, now=noon)

    [row] = shown.shifts
    assert row.shift.id == world.shift.id and row.team_name == "阅览室志愿者队"
    assert names(row.checked_in) == ["志愿者1"]
    assert names(row.checked_out) == ["志愿者2"]
    assert names(row.missing) == ["志愿者3"]
    assert (row.arrived, row.expected) == (2, 3)


def test_before_the_start_nobody_counts_as_missing(world, noon):
    shown = desk.desk(world.boss, now=noon - timedelta(hours=1))

    [row] = shown.shifts
    assert not row.started and row.missing == [] and row.expected == 3


def test_only_todays_shifts_of_the_teams_one_runs(db, world, noon):
    checkin_data.shift(world.task, starts_in=timedelta(days=1), now=noon)
    checkin_data.shift(world.task, starts_in=timedelta(days=-1), now=noon)
    admin = factories.person(roles=["admin"], name="馆员")
    db.session.commit()

    assert [row.shift.id for row in desk.desk(world.boss, now=noon).shifts] == [world.shift.id]
    assert desk.desk(world.other_boss, now=noon).shifts == []
    assert [row.shift.id for row in desk.desk(admin, now=noon).shifts] == [world.shift.id]


def test_who_sees_the_desk(world):
    assert desk.runs_teams(world.boss)
    assert not desk.runs_teams(world.people[0])


def counts(waiting) -> dict[str, int]:
    return {item.key: item.count for item in waiting}


def test_waiting_counts_each_kind_with_a_link_to_act_on_it(db, world, noon):
    attendance_data.record(world.shift, world.people[0], checked_out_at=noon)
    world.signups[1].release_requested_at = noon
    coming = checkin_data.shift(world.task, starts_in=timedelta(days=2), now=noon)
    offerer, taker = checkin_data.member(world.team), checkin_data.member(world.team)
    signup = checkin_data.signed_up(coming, offerer)
    db.session.add(
        ShiftHandover(
            shift_id=coming.id,
            signup_id=signup.id,
            from_user_id=offerer.id,
            to_user_id=taker.id,
            status="pending",
        )
    )
    campaign = recruiting.campaign(world.team, actor=world.boss)
    recruiting.apply(campaign, recruiting.applicant("王五"))
    recruiting.apply(campaign, recruiting.applicant("赵六"))
    db.session.commit()

    waiting = desk.desk(world.boss, now=noon).waiting

    assert counts(waiting) == {
        "verifications": 1,
        "applications": 2,
        "releases": 1,
        "handovers": 1,
    }
    links = {item.key: (item.endpoint, item.values) for item in waiting}
    assert links["verifications"] == ("attendance.shift_sheet", {"shift_id": world.shift.id})
    assert links["releases"] == ("tasks.shift", {"shift_id": world.shift.id})
    assert links["handovers"] == ("handovers.pending", {})
    assert links["applications"] == (
        "recruitment.review_applications",
        {"campaign_id": campaign.id, "status": "submitted"},
    )
    assert desk.desk(world.other_boss, now=noon).waiting == []


def test_nothing_waits_once_it_is_dealt_with(db, world, noon):
    record = attendance_data.record(world.shift, world.people[0], checked_out_at=noon)
    record.verified_at, record.verified_by_id = noon, world.boss.id
    world.signups[1].release_requested_at = noon - timedelta(days=2)  # before signing up
    db.session.commit()

    assert desk.desk(world.boss, now=noon).waiting == []


def test_a_feature_connected_later_shows_its_waiting_items(monkeypatch, world, noon):
    """How team messages will add their unanswered count without the desk knowing them."""

    def unanswered(actor, now):
        return [hooks.Waiting("messages", "Unanswered messages", 4, "home.index")]

    monkeypatch.setattr(hooks.WAITING, "providers", [*hooks.WAITING.providers, unanswered])

    assert counts(desk.desk(world.boss, now=noon).waiting) == {"messages": 4}


def statements_for(db, work) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_desk_takes_as_many_queries_for_a_big_team_as_for_a_small_one(db, world, noon):
    attendance_data.record(world.shift, world.people[0], checked_out_at=noon)
    db.session.commit()
    small = statements_for(db, lambda: desk.desk(world.boss, now=noon))
    db.session.rollback()

    for hour in (1, 2, 3):
        shift = checkin_data.shift(
            world.task, starts_in=timedelta(hours=hour), capacity=8, now=noon - timedelta(hours=2)
        )
        for _ in range(8):
            person = checkin_data.member(world.team)
            checkin_data.signed_up(shift, person)
            attendance_data.record(shift, person, checked_out_at=shift.ends_at)
    db.session.commit()
    db.session.expire_all()
    big = statements_for(db, lambda: desk.desk(world.boss, now=noon))

    assert len(desk.desk(world.boss, now=noon).shifts) == 4
    assert big == small


def test_the_coordinators_home_page_shows_the_desk(client, login, db, world, noon, monkeypatch):
    monkeypatch.setattr(desk, "utcnow", lambda: noon)
    attendance_data.record(world.shift, world.people[0])
    world.signups[1].release_requested_at = noon
    db.session.commit()
    login(world.boss)

    text = page(client.get("/"))

    assert 'data-testid="desk"' in text and "志愿者1" in text
    assert f'href="/attendance/shifts/{world.shift.id}"' in text
    assert f'href="/tasks/shifts/{world.shift.id}" data-testid="waiting-releases"' in text
