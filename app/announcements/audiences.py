"""Whom an announcement may reach, and who they are when it is sent.

A coordinator reaches their own teams only: a team, one of its tasks' volunteers, one of
its shifts' sign-ups. Admins also reach a college and everyone. `reach` checks the writer's
right when they write; `recipient_ids` is the audience's query, run once when the job
freezes it into recipient rows."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from app.accounts.models import College, User
from app.engagement.models import SEGMENTS, EngagementDay, EngagementScore
from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.recruitment.access import can_manage_team
from app.recruitment.models import APPLICATION_STATUSES, Application, Campaign, Membership, Team
from app.shifts.models import Shift, ShiftSignup, Task

AUDIENCE_LABELS = {
    "team": _l("A team's members"),
    "task": _l("A task's volunteers"),
    "shift": _l("A shift's sign-ups"),
    "campaign": _l("A campaign's applicants"),
    "college": _l("A college (admins)"),
    "segment": _l("An engagement segment (admins)"),
    "everyone": _l("Everyone (admins)"),
}
SIGNUP_LABELS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Waitlisted"),
    "both": _l("Confirmed and waitlisted"),
}
ADMIN_AUDIENCES = ("college", "segment", "everyone")
# Which of them: a campaign's applicants by status, or people in an engagement segment.
AMONG = {"campaign": APPLICATION_STATUSES, "segment": SEGMENTS}


def _team_of(audience: str, target_id: int | None) -> int | None:
    """The team the audience belongs to; NotFound when its target does not exist."""
    if audience in ("everyone", "segment"):
        return None
    if target_id is None:
        raise InvalidInput(_("Please choose whom to tell."), field="target_id")
    model = {"team": Team, "task": Task, "shift": Shift, "campaign": Campaign, "college": College}
    row = db.session.get(model[audience], target_id)
    if row is None:
        raise NotFound(_("There is no such team, task, shift or college."), field="target_id")
    if audience == "team":
        return row.id
    if audience in ("task", "campaign"):
        return row.team_id
    if audience == "shift":
        return row.task.team_id
    return None


def reach(actor: User, audience: str, target_id: int | None, among: str | None) -> int | None:
    """The team of an audience `actor` may reach (None: no team, an admin's); Forbidden
    for people outside the actor's teams."""
    if audience not in AUDIENCE_LABELS:
        raise InvalidInput(_("Please choose whom to tell."), field="audience")
    if audience in AMONG and among not in AMONG[audience]:
        raise InvalidInput(_("Please choose which applicants or which segment."), field="among")
    if audience in ADMIN_AUDIENCES and not actor.has_role("admin"):
        raise Forbidden(
            _("Only administrators can write to a college or to everyone."), field="audience"
        )
    team_id = _team_of(audience, target_id)
    if team_id is not None and not can_manage_team(actor, team_id):
        raise Forbidden(_("You can only write to the people of your own teams."), field="target_id")
    return team_id


def _signup_statuses(signups: str) -> tuple[str, ...]:
    if signups == "both":
        return ("confirmed", "waitlisted", "offered")
    if signups == "waitlisted":
        return ("waitlisted", "offered")
    return ("confirmed",)


def recipient_ids(
    audience: str, target_id: int | None, signups: str, among: str | None = None
) -> Select:
    """The ids of the active people the audience names now (a query, run in the database)."""
    if audience == "team":
        ids = select(Membership.user_id).where(
            Membership.team_id == target_id, Membership.status == "active"
        )
    elif audience in ("task", "shift"):
        ids = (
            select(ShiftSignup.user_id)
            .join(Shift, Shift.id == ShiftSignup.shift_id)
            .where(ShiftSignup.status.in_(_signup_statuses(signups)))
        )
        ids = ids.where(Shift.task_id == target_id if audience == "task" else Shift.id == target_id)
    elif audience == "campaign":
        ids = select(Application.user_id).where(
            Application.campaign_id == target_id, Application.status == among
        )
    elif audience == "segment":  # by the latest day the engagement job finished
        latest = select(func.max(EngagementDay.day)).scalar_subquery()
        ids = select(EngagementScore.user_id).where(
            EngagementScore.day == latest, EngagementScore.segment == among
        )
    elif audience == "college":
        ids = select(User.id).where(User.college_id == target_id)
    else:
        ids = select(User.id)
    return select(User.id).where(User.active.is_(True), User.id.in_(ids))
