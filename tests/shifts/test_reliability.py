"""Reliability: no-shows marked after a shift, excusing them, the sign-up pause and its
lifting, the volunteer's record, the dashboard's no-show rate and the coordinator's page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import hooks
from app.audit.models import AuditEntry
from app.checkin import presence  # noqa: F401  (registers the attendance provider)
from app.checkin.models import Attendance
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db as _db
from app.notifications.models import Notification
from app.recruitment import membership as members
from app.shifts import reliability, signups
from app.shifts.eligibility import shift_eligibility
from app.shifts.models import Shift, ShiftSignup, SignupPause
from tests.recruitment import recruiting
from tests.shifts import signup_data as data

# Monday 12 October 2026, 10:00 in Shanghai: semester 2026-2027-1.
NOW = datetime(2026, 10, 12, 2, 0)


@pytest.fixture
def world(db):
    team = data.team(name="阅览室志愿者队")
    other = data.team(name="古籍修复队")
    boss = recruiting.coordinator(team, name="A队老师")
    other_boss = recruiting.coordinator(other, name="B队老师")
    task = data.task(team, title="总服务台值班")
    db.session.commit()
    return {"team": team, "other": other, "boss": boss, "other_boss": other_boss, "task": task}


def past_shift(
    task, *, ended_ago: timedelta = timedelta(hours=1), capacity: int = 3, at: datetime = NOW
) -> Shift:
    """A shift of three hours that ended `ended_ago` before `at`."""
    return data.shift(
        task, starts_in=-(ended_ago + timedelta(hours=3)), hours=3, capacity=capacity, now=at
    )


def confirmed(shift: Shift, person) -> ShiftSignup:
    return signups.sign_up(shift, person, now=shift.starts_at - timedelta(days=3))


def attend(signup: ShiftSignup, *, status: str = "out") -> Attendance:
    row = Attendance(
        shift_id=signup.shift_id,
        user_id=signup.user_id,
        signup_id=signup.id,
        status=status,
        checked_in_at=signup.shift.starts_at,
        check_in_method="kiosk",
    )
    _db.session.add(row)
    _db.session.flush()
    return row


def kinds_for(db, person) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == person.id)
            .order_by(Notification.id)
        )
    )


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def no_show(
    task, person, *, ended_ago=timedelta(hours=1), at: datetime = NOW, assigned_by=None
) -> ShiftSignup:
    """A shift `person` was confirmed for (or assigned to) and missed, marked by the job
    at `at`."""
    shift = past_shift(task, ended_ago=ended_ago, at=at)
    if assigned_by is None:
        signup = confirmed(shift, person)
    else:
        signup = signups.assign(shift, person, actor=assigned_by, now=shift.starts_at)
    reliability.mark_no_shows(now=at)
    return signup


# --- Marking ---------------------------------------------------------------------------------


def test_people_without_check_in_are_marked_after_the_grace_period(db, world):
    shift = past_shift(world["task"], ended_ago=timedelta(minutes=10), capacity=3)
    came = confirmed(shift, data.member(world["team"], name="来了"))
    absent = confirmed(shift, data.member(world["team"], name="没来"))
    undone = confirmed(shift, data.member(world["team"], name="撤销"))
    attend(came)
    attend(undone, status="undone")

    assert reliability.mark_no_shows(now=NOW) == 0  # still within the grace period
    later = NOW + timedelta(minutes=21)
    assert reliability.mark_no_shows(now=later) == 2
    assert came.no_show_at is None
    assert absent.no_show_at == later
    assert undone.no_show_at == later
    assert kinds_for(db, absent.user) == ["shifts.no_show"]
    assert kinds_for(db, came.user) == []
    assert audit_actions(db).count("shifts.no_show_marked") == 2
    # Running the job again changes nothing.
    assert reliability.mark_no_shows(now=later + timedelta(minutes=5)) == 0
    assert kinds_for(db, absent.user) == ["shifts.no_show"]


def test_waitlisted_cancelled_and_cancelled_shifts_are_never_no_shows(db, world):
    shift = past_shift(world["task"], capacity=1)
    confirmed(shift, data.member(world["team"]))
    waiting = confirmed(shift, data.member(world["team"]))
    assert waiting.status == "waitlisted"
    called_off = past_shift(world["task"])
    person = confirmed(called_off, data.member(world["team"]))
    called_off.status = "cancelled"
    db.session.flush()

    assert reliability.mark_no_shows(now=NOW) == 1
    assert waiting.no_show_at is None
    assert person.no_show_at is None


def test_without_attendance_data_nobody_is_marked(db, world, monkeypatch):
    monkeypatch.setattr(hooks.ATTENDANCE, "providers", [])
    signup = confirmed(past_shift(world["task"]), data.member(world["team"]))

    assert reliability.mark_no_shows(now=NOW) == 0
    assert signup.no_show_at is None


def test_shifts_older_than_the_look_back_are_left_alone(db, world):
    signup = confirmed(
        past_shift(world["task"], ended_ago=timedelta(days=8)), data.member(world["team"])
    )

    assert reliability.mark_no_shows(now=NOW) == 0
    assert signup.no_show_at is None


# --- Excusing --------------------------------------------------------------------------------


def test_a_coordinator_excuses_a_no_show_with_a_reason(db, world):
    signup = no_show(world["task"], data.member(world["team"]))
    assert signup.no_show_at is not None

    with pytest.raises(InvalidInput):
        reliability.excuse_no_show(signup, reason="  ", actor=world["boss"], now=NOW)
    with pytest.raises(Forbidden):
        reliability.excuse_no_show(signup, reason="病假", actor=world["other_boss"], now=NOW)
    reliability.excuse_no_show(signup, reason="病假条已交", actor=world["boss"], now=NOW)

    assert signup.no_show_at is None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "shifts.no_show_excused")
    )
    assert entry.actor_id == world["boss"].id
    assert entry.note == "病假条已交"
    # The job does not mark an excused sign-up again, and it cannot be excused twice.
    assert reliability.mark_no_shows(now=NOW + timedelta(minutes=10)) == 0
    assert signup.no_show_at is None
    with pytest.raises(Conflict):
        reliability.excuse_no_show(signup, reason="再次", actor=world["boss"], now=NOW)


# --- Pausing ---------------------------------------------------------------------------------


@pytest.fixture
def pause_after_two(app, monkeypatch):
    monkeypatch.setitem(app.config, "NO_SHOW_PAUSE_AFTER", 2)


def test_enough_no_shows_in_a_semester_pause_self_sign_up(db, world, pause_after_two):
    person = data.member(world["team"])
    no_show(world["task"], person, ended_ago=timedelta(days=2))
    assert reliability.paused_team_ids(person.id) == set()

    no_show(world["task"], person)

    assert reliability.paused_team_ids(person.id) == {world["team"].id}
    pause = db.session.scalar(select(SignupPause))
    assert (pause.semester, pause.no_shows) == ("2026-2027-1", 2)
    assert kinds_for(db, person).count("shifts.paused") == 1
    coming = data.shift(world["task"], starts_in=timedelta(days=2), now=NOW)
    eligibility = shift_eligibility(coming, person, now=NOW)
    assert not eligibility.ok
    # Another no-show while paused (a coordinator assigned them) adds no second pause.
    no_show(world["task"], person, ended_ago=timedelta(days=1), assigned_by=world["boss"])
    assert db.session.query(SignupPause).count() == 1


def test_no_shows_in_another_team_or_semester_do_not_add_up(db, world, pause_after_two):
    person = data.member(world["team"])
    restoring = data.task(world["other"], title="古籍修复")
    members.join_team(world["other"].id, person.id).onboarded = True
    no_show(world["task"], person)
    no_show(restoring, person, ended_ago=timedelta(days=1))
    # Last semester (before 1 September 2026).
    old = data.shift(world["task"], starts_in=timedelta(days=-60), now=NOW)
    old_signup = signups.sign_up(old, person, now=old.starts_at - timedelta(days=1))
    old_signup.no_show_at = old.ends_at + timedelta(hours=1)
    db.session.flush()
    no_show(world["task"], person, ended_ago=timedelta(days=2))

    assert reliability.paused_team_ids(person.id) == {world["team"].id}
    assert db.session.scalar(select(SignupPause.no_shows)) == 2


def test_pausing_can_be_switched_off(db, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "NO_SHOW_PAUSE_AFTER", 0)
    person = data.member(world["team"])
    for hours in (1, 5, 9):
        no_show(world["task"], person, ended_ago=timedelta(hours=hours))

    assert reliability.paused_team_ids(person.id) == set()


def test_a_lifted_pause_comes_back_only_with_a_new_no_show(db, world, pause_after_two):
    person = data.member(world["team"])
    no_show(world["task"], person, ended_ago=timedelta(days=2))
    no_show(world["task"], person)
    pause = db.session.scalar(select(SignupPause))

    with pytest.raises(InvalidInput):
        reliability.lift_pause(pause, note=" ", actor=world["boss"], now=NOW)
    with pytest.raises(Forbidden):
        reliability.lift_pause(pause, note="谈过了", actor=world["other_boss"], now=NOW)
    reliability.lift_pause(pause, note="谈过了，下不为例", actor=world["boss"], now=NOW)

    assert reliability.paused_team_ids(person.id) == set()
    assert (pause.lifted_by_id, pause.lift_note) == (world["boss"].id, "谈过了，下不为例")
    assert "shifts.pause_lifted" in kinds_for(db, person)
    assert "shifts.pause_lifted" in audit_actions(db)
    with pytest.raises(Conflict):
        reliability.lift_pause(pause, note="again", actor=world["boss"], now=NOW)
    # The job running again over the same no-shows does not pause again …
    reliability.mark_no_shows(now=NOW + timedelta(minutes=5))
    assert reliability.paused_team_ids(person.id) == set()
    # … a new no-show after the lift does.
    no_show(world["task"], person, at=NOW + timedelta(hours=6))
    assert reliability.paused_team_ids(person.id) == {world["team"].id}
    assert db.session.query(SignupPause).count() == 2


# --- The record and the rate -----------------------------------------------------------------


def test_the_volunteer_sees_no_shows_and_late_cancellations_by_semester(db, world):
    person = data.member(world["team"])
    assert reliability.reliability_summary(person, now=NOW).clean
    missed = no_show(world["task"], person)
    old = data.shift(world["task"], starts_in=timedelta(days=-60), now=NOW)
    old_signup = signups.sign_up(old, person, now=old.starts_at - timedelta(days=1))
    old_signup.no_show_at = old.ends_at
    coming = data.shift(world["task"], starts_in=timedelta(hours=3), now=NOW)
    late = signups.sign_up(coming, person, now=NOW - timedelta(days=1))
    signups.cancel(late, actor=world["boss"], now=NOW)
    db.session.flush()

    summary = reliability.reliability_summary(person, now=NOW)

    assert not summary.clean
    assert summary.semester.code == "2026-2027-1"
    assert summary.no_shows == [missed]
    assert summary.late_cancellations == [late]
    assert summary.earlier_no_shows == [old_signup]
    assert summary.earlier_late_cancellations == []
    assert summary.pauses == []


def test_no_show_rate_per_task_over_ended_shifts(db, world):
    shift = past_shift(world["task"], capacity=4)
    people = [confirmed(shift, data.member(world["team"])) for _ in range(4)]
    for signup in people[:3]:
        attend(signup)
    reliability.mark_no_shows(now=NOW)
    quiet = data.task(world["team"], title="新任务")

    rates = reliability.no_show_rates([world["task"].id, quiet.id], now=NOW)

    assert rates == {world["task"].id: 0.25}
    assert reliability.no_show_rates in hooks.NO_SHOW_RATES.providers


# --- Pages -----------------------------------------------------------------------------------


@pytest.fixture
def marked(db, world, app, monkeypatch):
    """A volunteer with a no-show and an active pause, at the real clock."""
    monkeypatch.setitem(app.config, "NO_SHOW_PAUSE_AFTER", 1)
    person = data.member(world["team"], name="王五")
    shift = data.shift(world["task"], starts_in=timedelta(hours=-5), hours=3)
    signup = signups.sign_up(shift, person, now=shift.starts_at - timedelta(days=1))
    reliability.mark_no_shows()
    db.session.commit()
    assert signup.no_show_at is not None
    return {
        **world,
        "person": person,
        "signup": signup,
        "pause": db.session.scalar(select(SignupPause)),
    }


def test_the_volunteer_page_shows_the_record_and_the_pause(client, login, marked):
    login(marked["person"])
    body = client.get("/reliability/me").get_data(as_text=True)

    assert 'data-testid="reliability"' in body
    assert f'data-testid="pause-{marked["team"].id}"' in body
    assert "总服务台值班" in body


@pytest.mark.parametrize("who, status", [("person", 403), ("other_boss", 200), ("boss", 200)])
def test_only_coordinators_open_the_reliability_page(client, login, marked, who, status):
    login(marked[who])
    response = client.get("/reliability/")

    assert response.status_code == status
    if who == "other_boss":
        assert "王五" not in response.get_data(as_text=True)
    if who == "boss":
        assert f'data-testid="pause-{marked["pause"].id}"' in response.get_data(as_text=True)


def test_another_teams_coordinator_can_neither_lift_nor_excuse(client, login, marked):
    login(marked["other_boss"])
    pause_id, signup_id = marked["pause"].id, marked["signup"].id

    assert (
        client.post(f"/reliability/pauses/{pause_id}/lift", data={"note": "x"}).status_code == 403
    )
    response = client.post(f"/reliability/no-shows/{signup_id}/excuse", data={"reason": "x"})
    assert response.status_code == 403
    assert reliability.paused_team_ids(marked["person"].id) == {marked["team"].id}


def test_a_coordinator_lifts_and_excuses_through_the_page(client, login, marked, db):
    login(marked["boss"])
    pause_id, signup_id = marked["pause"].id, marked["signup"].id
    client.post(f"/reliability/pauses/{pause_id}/lift", data={"note": ""})
    assert reliability.paused_team_ids(marked["person"].id) == {marked["team"].id}

    client.post(f"/reliability/pauses/{pause_id}/lift", data={"note": "已谈话"})
    client.post(f"/reliability/no-shows/{signup_id}/excuse", data={"reason": "请过假"})

    db.session.expire_all()
    assert reliability.paused_team_ids(marked["person"].id) == set()
    assert db.session.get(ShiftSignup, signup_id).no_show_at is None
    response = client.post("/reliability/no-shows/999999/excuse", data={"reason": "x"})
    assert response.status_code == 404
