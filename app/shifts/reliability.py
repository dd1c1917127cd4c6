"""Reliability: no-shows and late cancellations per volunteer, and the pause of self
sign-up after too many no-shows in a semester.

Who attended a shift is the check-in feature's knowledge; it answers the
`app.hooks.ATTENDANCE` hook, so this module needs none of its models. The app does not
start without that provider; with none nobody would be marked: "no check-in data" must
never read as "nobody came".

A coordinator may excuse a no-show (it clears `no_show_at` and sets `no_show_excused_at`,
with the reason in the audit log); the job never marks an excused sign-up again. A pause
is created when a person's no-shows in one team and semester reach `NO_SHOW_PAUSE_AFTER`
(0 disables pausing); once a coordinator lifts it, only a no-show marked after the lift
can pause the person again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from app import hooks
from app.audit import services as audit
from app.common.db import get_or_not_found, update_if
from app.common.semesters import Semester, current_semester, semester_of
from app.common.text import clean_line
from app.common.time import to_local, utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import NO_SHOW, PAUSE_LIFTED, SIGNUP_PAUSED
from app.recruitment.access import managed_team_ids, require_team_manager
from app.shifts.models import Shift, ShiftSignup, SignupPause, Task
from app.shifts.queries import signups_of

# Check-in closes at the end of a shift; late check-outs and fixes get this long first.
NO_SHOW_GRACE = timedelta(minutes=30)
# The job looks back this far, so a stopped scheduler catches up without marking shifts
# from before check-in was in use.
NO_SHOW_LOOKBACK = timedelta(days=7)
# The dashboard's no-show rate is taken over the shifts that ended in this period.
RATE_PERIOD = timedelta(days=90)
REASON_MAX = 500
RECENT_NO_SHOW_DAYS = 30
RELIABILITY_LINK = "/reliability/me"


def paused_teams(user_id) -> Select:
    """The teams in which this person's self sign-up is paused now (`user_id` may be a
    bound parameter: the shift list reads it in one statement with the person's other facts)."""
    return select(SignupPause.team_id).where(
        SignupPause.user_id == user_id, SignupPause.lifted_at.is_(None)
    )


def paused_team_ids(user_id: int) -> set[int]:
    """The teams in which this person's self sign-up is paused now."""
    return set(db.session.scalars(paused_teams(user_id)))


def _describe(shift: Shift) -> str:
    start, end = to_local(shift.starts_at), to_local(shift.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


# --- Marking no-shows ------------------------------------------------------------------------


def _attended(shift_ids: list[int]) -> set[tuple[int, int]]:
    attended: set[tuple[int, int]] = set()
    for provider in hooks.ATTENDANCE.providers:
        attended.update(provider(shift_ids) or ())
    return attended


def mark_no_shows(*, now: datetime | None = None) -> int:
    """Mark everyone confirmed for a shift that ended (plus the grace period) and who
    never checked in. Returns how many were marked; safe to run any number of times.
    First withdraws the no-shows of people recorded as present since (a coordinator
    added their attendance or their completed training after the job marked them)."""
    now = now or utcnow()
    if not hooks.ATTENDANCE.providers:
        return 0
    withdraw_attended_no_shows(now=now)
    candidates = list(
        db.session.scalars(
            select(ShiftSignup)
            .join(Shift, Shift.id == ShiftSignup.shift_id)
            .where(
                ShiftSignup.status == "confirmed",
                ShiftSignup.no_show_at.is_(None),
                ShiftSignup.no_show_excused_at.is_(None),
                Shift.status == "scheduled",
                Shift.ends_at <= now - NO_SHOW_GRACE,
                Shift.ends_at > now - NO_SHOW_LOOKBACK,
            )
            .options(joinedload(ShiftSignup.shift).joinedload(Shift.task))
            .order_by(Shift.ends_at, ShiftSignup.id)
        )
    )
    if not candidates:
        return 0
    attended = _attended(sorted({signup.shift_id for signup in candidates}))
    marked = 0
    for signup in candidates:
        if (signup.shift_id, signup.user_id) in attended:
            continue
        if _mark(signup, now=now):
            marked += 1
    return marked


def withdraw_attended_no_shows(*, now: datetime | None = None) -> int:
    """Clear the no-shows of people now recorded as present on the shift (whatever way),
    so they no longer count and the points run reverses their penalty. Returns how many."""
    now = now or utcnow()
    marked = list(
        db.session.scalars(
            select(ShiftSignup).where(ShiftSignup.no_show_at.is_not(None)).order_by(ShiftSignup.id)
        )
    )
    attended = _attended(sorted({signup.shift_id for signup in marked})) if marked else set()
    withdrawn = 0
    for signup in marked:
        if (signup.shift_id, signup.user_id) in attended and _withdraw(signup, now=now):
            withdrawn += 1
    return withdrawn


def _withdraw(signup: ShiftSignup, *, now: datetime) -> bool:
    marked_at = signup.no_show_at
    if not update_if(signup, ShiftSignup.no_show_at == marked_at, no_show_at=None):
        return False
    _record_no_show("shifts.no_show_withdrawn", signup, marked_at, None, actor=None, now=now)
    return True


def _record_no_show(
    action: str,
    signup: ShiftSignup,
    was: datetime | None,
    becomes: datetime | None,
    *,
    actor,
    now: datetime,
    note: str | None = None,
) -> None:
    """Audit a change of the sign-up's no-show mark, with the shift and person it is for."""

    def stamp(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    audit.record(
        action,
        signup,
        actor=actor,
        before={"no_show_at": stamp(was)},
        after={
            "no_show_at": stamp(becomes),
            "shift_id": signup.shift_id,
            "user_id": signup.user_id,
        },
        note=note,
        now=now,
    )


def _mark(signup: ShiftSignup, *, now: datetime) -> bool:
    if not update_if(signup, ShiftSignup.no_show_at.is_(None), no_show_at=now):
        return False
    _record_no_show("shifts.no_show_marked", signup, None, now, actor=None, now=now)
    shift = signup.shift
    notifications.notify(
        signup.user,
        NO_SHOW.id,
        context={"task_title": shift.task.title, "when": _describe(shift)},
        link=RELIABILITY_LINK,
        now=now,
        dedupe_key=f"shifts.no_show:{signup.id}:{signup.ticket}",
    )
    _pause_if_due(signup.user, shift.task.team_id, semester_of(shift.starts_at), now=now)
    return True


# --- Pausing ---------------------------------------------------------------------------------


def pause_after() -> int:
    """How many no-shows in a team and semester pause self sign-up; 0 = never."""
    return max(int(current_app.config.get("NO_SHOW_PAUSE_AFTER") or 0), 0)


def _team_no_show_times(user_id: int, team_id: int, semester: Semester) -> list[datetime]:
    return list(
        db.session.scalars(
            select(ShiftSignup.no_show_at)
            .join(Shift, Shift.id == ShiftSignup.shift_id)
            .join(Task, Task.id == Shift.task_id)
            .where(
                ShiftSignup.user_id == user_id,
                ShiftSignup.no_show_at.is_not(None),
                Task.team_id == team_id,
                Shift.starts_at >= semester.starts_at,
                Shift.starts_at < semester.ends_before,
            )
        )
    )


def _pause_if_due(user, team_id: int, semester: Semester, *, now: datetime) -> SignupPause | None:
    threshold = pause_after()
    if not threshold or team_id in paused_team_ids(user.id):
        return None
    times = _team_no_show_times(user.id, team_id, semester)
    if len(times) < threshold:
        return None
    last_lift = db.session.scalar(
        select(func.max(SignupPause.lifted_at)).where(
            SignupPause.user_id == user.id, SignupPause.team_id == team_id
        )
    )
    if last_lift is not None and max(times) <= last_lift:
        return None  # the same no-shows as the lifted pause
    pause = SignupPause(
        user_id=user.id, team_id=team_id, semester=semester.code, no_shows=len(times), paused_at=now
    )
    db.session.add(pause)
    audit.record(
        "shifts.signup_paused",
        pause,
        actor=None,
        after={"user_id": user.id, "team_id": team_id, "semester": semester.code},
        note=f"{len(times)} no-shows",
        now=now,
    )
    notifications.notify(
        user,
        SIGNUP_PAUSED.id,
        context={"team": pause.team.name, "no_shows": len(times), "semester": semester.code},
        link=RELIABILITY_LINK,
        now=now,
        dedupe_key=f"shifts.paused:{pause.id}",
    )
    return pause


def get_managed_pause(pause_id: int, user) -> SignupPause:
    pause = get_or_not_found(SignupPause, pause_id, _("No such sign-up pause."))
    require_team_manager(user, pause.team_id)
    return pause


def lift_pause(pause: SignupPause, *, note: str, actor, now: datetime | None = None) -> SignupPause:
    """A coordinator of the team lifts the pause, saying why; the person is told."""
    now = now or utcnow()
    require_team_manager(actor, pause.team_id)
    note = clean_line(
        note,
        field="note",
        limit=REASON_MAX,
        missing=_("Please add a note on why the pause is lifted."),
    )
    if not update_if(
        pause, SignupPause.lifted_at.is_(None), lifted_at=now, lifted_by_id=actor.id, lift_note=note
    ):
        raise Conflict(_("This pause has already been lifted."))
    audit.record(
        "shifts.pause_lifted",
        pause,
        actor=actor,
        before={"lifted_at": None},
        after={"lifted_at": now.isoformat(), "user_id": pause.user_id, "team_id": pause.team_id},
        note=note,
        now=now,
    )
    notifications.notify(
        pause.user,
        PAUSE_LIFTED.id,
        context={"team": pause.team.name, "note": note},
        link=RELIABILITY_LINK,
        now=now,
        dedupe_key=f"shifts.pause_lifted:{pause.id}",
    )
    return pause


# --- Excusing --------------------------------------------------------------------------------


def get_managed_no_show(signup_id: int, user) -> ShiftSignup:
    signup = db.session.get(ShiftSignup, signup_id)
    if signup is None or signup.no_show_at is None:
        raise NotFound(_("No such no-show."))
    require_team_manager(user, signup.shift.task.team_id)
    return signup


def excuse_no_show(
    signup: ShiftSignup, *, reason: str, actor, now: datetime | None = None
) -> ShiftSignup:
    """A coordinator excuses a no-show (it no longer counts); the reason is audited.
    A pause it led to stays until lifted: the coordinator decides that separately."""
    now = now or utcnow()
    require_team_manager(actor, signup.shift.task.team_id)
    reason = clean_line(
        reason,
        field="reason",
        limit=REASON_MAX,
        missing=_("Please give a reason for excusing the no-show."),
    )
    marked_at = signup.no_show_at
    excused = update_if(
        signup, ShiftSignup.no_show_at.is_not(None), no_show_at=None, no_show_excused_at=now
    )
    if not excused or marked_at is None:
        raise Conflict(_("This no-show has already been excused."))
    _record_no_show(
        "shifts.no_show_excused", signup, marked_at, None, actor=actor, note=reason, now=now
    )
    return signup


# --- Reading ---------------------------------------------------------------------------------


def _in_teams(query, team_ids: set[int] | None, column):
    return query if team_ids is None else query.where(column.in_(team_ids or {-1}))


def paused_people(user) -> list[SignupPause]:
    """Active pauses in the teams `user` runs, oldest first."""
    query = (
        select(SignupPause)
        .where(SignupPause.lifted_at.is_(None))
        .options(joinedload(SignupPause.user), joinedload(SignupPause.team))
        .order_by(SignupPause.paused_at, SignupPause.id)
    )
    return list(db.session.scalars(_in_teams(query, managed_team_ids(user), SignupPause.team_id)))


def recent_no_shows(
    user, *, now: datetime | None = None, days: int = RECENT_NO_SHOW_DAYS
) -> list[ShiftSignup]:
    """No-shows marked in the last `days` in the teams `user` runs, latest first."""
    now = now or utcnow()
    query = (
        select(ShiftSignup)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(ShiftSignup.no_show_at >= now - timedelta(days=days))
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.task), joinedload(ShiftSignup.user))
        .order_by(Shift.starts_at.desc(), ShiftSignup.id)
    )
    return list(db.session.scalars(_in_teams(query, managed_team_ids(user), Task.team_id)))


@dataclass(frozen=True)
class ReliabilitySummary:
    """A volunteer's record: this semester's and earlier no-shows and late cancellations
    (each a sign-up, latest first), and the pauses in force."""

    semester: Semester
    no_shows: list[ShiftSignup]
    late_cancellations: list[ShiftSignup]
    earlier_no_shows: list[ShiftSignup]
    earlier_late_cancellations: list[ShiftSignup]
    pauses: list[SignupPause]
    pause_after: int

    @property
    def clean(self) -> bool:
        return not (
            self.no_shows
            or self.late_cancellations
            or self.earlier_no_shows
            or self.earlier_late_cancellations
        )


def reliability_summary(user, *, now: datetime | None = None) -> ReliabilitySummary:
    now = now or utcnow()
    semester = current_semester(now)
    signups = list(
        db.session.scalars(
            signups_of(user.id)
            .where(
                (ShiftSignup.no_show_at.is_not(None))
                | ((ShiftSignup.status == "cancelled") & ShiftSignup.late_cancellation.is_(True)),
            )
            .order_by(Shift.starts_at.desc())
            .limit(500)
        )
    )

    def this_semester(signup: ShiftSignup) -> bool:
        return semester.starts_at <= signup.shift.starts_at < semester.ends_before

    no_shows = [s for s in signups if s.no_show_at is not None]
    late = [s for s in signups if s.status == "cancelled" and s.late_cancellation]
    pauses = list(
        db.session.scalars(
            select(SignupPause)
            .where(SignupPause.user_id == user.id, SignupPause.lifted_at.is_(None))
            .options(joinedload(SignupPause.team))
            .order_by(SignupPause.paused_at)
        )
    )
    return ReliabilitySummary(
        semester=semester,
        no_shows=[s for s in no_shows if this_semester(s)],
        late_cancellations=[s for s in late if this_semester(s)],
        earlier_no_shows=[s for s in no_shows if not this_semester(s)],
        earlier_late_cancellations=[s for s in late if not this_semester(s)],
        pauses=pauses,
        pause_after=pause_after(),
    )


def no_show_rates(task_ids: list[int], *, now: datetime | None = None) -> dict[int, float]:
    """Per task: no-shows / confirmed sign-ups of the shifts that ended in the last 90
    days. Tasks without such shifts are left out (the dashboard shows "—")."""
    if not task_ids:
        return {}
    now = now or utcnow()
    rows = db.session.execute(
        select(Shift.task_id, func.count(ShiftSignup.id), func.count(ShiftSignup.no_show_at))
        .join(ShiftSignup, ShiftSignup.shift_id == Shift.id)
        .where(
            Shift.task_id.in_(task_ids),
            Shift.status == "scheduled",
            Shift.ends_at <= now,
            Shift.ends_at > now - RATE_PERIOD,
            ShiftSignup.status == "confirmed",
        )
        .group_by(Shift.task_id)
    )
    return {task_id: no_shows / total for task_id, total, no_shows in rows if total}
