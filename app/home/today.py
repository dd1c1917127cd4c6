"""A volunteer's "today" on the home page: the shift running now (to check in or out), the
next shifts, and what needs them, each with one way to act. Assembled from the other
features' services in a fixed number of queries however many shifts the person holds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam

from app.checkin import windows
from app.checkin.models import Attendance
from app.common.forms import ActionForm
from app.common.time import to_local, utcnow
from app.extensions import db
from app.feedback import services as feedback
from app.home import onboarding
from app.recruitment import applying
from app.recruitment import membership as members
from app.shifts import handovers
from app.shifts.models import Shift, ShiftSignup
from app.shifts.queries import signups_of
from app.shifts.signups import ACTIVE_STATUSES

# How many coming shifts the home page lists (My shifts has them all).
NEXT_SHIFTS = 3
# An application's result stays on the home page this long after the decision.
RESULT_SHOWN_FOR = timedelta(days=14)
DECIDED = ("accepted", "rejected", "waitlisted", "shortlisted")


@dataclass(frozen=True)
class Running:
    """The person's confirmed shift whose check-in (or check-out) is open now."""

    signup: ShiftSignup
    attendance: Attendance | None

    @property
    def shift(self) -> Shift:
        return self.signup.shift

    @property
    def checked_in(self) -> bool:
        return self.attendance is not None and self.attendance.status == "in"

    @property
    def checked_out(self) -> bool:
        return self.attendance is not None and self.attendance.status == "out"


@dataclass(frozen=True)
class Need:
    """One thing waiting for the person, with one button. `kind` picks how it is shown;
    an "offer" is answered in place (its sign-up is in `signup`)."""

    kind: str
    text: str
    url: str = ""
    button: str = ""
    signup: ShiftSignup | None = None


@dataclass
class Today:
    running: Running | None = None
    upcoming: list[ShiftSignup] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.running is None and not self.upcoming and not self.needs


def _when(moment: datetime) -> str:
    return f"{to_local(moment):%m-%d %H:%M}"


def _is_running(signup: ShiftSignup, now: datetime) -> bool:
    shift = signup.shift
    return (
        signup.status == "confirmed"
        and shift.status == "scheduled"
        and windows.opens_at(shift) <= now <= windows.checkout_closes_at(shift)
    )


def _active_signups(user_id: int, now: datetime) -> list[tuple[ShiftSignup, Attendance | None]]:
    """Sign-ups on shifts not over (check-out still open counts), soonest first, each with
    the person's attendance on its shift if any (one query for both)."""
    since = now - windows.CHECKOUT_GRACE
    rows = db.session.execute(_active_signups_query(), {"user_id": user_id, "since": since})
    return [(signup, attendance) for signup, attendance in rows]


@functools.cache
def _active_signups_query() -> Select:
    """Built once (every home page asks): the person and the time are bound parameters."""
    user_id = bindparam("user_id")
    return (
        signups_of(user_id)
        .outerjoin(
            Attendance,
            and_(Attendance.shift_id == ShiftSignup.shift_id, Attendance.user_id == user_id),
        )
        .add_columns(Attendance)
        .where(
            ShiftSignup.status.in_(ACTIVE_STATUSES),
            Shift.status == "scheduled",
            Shift.ends_at >= bindparam("since"),
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(50)
    )


def _running(rows: list[tuple[ShiftSignup, Attendance | None]], now: datetime) -> Running | None:
    """The running shift: the one the person is checked in to, else the soonest open one."""
    candidates = [(signup, record) for signup, record in rows if _is_running(signup, now)]
    if not candidates:
        return None
    for signup, record in candidates:
        if record is not None and record.status == "in":
            return Running(signup, record)
    open_ones = [pair for pair in candidates if pair[1] is None] or candidates
    return Running(*open_ones[0])


def _offers(signups: list[ShiftSignup], now: datetime) -> list[Need]:
    return [
        Need("offer", signup.shift.task.title, signup=signup)
        for signup in signups
        if signup.status == "offered"
        and (signup.offer_expires_at is None or signup.offer_expires_at > now)
    ]


def _handovers(user, now: datetime, memberships: list | None) -> list[Need]:
    needs = []
    own, available = handovers.offers_and_available(user, now=now, memberships=memberships)
    for handover in own:
        about = {"task": handover.shift.task.title, "when": _when(handover.shift.starts_at)}
        if handover.status == "pending":
            text = _("Your place on %(task)s (%(when)s) was taken; a coordinator decides.", **about)
        else:
            text = _("Your place on %(task)s (%(when)s) is offered; nobody took it yet.", **about)
        needs.append(Need("handover", text, url=url_for("handovers.index"), button=_("Open")))
    if available:
        needs.append(
            Need(
                "handover",
                _("%(n)s place(s) handed over in your team could be yours.", n=len(available)),
                url=url_for("handovers.index"),
                button=_("See the places"),
            )
        )
    return needs


def _results(applications: list, now: datetime) -> list[Need]:
    return [
        Need(
            "application",
            _("%(campaign)s: your application was answered.", campaign=application.campaign.title),
            url=url_for("recruitment.campaign", campaign_id=application.campaign_id),
            button=_("See the answer"),
        )
        for application in applications
        if application.status in DECIDED
        and application.decided_at is not None
        and application.decided_at >= now - RESULT_SHOWN_FOR
    ]


def _feedback(user_id: int) -> list[Need]:
    return [
        Need(
            "feedback",
            _(
                "How was %(task)s on %(when)s? Rate it in a tap.",
                task=request.task.title,
                when=_when(request.shift.starts_at),
            ),
            url=url_for("feedback.answer", attendance_id=request.attendance_id),
            button=_("Give feedback"),
        )
        for request in feedback.open_requests(user_id)
    ]


def today_of(
    user,
    *,
    now: datetime | None = None,
    applications: list | None = None,
    memberships: list | None = None,
) -> Today:
    """The person's day: the shift running now, the next shifts, and what needs them.
    `applications` (the latest five) and `memberships`: the person's, when the page has
    them already."""
    now = now or utcnow()
    if applications is None:
        applications = applying.applications_of(user, limit=5)
    rows = _active_signups(user.id, now)
    signups = [signup for signup, _attendance in rows]
    running = _running(rows, now)
    upcoming = [
        signup
        for signup in signups
        if signup.status in ("confirmed", "waitlisted")
        and signup.shift.starts_at > now
        and (running is None or signup.id != running.signup.id)
    ][:NEXT_SHIFTS]
    needs = [
        *_offers(signups, now),
        *_handovers(user, now, memberships),
        *_results(applications, now),
        *_feedback(user.id),
    ]
    return Today(running=running, upcoming=upcoming, needs=needs)


def for_home(user, *, now: datetime | None = None, applications: list | None = None) -> dict:
    """What the home page's volunteer part needs (nothing for people who are not
    volunteers): their day, their onboarding steps while not onboarded, and the CSRF
    carrier for the buttons answered in place. The person's memberships and (unless
    given) latest applications are read once for both parts."""
    if not user.has_role("volunteer"):
        return {"today": None, "onboarding": None}
    now = now or utcnow()
    if applications is None:
        applications = applying.applications_of(user, limit=5)
    memberships = members.memberships_of(user.id)
    known = {"applications": applications, "memberships": memberships}
    return {
        "today": today_of(user, now=now, **known),
        "onboarding": onboarding.onboarding_of(user, now=now, **known),
        "today_action": ActionForm(),
    }
