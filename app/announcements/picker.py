"""The audience picker of the announcement form: the teams, tasks, upcoming shifts (grouped
by task) and campaigns a writer may reach, and for admins the colleges, an engagement
segment and everyone, as the options of one select whose values name the audience
("shift:12", "everyone"); and how many people an audience reaches now, before sending.

The options only help: `audiences.reach` still checks whatever is posted."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import College, User
from app.announcements import audiences
from app.common.time import to_local
from app.extensions import db
from app.recruitment.access import managed_team_ids
from app.recruitment.models import Campaign, Team
from app.shifts.models import Shift, Task

# How many upcoming shifts the picker lists (the soonest first).
SHIFTS_LISTED = 200

Options = dict[str, list[tuple[str, str]]]


def value(audience: str, target_id: int | None) -> str:
    return audience if target_id is None else f"{audience}:{target_id}"


def number(text: str) -> int | None:
    """A row id typed or posted, or None (never one too large for the database)."""
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 9 else None


def parse(picked: str | None) -> tuple[str, int | None] | None:
    """(audience, target id) of a picked value; None when nothing (or a bare number, from
    an older form that names the audience separately) was picked."""
    audience, _sep, target = (picked or "").partition(":")
    if audience not in audiences.AUDIENCE_LABELS:
        return None
    return audience, number(target)


def _in_teams(query, team_column, teams: set[int] | None):
    return query if teams is None else query.where(team_column.in_(teams))


def _shift_options(teams: set[int] | None, now: datetime) -> Options:
    rows = db.session.execute(
        _in_teams(
            select(Task.title, Shift.id, Shift.starts_at)
            .join(Task, Task.id == Shift.task_id)
            .where(Shift.starts_at >= now, Shift.status == "scheduled")
            .order_by(Shift.starts_at)
            .limit(SHIFTS_LISTED),
            Task.team_id,
            teams,
        )
    ).all()
    rows.sort(key=lambda row: (row.title, row.starts_at))
    return {
        _("Shifts of %(task)s", task=title): [
            (value("shift", row.id), to_local(row.starts_at).strftime("%m-%d %H:%M"))
            for row in group
        ]
        for title, group in groupby(rows, key=lambda row: row.title)
    }


def options(actor: User, *, now: datetime) -> Options:
    """The select's option groups for `actor` (label: [(value, text)])."""
    teams = managed_team_ids(actor)
    team_rows = _in_teams(select(Team.id, Team.name).where(Team.active.is_(True)), Team.id, teams)
    task_rows = _in_teams(
        select(Task.id, Task.title).where(Task.active.is_(True)), Task.team_id, teams
    )
    campaign_rows = _in_teams(select(Campaign.id, Campaign.title), Campaign.team_id, teams)
    groups: Options = {
        _("Teams"): [
            (value("team", i), n) for i, n in db.session.execute(team_rows.order_by(Team.name))
        ],
        _("Tasks"): [
            (value("task", i), n) for i, n in db.session.execute(task_rows.order_by(Task.title))
        ],
        **_shift_options(teams, now),
        _("Campaigns"): [
            (value("campaign", i), n)
            for i, n in db.session.execute(campaign_rows.order_by(Campaign.id.desc()).limit(50))
        ],
    }
    if actor.has_role("admin"):
        groups[_("Colleges")] = [
            (value("college", i), n)
            for i, n in db.session.execute(select(College.id, College.name).order_by(College.name))
        ]
        groups[_("Everyone or a segment")] = [
            ("segment", str(audiences.AUDIENCE_LABELS["segment"])),
            ("everyone", str(audiences.AUDIENCE_LABELS["everyone"])),
        ]
    return {label: choices for label, choices in groups.items() if choices}


def count_now(
    actor: User, audience: str, target_id: int | None, signups: str, among: str | None
) -> int:
    """How many active people the audience names now (Forbidden/NotFound like writing)."""
    audiences.reach(actor, audience, target_id, among)
    people = audiences.recipient_ids(audience, target_id, signups, among).subquery()
    return db.session.scalar(select(func.count()).select_from(people))
