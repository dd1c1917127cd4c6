"""Leaderboards: snapshots of who leads by points, verified hours and reading, per period.

`rebuild` (a job, see `board_building`) brings every current board up to date in the job's
single transaction, writing only the entries that changed, so a page never sees half a
board. Pages
read the snapshot through `board`, which narrows it to a college or a team, leaves out
people who hide from boards, masks the others' names and always gives the viewer their
own rank.

Order on a board: value descending, then whoever reached it first (`reached_at`: the time
of the person's last non-zero contribution in the period, so an entry worth nothing moves
nobody), then user id. Only positive values are on a board. Values are points, verified
minutes (by shift start) or a month's reading score × 100. A rank is not stored: it is the
position among the people others see, counted when a page reads; someone hidden (opted
out, or a closed account) is told, privately, the rank they would have if shown.

Periods are local calendar periods: the week from Monday ("week:2026-10-12"), the month
("month:2026-10"), the semester ("semester:2026-2027-1") and all time ("all"); the reading
board has this month and the month before (the one Reading Stars are named for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from app.accounts.models import College, User
from app.common.db import get_or_not_found
from app.common.names import mask_name
from app.errors import Forbidden, InvalidInput
from app.extensions import db
from app.recruitment import membership
from app.recruitment.access import can_manage_team, managed_team_ids
from app.recruitment.models import Team
from app.rewards import board_building
from app.rewards.board_periods import PERIOD_KEY, PERIODS, Period, period_for
from app.rewards.models import BOARD_METRICS, BoardBuild, LeaderboardEntry

__all__ = ["PERIODS", "Period", "board", "opening_board", "period_for", "rebuild"]

TOP = 50


@dataclass(frozen=True)
class Row:
    """One line of a board as a viewer sees it."""

    rank: int
    user_id: int
    name: str  # masked, except on the viewer's own row
    value: int
    is_viewer: bool = False


@dataclass(frozen=True)
class Board:
    metric: str
    period: str
    scope: str
    rows: list[Row]
    # The viewer's own place, also when outside the top rows or hidden from others (then
    # the rank they would have if they showed themselves); None when not on the board.
    me: Row | None
    viewer_hidden: bool
    built_at: datetime | None  # when the boards were last built; None: never


# Building ---------------------------------------------------------------------------------


def rebuild(*, now: datetime | None = None, full: bool = False) -> dict[str, int]:
    """Bring every current board up to date (see `board_building`); the caller commits."""
    return board_building.rebuild(now=now, full=full)


# Reading ----------------------------------------------------------------------------------


def scopes_for(viewer: User) -> list[tuple[str, str]]:
    """The scopes a person can choose: everyone, their college, each team they are an
    active member of, and each team they coordinate."""
    choices = [("all", _("Everyone"))]
    if viewer.college_id is not None:
        choices.append((f"college:{viewer.college_id}", viewer.college.name))
    teams = {
        member.team_id: member.team.name
        for member in membership.memberships_of(viewer.id)
        if member.status == "active"
    }
    run = (managed_team_ids(viewer) or set()) - set(teams)  # not an admin's "every team"
    if run:
        for team in db.session.scalars(select(Team).where(Team.id.in_(run))):
            teams[team.id] = team.name
    choices.extend((f"team:{team_id}", name) for team_id, name in teams.items())
    return choices


def _scope_filter(scope: str, viewer: User):
    """A condition on a board entry for `scope` (None for everyone), after checking the
    viewer may see it: their own college, or a team they are an active member of or run. A
    college is a key stored on the entries (the college's board order is an index of its
    own); a team is its active members (a person can be in several teams)."""
    if scope == "all":
        return None
    kind, _sep, number = scope.partition(":")
    if kind not in ("college", "team") or not number.isdigit():
        raise InvalidInput(_("Unknown leaderboard scope."), field="scope")
    if kind == "college":
        college = get_or_not_found(College, int(number), _("No such college."))
        if college.id != viewer.college_id and not viewer.has_role("admin"):
            raise Forbidden(_("You can only see the board of your own college."))
        return LeaderboardEntry.college_id == college.id
    team = get_or_not_found(Team, int(number), _("No such team."))
    member = membership.find_membership(team.id, viewer.id)
    if (member is None or member.status != "active") and not can_manage_team(viewer, team):
        raise Forbidden(_("You can only see the boards of your own teams."))
    members = [row.user_id for row in membership.roster(team, status="active")]
    return LeaderboardEntry.user_id.in_(members)


def _check(metric: str, period_key: str) -> None:
    if metric not in BOARD_METRICS:
        raise InvalidInput(_("Unknown leaderboard."), field="metric")
    if not PERIOD_KEY.fullmatch(period_key or ""):
        raise InvalidInput(_("Unknown leaderboard period."), field="period")


SHOWN = (User.hide_from_boards.is_(False), User.active.is_(True))
# A board's order: value down, whoever reached it first, then user id.
ORDER = (LeaderboardEntry.value.desc(), LeaderboardEntry.reached_at, LeaderboardEntry.user_id)


def _row(rank: int, user_id: int, value: int, name: str, nickname: str | None, viewer) -> Row:
    if user_id == viewer.id:
        return Row(rank, user_id, viewer.display_name, value, is_viewer=True)
    return Row(rank, user_id, mask_name(nickname or name), value)


def _ahead_of(value: int, reached_at: datetime, user_id: int, *, scoped: bool) -> list:
    """Entries before this one in a board's order. For everyone: three ranges of the
    board-order index (metric, period, value, reached_at, user_id), counted apart (an OR of
    them walks the whole board), also within a college (its own index). Within a team: one
    condition on `value + 0`, so that the database counts through the team's members (the
    (metric, period, user) key) rather than walking everyone on the board ahead."""
    entry = LeaderboardEntry
    worth = entry.value + 0 if scoped else entry.value
    same_value = worth == value
    parts = [
        worth > value,
        and_(same_value, entry.reached_at < reached_at),
        and_(same_value, entry.reached_at == reached_at, entry.user_id < user_id),
    ]
    return [or_(*parts)] if scoped else parts


HIDDEN = or_(User.hide_from_boards.is_(True), User.active.is_(False))


def _shown_ahead(on_board: list, ahead, scoped: bool) -> int:
    """How many people shown are in one part of the board ahead. On the whole board: all of
    them (counted in the index alone) less the few hidden ones among them."""
    entry = LeaderboardEntry
    if scoped:
        query = select(func.count()).select_from(entry).join(User, User.id == entry.user_id)
        return db.session.scalar(query.where(*on_board, *SHOWN, ahead))
    everyone = db.session.scalar(select(func.count()).select_from(entry).where(*on_board, ahead))
    hidden = select(User.id).where(HIDDEN)
    hiding = (
        select(func.count()).select_from(entry).where(*on_board, ahead, entry.user_id.in_(hidden))
    )
    return everyone - db.session.scalar(hiding)


def _ranked(
    on_board: list, viewer: User, limit: int, *, scoped: bool
) -> tuple[list[Row], Row | None]:
    """The top people shown, ranked by position, and the viewer's rank: one more than the
    people shown ahead of them (also when they hide: the rank they would have if shown)."""
    entry = LeaderboardEntry
    top = db.session.execute(
        select(entry.user_id, entry.value, User.name, User.nickname)
        .join(User, User.id == entry.user_id)
        .where(*on_board, *SHOWN)
        .order_by(*ORDER)
        .limit(limit)
    ).all()
    rows = [_row(position, *found, viewer) for position, found in enumerate(top, start=1)]
    me = next((row for row in rows if row.is_viewer), None)
    if me is None:
        mine = db.session.execute(
            select(entry.value, entry.reached_at).where(*on_board, entry.user_id == viewer.id)
        ).first()
        if mine is not None:
            ahead = sum(
                _shown_ahead(on_board, part, scoped)
                for part in _ahead_of(*mine, viewer.id, scoped=scoped)
            )
            me = Row(ahead + 1, viewer.id, viewer.display_name, mine.value, is_viewer=True)
    return rows, me


def board(metric: str, period_key: str, scope: str, *, viewer: User, limit: int = TOP) -> Board:
    """The top `limit` people of one board within `scope` ("all", "college:<id>",
    "team:<id>") as `viewer` may see it, ranked by position in the snapshot's order.

    Ranks are counted as the board is read, among the people shown now: someone who opts
    out is left out at once, and the others move up with them."""
    _check(metric, period_key)
    in_scope = _scope_filter(scope, viewer)
    on_board = [LeaderboardEntry.metric == metric, LeaderboardEntry.period == period_key]
    if in_scope is not None:
        on_board.append(in_scope)
    # A team's board counts through its members; a college's is read like everyone's, in
    # the index of its own order.
    scoped = scope.startswith("team:")
    rows, me = _ranked(on_board, viewer, limit, scoped=scoped)
    built_at = db.session.scalar(select(func.max(BoardBuild.built_at)))
    return Board(
        metric=metric,
        period=period_key,
        scope=scope,
        rows=rows,
        me=me,
        viewer_hidden=bool(viewer.hide_from_boards),
        built_at=built_at,
    )


def opening_board(
    metric: str, period: str, scope: str, *, viewer: User, chosen: bool, now: datetime
) -> tuple[str, Board, str | None]:
    """The board the page opens on: the period asked for; when none was chosen and the
    first period's board is still empty (a week's board fills with the week's first verified
    service), the next period of the metric that has entries. Returns the period shown, its
    board, and the empty period skipped (None when none was)."""
    shown = board(metric, period_for(period, now).key, scope, viewer=viewer)
    if chosen or shown.rows or shown.built_at is None:
        # No build time: no board has a row yet, so no later period has one either.
        return period, shown, None
    for later in PERIODS[metric][PERIODS[metric].index(period) + 1 :]:
        candidate = board(metric, period_for(later, now).key, scope, viewer=viewer)
        if candidate.rows:
            return later, candidate, period
    return period, shown, None
