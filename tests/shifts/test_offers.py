"""The waitlist "offer" mode: a freed place is held for the first person waiting, who
accepts or declines it; the job passes offers that ran out on (with an injected clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.notifications.models import Notification
from app.shifts import jobs, offers, signups
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


def full_shift(team, *, waiting: int = 2, offer_hours: int = 2, **shift_args):
    """A shift of capacity 1 in the offer mode: its holder and the people waiting."""
    task = data.task(team, waitlist_mode="offer", offer_hours=offer_hours)
    shift = data.shift(task, capacity=1, now=NOW, **shift_args)
    holder = signups.sign_up(shift, data.member(team), now=NOW)
    queue = [signups.sign_up(shift, data.member(team), now=NOW) for _ in range(waiting)]
    return shift, holder, queue


def test_a_freed_place_is_offered_and_held_for_the_first_in_line(team):
    shift, holder, (first, second) = full_shift(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    assert first.status == "offered" and second.status == "waitlisted"
    assert first.offer_expires_at == NOW + timedelta(hours=2)
    # The held place counts as taken: a newcomer joins the waitlist.
    assert shift.confirmed_count == 1
    newcomer = signups.sign_up(shift, data.member(team), now=NOW)
    assert newcomer.status == "waitlisted"
    assert "shifts.place_offered" in kinds_sent(first.user)
    assert "shifts.place_offered" not in kinds_sent(second.user)


def test_accepting_confirms_the_place(team):
    shift, holder, (first, _second) = full_shift(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    offers.accept_offer(first, actor=first.user, now=NOW + timedelta(hours=1))
    assert first.status == "confirmed" and shift.confirmed_count == 1
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "shifts.offer_accepted", AuditEntry.object_id == str(first.id)
        )
    )


def test_declining_passes_the_place_to_the_next(team):
    shift, holder, (first, second) = full_shift(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    offers.decline_offer(first, actor=first.user, now=NOW)
    assert first.status == "cancelled" and not first.late_cancellation
    assert second.status == "offered"
    assert shift.confirmed_count == 1


def test_only_the_person_can_answer_and_only_before_the_deadline(team):
    _shift, holder, (first, _second) = full_shift(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    with pytest.raises(Forbidden):
        offers.accept_offer(first, actor=data.member(team), now=NOW)
    with pytest.raises(Conflict):
        offers.accept_offer(first, actor=first.user, now=NOW + timedelta(hours=2))
    assert first.status == "offered"
    offers.accept_offer(first, actor=first.user, now=NOW + timedelta(minutes=5))
    with pytest.raises(Conflict):
        offers.decline_offer(first, actor=first.user, now=NOW)
    assert first.status == "confirmed"


def test_the_job_passes_offers_that_ran_out_on(team):
    shift, holder, (first, second) = full_shift(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    assert jobs.expire_offers(now=NOW + timedelta(hours=1)) == {
        "offers_expired": 0,
        "handovers_expired": 0,
    }
    assert first.status == "offered"
    later = NOW + timedelta(hours=2)
    assert jobs.expire_offers(now=later)["offers_expired"] == 1
    assert first.status == "cancelled" and not first.late_cancellation
    assert "shifts.offer_expired" in kinds_sent(first.user)
    assert second.status == "offered" and second.offer_expires_at == later + timedelta(hours=2)
    assert shift.confirmed_count == 1
    # Running the job again changes nothing.
    assert jobs.expire_offers(now=later)["offers_expired"] == 0
    assert kinds_sent(first.user).count("shifts.offer_expired") == 1


def test_an_offer_ends_before_the_start_and_late_places_are_given_at_once(team):
    shift, holder, (first, second) = full_shift(team, starts_in=timedelta(hours=1))
    signups.cancel(holder, actor=recruiting.coordinator(team), now=NOW)
    # Two offer hours would run past the start: the offer closes 15 minutes before it.
    assert first.status == "offered"
    assert first.offer_expires_at == shift.starts_at - signups.OFFER_CLOSES_BEFORE_START
    # When it runs out there is no time left for another offer: the next is confirmed.
    offers.expire_offers(now=first.offer_expires_at)
    assert first.status == "cancelled"
    assert second.status == "confirmed"
    assert "shifts.promoted" in kinds_sent(second.user)
    assert shift.confirmed_count == 1


def test_people_no_longer_eligible_are_skipped(team):
    _shift, holder, (first, second) = full_shift(team)
    signups.members.find_membership(team.id, first.user_id).status = "paused"
    signups.cancel(holder, actor=holder.user, now=NOW)
    assert first.status == "waitlisted" and second.status == "offered"


def test_a_coordinator_removing_an_offered_person_passes_the_place_on(team):
    shift, holder, (first, second) = full_shift(team)
    teacher = recruiting.coordinator(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    signups.remove(first, actor=teacher, now=NOW)
    assert second.status == "offered" and shift.confirmed_count == 1


def test_an_offered_place_can_be_left_like_a_waitlist_place(team):
    _shift, holder, (first, second) = full_shift(team, starts_in=timedelta(hours=5))
    signups.cancel(holder, actor=recruiting.coordinator(team), now=NOW)
    # Past the cancel deadline, but declining an offer is never a late cancellation.
    assert signups.self_cancel_refusal(first, now=NOW) is None
    signups.cancel(first, actor=first.user, now=NOW)
    assert first.status == "cancelled" and not first.late_cancellation
    assert second.status == "offered"


def test_offers_on_a_cancelled_shift_end_without_a_second_message(team):
    shift, holder, (first, _second) = full_shift(team)
    signups.cancel(holder, actor=holder.user, now=NOW)
    shift.status = "cancelled"
    offers.expire_offers(now=first.offer_expires_at)
    assert first.status == "cancelled"
    assert "shifts.offer_expired" not in kinds_sent(first.user)


def test_the_automatic_mode_still_confirms_at_once(team):
    shift = data.shift(data.task(team), capacity=1, now=NOW)
    holder = signups.sign_up(shift, data.member(team), now=NOW)
    waiting = signups.sign_up(shift, data.member(team), now=NOW)
    signups.cancel(holder, actor=holder.user, now=NOW)
    assert waiting.status == "confirmed" and waiting.offer_expires_at is None
