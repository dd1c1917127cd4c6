"""A new member's way in, on the home page: apply → accepted → book the training shift →
training done, each ticked or not, and the next step as the one button.

"Onboarded" is the team's word (`membership.needs_onboarding`: the team asks for its
onboarding training and the member has not done it; `trainings.record_completion` marks
them). A volunteer with no team yet starts at "apply". Once every active team has them
onboarded, the steps are not shown any more: home is then their day (app/home/today.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.common.time import to_local, utcnow
from app.extensions import db
from app.recruitment import applying, eligibility
from app.recruitment import membership as members
from app.shifts import trainings
from app.shifts.models import Shift, ShiftSignup, Task
from app.shifts.queries import signups_of
from app.shifts.signups import ACTIVE_STATUSES

STEP_LABELS = {
    "apply": _l("Apply to a team"),
    "accepted": _l("Accepted into the team"),
    "book": _l("Book the training shift"),
    "trained": _l("Training done"),
}
STEPS = tuple(STEP_LABELS)
WAITING = ("submitted", "shortlisted", "waitlisted")


@dataclass(frozen=True)
class NextStep:
    """What to do now. `shift` set: the button signs up for that training shift (a POST);
    else `url` is a link (none when there is only waiting to do)."""

    text: str
    button: str = ""
    url: str = ""
    shift: Shift | None = None


@dataclass(frozen=True)
class Onboarding:
    done: frozenset[str]
    next: NextStep

    def steps(self) -> list[tuple[str, str, bool]]:
        """(step, label, ticked) in order."""
        return [(step, str(STEP_LABELS[step]), step in self.done) for step in STEPS]


def _where(shift: Shift) -> str:
    """When and where: "12-11 14:00 · 江安图书馆报告厅"."""
    when = f"{to_local(shift.starts_at):%m-%d %H:%M}"
    return f"{when} · {shift.task.location}" if shift.task.location else when


def _training_signup(user_id: int, team_ids: list[int], now: datetime) -> ShiftSignup | None:
    """The person's place on a coming onboarding training of one of these teams."""
    if not team_ids:
        return None
    query = (
        signups_of(user_id)
        .join(Task, Task.id == Shift.task_id)
        .where(
            ShiftSignup.status.in_(ACTIVE_STATUSES),
            Shift.status == "scheduled",
            Shift.ends_at > now,
            Task.is_onboarding.is_(True),
            Task.team_id.in_(team_ids),
        )
        .order_by(Shift.starts_at)
        .limit(1)
    )
    return db.session.scalar(query)


def _apply_step(user, now: datetime, applications: list) -> NextStep:
    latest = next((a for a in applications if a.status in WAITING), None)
    if latest is not None:
        return NextStep(
            _("Your application to %(name)s is being reviewed.", name=latest.campaign.title),
            button=_("See my application"),
            url=url_for("recruitment.campaign", campaign_id=latest.campaign_id),
        )
    open_campaigns = eligibility.eligible_open_campaigns(user, now=now)
    if open_campaigns:
        campaign = open_campaigns[0]
        return NextStep(
            _("%(campaign)s is taking applications.", campaign=campaign.title),
            button=_("Apply now"),
            url=url_for("recruitment.campaign", campaign_id=campaign.id),
        )
    return NextStep(
        _("No campaign is open right now; the recruitment page lists the next ones."),
        button=_("Recruitment"),
        url=url_for("recruitment.index"),
    )


def _training_step(user, team_ids: list[int], now: datetime) -> tuple[bool, NextStep]:
    """(booked, next step) for a member whose team asks for the onboarding training."""
    booked = _training_signup(user.id, team_ids, now)
    if booked is not None:
        shift = booked.shift
        return True, NextStep(
            _(
                "Your training: %(task)s, %(where)s. After it you can sign up for shifts.",
                task=shift.task.title,
                where=_where(shift),
            ),
            button=_("My shifts"),
            url=url_for("shifts.mine"),
        )
    soonest = trainings.next_onboarding_shifts(team_ids, now=now)
    if soonest:
        shift = min(soonest.values(), key=lambda s: s.starts_at)
        return False, NextStep(
            _(
                "Your team's onboarding training comes first: %(task)s, %(where)s.",
                task=shift.task.title,
                where=_where(shift),
            ),
            button=_("Book this training shift"),
            shift=shift,
        )
    return False, NextStep(
        _("Your team's onboarding training comes first; no training shift is scheduled yet.")
    )


def onboarding_of(
    user,
    *,
    now: datetime | None = None,
    applications: list | None = None,
    memberships: list | None = None,
) -> Onboarding | None:
    """The steps for a volunteer not yet onboarded (None for everyone else: readers and
    staff with no team, and members every active team has onboarded). `applications`
    (the latest five) and `memberships`: the person's, when the page has them already."""
    now = now or utcnow()
    if memberships is None:
        memberships = members.memberships_of(user.id)
    memberships = [m for m in memberships if m.status == "active"]
    if not memberships:
        if not user.has_role("volunteer"):
            return None
        if applications is None:
            applications = applying.applications_of(user, limit=5)
        return Onboarding(frozenset(), _apply_step(user, now, applications))
    waiting = [m.team_id for m in memberships if members.needs_onboarding(m)]
    if not waiting:
        return None
    booked, step = _training_step(user, waiting, now)
    done = {"apply", "accepted"} | ({"book"} if booked else set())
    return Onboarding(frozenset(done), step)
