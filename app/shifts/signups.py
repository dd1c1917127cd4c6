"""The sign-up engine: signing up and the first-come waitlist, cancelling, and
coordinators assigning and removing people. Who may sign up is `app.shifts.eligibility`;
the volunteer's lists are `app.shifts.shift_lists`.

The capacity invariant: a place is taken only by one conditional UPDATE
(`confirmed_count = confirmed_count + 1 WHERE confirmed_count < capacity`) and given back
by its opposite, in the same transaction as the sign-up's new status. Tickets (arrival
order) come from the shift's `ticket_counter`, incremented atomically and read back by the
same statement (UPDATE … RETURNING); the write lock is taken before the ticket, so tickets
and places are handed out in the same order. A sign-up takes both in one statement when a
place is free (`_ticket_and_place`). Services only flush; the caller commits once.

A task's waitlist mode decides what a freed place does: "automatic" confirms the first
eligible person on the waitlist; "offer" holds the place for them for a while (status
"offered", counted as taken) and they accept or decline (app/shifts/offers.py). A confirmed
person may also hand their place to someone else (app/shifts/handovers.py); leaving the
shift ends such an offer.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, Update, and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.audit import services as audit
from app.common.db import (
    begin_write_transaction,
    get_or_not_found,
    give_one_back,
    take_one,
    update_if,
)
from app.common.time import to_local, utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.notifications.kinds import PLACE_OFFERED, SHIFT_ASSIGNED, SHIFT_REMOVED, WAITLIST_PROMOTED
from app.recruitment import membership as members
from app.recruitment.access import can_manage_team, require_team_manager
from app.shifts import rush
from app.shifts.eligibility import check_eligibility, person_of, shift_eligibility, training_titles
from app.shifts.models import Shift, ShiftHandover, ShiftSignup

ACTIVE_STATUSES = ("confirmed", "waitlisted", "offered")
# Statuses counted in a shift's `confirmed_count`: an offered place is held for its person.
HOLDING_STATUSES = ("confirmed", "offered")
# Waitlist mode "offer": offers close this long before the start, and an offer is only made
# when at least OFFER_MIN_WINDOW is left to answer it (see `offer_deadline`).
OFFER_CLOSES_BEFORE_START = timedelta(minutes=15)
OFFER_MIN_WINDOW = timedelta(minutes=15)
SIGNUP_STATUS_LABELS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waitlist"),
    "offered": _l("Place offered"),
    "cancelled": _l("Cancelled"),
}
MY_LINK = "/shifts/mine"


class CancelDeadlinePassed(Forbidden):
    """Too late to cancel oneself: a coordinator can still release the person. The
    refusal is the place's state, not a lack of rights (409 to the API)."""

    status = 409
    code = "cancel_deadline_passed"


def get_shift(shift_id: int) -> Shift:
    return get_or_not_found(Shift, shift_id, _("No such shift."))


def get_signup(signup_id: int) -> ShiftSignup:
    return get_or_not_found(ShiftSignup, signup_id, _("No such sign-up."))


def next_ticket(shift: Shift) -> int:
    """The next arrival number on the shift; call after `begin_write_transaction`."""
    table = Shift.__table__
    ticket = db.session.scalar(
        update(table)
        .where(table.c.id == shift.id)
        .values(ticket_counter=table.c.ticket_counter + 1)
        .returning(table.c.ticket_counter)
    )
    db.session.expire(shift, ["ticket_counter"])
    return ticket


def _ticket_and_place(shift: Shift) -> tuple[int, bool]:
    """The next ticket and, when one is free, a place, for a sign-up in arrival order; call
    after `begin_write_transaction`.

    When a place is free both come from one conditional UPDATE (ticket and place in the
    same order, as `next_ticket` then `_take_place` hand them out). When it matched nothing
    (full, or not scheduled) the ticket is taken alone, which locks the row, and its
    RETURNING says whether a place was freed meanwhile: then it is taken under that lock."""
    placing, ticketing = _ticket_updates()
    taken = db.session.execute(placing, {"shift": shift.id}).first()
    if taken is not None:
        _note_counts(shift, *taken)
        return taken[0], True
    ticket, confirmed, freed = db.session.execute(ticketing, {"shift": shift.id}).one()
    _note_counts(shift, ticket, confirmed)
    return ticket, bool(freed) and _take_place(shift)


@functools.cache
def _ticket_updates() -> tuple[Update, Update]:
    """(ticket and place when one is free, the ticket alone), built once."""
    table = Shift.__table__
    counts = (table.c.ticket_counter, table.c.confirmed_count)
    free = and_(table.c.confirmed_count < table.c.capacity, table.c.status == "scheduled")
    one_more = {"ticket_counter": counts[0] + 1}
    this = table.c.id == bindparam("shift")
    placing = (
        update(table)
        .where(this, free)
        .values(**one_more, confirmed_count=counts[1] + 1)
        .returning(*counts)
    )
    return placing, update(table).where(this).values(**one_more).returning(*counts, free)


def _note_counts(shift: Shift, ticket_counter: int, confirmed_count: int) -> None:
    """The shift's counters as the UPDATE left them (no reload when they are read)."""
    set_committed_value(shift, "ticket_counter", ticket_counter)
    set_committed_value(shift, "confirmed_count", confirmed_count)


def _take_place(shift: Shift) -> bool:
    """Take one of the shift's places; False when all are taken or it is not scheduled."""
    return take_one(shift, "confirmed_count", "capacity", Shift.status == "scheduled")


def _give_place_back(shift: Shift) -> None:
    give_one_back(shift, "confirmed_count")


def _describe(shift: Shift) -> str:
    start = to_local(shift.starts_at)
    return f"{shift.task.title} {start:%Y-%m-%d %H:%M}–{to_local(shift.ends_at):%H:%M}"


def check_no_overlap(shift: Shift, user_id: int) -> None:
    """Raise InvalidInput naming the other shift when the person is already on (or
    waiting for) a scheduled shift that overlaps this one."""
    other = db.session.scalar(
        select(Shift)
        .join(ShiftSignup, ShiftSignup.shift_id == Shift.id)
        .where(
            ShiftSignup.user_id == user_id,
            ShiftSignup.status.in_(ACTIVE_STATUSES),
            Shift.id != shift.id,
            Shift.status == "scheduled",
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .limit(1)
    )
    if other is not None:
        raise _overlap_refusal(other)


def _overlap_refusal(other: Shift) -> InvalidInput:
    return InvalidInput(
        _("This shift overlaps another shift you are on: %(other)s.", other=_describe(other))
    )


def _held_and_overlapping(shift: Shift, user_id: int) -> tuple[ShiftSignup | None, Shift | None]:
    """The person's sign-up row for the shift (whatever its status) and one other scheduled
    shift they are on or waiting for that overlaps it, in one query: what `existing_signup`
    and `check_no_overlap` read, for the sign-up engine's hot path."""
    rows = db.session.execute(
        _held_and_overlapping_query(),
        {"shift": shift.id, "user": user_id, "starts": shift.starts_at, "ends": shift.ends_at},
    ).all()
    held = next((signup for signup, _shift in rows if signup.shift_id == shift.id), None)
    other = next((other for _signup, other in rows if other.id != shift.id), None)
    return held, other


@functools.cache
def _held_and_overlapping_query() -> Select:
    """Built once (every sign-up asks); the own row first, then at most one overlap."""
    own = ShiftSignup.shift_id == bindparam("shift")
    return (
        select(ShiftSignup, Shift)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            ShiftSignup.user_id == bindparam("user"),
            or_(
                own,
                and_(
                    ShiftSignup.status.in_(ACTIVE_STATUSES),
                    Shift.status == "scheduled",
                    Shift.starts_at < bindparam("ends"),
                    Shift.ends_at > bindparam("starts"),
                ),
            ),
        )
        .order_by(case((own, 0), else_=1))
        .limit(2)
    )


def existing_signup(shift: Shift, user_id: int) -> ShiftSignup | None:
    """The person's one sign-up row for the shift, whatever its status."""
    return db.session.scalar(
        select(ShiftSignup).where(ShiftSignup.shift_id == shift.id, ShiftSignup.user_id == user_id)
    )


def enter(shift: Shift, user, *, now: datetime, assigned_by=None) -> ShiftSignup:
    """Put the person on the shift: a place when one is free, else the waitlist."""
    signup, other = _held_and_overlapping(shift, user.id)
    if signup is not None and signup.status in ACTIVE_STATUSES:
        raise Conflict(_("You are already signed up for this shift."))
    if other is not None:
        raise _overlap_refusal(other)
    begin_write_transaction()
    ticket, placed = _ticket_and_place(shift)
    status = "confirmed" if placed else "waitlisted"
    if signup is None:
        signup = ShiftSignup(shift_id=shift.id, user_id=user.id)
        db.session.add(signup)
    signup.status = status
    signup.ticket = ticket
    signup.signed_up_at = now
    signup.confirmed_at = now if status == "confirmed" else None
    signup.cancelled_at = None
    signup.late_cancellation = False
    signup.release_requested_at = None
    signup.assigned_by_id = getattr(assigned_by, "id", None)
    try:
        db.session.flush()
    except IntegrityError:
        # A double tap: the other request's sign-up stands; the caller rolls back.
        raise Conflict(_("You are already signed up for this shift.")) from None
    return signup


def confirmed_signup(shift: Shift, user_id: int) -> ShiftSignup | None:
    """The person's confirmed sign-up for the shift, if they hold a place."""
    signup = existing_signup(shift, user_id)
    return signup if signup is not None and signup.status == "confirmed" else None


def confirm_walk_in(shift: Shift, user, *, now: datetime) -> ShiftSignup | None:
    """Someone without a place turns up and checks in: give them a place and a confirmed
    sign-up (their waitlisted or cancelled row becomes it), or None when the shift is full.

    The check-in feature calls this inside its savepoint, after its own eligibility check,
    so the capacity invariant and "one row per person" hold for walk-ins too.
    """
    begin_write_transaction()
    signup = existing_signup(shift, user.id)
    holds_place = signup is not None and signup.status in HOLDING_STATUSES
    if not holds_place and not _take_place(shift):
        return None
    if signup is None:
        signup = ShiftSignup(shift_id=shift.id, user_id=user.id, ticket=next_ticket(shift))
        db.session.add(signup)
    elif signup.status == "cancelled":
        signup.ticket = next_ticket(shift)
    signup.status = "confirmed"
    signup.signed_up_at = signup.signed_up_at or now
    signup.confirmed_at = now
    signup.cancelled_at = None
    signup.offer_expires_at = None
    audit.record(
        "shifts.walk_in",
        signup,
        actor=user,
        after={"status": "confirmed", "shift_id": shift.id, "walk_in": True},
        now=now,
    )
    return signup


def sign_up(shift: Shift, user, *, now: datetime | None = None) -> ShiftSignup:
    """The person signs up: confirmed when a place is free, otherwise waitlisted."""
    now = now or utcnow()
    eligibility = shift_eligibility(shift, user, now=now)
    eligibility.refuse_unless_ok(shift)
    if rush.draw_pending(shift, now):
        # Only through `draws.request_place`, which enters the draw or draws first (single and
        # series sign-ups both go there).
        raise InvalidInput(
            _("This shift's places are drawn by lottery: sign up on the shift itself.")
        )
    rush.check_limits(shift, user.id, now=now)
    signup = enter(shift, user, now=now)
    audit.record(
        "shifts.signed_up",
        signup,
        actor=user,
        after={"shift_id": shift.id, "status": signup.status, "ticket": signup.ticket},
        now=now,
    )
    return signup


def waitlist_position(signup: ShiftSignup) -> int:
    """1 for the first person on the waitlist; 0 when the sign-up is not waitlisted."""
    if signup.status != "waitlisted":
        return 0
    ahead = db.session.scalar(
        select(func.count(ShiftSignup.id)).where(
            ShiftSignup.shift_id == signup.shift_id,
            ShiftSignup.status == "waitlisted",
            ShiftSignup.ticket < signup.ticket,
        )
    )
    return ahead + 1


def notify_signup(
    signup: ShiftSignup,
    kind: kinds.Kind,
    *,
    now: datetime,
    dedupe_key: str | None = None,
    link: str = MY_LINK,
    **extra,
) -> None:
    """Tell the sign-up's person about it, linking to their shifts (or to `link`)."""
    shift = signup.shift
    notifications.notify(
        signup.user,
        kind.id,
        context={
            "task_title": shift.task.title,
            "when": describe_time(shift),
            "location": shift.task.location,
            "status": signup.status,
            **extra,
        },
        link=link,
        now=now,
        dedupe_key=dedupe_key,
    )


def describe_time(shift: Shift) -> str:
    return f"{to_local(shift.starts_at):%Y-%m-%d %H:%M}–{to_local(shift.ends_at):%H:%M}"


def offer_deadline(shift: Shift, now: datetime) -> datetime | None:
    """When a waitlist offer made now expires: after the task's `offer_hours`, but no later
    than `OFFER_CLOSES_BEFORE_START` before the start. None when that leaves less than
    `OFFER_MIN_WINDOW` to answer: then there is no time for an offer and the place is given
    at once, as in the automatic mode."""
    deadline = min(
        now + timedelta(hours=shift.task.offer_hours or 0),
        shift.starts_at - OFFER_CLOSES_BEFORE_START,
    )
    return deadline if deadline - now >= OFFER_MIN_WINDOW else None


def promote_waitlist(shift: Shift, *, now: datetime | None = None) -> list[ShiftSignup]:
    """Give free places to the waitlist in ticket order, skipping people no longer eligible.

    In the automatic mode each person is confirmed at once. In the "offer" mode the place
    is held for them (status "offered", counted in `confirmed_count` so nobody else takes
    it) until `offer_deadline`; they accept or decline on "My shifts", and the job passes
    expired offers on. Each person is notified. Returns the promoted or offered sign-ups.
    """
    now = now or utcnow()
    deadline = offer_deadline(shift, now) if shift.task.waitlist_mode == "offer" else None
    status = "offered" if deadline else "confirmed"
    waiting = list(
        db.session.scalars(
            select(ShiftSignup)
            .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "waitlisted")
            .order_by(ShiftSignup.ticket)
        )
    )
    promoted: list[ShiftSignup] = []
    titles = training_titles(shift.task.required_training_ids or [])
    for signup in waiting:
        if not check_eligibility(shift, person_of(signup.user), titles, now).ok:
            continue
        if not _take_place(shift):
            break
        if not update_if(
            signup,
            ShiftSignup.status == "waitlisted",
            status=status,
            confirmed_at=None if deadline else now,
            offer_expires_at=deadline,
        ):
            _give_place_back(shift)
            continue
        _announce_promotion(signup, deadline=deadline, now=now)
        promoted.append(signup)
    return promoted


def _announce_promotion(signup: ShiftSignup, *, deadline: datetime | None, now: datetime) -> None:
    after = {"status": signup.status, "shift_id": signup.shift_id, "ticket": signup.ticket}
    if deadline is None:
        action, kind, extra = "shifts.promoted", WAITLIST_PROMOTED, {}
    else:
        after["offer_expires_at"] = deadline.isoformat()
        action, kind = "shifts.place_offered", PLACE_OFFERED
        extra = {"deadline": f"{to_local(deadline):%Y-%m-%d %H:%M}"}
    audit.record(action, signup, actor=None, before={"status": "waitlisted"}, after=after, now=now)
    notify_signup(signup, kind, now=now, **extra)


def cancel_deadline(shift: Shift) -> datetime:
    return shift.starts_at - timedelta(hours=shift.task.cancel_deadline_hours or 0)


def self_cancel_refusal(signup: ShiftSignup, *, now: datetime) -> str | None:
    """Why the person cannot cancel this sign-up themselves, or None when they can."""
    if signup.status not in ACTIVE_STATUSES:
        return _("This sign-up is already cancelled.")
    if signup.status in ("waitlisted", "offered"):
        return None  # leaving the waitlist, or declining an offered place, is always possible
    if now >= cancel_deadline(signup.shift):
        return _(
            "Cancelling closed %(hours)s hours before the start; please ask a coordinator.",
            hours=signup.shift.task.cancel_deadline_hours,
        )
    return None


def leave(signup: ShiftSignup, *, now: datetime, late: bool) -> str:
    """Cancel the sign-up (once, even when two requests race), end the person's offer to
    hand the place over, give a held place back and promote. Returns the status it had."""
    before = signup.status
    if before not in ACTIVE_STATUSES:
        raise Conflict(_("This sign-up is already cancelled."))
    begin_write_transaction()
    if not update_if(
        signup,
        ShiftSignup.status == before,
        status="cancelled",
        cancelled_at=now,
        late_cancellation=late,
    ):
        raise Conflict(_("This sign-up was changed meanwhile. Please reload the page."))
    if before == "confirmed":
        _close_handovers(signup, now=now)
    if before in HOLDING_STATUSES:
        _give_place_back(signup.shift)
        promote_waitlist(signup.shift, now=now)
    return before


def _close_handovers(signup: ShiftSignup, *, now: datetime) -> None:
    """The person left the shift: their offer to hand the place over goes with them."""
    db.session.execute(
        update(ShiftHandover)
        .where(
            ShiftHandover.signup_id == signup.id,
            ShiftHandover.status.in_(("open", "pending")),
        )
        .values(status="withdrawn", decided_at=now)
    )


def cancel(signup: ShiftSignup, *, actor, now: datetime | None = None) -> ShiftSignup:
    """The volunteer cancels until the task's deadline; after it only a coordinator of
    the team can release them, and the cancellation is recorded as late."""
    now = now or utcnow()
    shift = signup.shift
    manager = can_manage_team(actor, shift.task.team_id)
    if actor.id != signup.user_id and not manager:
        raise Forbidden(_("Only the coordinators of this team can do this."))
    late = False
    if signup.status == "confirmed" and now >= cancel_deadline(shift):
        if not manager:
            raise CancelDeadlinePassed(self_cancel_refusal(signup, now=now))
        late = True
    before = leave(signup, now=now, late=late)
    audit.record(
        "shifts.cancelled_signup",
        signup,
        actor=actor,
        before={"status": before},
        after={"status": "cancelled", "shift_id": shift.id, "late": late},
        now=now,
    )
    return signup


def assign(shift: Shift, user, *, actor, now: datetime | None = None) -> ShiftSignup:
    """A coordinator puts an active member on the shift (waitlisted when it is full)."""
    now = now or utcnow()
    require_team_manager(actor, shift.task.team_id)
    if shift.status != "scheduled" or shift.ends_at <= now:
        raise InvalidInput(_("People can only be added to a scheduled shift that has not ended."))
    if not user.active:
        raise InvalidInput(_("This person's account is not active."))
    membership = members.find_membership(shift.task.team_id, user.id)
    if membership is None or membership.status != "active":
        raise InvalidInput(_("Only active members of the task's team can be assigned."))
    signup = existing_signup(shift, user.id)
    if signup is not None and signup.status in ACTIVE_STATUSES:
        raise Conflict(_("This person is already on this shift."))
    signup = enter(shift, user, now=now, assigned_by=actor)
    audit.record(
        "shifts.assigned",
        signup,
        actor=actor,
        after={"shift_id": shift.id, "user_id": user.id, "status": signup.status},
        now=now,
    )
    notify_signup(signup, SHIFT_ASSIGNED, now=now)
    return signup


def remove(signup: ShiftSignup, *, actor, now: datetime | None = None) -> ShiftSignup:
    """A coordinator takes the person off the shift; the place goes to the waitlist."""
    now = now or utcnow()
    require_team_manager(actor, signup.shift.task.team_id)
    before = leave(signup, now=now, late=False)
    audit.record(
        "shifts.removed",
        signup,
        actor=actor,
        before={"status": before},
        after={"status": "cancelled", "shift_id": signup.shift_id, "user_id": signup.user_id},
        now=now,
    )
    notify_signup(signup, SHIFT_REMOVED, now=now)
    return signup
