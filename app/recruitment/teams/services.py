"""Business rules for teams and their coordinators. Services only flush; the caller
commits once."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import COORDINATOR_ROLES
from app.audit import services as audit
from app.common.db import flush_or_conflict, get_or_not_found
from app.common.rows import fields_of
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import managed_team_ids
from app.recruitment.models import TEAM_KINDS, Team, TeamCoordinator

TEAM_NAME_MAX = 100


def get_team(team_id: int) -> Team:
    return get_or_not_found(Team, team_id, _("No such team."))


def teams_for(user) -> list[Team]:
    """The teams `user` manages (every team for an admin), by name."""
    team_ids = managed_team_ids(user)
    query = select(Team).order_by(Team.name)
    if team_ids is not None:
        if not team_ids:
            return []
        query = query.where(Team.id.in_(team_ids))
    return list(db.session.scalars(query))


def _team_snapshot(team: Team) -> dict:
    return fields_of(team, "name", "kind", "requires_onboarding", "active")


def _check_team_fields(team: Team | None, name: str, kind: str) -> str:
    name = clean_text(
        name,
        field="name",
        limit=TEAM_NAME_MAX,
        missing=_l("Please give the team a name."),
        too_long=_l("The name can be at most %(n)d characters long.", n=TEAM_NAME_MAX),
    )
    if kind not in TEAM_KINDS:
        raise InvalidInput(_("Please choose a kind of team."), field="kind")
    query = select(Team.id).where(Team.name == name)
    if team is not None and team.id is not None:
        query = query.where(Team.id != team.id)
    if db.session.scalar(query) is not None:
        raise Conflict(_("A team with this name already exists."), field="name")
    return name


def create_team(
    *,
    name: str,
    kind: str,
    description: str = "",
    requires_onboarding: bool = False,
    actor,
    now: datetime | None = None,
) -> Team:
    name = _check_team_fields(None, name, kind)
    team = Team(
        name=name,
        kind=kind,
        description=(description or "").strip(),
        requires_onboarding=bool(requires_onboarding),
        active=True,
        created_at=now or utcnow(),
    )
    db.session.add(team)
    flush_or_conflict(_("A team with this name already exists."), field="name")
    audit.record("recruitment.team_created", team, actor=actor, after=_team_snapshot(team), now=now)
    if actor is not None and actor.has_role("coordinator") and not actor.has_role("admin"):
        # A coordinator runs the team they create; admins run every team anyway.
        grant_coordinator(team, actor, actor=actor)
    return team


def update_team(
    team: Team,
    *,
    name: str,
    kind: str,
    description: str,
    requires_onboarding: bool,
    active: bool,
    actor,
) -> Team:
    name = _check_team_fields(team, name, kind)
    before = _team_snapshot(team)
    team.name = name
    team.kind = kind
    team.description = (description or "").strip()
    team.requires_onboarding = bool(requires_onboarding)
    team.active = bool(active)
    flush_or_conflict(_("A team with this name already exists."), field="name")
    audit.record_change(
        "recruitment.team_updated", team, actor=actor, before=before, after=_team_snapshot(team)
    )
    return team


def _coordinator_grant(team: Team, user) -> TeamCoordinator | None:
    return db.session.scalar(
        select(TeamCoordinator).where(
            TeamCoordinator.team_id == team.id, TeamCoordinator.user_id == user.id
        )
    )


def grant_coordinator(team: Team, user, *, actor) -> TeamCoordinator:
    """Make `user` a coordinator of `team`; they need the coordinator role to act on it.
    Granting twice is harmless."""
    if not user.has_any_role(COORDINATOR_ROLES):
        raise InvalidInput(
            _("Only people with the coordinator role can coordinate a team."), field="user"
        )
    grant = _coordinator_grant(team, user)
    if grant is not None:
        return grant
    grant = TeamCoordinator(team_id=team.id, user_id=user.id, granted_at=utcnow())
    db.session.add(grant)
    flush_or_conflict(_("This person was made a coordinator of the team meanwhile."))
    audit.record(
        "recruitment.coordinator_granted", team, actor=actor, after={"coordinator_id": user.id}
    )
    return grant


def revoke_coordinator(team: Team, user, *, actor) -> None:
    """Remove `user` from `team`'s coordinators; removing a non-coordinator is harmless."""
    grant = _coordinator_grant(team, user)
    if grant is None:
        return
    db.session.delete(grant)
    audit.record(
        "recruitment.coordinator_revoked", team, actor=actor, before={"coordinator_id": user.id}
    )
