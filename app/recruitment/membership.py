"""Team membership: joining (on acceptance), the member lifecycle, the roster and its export.

A member is active, paused (taking a break: keeps the place, gets no shifts) or alumni
(has left; the membership stays for statistics and can be made active again). Hours on the
roster come from the check-in feature through the `app.hooks.TEAM_HOURS` hook, so this
module need not know about attendance.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager

from app import hooks
from app.accounts.models import College, User
from app.audit import services as audit
from app.common.tables import XLSX_TYPE, write_table
from app.common.time import to_local, utcnow
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.recruitment.models import MEMBERSHIP_STATUSES, Membership, Team

MEMBER_STATUS_LABELS = {
    "active": _l("Active"),
    "paused": _l("Paused"),
    "alumni": _l("Alumni"),
}
# Which status a member may move to from each status.
TRANSITIONS = {
    "active": ("paused", "alumni"),
    "paused": ("active", "alumni"),
    "alumni": ("active",),
}
EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_TYPE,
}
# Roster XLSX column widths in characters: number, name, college.
ROSTER_WIDTHS = {0: 16, 1: 14, 2: 20}


def join_team(
    team_id: int, user_id: int, *, application_id: int | None = None, now: datetime | None = None
) -> Membership:
    """Make the person an active member of the team: a new membership, or an existing
    paused or alumni one made active again (onboarding already done stays done)."""
    now = now or utcnow()
    membership = db.session.scalar(
        select(Membership).where(Membership.team_id == team_id, Membership.user_id == user_id)
    )
    if membership is None:
        membership = Membership(
            team_id=team_id,
            user_id=user_id,
            status="active",
            joined_at=now,
            status_changed_at=now,
            application_id=application_id,
            onboarded=False,
        )
        db.session.add(membership)
    elif membership.status != "active":
        membership.status = "active"
        membership.status_changed_at = now
        membership.application_id = application_id or membership.application_id
    db.session.flush()
    return membership


def find_membership(team_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.team_id == team_id, Membership.user_id == user_id)
    )


def memberships_of(user_id: int) -> list[Membership]:
    """A person's memberships, with their teams, active ones first (most pages ask: its
    statement is built once)."""
    return list(db.session.scalars(_memberships_query(), {"user_id": user_id}))


@functools.cache
def _memberships_query() -> Select:
    return (
        select(Membership)
        .join(Team, Team.id == Membership.team_id)
        .where(Membership.user_id == bindparam("user_id"))
        .options(contains_eager(Membership.team))
        .order_by(Membership.status, Team.name)
    )


def set_member_status(
    membership: Membership, status: str, *, actor, now: datetime | None = None
) -> Membership:
    """Pause, reactivate or make alumni. `actor` must run the team (None: the system)."""
    if actor is not None:
        require_team_manager(actor, membership.team_id)
    if status not in MEMBERSHIP_STATUSES:
        raise InvalidInput(_("Unknown member status."), field="status")
    before = membership.status
    if status == before:
        raise Conflict(
            _("This member's status is already “%(status)s”.", status=MEMBER_STATUS_LABELS[status])
        )
    if status not in TRANSITIONS[before]:
        raise InvalidInput(_("An alumni member can only be made active again."), field="status")
    now = now or utcnow()
    membership.status = status
    membership.status_changed_at = now
    _record(
        "recruitment.member_status_changed",
        membership,
        actor=actor,
        before={"status": before},
        after={"status": status},
        now=now,
    )
    return membership


def mark_onboarded(membership: Membership, *, now: datetime | None = None, actor=None) -> bool:
    """Record that the member completed the team's onboarding training (the shifts feature
    calls this when the training shift is attended). Returns False when it was already
    recorded, so a replayed call changes nothing."""
    if membership.onboarded:
        return False
    now = now or utcnow()
    membership.onboarded = True
    membership.onboarded_at = now
    _record(
        "recruitment.member_onboarded",
        membership,
        actor=actor,
        before={"onboarded": False},
        after={"onboarded": True},
        now=now,
    )
    return True


def _record(
    action: str, membership: Membership, *, actor, before: dict, after: dict, now: datetime
) -> None:
    """Audit a change to a membership; what it says after names the team and the person."""
    audit.record(
        action,
        membership,
        actor=actor,
        before=before,
        after={**after, "team_id": membership.team_id, "user_id": membership.user_id},
        now=now,
    )


def needs_onboarding(membership: Membership) -> bool:
    """True while the team asks for an onboarding training the member has not done."""
    return bool(membership.team.requires_onboarding) and not membership.onboarded


# The roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    membership_id: int
    user_id: int
    name: str
    number: str
    college: str
    year: int | None
    status: str
    joined: datetime
    onboarded: bool
    hours_so_far: float


def hours_for(team_id: int, user_ids: Iterable[int]) -> dict[int, float]:
    """Hours served per member, summed over every registered provider (0 without any)."""
    ids = list(user_ids)
    totals = dict.fromkeys(ids, 0.0)
    if not ids:
        return totals
    for provider in hooks.TEAM_HOURS.providers:
        for user_id, hours in (provider(team_id, ids) or {}).items():
            if user_id in totals:
                totals[user_id] += float(hours or 0)
    return totals


def roster(team: Team, *, status: str | None = None, text: str = "") -> list[RosterRow]:
    """The team's members (of one status, or all), by status then name; `text` narrows to
    names or numbers containing it."""
    query = (
        select(Membership, User, College.name)
        .join(User, User.id == Membership.user_id)
        .outerjoin(College, College.id == User.college_id)
        .where(Membership.team_id == team.id)
    )
    if status:
        if status not in MEMBERSHIP_STATUSES:
            raise InvalidInput(_("Unknown member status."), field="status")
        query = query.where(Membership.status == status)
    text = (text or "").strip()
    if text:
        pattern = f"%{text.upper()}%"
        query = query.where(
            or_(func.upper(User.name).like(pattern), func.upper(User.student_number).like(pattern))
        )
    order = {name: position for position, name in enumerate(MEMBERSHIP_STATUSES)}
    results = sorted(
        db.session.execute(query).all(),
        key=lambda row: (order[row[0].status], row[1].name, row[1].student_number),
    )
    hours = hours_for(team.id, [user.id for _membership, user, _college in results])
    return [
        RosterRow(
            membership_id=membership.id,
            user_id=user.id,
            name=user.name,
            number=user.student_number,
            college=college or "",
            year=user.enrolment_year,
            status=membership.status,
            joined=membership.joined_at,
            onboarded=membership.onboarded,
            hours_so_far=round(hours[user.id], 2),
        )
        for membership, user, college in results
    ]


def status_counts(team: Team) -> dict[str, int]:
    return member_counts([team.id])[team.id]


def _export_table(rows: list[RosterRow]) -> tuple[list[str], list[list[object]]]:
    header = [
        _("Student/staff number"),
        _("Name"),
        _("College"),
        _("Enrolment year"),
        _("Status"),
        _("Joined"),
        _("Onboarding done"),
        _("Hours so far"),
    ]
    body = [
        [
            row.number,
            row.name,
            row.college,
            row.year if row.year is not None else "",
            str(MEMBER_STATUS_LABELS[row.status]),
            to_local(row.joined).strftime("%Y-%m-%d"),
            _("yes") if row.onboarded else _("no"),
            row.hours_so_far,
        ]
        for row in rows
    ]
    return header, body


def export_roster(
    team: Team,
    fmt: str,
    *,
    status: str | None = None,
    actor=None,
    now: datetime | None = None,
) -> tuple[bytes, str, str]:
    """The roster as a file: (bytes, filename, mimetype). CSV is UTF-8 with a BOM; XLSX
    keeps student numbers as text. Exporting people's data is audited when `actor` is
    given."""
    if actor is not None:
        require_team_manager(actor, team)
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(_("Choose CSV or XLSX."), field="format")
    now = now or utcnow()
    rows = roster(team, status=status)
    header, body = _export_table(rows)
    data = write_table(header, body, fmt, title=_("Roster"), text_columns=[0], widths=ROSTER_WIDTHS)
    filename = f"team-{team.id}-roster-{to_local(now):%Y%m%d}.{fmt}"
    if actor is not None:
        audit.record(
            "recruitment.roster_exported",
            team,
            actor=actor,
            after={"format": fmt, "status": status or "", "rows": len(rows)},
            now=now,
        )
    return data, filename, EXPORT_FORMATS[fmt]


def member_counts(team_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Members per status for each team, in one query (for the team list)."""
    ids = list(team_ids)
    counts = {team_id: dict.fromkeys(MEMBERSHIP_STATUSES, 0) for team_id in ids}
    if not ids:
        return counts
    query = (
        select(Membership.team_id, Membership.status, func.count())
        .where(Membership.team_id.in_(ids))
        .group_by(Membership.team_id, Membership.status)
    )
    for team_id, status, count in db.session.execute(query):
        counts[team_id][status] = count
    return counts


def active_memberships(team_ids: list[int] | None = None) -> Select:
    """(team_id, user_id) of every active membership, optionally of some teams only: the
    people a team's engagement figures are about."""
    query = select(Membership.team_id.label("team_id"), Membership.user_id.label("user_id")).where(
        Membership.status == "active"
    )
    if team_ids is not None:
        query = query.where(Membership.team_id.in_(team_ids))
    return query
