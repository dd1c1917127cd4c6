"""Signing up for a whole weekly series at once, and cancelling the rest of it.

Each shift goes through the one sign-up (`draws.request_place`, as a single tap) or
cancellation (`signups.cancel`) service, so the same capacity, waitlist, eligibility,
overlap, deadline and draw rules apply as to a single tap: a shift whose draw window is
open gets a draw entry, not a place. The batch is not all or nothing: each shift is
its own savepoint, so a refusal (full eligibility, an overlap, a closed deadline) rolls
back that shift only, and the person gets a list of what happened to every shift. The
caller commits once at the end.

Shifts are handled in start order, so two people signing up for the same series at the
same moment take the shifts' row locks in the same order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.common.db import begin_write_transaction, get_or_not_found
from app.common.time import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.recruitment import membership as members
from app.shifts import draws, rush, signups
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSeries, ShiftSignup, Task

OUTCOME_LABELS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waitlist"),
    "entered": _l("In the draw"),
    "already": _l("Already yours"),
    "refused": _l("Not signed up"),
    "cancelled": _l("Cancelled"),
    "kept": _l("Not cancelled"),
}


Taken = ShiftSignup | ShiftDrawEntry


@dataclass(frozen=True)
class SeriesOutcome:
    """What happened to one shift of the series; `reason` says why when refused or kept."""

    shift: Shift
    outcome: str
    reason: str = ""


def get_series(series_id: int, user) -> ShiftSeries:
    """The series, when it belongs to an active task of a team the person is an active
    member of; otherwise not found (nobody learns of other teams' series)."""
    series = get_or_not_found(ShiftSeries, series_id, _("No such series."))
    membership = members.find_membership(series.task.team_id, user.id)
    if not series.task.active or membership is None or membership.status != "active":
        raise NotFound(_("No such series."))
    return series


def upcoming_shifts(series: ShiftSeries, *, now: datetime) -> list[Shift]:
    """The series' scheduled shifts that have not started, in start order."""
    return list(
        db.session.scalars(
            select(Shift)
            .join(Task, Task.id == Shift.task_id)
            .where(
                Shift.series_id == series.id,
                Shift.status == "scheduled",
                Shift.starts_at > now,
            )
            .options(joinedload(Shift.task))
            .order_by(Shift.starts_at, Shift.id)
        ).unique()
    )


def _in_savepoint(change: Callable[[], Taken]) -> tuple[Taken | None, str]:
    """Run `change()` in a savepoint: its sign-up, or None and the refusal's message when
    it raised (then the savepoint is rolled back)."""
    savepoint = db.session.begin_nested()
    try:
        signup = change()
    except DomainError as error:
        savepoint.rollback()
        return None, str(error.message)
    savepoint.commit()
    return signup, ""


def _draw_note(shift: Shift) -> str:
    return _("In the draw; the result comes at %(time)s.", time=rush.draw_time(shift))


def sign_up_series(
    series: ShiftSeries, user, *, now: datetime | None = None
) -> list[SeriesOutcome]:
    """Sign the person up for every upcoming shift of the series they are not already on:
    a draw entry while the shift's draw window is open, a place where one is free, else the
    waitlist, else refused with the reason."""
    now = now or utcnow()
    begin_write_transaction()
    outcomes = []
    for shift in upcoming_shifts(series, now=now):
        signup = signups.existing_signup(shift, user.id)
        if signup is not None and signup.status in signups.ACTIVE_STATUSES:
            outcomes.append(
                SeriesOutcome(shift, "already", signups.SIGNUP_STATUS_LABELS[signup.status])
            )
            continue
        entry = draws.find_entry(shift, user.id)
        if entry is not None and entry.status == "entered":
            outcomes.append(SeriesOutcome(shift, "already", _draw_note(shift)))
            continue
        taken, reason = _in_savepoint(lambda s=shift: draws.request_place(s, user, now=now))
        if taken is None:
            outcomes.append(SeriesOutcome(shift, "refused", reason))
        elif isinstance(taken, ShiftDrawEntry):
            outcomes.append(SeriesOutcome(shift, "entered", _draw_note(shift)))
        else:
            outcomes.append(SeriesOutcome(shift, taken.status))
    return outcomes


def cancel_rest(series: ShiftSeries, user, *, now: datetime | None = None) -> list[SeriesOutcome]:
    """Cancel the person's sign-ups on the series' shifts that have not started, under the
    normal rules (past a task's deadline a confirmed place stays, with the reason)."""
    now = now or utcnow()
    begin_write_transaction()
    shifts = upcoming_shifts(series, now=now)
    held = {
        signup.shift_id: signup
        for signup in db.session.scalars(
            select(ShiftSignup).where(
                ShiftSignup.user_id == user.id,
                ShiftSignup.status.in_(signups.ACTIVE_STATUSES),
                ShiftSignup.shift_id.in_([shift.id for shift in shifts]),
            )
        )
    }
    outcomes = []
    for shift in shifts:
        signup = held.get(shift.id)
        if signup is None:
            continue
        done, reason = _in_savepoint(lambda s=signup: signups.cancel(s, actor=user, now=now))
        outcomes.append(SeriesOutcome(shift, "cancelled" if done else "kept", reason))
    return outcomes
