"""The sign-up rules, as service calls."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import Conflict, Forbidden, InvalidInput
from app.notifications.models import Notification
from app.recruitment import profiles
from app.shifts import eligibility, shift_lists, signups
from app.shifts.models import TrainingRecord
from tests.recruitment import recruiting
from tests.shifts import signup_data as data

NOW = datetime(2026, 3, 2, 2, 0)  # Monday 10:00 in Shanghai


@pytest.fixture
def team(db):
    return data.team()


def kinds_sent(user) -> list[str]:
    return list(
        signups.db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    )


def test_signing_up_confirms_until_full_then_waitlists_in_order(team):
    shift = data.shift(data.task(team), capacity=2, now=NOW)
    people = [data.member(team) for _ in range(4)]
    entries = [signups.sign_up(shift, person, now=NOW) for person in people]
    assert [s.status for s in entries] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [s.ticket for s in entries] == [1, 2, 3, 4]
    assert shift.confirmed_count == 2
    assert [signups.waitlist_position(s) for s in entries] == [0, 0, 1, 2]
    actions = signups.db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "shifts.signed_up")
    ).all()
    assert len(actions) == 4


def test_signing_up_twice_is_a_conflict(team):
    shift = data.shift(data.task(team), now=NOW)
    person = data.member(team)
    signups.sign_up(shift, person, now=NOW)
    with pytest.raises(Conflict):
        signups.sign_up(shift, person, now=NOW)


def test_overlapping_shifts_are_refused_naming_the_other(team):
    first = data.shift(data.task(team, title="书库整架"), now=NOW)
    other = data.shift(
        data.task(team, title="读者引导"), starts_in=timedelta(days=2, hours=1), now=NOW
    )
    person = data.member(team)
    signups.sign_up(first, person, now=NOW)
    with pytest.raises(InvalidInput, match="书库整架"):
        signups.sign_up(other, person, now=NOW)


def test_eligibility_lists_every_missing_requirement(team):
    team.requires_onboarding = True
    training = data.task(team, title="新人培训", kind="training", is_onboarding=True)
    task = data.task(team, required_training_ids=[training.id], required_skills=["英语"])
    shift = data.shift(task, now=NOW)
    person = data.member(team, onboarded=False)
    result = eligibility.shift_eligibility(shift, person, now=NOW)
    assert not result.ok
    text = " ".join(result.reasons)
    assert "入队培训" in text and "新人培训" in text and "英语" in text
    with pytest.raises(InvalidInput):
        signups.sign_up(shift, person, now=NOW)
    # The onboarding training itself is open to members not yet onboarded.
    assert eligibility.shift_eligibility(data.shift(training, now=NOW), person, now=NOW).ok


def test_meeting_the_requirements_makes_a_person_eligible(team):
    training = data.task(team, title="新人培训", kind="training")
    task = data.task(team, required_training_ids=[training.id], required_skills=["英语"])
    shift = data.shift(task, now=NOW)
    person = data.member(team)
    signups.db.session.add(TrainingRecord(user_id=person.id, task_id=training.id))
    profiles.update_profile(person, skills=["英语"], availability={}, introduction="")
    assert eligibility.shift_eligibility(shift, person, now=NOW).ok
    assert [t.title for t in profiles.trainings_completed(person.id)] == ["新人培训"]


def test_non_members_started_and_cancelled_shifts_are_not_open(team):
    shift = data.shift(data.task(team), now=NOW)
    outsider = recruiting.applicant("路人")
    assert not eligibility.shift_eligibility(shift, outsider, now=NOW).ok
    person = data.member(team)
    assert not eligibility.shift_eligibility(shift, person, now=shift.starts_at).ok
    shift.status = "cancelled"
    assert not eligibility.shift_eligibility(shift, person, now=NOW).ok


def test_cancelling_a_place_promotes_the_first_eligible_waiting_person(team):
    shift = data.shift(data.task(team), capacity=1, now=NOW)
    holder, first, second = (data.member(team) for _ in range(3))
    held = signups.sign_up(shift, holder, now=NOW)
    waiting_first = signups.sign_up(shift, first, now=NOW)
    waiting_second = signups.sign_up(shift, second, now=NOW)
    # The first in line left the team meanwhile: they are skipped, not promoted.
    signups.members.find_membership(team.id, first.id).status = "paused"
    signups.cancel(held, actor=holder, now=NOW)
    assert held.status == "cancelled" and not held.late_cancellation
    assert waiting_first.status == "waitlisted"
    assert waiting_second.status == "confirmed"
    assert shift.confirmed_count == 1
    assert "shifts.promoted" in kinds_sent(second)


def test_after_the_deadline_only_a_coordinator_can_release(team):
    shift = data.shift(data.task(team), starts_in=timedelta(hours=5), now=NOW)
    person = data.member(team)
    signup = signups.sign_up(shift, person, now=NOW)
    with pytest.raises(Forbidden, match="指导老师"):
        signups.cancel(signup, actor=person, now=NOW)
    teacher = recruiting.coordinator(team)
    signups.cancel(signup, actor=teacher, now=NOW)
    assert signup.status == "cancelled" and signup.late_cancellation
    assert shift.confirmed_count == 0


def test_someone_else_cannot_cancel_my_signup(team):
    shift = data.shift(data.task(team), now=NOW)
    signup = signups.sign_up(shift, data.member(team), now=NOW)
    with pytest.raises(Forbidden):
        signups.cancel(signup, actor=data.member(team), now=NOW)
    signups.cancel(signup, actor=signup.user, now=NOW)
    with pytest.raises(Conflict):
        signups.cancel(signup, actor=signup.user, now=NOW)


def test_coordinator_assigns_and_removes_with_notifications(team):
    shift = data.shift(data.task(team), capacity=1, now=NOW)
    teacher = recruiting.coordinator(team)
    first, second = data.member(team), data.member(team)
    assigned = signups.assign(shift, first, actor=teacher, now=NOW)
    waiting = signups.assign(shift, second, actor=teacher, now=NOW)
    assert (assigned.status, waiting.status) == ("confirmed", "waitlisted")
    assert assigned.assigned_by_id == teacher.id
    signups.remove(assigned, actor=teacher, now=NOW)
    assert waiting.status == "confirmed"
    assert "shifts.assigned" in kinds_sent(first) and "shifts.removed" in kinds_sent(first)
    assert "shifts.promoted" in kinds_sent(second)
    with pytest.raises(Forbidden):
        signups.assign(shift, first, actor=data.member(team), now=NOW)


def test_signing_up_again_after_cancelling_goes_to_the_back(team):
    shift = data.shift(data.task(team), capacity=1, now=NOW)
    person, other = data.member(team), data.member(team)
    signup = signups.sign_up(shift, person, now=NOW)
    signups.cancel(signup, actor=person, now=NOW)
    signups.sign_up(shift, other, now=NOW)
    again = signups.sign_up(shift, person, now=NOW)
    assert again.id == signup.id and again.status == "waitlisted" and again.ticket == 3


def test_open_shifts_show_fill_my_status_and_filters(team):
    desk = data.task(team, title="总服务台", location="一楼")
    shelves = data.task(team, title="书库整架", location="三楼")
    full = data.shift(desk, capacity=1, now=NOW)
    later = data.shift(shelves, starts_in=timedelta(days=9), now=NOW)
    data.shift(desk, starts_in=timedelta(days=-1), now=NOW)  # already over
    other_team_shift = data.shift(data.task(data.team()), now=NOW)
    person = data.member(team)
    signups.sign_up(full, data.member(team), now=NOW)
    signups.sign_up(full, person, now=NOW)
    rows = shift_lists.open_shifts(person, now=NOW)
    assert [row.shift.id for row in rows] == [full.id, later.id]
    assert other_team_shift.id not in [row.shift.id for row in rows]
    assert rows[0].full and rows[0].signup.status == "waitlisted" and rows[0].position == 1
    assert rows[1].signup is None and rows[1].eligibility.ok
    assert [r.shift.id for r in shift_lists.open_shifts(person, now=NOW, location="三楼")] == [
        later.id
    ]
    assert [r.shift.id for r in shift_lists.open_shifts(person, now=NOW, task_id=desk.id)] == [
        full.id
    ]
    week = (NOW + timedelta(days=7)).date()
    assert [r.shift.id for r in shift_lists.open_shifts(person, now=NOW, week=week)] == [later.id]


def test_my_shifts_lists_upcoming_and_past(team):
    task = data.task(team)
    past = data.shift(task, starts_in=timedelta(days=-3), now=NOW)
    coming = data.shift(task, now=NOW)
    person = data.member(team)
    signups.sign_up(coming, person, now=NOW)
    signups.sign_up(past, person, now=NOW - timedelta(days=5))
    mine = shift_lists.my_shifts(person, now=NOW)
    assert [s.shift_id for s in mine.upcoming] == [coming.id] and mine.running == []
    assert [s.shift_id for s in mine.past] == [past.id]


def test_a_place_freed_between_the_full_shifts_two_updates_is_taken_not_left_empty(team, db):
    """The sign-up finds the shift full, and a place is given back (another transaction's
    cancellation, committed) before it takes its ticket: it gets that place, not the waitlist."""
    from sqlalchemy import event

    shift = data.shift(data.task(team), capacity=1, now=NOW)
    signups.sign_up(shift, data.member(team), now=NOW)
    late = data.member(team)

    def free_a_place(conn, _cursor, statement, _params, _context, _many) -> None:
        if statement.startswith("UPDATE shifts SET confirmed_count") and _cursor.rowcount == 0:
            conn.exec_driver_sql(f"UPDATE shifts SET confirmed_count = 0 WHERE id = {shift.id}")

    event.listen(db.engine, "after_cursor_execute", free_a_place)
    try:
        signup = signups.sign_up(shift, late, now=NOW)
    finally:
        event.remove(db.engine, "after_cursor_execute", free_a_place)

    assert (signup.status, signup.ticket) == ("confirmed", 2)
    db.session.expire(shift)
    assert shift.confirmed_count == 1
