"""Editing a shift and the rest of its series: new times on each shift's own day, capacity
never below anyone's confirmed count, people told of the new time, every change audited."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import Forbidden, InvalidInput
from app.notifications.models import Notification
from app.shifts import shift_edits, signups, task_series, tasks
from tests.recruitment import recruiting
from tests.shifts import signup_data

# A Monday well in the future, so nothing is over.
MONDAY = date(2030, 9, 2)
NOW = datetime(2030, 8, 1)


@pytest.fixture
def world(db):
    team = recruiting.team(name="阅览室志愿者队")
    boss = recruiting.coordinator(team, name="A队老师")
    other_boss = recruiting.coordinator(recruiting.team(name="古籍修复队"), name="B队老师")
    task = tasks.create_task(
        team.id, tasks.TaskFields(title="总服务台值班", location="一楼"), actor=boss
    )
    _series, shifts = task_series.create_series(
        task,
        task_series.SeriesFields(
            weekdays=[0, 2],
            start=time(14),
            end=time(17),
            first_date=MONDAY,
            last_date=MONDAY + timedelta(days=13),
            capacity=3,
        ),
        actor=boss,
    )
    db.session.commit()
    return {"team": team, "boss": boss, "other_boss": other_boss, "task": task, "shifts": shifts}


def change(**overrides) -> task_series.SeriesChange:
    values = {"start": time(15), "end": time(18, 30), "capacity": 4, "note": "改到下午"}
    values.update(overrides)
    return task_series.SeriesChange(**values)


def notified(db, kind: str) -> list[int]:
    return list(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_this_and_later_shifts_move_on_their_own_days(db, world):
    first, second, third, fourth = world["shifts"]
    late = signup_data.member(world["team"], name="张三")
    early = signup_data.member(world["team"], name="李四")
    signups.sign_up(fourth, late, now=NOW)
    signups.sign_up(first, early, now=NOW)

    changed = task_series.update_rest_of_series(second, change(), actor=world["boss"], now=NOW)

    assert changed == [second, third, fourth]
    # 15:00–18:30 in Shanghai is 07:00–10:30 UTC, each on its own day.
    assert [s.starts_at for s in changed] == [datetime(2030, 9, d, 7, 0) for d in (4, 9, 11)]
    assert all(s.ends_at - s.starts_at == timedelta(hours=3, minutes=30) for s in changed)
    assert all((s.capacity, s.note) == (4, "改到下午") for s in changed)
    assert (first.starts_at, first.capacity) == (datetime(2030, 9, 2, 6, 0), 3)
    assert notified(db, "shifts.time_changed") == [late.id]
    body = db.session.scalar(
        select(Notification.body).where(Notification.kind == "shifts.time_changed")
    )
    assert "2030-09-11 14:00–17:00" in body and "2030-09-11 15:00–18:30" in body
    entries = list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == "shifts.series_updated"))
    )
    assert sorted(int(e.object_id) for e in entries) == sorted(s.id for s in changed)
    assert all(e.actor_id == world["boss"].id for e in entries)


def test_capacity_below_a_shifts_confirmed_count_is_refused_naming_it(db, world):
    _first, second, third, fourth = world["shifts"]
    for _ in range(3):
        signups.sign_up(fourth, signup_data.member(world["team"]), now=NOW)

    with pytest.raises(InvalidInput) as error:
        task_series.update_rest_of_series(second, change(capacity=2), actor=world["boss"], now=NOW)

    assert error.value.field == "capacity"
    assert shift_edits.format_span(fourth) in str(error.value.message)
    db.session.rollback()
    assert (second.capacity, third.starts_at.hour) == (3, 6)


def test_a_larger_capacity_promotes_the_waitlists(db, world):
    shift = world["shifts"][2]
    people = [signup_data.member(world["team"]) for _ in range(4)]
    waiting = [signups.sign_up(shift, person, now=NOW) for person in people][-1]
    assert waiting.status == "waitlisted"

    task_series.update_rest_of_series(
        shift, change(start=time(14), end=time(17)), actor=world["boss"], now=NOW
    )

    assert waiting.status == "confirmed"
    assert notified(db, "shifts.time_changed") == []  # the time stayed the same


@pytest.mark.parametrize(
    "overrides, field",
    [({"end": time(14)}, "end"), ({"capacity": 0}, "capacity"), ({"note": "x" * 501}, "note")],
)
def test_bad_changes_are_refused(db, world, overrides, field):
    with pytest.raises(InvalidInput) as error:
        task_series.update_rest_of_series(
            world["shifts"][0], change(**overrides), actor=world["boss"], now=NOW
        )
    assert error.value.field == field


def test_only_the_teams_coordinators_and_only_series_shifts(db, world):
    with pytest.raises(Forbidden):
        task_series.update_rest_of_series(
            world["shifts"][0], change(), actor=world["other_boss"], now=NOW
        )
    single = shift_edits.create_shift(
        world["task"], day=MONDAY, start=time(9), end=time(11), actor=world["boss"]
    )
    with pytest.raises(InvalidInput):
        task_series.update_rest_of_series(single, change(), actor=world["boss"], now=NOW)


def test_moving_a_single_shift_tells_the_people_on_it(db, world):
    shift = world["shifts"][0]
    person = signup_data.member(world["team"])
    signups.sign_up(shift, person, now=NOW)

    shift_edits.update_shift(
        shift, day=MONDAY, start=time(15), end=time(18), capacity=3, actor=world["boss"], now=NOW
    )

    assert notified(db, "shifts.time_changed") == [person.id]


def test_the_series_page_changes_the_rest(client, login, db, world):
    second = world["shifts"][1]
    login(world["boss"])

    assert 'data-testid="edit-series"' in client.get(f"/tasks/shifts/{second.id}").get_data(
        as_text=True
    )
    form = client.get(f"/tasks/shifts/{second.id}/series")
    assert form.status_code == 200
    assert 'data-testid="affected-shifts"' in form.get_data(as_text=True)
    response = client.post(
        f"/tasks/shifts/{second.id}/series",
        data={"start": "15:00", "end": "18:00", "capacity": "5", "note": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [s.capacity for s in world["shifts"]] == [3, 5, 5, 5]
    refused = client.post(
        f"/tasks/shifts/{second.id}/series",
        data={"start": "18:00", "end": "15:00", "capacity": "5"},
    )
    assert refused.status_code == 400


def test_the_series_page_is_not_found_for_a_single_shift(client, login, db, world):
    single = shift_edits.create_shift(
        world["task"], day=MONDAY, start=time(9), end=time(11), actor=world["boss"]
    )
    db.session.commit()
    login(world["boss"])

    assert client.get(f"/tasks/shifts/{single.id}/series").status_code == 404
