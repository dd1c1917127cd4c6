"""Weekly series: the days they fall on, local times in UTC, limits, and cancelling the rest."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.errors import InvalidInput
from app.notifications.models import Notification
from app.shifts import shift_edits, signups, task_series, tasks
from app.shifts.models import Shift, ShiftSeries
from tests.recruitment import recruiting
from tests.shifts import signup_data

# A Monday well in the future, so nothing is "over".
MONDAY = date(2030, 9, 2)


@pytest.fixture
def world(db):
    team = recruiting.team(name="阅览室志愿者队")
    boss = recruiting.coordinator(team)
    task = tasks.create_task(team.id, tasks.TaskFields(title="总服务台值班"), actor=boss)
    db.session.commit()
    return {"team": team, "boss": boss, "task": task}


def fields(**overrides) -> task_series.SeriesFields:
    values = {
        "weekdays": [0, 2],
        "start": time(14),
        "end": time(17),
        "first_date": MONDAY,
        "last_date": MONDAY + timedelta(days=13),
        "capacity": 3,
    }
    values.update(overrides)
    return task_series.SeriesFields(**values)


def shift_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Shift))


def test_series_creates_shifts_on_chosen_weekdays_in_utc(db, world):
    series, shifts = task_series.create_series(world["task"], fields(), actor=world["boss"])
    db.session.commit()
    # Mon 2, Wed 4, Mon 9, Wed 11 September, 14:00–17:00 in Shanghai = 06:00–09:00 UTC.
    assert [s.starts_at for s in shifts] == [datetime(2030, 9, day, 6, 0) for day in (2, 4, 9, 11)]
    assert all(s.ends_at - s.starts_at == timedelta(hours=3) for s in shifts)
    assert all(s.series_id == series.id and s.capacity == 3 for s in shifts)
    assert series.weekdays == [0, 2]


def test_skipped_dates_are_left_out(db, world):
    skipped = task_series.parse_skipped_dates("2030-09-04\n\n 2030-09-09 \n")
    assert skipped == [date(2030, 9, 4), date(2030, 9, 9)]
    series, shifts = task_series.create_series(
        world["task"], fields(skipped_dates=skipped), actor=world["boss"]
    )
    assert [s.starts_at.day for s in shifts] == [2, 11]
    assert series.skipped_dates == ["2030-09-04", "2030-09-09"]


def test_bad_skipped_date_names_the_line(db, world):
    with pytest.raises(InvalidInput) as error:
        task_series.parse_skipped_dates("2030-09-04\n10/01")
    assert error.value.field == "skipped_dates"
    assert "第 2 行" in str(error.value.message)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"weekdays": []}, "weekdays"),
        ({"end": time(13)}, "end"),
        ({"last_date": MONDAY - timedelta(days=1)}, "last_date"),
        ({"last_date": MONDAY + timedelta(days=201)}, "last_date"),
        ({"capacity": 0}, "capacity"),
        ({"weekdays": [1], "last_date": MONDAY}, "weekdays"),  # no Tuesday in range
    ],
)
def test_bad_series_is_refused_and_nothing_written(db, world, overrides, field):
    with pytest.raises(InvalidInput) as error:
        task_series.create_series(world["task"], fields(**overrides), actor=world["boss"])
    assert error.value.field == field
    db.session.rollback()
    assert shift_count(db) == 0
    assert db.session.scalar(select(ShiftSeries)) is None


def test_series_of_more_than_500_shifts_is_refused(db, world, monkeypatch):
    monkeypatch.setattr(task_series, "MAX_SERIES_SHIFTS", 10)
    with pytest.raises(InvalidInput) as error:
        task_series.create_series(
            world["task"],
            fields(weekdays=list(range(7)), last_date=MONDAY + timedelta(days=20)),
            actor=world["boss"],
        )
    assert "21" in str(error.value.message)
    db.session.rollback()
    assert shift_count(db) == 0


def test_200_day_range_holds_at_most_201_daily_shifts(db, world):
    # Every day over 200 days is under the 500 limit and allowed.
    _series, shifts = task_series.create_series(
        world["task"],
        fields(weekdays=list(range(7)), last_date=MONDAY + timedelta(days=200)),
        actor=world["boss"],
    )
    assert len(shifts) == 201


def test_cancel_rest_of_series_leaves_earlier_shifts(db, world):
    _series, shifts = task_series.create_series(world["task"], fields(), actor=world["boss"])
    person = signup_data.member(world["team"])
    signups.sign_up(shifts[3], person)
    db.session.commit()
    cancelled = shift_edits.cancel_shift(
        shifts[1], reason="学期调整", rest_of_series=True, actor=world["boss"]
    )
    db.session.commit()
    assert [s.id for s in cancelled] == [s.id for s in shifts[1:]]
    assert [s.status for s in shifts] == ["scheduled", "cancelled", "cancelled", "cancelled"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == person.id))
    assert note.kind == "shifts.cancelled"
    assert "学期调整" in note.body


def test_cancel_one_shift_of_series_leaves_the_rest(db, world):
    _series, shifts = task_series.create_series(world["task"], fields(), actor=world["boss"])
    shift_edits.cancel_shift(shifts[1], reason="国庆", actor=world["boss"])
    assert [s.status for s in shifts] == ["scheduled", "cancelled", "scheduled", "scheduled"]
