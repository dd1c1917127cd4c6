"""Handing a shift over: a confirmed volunteer offers their place, another eligible
volunteer takes it over.

- Only the person themselves offers their confirmed place, on a scheduled shift that has
  not started; past the cancel deadline too, when a handover helps most. One open (or
  pending) offer per sign-up; the offerer may withdraw it while it is open.
- A taker must be eligible as for signing up, free at that time, and not already holding
  a place on the shift (a waitlisted taker's own row becomes the confirmed one).
- Without approval the swap happens at once. When the task has `swap_needs_approval`, the
  offer becomes "pending" for that taker and the team's coordinators decide: approving
  swaps; refusing ends that request ("refused", kept for the record) and reopens the offer
  as a new open handover, so the offerer can still find someone else (or withdraw it).
- The swap: the offerer's sign-up is cancelled (never a late cancellation; audited as
  handed over) and the taker gets a confirmed sign-up; `confirmed_count` does not move.
- Offers still open or pending when the shift starts, or once it is cancelled, expire
  (the `shifts.expire_offers` job); the offerer leaving the shift withdraws them.

Exactly once: each step is a conditional UPDATE. Every path that changes a place first
locks the offerer's sign-up row (an UPDATE that requires it to be confirmed), then the
handover, so two takers, or a taker and the offerer cancelling, queue one behind the other
and the second gets a Conflict.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from app.audit import services as audit
from app.common.db import begin_write_transaction, get_or_not_found, update_if
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.notifications.kinds import (
    HANDOVER_APPROVED,
    HANDOVER_REFUSED,
    HANDOVER_REQUESTED,
    HANDOVER_TAKEN,
)
from app.recruitment import access
from app.recruitment import membership as members
from app.recruitment.access import managed_team_ids, require_team_manager
from app.shifts import signups
from app.shifts.eligibility import eligibility_for, shift_eligibility
from app.shifts.models import Shift, ShiftHandover, ShiftSignup, Task

NOTE_MAX = 500
OPEN_STATUSES = ("open", "pending")
# At most this many others' offers are read to find the ones a person may take.
TAKEABLE_READ = 200
PENDING_LINK = "/shifts/handovers/pending"
HANDOVER_STATUS_LABELS = {
    "open": _l("Offered to others"),
    "pending": _l("Waiting for a coordinator"),
    "completed": _l("Handed over"),
    "withdrawn": _l("Withdrawn"),
    "refused": _l("Refused"),
    "expired": _l("Expired"),
}


def _gone() -> Conflict:
    return Conflict(_("This place is no longer on offer: someone took it or it was withdrawn."))


# Reading --------------------------------------------------------------------------------------


def get_handover(handover_id: int) -> ShiftHandover:
    return get_or_not_found(ShiftHandover, handover_id, _("No such offer."))


def get_managed_handover(handover_id: int, actor) -> ShiftHandover:
    handover = get_handover(handover_id)
    require_team_manager(actor, handover.shift.task.team_id)
    return handover


def _with_shift(query):
    return query.options(
        joinedload(ShiftHandover.shift).joinedload(Shift.task),
        joinedload(ShiftHandover.from_user),
        joinedload(ShiftHandover.to_user),
    )


def open_offer(signup: ShiftSignup) -> ShiftHandover | None:
    """The sign-up's offer that is still open or waiting for a coordinator, if any."""
    return db.session.scalar(
        select(ShiftHandover).where(
            ShiftHandover.signup_id == signup.id, ShiftHandover.status.in_(OPEN_STATUSES)
        )
    )


def _own_open(user_id):
    """The person's own offers still open or pending."""
    return and_(ShiftHandover.from_user_id == user_id, ShiftHandover.status.in_(OPEN_STATUSES))


def _takeable(user_id, team_ids):
    """Others' open offers on scheduled shifts of active tasks of these teams (filter
    further for the person in `_takeable_for`)."""
    return and_(
        ShiftHandover.status == "open",
        ShiftHandover.from_user_id != user_id,
        Shift.status == "scheduled",
        Task.team_id.in_(team_ids),
        Task.active.is_(True),
    )


def _coming(condition, now):
    """Handovers meeting `condition` on shifts not yet started, soonest first, each loaded
    with its shift, task and people."""
    query = (
        select(ShiftHandover)
        .join(Shift, Shift.id == ShiftHandover.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(condition, Shift.starts_at > now)
        .order_by(Shift.starts_at, ShiftHandover.id)
    )
    return _with_shift(query)


def _active_team_ids(user, memberships: list | None) -> list[int]:
    if memberships is None:
        memberships = members.memberships_of(user.id)
    return [m.team_id for m in memberships if m.status == "active"]


def offers_of(user, *, now: datetime | None = None) -> list[ShiftHandover]:
    """The person's own offers still open or pending, on shifts not yet started."""
    now = now or utcnow()
    return list(db.session.scalars(_coming(_own_open(user.id), now)).unique())


def _busy_times(user) -> tuple[set[int], list[tuple[int, datetime, datetime]]]:
    """The shifts where the person holds a place, and the times of every scheduled shift
    they are on or waiting for."""
    rows = db.session.execute(
        select(ShiftSignup.shift_id, ShiftSignup.status, Shift.starts_at, Shift.ends_at)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(
            ShiftSignup.user_id == user.id,
            ShiftSignup.status.in_(signups.ACTIVE_STATUSES),
            Shift.status == "scheduled",
        )
    ).all()
    holding = {shift_id for shift_id, status, _s, _e in rows if status in signups.HOLDING_STATUSES}
    return holding, [(shift_id, start, end) for shift_id, _status, start, end in rows]


def available_handovers(
    user, *, now: datetime | None = None, memberships: list | None = None
) -> list[ShiftHandover]:
    """Open offers the person could take now: shifts of their active teams that have not
    started, which they may sign up for, are free for, and hold no place on yet (the
    oldest offer per shift). A fixed number of queries; `memberships`: the person's, when
    the page has them already."""
    now = now or utcnow()
    team_ids = _active_team_ids(user, memberships)
    if not team_ids:
        return []
    values = {"user_id": user.id, "now": now, "team_ids": team_ids}
    return _takeable_for(user, list(db.session.scalars(_available_query(), values).unique()), now)


@functools.cache
def _available_query() -> Select:
    """Built once (every shift list asks): the person, the time and the teams are bound."""
    takeable = _takeable(bindparam("user_id"), bindparam("team_ids", expanding=True))
    return _coming(takeable, bindparam("now")).limit(TAKEABLE_READ)


def offers_and_available(
    user, *, now: datetime | None = None, memberships: list | None = None
) -> tuple[list[ShiftHandover], list[ShiftHandover]]:
    """`offers_of` and `available_handovers` in one read of the handovers (the home page
    shows both)."""
    now = now or utcnow()
    team_ids = _active_team_ids(user, memberships)
    values = {"user_id": user.id, "now": now, "team_ids": team_ids}
    rows = list(db.session.scalars(_offers_and_available_query(bool(team_ids)), values).unique())
    own = [row for row in rows if row.from_user_id == user.id]
    others = [row for row in rows if row.from_user_id != user.id][:TAKEABLE_READ]
    return own, _takeable_for(user, others, now)


@functools.cache
def _offers_and_available_query(in_teams: bool) -> Select:
    """Built once (every home page asks): the person, the time and the teams are bound
    parameters. The person's own offers come first, so the bound never cuts them off."""
    user_id = bindparam("user_id")
    condition = _own_open(user_id)
    if in_teams:
        condition = or_(condition, _takeable(user_id, bindparam("team_ids", expanding=True)))
    mine_first = case((ShiftHandover.from_user_id == user_id, 0), else_=1)
    # The home page shows the shift and task, never the people: the shift and task come from
    # the joins already made (not joined a second time), the people are not read.
    query = (
        select(ShiftHandover)
        .join(Shift, Shift.id == ShiftHandover.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(condition, Shift.starts_at > bindparam("now"))
        .options(contains_eager(ShiftHandover.shift).contains_eager(Shift.task))
    )
    return query.order_by(mine_first, Shift.starts_at, ShiftHandover.id).limit(2 * TAKEABLE_READ)


def _takeable_for(user, offers: list[ShiftHandover], now: datetime) -> list[ShiftHandover]:
    """Of these open offers (soonest first), the oldest per shift the person may take."""
    if not offers:
        return []
    holding, busy = _busy_times(user)
    shifts = list({offer.shift_id: offer.shift for offer in offers}.values())
    eligibility = eligibility_for(shifts, user, now=now)
    shown: dict[int, ShiftHandover] = {}
    for offer in offers:
        shift = offer.shift
        if shift.id in shown or shift.id in holding or not eligibility[shift.id].ok:
            continue
        if any(
            other != shift.id and start < shift.ends_at and end > shift.starts_at
            for other, start, end in busy
        ):
            continue
        shown[shift.id] = offer
    return list(shown.values())


def _pending(actor, now: datetime, known: Any = access.ASK) -> Select | None:
    """Takeovers waiting for approval in the teams `actor` runs; None when they run none."""
    team_ids = managed_team_ids(actor, known)
    if team_ids is not None and not team_ids:
        return None
    query = (
        select(ShiftHandover)
        .join(Shift, Shift.id == ShiftHandover.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(ShiftHandover.status == "pending", Shift.starts_at > now)
    )
    return query if team_ids is None else query.where(Task.team_id.in_(team_ids))


def pending_handovers(actor, *, now: datetime | None = None) -> list[ShiftHandover]:
    """Takeovers waiting for approval in the teams `actor` runs, soonest shift first."""
    query = _pending(actor, now or utcnow())
    if query is None:
        return []
    ordered = query.order_by(Shift.starts_at, ShiftHandover.id)
    return list(db.session.scalars(_with_shift(ordered)).unique())


def pending_count_column(actor, *, now: datetime, known: Any = access.ASK) -> Any | None:
    """How many takeovers wait for `actor`'s approval, as a scalar subquery the coordinator's
    home selects with its other counts; None when `actor` runs no team."""
    query = _pending(actor, now, known)
    if query is None:
        return None
    return query.with_only_columns(func.count(ShiftHandover.id)).scalar_subquery()


# Locks and the swap ---------------------------------------------------------------------------


def _lock_confirmed(signup_id: int) -> bool:
    """Lock the offerer's sign-up while it is confirmed (an UPDATE that changes nothing),
    so handover steps for one place queue here; False when it is no longer confirmed."""
    begin_write_transaction()
    locked = db.session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.id == signup_id, ShiftSignup.status == "confirmed")
        .values(status=ShiftSignup.status)
        .execution_options(synchronize_session=False)
    ).rowcount
    return locked == 1


def _claim(handover: ShiftHandover, from_status: str, **values) -> None:
    """Move the handover on from `from_status`, or raise Conflict when another request
    moved it first."""
    begin_write_transaction()
    if not update_if(handover, ShiftHandover.status == from_status, **values):
        raise _gone()


def _check_taker(handover: ShiftHandover, taker, *, now: datetime) -> None:
    if taker.id == handover.from_user_id:
        raise InvalidInput(_("You cannot take over your own place."))
    shift = handover.shift
    eligibility = shift_eligibility(shift, taker, now=now)
    eligibility.refuse_unless_ok(shift)
    existing = signups.existing_signup(shift, taker.id)
    if existing is not None and existing.status in signups.HOLDING_STATUSES:
        raise Conflict(_("You already have a place on this shift."))
    signups.check_no_overlap(shift, taker.id)


def _swap(handover: ShiftHandover, taker, *, now: datetime) -> ShiftSignup:
    """The offerer's place becomes the taker's; the shift's count of places stays."""
    released = db.session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.id == handover.signup_id, ShiftSignup.status == "confirmed")
        .values(status="cancelled", cancelled_at=now, late_cancellation=False)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(handover.signup)
    if released != 1:
        raise _gone()
    shift = handover.shift
    signup = signups.existing_signup(shift, taker.id)
    if signup is None:
        signup = ShiftSignup(
            shift_id=shift.id,
            user_id=taker.id,
            status="confirmed",
            ticket=signups.next_ticket(shift),
            signed_up_at=now,
            confirmed_at=now,
        )
        db.session.add(signup)
    else:
        reused = db.session.execute(
            update(ShiftSignup)
            .where(
                ShiftSignup.id == signup.id,
                ShiftSignup.status.in_(("waitlisted", "cancelled")),
            )
            .values(
                status="confirmed",
                confirmed_at=now,
                cancelled_at=None,
                late_cancellation=False,
                offer_expires_at=None,
                release_requested_at=None,
                assigned_by_id=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(signup)
        if reused != 1:
            raise Conflict(_("You already have a place on this shift."))
    try:
        db.session.flush()
    except IntegrityError:
        # The taker signed up for the shift at the same moment; the caller rolls back.
        raise Conflict(_("You already have a place on this shift.")) from None
    audit.record(
        "shifts.handed_over",
        handover.signup,
        actor=None,
        before={"status": "confirmed"},
        after={
            "status": "cancelled",
            "shift_id": shift.id,
            "handover_id": handover.id,
            "to_user_id": taker.id,
            "to_signup_id": signup.id,
        },
        now=now,
    )
    return signup


def _tell(user, kind: kinds.Kind, handover: ShiftHandover, *, now: datetime, link: str) -> None:
    shift = handover.shift
    notifications.notify(
        user,
        kind.id,
        context={
            "task_title": shift.task.title,
            "when": signups.describe_time(shift),
            "location": shift.task.location,
            "from_name": handover.from_user.display_name,
            "to_name": handover.to_user.display_name if handover.to_user else "",
        },
        link=link,
        now=now,
        dedupe_key=f"{kind.id}:{handover.id}:{user.id}",
    )


# Changes --------------------------------------------------------------------------------------


def _new_offer(signup: ShiftSignup, *, note: str, now: datetime) -> ShiftHandover:
    """An open offer of the sign-up's place (flushed, so it has an id)."""
    handover = ShiftHandover(
        shift_id=signup.shift_id,
        signup_id=signup.id,
        from_user_id=signup.user_id,
        status="open",
        note=note,
        created_at=now,
    )
    db.session.add(handover)
    db.session.flush()
    return handover


def offer_place(
    signup: ShiftSignup, *, actor, note: str = "", now: datetime | None = None
) -> ShiftHandover:
    """The volunteer offers their confirmed place on a shift that has not started."""
    now = now or utcnow()
    if actor.id != signup.user_id:
        raise Forbidden(_("Only the person on the shift can offer their place."))
    note = clean_text(
        note,
        field="note",
        limit=NOTE_MAX,
        too_long=_l("The note can be at most %(n)d characters long.", n=NOTE_MAX),
    )
    if signup.status != "confirmed":
        raise InvalidInput(_("Only a confirmed place can be offered to others."))
    shift = signup.shift
    if shift.status != "scheduled" or shift.starts_at <= now:
        raise InvalidInput(_("Only places on shifts that have not started can be offered."))
    if not _lock_confirmed(signup.id):
        raise Conflict(_("This sign-up was changed meanwhile. Please reload the page."))
    if open_offer(signup) is not None:
        raise Conflict(_("You have already offered this place."))
    handover = _new_offer(signup, note=note, now=now)
    audit.record(
        "shifts.handover_offered",
        handover,
        actor=actor,
        after={"shift_id": shift.id, "signup_id": signup.id, "status": "open"},
        now=now,
    )
    return handover


def withdraw(handover: ShiftHandover, *, actor, now: datetime | None = None) -> ShiftHandover:
    """The offerer takes back an open offer (not one a coordinator is deciding on)."""
    now = now or utcnow()
    if actor.id != handover.from_user_id:
        raise Forbidden(_("Only the person who offered the place can withdraw the offer."))
    if handover.status == "pending":
        raise Conflict(_("Someone asked to take over this place; a coordinator is deciding."))
    if handover.status != "open":
        raise _gone()
    _claim(handover, "open", status="withdrawn", decided_at=now)
    audit.record(
        "shifts.handover_withdrawn",
        handover,
        actor=actor,
        before={"status": "open"},
        after={"status": "withdrawn"},
        now=now,
    )
    return handover


def take_over(handover: ShiftHandover, taker, *, now: datetime | None = None) -> ShiftHandover:
    """Another volunteer takes the offered place: at once, or as a request the team's
    coordinators approve when the task says so. Returns the handover, "completed" or
    "pending"."""
    now = now or utcnow()
    if handover.status != "open":
        raise _gone()
    _check_taker(handover, taker, now=now)
    if not _lock_confirmed(handover.signup_id):
        raise _gone()
    shift = handover.shift
    if shift.task.swap_needs_approval:
        _claim(handover, "open", status="pending", to_user_id=taker.id, taken_at=now)
        audit.record(
            "shifts.handover_requested",
            handover,
            actor=taker,
            before={"status": "open"},
            after={"status": "pending", "to_user_id": taker.id},
            now=now,
        )
        for coordinator in access.active_coordinators(shift.task.team_id):
            _tell(coordinator, HANDOVER_REQUESTED, handover, now=now, link=PENDING_LINK)
        return handover
    _claim(
        handover,
        "open",
        status="completed",
        to_user_id=taker.id,
        taken_at=now,
        decided_at=now,
    )
    _swap(handover, taker, now=now)
    _tell(handover.from_user, HANDOVER_TAKEN, handover, now=now, link=signups.MY_LINK)
    return handover


def _require_pending(handover: ShiftHandover, actor) -> None:
    require_team_manager(actor, handover.shift.task.team_id)
    if handover.status != "pending":
        raise Conflict(_("This takeover was already decided or withdrawn."))


def approve(handover: ShiftHandover, *, actor, now: datetime | None = None) -> ShiftHandover:
    """A coordinator of the team lets the takeover happen: the places are swapped."""
    now = now or utcnow()
    _require_pending(handover, actor)
    taker = handover.to_user
    _check_taker(handover, taker, now=now)
    if not _lock_confirmed(handover.signup_id):
        raise _gone()
    _claim(handover, "pending", status="completed", decided_at=now, decided_by_id=actor.id)
    _swap(handover, taker, now=now)
    audit.record(
        "shifts.handover_approved",
        handover,
        actor=actor,
        before={"status": "pending"},
        after={"status": "completed", "to_user_id": taker.id},
        now=now,
    )
    _tell(taker, HANDOVER_APPROVED, handover, now=now, link=signups.MY_LINK)
    _tell(handover.from_user, HANDOVER_TAKEN, handover, now=now, link=signups.MY_LINK)
    return handover


def refuse(handover: ShiftHandover, *, actor, now: datetime | None = None) -> ShiftHandover:
    """A coordinator turns the takeover down. The offerer keeps their place and the offer
    opens again for others (a new handover; this one stays "refused" for the record).
    Returns the refused handover."""
    now = now or utcnow()
    _require_pending(handover, actor)
    shift = handover.shift
    reopen = _lock_confirmed(handover.signup_id)
    reopen = reopen and shift.status == "scheduled" and shift.starts_at > now
    taker, note = handover.to_user, handover.note
    _claim(handover, "pending", status="refused", decided_at=now, decided_by_id=actor.id)
    reopened = None
    if reopen:
        reopened = _new_offer(handover.signup, note=note, now=now)
    audit.record(
        "shifts.handover_refused",
        handover,
        actor=actor,
        before={"status": "pending", "to_user_id": taker.id},
        after={"status": "refused", "reopened_id": reopened.id if reopened else None},
        now=now,
    )
    _tell(taker, HANDOVER_REFUSED, handover, now=now, link=signups.MY_LINK)
    return handover


def expire_handovers(*, now: datetime | None = None) -> int:
    """Offers still open or pending on shifts that started or were cancelled expire."""
    now = now or utcnow()
    ended = select(Shift.id).where(or_(Shift.starts_at <= now, Shift.status != "scheduled"))
    return db.session.execute(
        update(ShiftHandover)
        .where(ShiftHandover.status.in_(OPEN_STATUSES), ShiftHandover.shift_id.in_(ended))
        .values(status="expired", decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
