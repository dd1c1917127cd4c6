"""Fair when oversubscribed: a task may draw its shifts' first requests by lottery.

When a task has `draw_minutes`, requests in the first that many minutes after a shift's
sign-up opening are draw entries (`ShiftDrawEntry`), all equal. When the window has closed,
the first request after it or the job `shifts.draw_due` (whichever comes first, exactly
once: the claim is a conditional UPDATE of the shift's `drawn_at`) draws them with a
recorded seed, in the order of sha256(seed:entry id) as campaign lotteries are drawn
(`app.recruitment.review.lottery_order`), so anyone holding the seed can repeat it. In that
order each entry goes through the one sign-up engine: places up to capacity, then the
waitlist, so tickets follow the drawn order; later requests join in arrival order after
them. Everyone is told their result. An entry can be withdrawn until the draw; after it the
place is cancelled as any other, and the waitlist is promoted as usual.

Entries and the draw take one lock per shift (`lock_for_transaction`), so an entry made at
the last moment is either in the draw or, when the draw came first, a normal sign-up.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.common.db import flush_or_conflict, get_or_not_found, lock_for_transaction, update_if
from app.errors import Conflict, DomainError
from app.extensions import db
from app.notifications.kinds import DRAW_RESULT
from app.recruitment.review import lottery_order
from app.shifts import rush, signups
from app.shifts.eligibility import shift_eligibility
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup, Task


def get_entry(entry_id: int) -> ShiftDrawEntry:
    return get_or_not_found(ShiftDrawEntry, entry_id, _("No such draw entry."))


def _lock(shift: Shift) -> None:
    lock_for_transaction(f"shifts.draw.{shift.id}")
    db.session.refresh(shift, ["drawn_at", "draw_seed"])


def in_window(shift: Shift, now: datetime) -> bool:
    closes = rush.draw_closes_at(shift)
    return (
        closes is not None
        and shift.drawn_at is None
        and rush.is_open(shift, now)
        and (now < closes)
    )


def request_place(shift: Shift, user, *, now: datetime) -> ShiftSignup | ShiftDrawEntry:
    """The volunteer taps Sign up: a draw entry inside the window, else (after running a
    due draw) a place or the waitlist as first come, first served."""
    if in_window(shift, now):
        _lock(shift)
        if in_window(shift, now):
            return _enter_draw(shift, user, now=now)
    draw_if_due(shift, now=now)
    return signups.sign_up(shift, user, now=now)


def find_entry(shift: Shift, user_id: int) -> ShiftDrawEntry | None:
    """The person's draw entry for the shift (whatever its status), or None."""
    return db.session.scalar(
        select(ShiftDrawEntry).where(
            ShiftDrawEntry.shift_id == shift.id, ShiftDrawEntry.user_id == user_id
        )
    )


def _enter_draw(shift: Shift, user, *, now: datetime) -> ShiftDrawEntry:
    eligibility = shift_eligibility(shift, user, now=now)
    eligibility.refuse_unless_ok(shift)
    held = signups.existing_signup(shift, user.id)
    if held is not None and held.status in signups.ACTIVE_STATUSES:
        raise Conflict(_("You are already signed up for this shift."))
    rush.check_limits(shift, user.id, now=now)
    entry = find_entry(shift, user.id)
    if entry is not None and entry.status == "entered":
        raise Conflict(_("You are already in this shift's draw."))
    if entry is None:
        entry = ShiftDrawEntry(shift_id=shift.id, user_id=user.id)
        db.session.add(entry)
    entry.status, entry.entered_at, entry.decided_at = "entered", now, None
    flush_or_conflict(_("You are already in this shift's draw."))
    audit.record("shifts.draw_entered", entry, actor=user, after={"shift_id": shift.id}, now=now)
    return entry


def cancel_entry(entry: ShiftDrawEntry, *, actor, now: datetime) -> ShiftDrawEntry:
    """Withdraw a draw entry before the draw (after it, cancel the place instead)."""
    _lock(entry.shift)
    if not update_if(entry, ShiftDrawEntry.status == "entered", status="cancelled", decided_at=now):
        raise Conflict(_("The draw has already been made; cancel your place in My shifts."))
    audit.record(
        "shifts.draw_withdrawn",
        entry,
        actor=actor,
        before={"status": "entered"},
        after={"status": "cancelled"},
        now=now,
    )
    return entry


def withdraw_all(shift: Shift, *, now: datetime) -> list[ShiftDrawEntry]:
    """Withdraw every entry still waiting for the shift's draw (the shift is being
    cancelled); returns them, so their people can be told."""
    _lock(shift)
    entries = list(
        db.session.scalars(
            select(ShiftDrawEntry)
            .where(ShiftDrawEntry.shift_id == shift.id, ShiftDrawEntry.status == "entered")
            .order_by(ShiftDrawEntry.id)
        )
    )
    for entry in entries:
        entry.status, entry.decided_at = "cancelled", now
    db.session.flush()
    return entries


def draw_if_due(shift: Shift, *, now: datetime, seed: str | None = None) -> list | None:
    """Draw the shift's entries when its window has closed and nobody has drawn them yet;
    returns the drawn sign-ups in order, or None when there was nothing to do."""
    closes = rush.draw_closes_at(shift)
    if closes is None or now < closes or shift.drawn_at is not None:
        return None
    _lock(shift)
    seed = seed or secrets.token_hex(16)
    # A shift cancelled meanwhile is never drawn (its entries were withdrawn with it).
    ready = (Shift.drawn_at.is_(None), Shift.status == "scheduled")
    if not update_if(shift, *ready, drawn_at=now, draw_seed=seed):
        return None
    entries = {
        entry.id: entry
        for entry in db.session.scalars(
            select(ShiftDrawEntry).where(
                ShiftDrawEntry.shift_id == shift.id, ShiftDrawEntry.status == "entered"
            )
        )
    }
    if rush.has_limits(shift.task):
        # Lock the entrants in one order (not the drawn one), as two draws at once may share
        # people: each then waits for the other instead of deadlocking.
        for user_id in sorted({entry.user_id for entry in entries.values()}):
            rush.lock_person(user_id)
    order = lottery_order(seed, entries)
    drawn = [_place(entries[entry_id], rank, now=now) for rank, entry_id in enumerate(order, 1)]
    audit.record(
        "shifts.drawn",
        shift,
        actor=None,
        after={"seed": seed, "order": order},
        now=now,
    )
    return drawn


def _place(entry: ShiftDrawEntry, rank: int, *, now: datetime) -> ShiftSignup | None:
    """Give the drawn entry a place or a waitlist ticket through the sign-up engine; None
    when they can no longer take it (an overlapping shift, a limit reached meanwhile …)."""
    entry.status, entry.rank, entry.decided_at = "drawn", rank, now
    try:
        # Entries are not places: the task's limits are checked again now that they become one.
        rush.check_limits(entry.shift, entry.user_id, now=now)
        signup = signups.enter(entry.shift, entry.user, now=now)
    except DomainError:
        return None
    position = signups.waitlist_position(signup)
    signups.notify_signup(
        signup,
        DRAW_RESULT,
        now=now,
        dedupe_key=f"shifts.draw:{entry.id}",
        place=position,
    )
    return signup


def due_shift_ids(*, now: datetime) -> list[int]:
    """Shifts whose draw window has closed and that are not drawn yet."""
    rows = db.session.scalars(
        select(Shift)
        .join(Task, Task.id == Shift.task_id)
        .where(
            Task.draw_minutes.is_not(None),
            Shift.signup_opens_at.is_not(None),
            Shift.signup_opens_at <= now,
            Shift.drawn_at.is_(None),
            Shift.status == "scheduled",
        )
    )
    return [shift.id for shift in rows if (closes := rush.draw_closes_at(shift)) and closes <= now]
