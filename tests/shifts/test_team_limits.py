"""A team's limits per person, counted over all the team's tasks (app/shifts/rush.py)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from app.common.time import local_today, utc_of_local, utcnow
from app.errors import InvalidInput
from app.recruitment import membership as members
from app.shifts import rush, signups
from tests import factories
from tests.shifts import signup_data as data


def _team_limited(**limits):
    team = data.team()
    for name, value in limits.items():
        setattr(team, name, value)
    return team


def _world(**team_limits):
    """A team with `team_limits`, one of its tasks, a member, and now."""
    team = _team_limited(**team_limits)
    return team, data.task(team), data.member(team), utcnow()


def _next_week_shift(task, day: int, now):
    """A shift of the task on day `day` (0 = Monday) of the local week after next."""
    days_to_monday = 7 - now.weekday() + 7
    return data.shift(task, starts_in=timedelta(days=days_to_monday + day), now=now)


def test_the_teams_weekly_limit_counts_shifts_of_all_its_tasks(db):
    team = _team_limited(max_per_week=2)
    desk, shelves = data.task(team), data.task(team)
    other_team_task = data.task(data.team())
    person = data.member(team)
    now = utcnow()
    signups.sign_up(_next_week_shift(desk, 0, now), person, now=now)
    signups.sign_up(_next_week_shift(shelves, 1, now), person, now=now)
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(_next_week_shift(desk, 2, now), person, now=now)
    assert refused.value.field == "limit_team_week"
    # Another team's task is not counted, nor limited by this team.
    members.join_team(other_team_task.team_id, person.id).onboarded = True
    assert signups.sign_up(_next_week_shift(other_team_task, 2, now), person, now=now)


def test_a_sign_up_keeps_within_both_the_tasks_and_the_teams_limits(db):
    team = _team_limited(max_future=3)
    strict, loose = data.task(team, max_future=1), data.task(team)
    person = data.member(team)
    now = utcnow()
    signups.sign_up(data.shift(strict, starts_in=timedelta(days=2), now=now), person, now=now)
    # The task's own limit refuses first, naming the task's limit.
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(data.shift(strict, starts_in=timedelta(days=3), now=now), person, now=now)
    assert refused.value.field == "limit_future"
    for day in (4, 5):
        signups.sign_up(data.shift(loose, starts_in=timedelta(days=day), now=now), person, now=now)
    # The loose task has no limit of its own, but the team's three coming places are held.
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(data.shift(loose, starts_in=timedelta(days=6), now=now), person, now=now)
    assert refused.value.field == "limit_team_future"


def _at(task, day, hour: int):
    """A shift of the task at `hour`:00 local time on `day`."""
    shift = data.shift(task)
    shift.starts_at = utc_of_local(day, time(hour))
    shift.ends_at = shift.starts_at + timedelta(hours=2)
    return shift


def test_the_teams_monthly_limit_names_itself(db):
    team, _task, person, now = _world(max_per_month=1)
    day = (local_today(now).replace(day=1) + timedelta(days=70)).replace(day=10)
    signups.sign_up(_at(data.task(team), day, 10), person, now=now)
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(_at(data.task(team), day, 15), person, now=now)
    assert refused.value.field == "limit_team_month"


def test_lowering_the_teams_limit_keeps_the_places_people_hold(db):
    team, task, person, now = _world()
    held = [
        signups.sign_up(data.shift(task, starts_in=timedelta(days=d), now=now), person, now=now)
        for d in (2, 3)
    ]
    coordinator = factories.person(roles=["coordinator"])
    rush.set_team_limits(team, {"max_future": 1}, actor=coordinator, now=now)
    assert [s.status for s in held] == ["confirmed", "confirmed"]
    assert rush.has_limits(task)
    with pytest.raises(InvalidInput) as refused:
        signups.sign_up(data.shift(task, starts_in=timedelta(days=4), now=now), person, now=now)
    assert refused.value.field == "limit_team_future"
    with pytest.raises(InvalidInput) as refused:
        rush.set_team_limits(team, {"max_per_week": 0}, actor=coordinator, now=now)
    assert refused.value.field == "max_per_week"


def test_a_team_without_limits_limits_nothing(db):
    _team, task, person, now = _world()
    assert not rush.has_limits(task)
    for day in range(2, 7):
        signups.sign_up(data.shift(task, starts_in=timedelta(days=day), now=now), person, now=now)


def test_every_limit_is_counted_in_one_statement_and_still_refuses_the_first_passed(db):
    """Six limits set (the task's and the team's): one count for all of them under the
    person's lock, and the refusal still names the first limit that one more place passes."""
    from sqlalchemy import event

    _team, task, person, now = _world(max_per_week=5, max_per_month=9, max_future=2)
    task.max_per_week, task.max_per_month, task.max_future = 4, 8, 3
    signups.sign_up(_next_week_shift(task, 0, now), person, now=now)
    signups.sign_up(_next_week_shift(task, 1, now), person, now=now)
    shift = _next_week_shift(task, 2, now)
    counted: list[str] = []
    listen = ("before_cursor_execute", lambda *args: counted.append(args[2]))
    event.listen(db.engine, *listen)
    try:
        refusal = rush.limit_refusal(shift, person.id, now=now)
    finally:
        event.remove(db.engine, *listen)

    assert refusal is not None and refusal[0] == "team_future"
    assert len(counted) == 1
