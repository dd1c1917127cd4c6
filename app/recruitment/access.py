"""Who may run a team: its coordinators, and admins for every team."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.errors import Forbidden
from app.extensions import db
from app.recruitment.models import Team, TeamCoordinator


class _Ask:
    """The default of `known`: ask the database which teams the user runs."""

    def __repr__(self) -> str:
        return "ASK"


ASK: Any = _Ask()


def managed_team_ids(user, known: Any = ASK) -> set[int] | None:
    """The ids of the teams `user` runs; None means every team (an admin). A caller that
    already knows them (the coordinator's desk) passes them as `known`, saving the query."""
    if known is not ASK:
        return known
    if user.has_role("admin"):
        return None
    if not user.has_role("coordinator"):
        return set()
    return set(
        db.session.scalars(
            select(TeamCoordinator.team_id).where(TeamCoordinator.user_id == user.id)
        )
    )


def can_manage_team(user, team: Team | int) -> bool:
    team_id = team if isinstance(team, int) else team.id
    teams = managed_team_ids(user)
    return teams is None or team_id in teams


def require_team_manager(user, team: Team | int) -> None:
    """Raise Forbidden unless `user` coordinates `team` (or is an admin)."""
    if not can_manage_team(user, team):
        raise Forbidden(_("Only the coordinators of this team can do this."))


def active_coordinators(team_id: int) -> list:
    """The team's coordinators whose accounts are active: whom to tell about the team's
    requests (a takeover to approve, a release past the deadline)."""
    grants = db.session.scalars(
        select(TeamCoordinator)
        .where(TeamCoordinator.team_id == team_id)
        .options(joinedload(TeamCoordinator.user))
        .order_by(TeamCoordinator.id)
    )
    return [grant.user for grant in grants if grant.user.active]


def in_managed_teams(query: Select, team_id: Any, user, known: Any = ASK) -> Select | None:
    """`query` kept to the rows whose `team_id` column is a team `user` runs (unchanged for
    an admin); None when they run no team, so the caller skips the query."""
    team_ids = managed_team_ids(user, known)
    if team_ids is None:
        return query
    return query.where(team_id.in_(team_ids)) if team_ids else None
