"""Handing a shift place over to another volunteer, as service calls."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.notifications.models import Notification
from app.shifts import handovers, offers, signups
from app.shifts.models import ShiftHandover
from tests.recruitment import recruiting
from tests.shifts import signup_data as data

NOW = datetime(2026, 3, 2, 2, 0)  # Monday 10:00 in Shanghai


@pytest.fixture
def team(db):
    return data.team()


def kinds_sent(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id))
    )


def offered_place(team, *, approval: bool = False, capacity: int = 2, **shift_args):
    """A confirmed volunteer who offers their place: (shift, their sign-up, the offer)."""
    task = data.task(team, swap_needs_approval=approval)
    shift = data.shift(task, capacity=capacity, now=NOW, **shift_args)
    signup = signups.sign_up(shift, data.member(team, name="赵六"), now=NOW)
    handover = handovers.offer_place(signup, actor=signup.user, note="家里有事", now=NOW)
    return shift, signup, handover


def test_taking_over_swaps_the_places_at_once(team):
    shift, signup, handover = offered_place(team)
    taker = data.member(team)
    handovers.take_over(handover, taker, now=NOW)
    assert handover.status == "completed" and handover.to_user_id == taker.id
    assert signup.status == "cancelled" and not signup.late_cancellation
    mine = signups.existing_signup(shift, taker.id)
    assert mine.status == "confirmed"
    assert shift.confirmed_count == 1
    assert "shifts.handover_taken" in kinds_sent(signup.user)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shifts.handed_over"))
    assert entry.after["to_user_id"] == taker.id and entry.after["handover_id"] == handover.id


def test_a_place_can_be_offered_past_the_cancel_deadline(team):
    _shift, signup, handover = offered_place(team, starts_in=timedelta(hours=3))
    assert signups.self_cancel_refusal(signup, now=NOW) is not None
    handovers.take_over(handover, data.member(team), now=NOW)
    assert signup.status == "cancelled" and not signup.late_cancellation


def test_one_open_offer_per_signup_and_it_can_be_withdrawn(team):
    _shift, signup, handover = offered_place(team)
    with pytest.raises(Conflict):
        handovers.offer_place(signup, actor=signup.user, now=NOW)
    with pytest.raises(Forbidden):
        handovers.withdraw(handover, actor=data.member(team), now=NOW)
    handovers.withdraw(handover, actor=signup.user, now=NOW)
    assert handover.status == "withdrawn"
    with pytest.raises(Conflict):
        handovers.take_over(handover, data.member(team), now=NOW)
    again = handovers.offer_place(signup, actor=signup.user, now=NOW)
    assert again.status == "open" and again.id != handover.id


def test_only_my_own_confirmed_place_before_the_start(team):
    shift = data.shift(data.task(team), capacity=1, now=NOW)
    holder = signups.sign_up(shift, data.member(team), now=NOW)
    waiting = signups.sign_up(shift, data.member(team), now=NOW)
    with pytest.raises(Forbidden):
        handovers.offer_place(holder, actor=waiting.user, now=NOW)
    with pytest.raises(InvalidInput):
        handovers.offer_place(waiting, actor=waiting.user, now=NOW)
    with pytest.raises(InvalidInput):
        handovers.offer_place(holder, actor=holder.user, now=shift.starts_at)
    with pytest.raises(InvalidInput):
        handovers.offer_place(holder, actor=holder.user, note="长" * 501, now=NOW)
    assert db.session.scalar(select(ShiftHandover.id)) is None


def test_takers_must_be_eligible_free_and_not_on_the_shift_yet(team):
    shift, signup, handover = offered_place(team)
    with pytest.raises(InvalidInput):
        handovers.take_over(handover, signup.user, now=NOW)
    with pytest.raises(InvalidInput):
        handovers.take_over(handover, recruiting.applicant("路人"), now=NOW)
    busy = data.member(team)
    other = data.shift(
        data.task(team, title="书库整架"), starts_in=timedelta(days=2, hours=1), now=NOW
    )
    signups.sign_up(other, busy, now=NOW)
    with pytest.raises(InvalidInput, match="书库整架"):
        handovers.take_over(handover, busy, now=NOW)
    already = data.member(team)
    signups.sign_up(shift, already, now=NOW)
    with pytest.raises(Conflict):
        handovers.take_over(handover, already, now=NOW)
    assert handover.status == "open" and signup.status == "confirmed"


def test_a_waitlisted_taker_keeps_their_own_row(team):
    shift, signup, handover = offered_place(team, capacity=1)
    waiting_person = data.member(team)
    waiting = signups.sign_up(shift, waiting_person, now=NOW)
    assert waiting.status == "waitlisted"
    handovers.take_over(handover, waiting_person, now=NOW)
    assert waiting.status == "confirmed" and signups.waitlist_position(waiting) == 0
    assert shift.confirmed_count == 1 and signup.status == "cancelled"


def test_with_approval_the_coordinators_decide(team):
    teacher = recruiting.coordinator(team)
    shift, signup, handover = offered_place(team, approval=True)
    taker = data.member(team)
    handovers.take_over(handover, taker, now=NOW)
    assert handover.status == "pending" and handover.to_user_id == taker.id
    assert signup.status == "confirmed"
    assert "shifts.handover_requested" in kinds_sent(teacher)
    assert handovers.pending_handovers(teacher, now=NOW) == [handover]
    assert handovers.pending_handovers(recruiting.coordinator(data.team()), now=NOW) == []
    with pytest.raises(Conflict):
        handovers.take_over(handover, data.member(team), now=NOW)
    with pytest.raises(Conflict):
        handovers.withdraw(handover, actor=signup.user, now=NOW)
    handovers.approve(handover, actor=teacher, now=NOW)
    assert handover.status == "completed" and handover.decided_by_id == teacher.id
    assert signup.status == "cancelled"
    assert signups.existing_signup(shift, taker.id).status == "confirmed"
    assert shift.confirmed_count == 1
    assert "shifts.handover_approved" in kinds_sent(taker)
    assert "shifts.handover_taken" in kinds_sent(signup.user)


def test_refusing_keeps_the_place_and_offers_it_again(team):
    teacher = recruiting.coordinator(team)
    shift, signup, handover = offered_place(team, approval=True)
    taker = data.member(team)
    handovers.take_over(handover, taker, now=NOW)
    with pytest.raises(Forbidden):
        handovers.refuse(handover, actor=recruiting.coordinator(data.team()), now=NOW)
    handovers.refuse(handover, actor=teacher, now=NOW)
    assert handover.status == "refused" and signup.status == "confirmed"
    assert signups.existing_signup(shift, taker.id) is None
    assert "shifts.handover_refused" in kinds_sent(taker)
    reopened = handovers.open_offer(signup)
    assert reopened.status == "open" and reopened.note == "家里有事"
    with pytest.raises(Conflict):
        handovers.approve(handover, actor=teacher, now=NOW)
    action = db.session.scalar(
        select(AuditEntry.action).where(AuditEntry.action == "shifts.handover_refused")
    )
    assert action


def test_leaving_the_shift_withdraws_the_offer(team):
    _shift, signup, handover = offered_place(team)
    signups.cancel(signup, actor=signup.user, now=NOW)
    db.session.expire(handover)
    assert handover.status == "withdrawn"
    with pytest.raises(Conflict):
        handovers.take_over(handover, data.member(team), now=NOW)


def test_offers_of_started_shifts_expire_with_the_job(team):
    shift, signup, handover = offered_place(team)
    assert offers.expire_offers(now=NOW)["handovers_expired"] == 0
    assert offers.expire_offers(now=shift.starts_at)["handovers_expired"] == 1
    db.session.expire(handover)
    assert handover.status == "expired" and signup.status == "confirmed"
    assert offers.expire_offers(now=shift.starts_at)["handovers_expired"] == 0


def test_volunteers_see_only_offers_they_could_take(team):
    shift, signup, handover = offered_place(team)
    free = data.member(team)
    assert handovers.available_handovers(free, now=NOW) == [handover]
    assert handovers.available_handovers(signup.user, now=NOW) == []
    on_it = data.member(team)
    signups.sign_up(shift, on_it, now=NOW)
    assert handovers.available_handovers(on_it, now=NOW) == []
    busy = data.member(team)
    other = data.shift(data.task(team), starts_in=timedelta(days=2, hours=2), now=NOW)
    signups.sign_up(other, busy, now=NOW)
    assert handovers.available_handovers(busy, now=NOW) == []
    assert handovers.available_handovers(data.member(data.team()), now=NOW) == []
    assert handovers.available_handovers(free, now=shift.starts_at) == []
    assert handovers.offers_of(signup.user, now=NOW) == [handover]
