"""Waitlist offers (a task's waitlist mode "offer"): the person offered a freed place
accepts or declines it on "My shifts"; the job passes offers that ran out to the next
person on the waitlist, and closes handover offers of shifts that have started.

`signups.promote_waitlist` makes the offers (see `signups.offer_deadline` for how long
one lasts and when there is no time for one). An offer that runs out is lost: the sign-up
is cancelled (not a late cancellation) and the person is told; they may sign up again and
then join the end of the waitlist. Putting them back at the end by themselves would offer
them the same place again and again on a short list.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.common.db import begin_write_transaction, update_if
from app.common.time import to_local, utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.notifications.kinds import OFFER_EXPIRED
from app.shifts import handovers, signups
from app.shifts.models import Shift, ShiftSignup


def _require_offered_to(signup: ShiftSignup, actor) -> None:
    if actor.id != signup.user_id:
        raise Forbidden(_("Only the person it is offered to can answer this offer."))
    if signup.status != "offered":
        raise Conflict(_("This place is no longer offered to you."))


def format_deadline(signup: ShiftSignup) -> str:
    return f"{to_local(signup.offer_expires_at):%Y-%m-%d %H:%M}"


def accept_offer(signup: ShiftSignup, *, actor, now: datetime | None = None) -> ShiftSignup:
    """The person takes the place held for them, until the offer's deadline."""
    now = now or utcnow()
    _require_offered_to(signup, actor)
    if signup.shift.status != "scheduled":
        raise InvalidInput(_("This shift has been cancelled."))
    if signup.offer_expires_at is not None and now >= signup.offer_expires_at:
        raise Conflict(_("The offer ran out at %(time)s.", time=format_deadline(signup)))
    begin_write_transaction()
    if not update_if(signup, ShiftSignup.status == "offered", status="confirmed", confirmed_at=now):
        raise Conflict(_("This place is no longer offered to you."))
    _record_answer("shifts.offer_accepted", signup, "confirmed", actor=actor, now=now)
    return signup


def decline_offer(signup: ShiftSignup, *, actor, now: datetime | None = None) -> ShiftSignup:
    """The person does not want the place: it passes to the next on the waitlist."""
    now = now or utcnow()
    _require_offered_to(signup, actor)
    signups.leave(signup, now=now, late=False)
    _record_answer("shifts.offer_declined", signup, "cancelled", actor=actor, now=now)
    return signup


def _record_answer(action: str, signup: ShiftSignup, status: str, *, actor, now: datetime) -> None:
    """Audit the person's answer to the offer: the place, offered, is now `status`."""
    audit.record(
        action,
        signup,
        actor=actor,
        before={"status": "offered"},
        after={"status": status, "shift_id": signup.shift_id},
        now=now,
    )


def _run_out(signup: ShiftSignup, *, now: datetime) -> bool:
    """End one offer that ran out and pass the place on; False when the person answered
    at the same moment (their answer stands)."""
    try:
        signups.leave(signup, now=now, late=False)
    except Conflict:
        return False
    audit.record(
        "shifts.offer_expired",
        signup,
        actor=None,
        before={"status": "offered", "offer_expires_at": signup.offer_expires_at.isoformat()},
        after={"status": "cancelled", "shift_id": signup.shift_id},
        now=now,
    )
    if signup.shift.status == "scheduled":  # a cancelled shift's people were told already
        signups.notify_signup(
            signup,
            OFFER_EXPIRED,
            now=now,
            dedupe_key=f"shifts.offer_expired:{signup.id}:{signup.ticket}",
            deadline=format_deadline(signup),
        )
    return True


def expire_offers(*, now: datetime | None = None) -> dict[str, int]:
    """The job: close handover offers of shifts that started, then pass every waitlist
    offer that ran out on to the next eligible person. Safe to run twice."""
    now = now or utcnow()
    begin_write_transaction()
    closed = handovers.expire_handovers(now=now)
    due = db.session.scalars(
        select(ShiftSignup)
        .where(ShiftSignup.status == "offered", ShiftSignup.offer_expires_at <= now)
        .order_by(ShiftSignup.offer_expires_at, ShiftSignup.id)
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.task))
    ).all()
    expired = sum(1 for signup in due if _run_out(signup, now=now))
    return {"offers_expired": expired, "handovers_expired": closed}
