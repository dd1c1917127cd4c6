"""One-tap "I can't make it" from a reminder: a signed link that works without logging in.

The token carries the sign-up's id and ticket (signed with the app's secret, salt
"shifts.release"); it is the credential, so it opens exactly one sign-up and stops working
when the sign-up is cancelled, when the person signs up again (a new ticket), or when the
shift ends. Before the task's cancel deadline the tap cancels through the sign-up services
(the place passes to the waitlist); past it, the person asks the team's coordinators to
release them, and a coordinator does so from the shift page (a late cancellation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from app.audit import services as audit
from app.common.db import count_and_first_columns
from app.common.time import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import RELEASE_REQUESTED
from app.recruitment import access
from app.shifts import shift_edits, signups
from app.shifts.models import Shift, ShiftSignup, Task

SALT = "shifts.release"
RELEASE_PATH = "/reliability/cant-make-it/"
TOKEN_MAX = 200
CANCELLED = "cancelled"
REQUESTED = "requested"
ALREADY_REQUESTED = "already_requested"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def release_token(signup: ShiftSignup) -> str:
    return _serializer().dumps({"s": signup.id, "t": signup.ticket})


def cant_make_it_url(signup: ShiftSignup) -> str:
    """The link's path (a notification link; built without a request, as in a job)."""
    return RELEASE_PATH + release_token(signup)


def _invalid() -> NotFound:
    return NotFound(_("This link is not valid. Please open “My shifts” to change your sign-up."))


def signup_for_token(token: str, *, now: datetime | None = None) -> ShiftSignup:
    """The sign-up the link opens, or a domain error saying why it no longer works."""
    now = now or utcnow()
    if not token or len(token) > TOKEN_MAX:
        raise _invalid()
    try:
        data = _serializer().loads(token)
        signup_id, ticket = int(data["s"]), int(data["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise _invalid() from None
    signup = db.session.get(ShiftSignup, signup_id)
    if signup is None or signup.ticket != ticket:
        raise _invalid()
    if signup.status == "cancelled":
        raise Conflict(_("This sign-up is already cancelled. Nothing more to do."))
    if signup.shift.status == "cancelled":
        raise Conflict(_("This shift has been cancelled. You do not need to come."))
    if now >= signup.shift.ends_at:
        raise Conflict(_("This link has expired: the shift is over."))
    return signup


def release_requested(signup: ShiftSignup) -> bool:
    """Whether the person asked to be released since they last signed up."""
    requested = signup.release_requested_at
    return requested is not None and requested >= signup.signed_up_at


def past_deadline(signup: ShiftSignup, *, now: datetime) -> bool:
    """Whether "I can't make it" only asks the coordinators (a confirmed place after the
    task's cancel deadline); before it, or from the waitlist, it cancels at once."""
    return signup.status == "confirmed" and now >= signups.cancel_deadline(signup.shift)


def release(token: str, *, now: datetime | None = None) -> str:
    """Act on a tap: CANCELLED, REQUESTED or ALREADY_REQUESTED."""
    now = now or utcnow()
    signup = signup_for_token(token, now=now)
    if not past_deadline(signup, now=now):
        signups.cancel(signup, actor=signup.user, now=now)
        return CANCELLED
    if release_requested(signup):
        return ALREADY_REQUESTED
    db.session.execute(
        update(ShiftSignup)
        .where(ShiftSignup.id == signup.id)
        .values(release_requested_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(signup, ["release_requested_at"])
    audit.record(
        "shifts.release_requested",
        signup,
        actor=signup.user,
        before={"release_requested_at": None},
        after={"release_requested_at": now.isoformat(), "shift_id": signup.shift_id},
        now=now,
    )
    _tell_coordinators(signup, now=now)
    return REQUESTED


def _tell_coordinators(signup: ShiftSignup, *, now: datetime) -> None:
    shift = signup.shift
    for coordinator in access.active_coordinators(shift.task.team_id):
        notifications.notify(
            coordinator,
            RELEASE_REQUESTED.id,
            context={
                "name": signup.user.name,
                "task_title": shift.task.title,
                "when": shift_edits.format_span(shift),
            },
            link=f"/tasks/shifts/{shift.id}",
            now=now,
            dedupe_key=f"shifts.release_requested:{signup.id}:{signup.ticket}:{coordinator.id}",
        )


def waiting_releases_columns(
    actor, *, now: datetime, team_ids: Any = access.ASK
) -> tuple[Any, Any] | None:
    """(how many people asked to be released from a coming or running shift of the teams
    `actor` runs, the soonest such shift's id) as two scalar subqueries the coordinator's
    home selects with its other counts; None when `actor` runs no team."""
    query = access.in_managed_teams(
        select(ShiftSignup.shift_id)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(
            ShiftSignup.status == "confirmed",
            ShiftSignup.release_requested_at >= ShiftSignup.signed_up_at,
            Shift.status != "cancelled",
            Shift.ends_at > now,
        ),
        Task.team_id,
        actor,
        team_ids,
    )
    return None if query is None else count_and_first_columns(query, Shift.starts_at, Shift.id)
