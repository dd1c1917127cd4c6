"""The semester calendar: every week of a semester with my shifts, previous and next."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.common.semesters import current_semester, semester_by_code
from app.common.time import utcnow
from app.shifts import calendar, signups
from tests.shifts import signup_data as data

# Monday 12 October 2026, 10:00 in Shanghai: semester 2026-2027-1 (1 Sep 2026 – 19 Feb 2027).
NOW = datetime(2026, 10, 12, 2, 0)


@pytest.fixture
def world(db):
    team = data.team()
    task = data.task(team, title="总服务台值班")
    me = data.member(team, name="张三")
    return {"team": team, "task": task, "me": me}


def test_every_week_of_the_semester_with_my_shifts_in_it(db, world):
    mine = data.shift(world["task"], starts_in=timedelta(days=2), now=NOW)  # Wed 14 Oct
    later = data.shift(world["task"], starts_in=timedelta(days=30), now=NOW)
    past = data.shift(world["task"], starts_in=timedelta(days=-7), now=NOW)
    left = data.shift(world["task"], starts_in=timedelta(days=9), now=NOW)
    someone_elses = data.shift(world["task"], starts_in=timedelta(days=3), now=NOW)
    for shift in (mine, later):
        signups.sign_up(shift, world["me"], now=NOW)
    signups.sign_up(past, world["me"], now=past.starts_at - timedelta(days=1))
    cancelled = signups.sign_up(left, world["me"], now=NOW)
    signups.cancel(cancelled, actor=world["me"], now=NOW)
    signups.sign_up(someone_elses, data.member(world["team"]), now=NOW)

    board = calendar.semester_calendar(world["me"], current_semester(NOW), now=NOW)

    assert board.semester.code == "2026-2027-1"
    assert board.weeks[0].monday == date(2026, 8, 31)  # the week of 1 September
    assert board.weeks[-1].monday <= date(2027, 2, 19) <= board.weeks[-1].sunday
    mondays = [week.monday for week in board.weeks]
    assert mondays == [mondays[0] + timedelta(days=7 * n) for n in range(len(mondays))]
    current = [week for week in board.weeks if week.current]
    assert len(current) == 1 and current[0].monday == date(2026, 10, 12)
    assert [s.shift for s in current[0].signups] == [mine]
    assert [s.shift for week in board.weeks for s in week.signups] == [past, mine, later]
    assert board.count == 3
    assert (board.previous.code, board.following.code) == ("2025-2026-2", "2026-2027-2")


def test_other_semesters_show_their_own_shifts(db, world):
    spring = semester_by_code("2026-2027-2")
    shift = data.shift(world["task"], starts_in=timedelta(days=150), now=NOW)  # March 2027
    signups.sign_up(shift, world["me"], now=NOW)

    assert calendar.semester_calendar(world["me"], current_semester(NOW), now=NOW).count == 0
    board = calendar.semester_calendar(world["me"], spring, now=NOW)
    assert board.count == 1
    assert not any(week.current for week in board.weeks)


@pytest.mark.parametrize(
    "code", [None, "", "junk", "2026-x-1", "9999999-1-1", "1-2-1", "9999-10000-2"]
)
def test_a_missing_or_bad_code_means_the_current_semester(app, code):
    with app.app_context():
        assert calendar.semester_for(code, now=NOW).code == "2026-2027-1"


def test_the_semester_page_lists_my_shifts_and_navigates(client, login, db, world):
    shift = data.shift(world["task"], starts_in=timedelta(days=1))
    signups.sign_up(shift, world["me"])
    db.session.commit()
    login(world["me"])

    body = client.get("/reliability/semester").get_data(as_text=True)
    assert body.count('data-testid="semester-entry"') == 1
    assert "总服务台值班" in body
    previous = current_semester(utcnow()).preceding().code
    assert f"semester={previous}" in body
    other = client.get(f"/reliability/semester?semester={previous}")
    assert other.status_code == 200
    assert 'data-testid="semester-entry"' not in other.get_data(as_text=True)
    assert client.get("/reliability/semester?semester=junk").status_code == 200
