"""Why a volunteer sees no shift to sign up for, and the way out: the one place that decides
what the open-shifts page says when it offers nothing (the reasons come from eligibility)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.recruitment import membership as members
from app.recruitment.models import Application

# The order a person should act in: the first code that applies is the one the page names.
BLOCKING = ("paused", "onboarding", "training", "skills")
PENDING_APPLICATION = ("submitted", "shortlisted", "waitlisted")


@dataclass(frozen=True)
class EmptyState:
    """What the page says, and a link (endpoint and its arguments) to the fix."""

    code: str
    message: str
    link_text: str | None = None
    endpoint: str | None = None
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TrainingFirst:
    """The one hint at the top of the list for a member who must first do the team's
    onboarding training (instead of the same refusal on every card): the training's shifts,
    soonest first, the one to book (or the one already booked)."""

    rows: list
    bookable: object | None = None
    booked: object | None = None


def training_first(rows: list) -> TrainingFirst | None:
    """None unless some listed shift waits for an onboarding training whose shifts are
    listed too; when none is listed, `why_no_shifts` says so."""
    waiting_teams = {
        row.shift.task.team_id for row in rows if "onboarding" in row.eligibility.codes
    }
    trainings = [
        row
        for row in rows
        if row.shift.task.is_onboarding and row.shift.task.team_id in waiting_teams
    ]
    if not trainings:
        return None
    return TrainingFirst(
        rows=trainings,
        bookable=next((r for r in trainings if r.eligibility.ok and r.signup is None), None),
        booked=next((r for r in trainings if r.signup is not None), None),
    )


def _open_or_opening(row) -> bool:
    """The person may sign up now, or once sign-up opens (the row shows its countdown)."""
    return row.eligibility.ok or row.eligibility.codes == ["not_open"]


def why_no_shifts(user, rows: list, *, filtered: bool) -> EmptyState | None:
    """None when some listed shift can be signed up for (or is already the person's);
    otherwise the reason that applies: no team yet (or an application under review), a
    pause, onboarding, a training or a skill, a filter that matches nothing, or simply no
    shift scheduled."""
    if any(_open_or_opening(row) or row.signup is not None for row in rows):
        return None
    if not rows:
        return _without_rows(user, filtered=filtered)
    codes = {code for row in rows for code in row.eligibility.codes}
    code = next((code for code in BLOCKING if code in codes), None)
    if code == "paused":
        return EmptyState(
            code,
            _("Your self sign-up is paused after missed shifts; a coordinator can lift the pause."),
            _("See my missed shifts"),
            "reliability.me",
        )
    if code == "onboarding":
        return EmptyState(
            code,
            _(
                "New members first do the team's onboarding training; no training shift is "
                "open yet. Your coordinators will schedule one."
            ),
            _("My teams"),
            "teams.profile",
        )
    if code == "training":
        training = next(tid for row in rows for tid in row.eligibility.missing_trainings)
        return EmptyState(
            code,
            _("These shifts need a training you have not done yet."),
            _("Find the training's shifts"),
            "shifts.index",
            {"task": training},
        )
    if code == "skills":
        return EmptyState(
            code,
            _("These shifts need skills your volunteer profile does not list yet."),
            _("Add my skills"),
            "teams.profile",
        )
    return EmptyState("none_open", _("None of these shifts is open to you."))


def _without_rows(user, *, filtered: bool) -> EmptyState:
    if not any(m.status == "active" for m in members.memberships_of(user.id)):
        pending = db.session.scalar(
            select(Application.id)
            .where(Application.user_id == user.id, Application.status.in_(PENDING_APPLICATION))
            .limit(1)
        )
        if pending is not None:
            return EmptyState(
                "application_pending",
                _(
                    "Your application is being reviewed: once accepted, your team's shifts "
                    "appear here."
                ),
                _("My applications"),
                "recruitment.mine",
            )
        return EmptyState(
            "not_member",
            _("Shifts appear here once you are a member of a team: apply to one first."),
            _("Find a team to join"),
            "recruitment.index",
        )
    if filtered:
        return EmptyState(
            "filtered",
            _("No shift matches this week and filter."),
            _("Show all upcoming shifts"),
            "shifts.index",
        )
    return EmptyState(
        "none_scheduled",
        _("Your team has no upcoming shift yet: coordinators add them, so look again soon."),
        _("My teams"),
        "teams.profile",
    )
