"""Leaderboards: snapshots of who leads by points, verified hours and reading, per period.

`rebuild` (a job) recomputes every current board with one grouped query each and replaces
the board's rows in the job's single transaction, so a page never sees half a board. Pages
read the snapshot through `board`, which narrows it to a college or a team, leaves out
people who hide from boards, masks the others' names and always gives the viewer their
own rank.

Order on a board: value descending, then whoever reached it first (`reached_at`: the time
of the person's last non-zero contribution in the period, so an entry worth nothing moves
nobody), then user id. Only positive values are on a board. Values are points, verified
minutes (by shift start) or a month's reading score × 100. A stored rank is the position
among the people others see; someone hidden (opted out, or a closed account) keeps the rank
they would have if shown, which only they are told.

Periods are local calendar periods: the week from Monday ("week:2026-10-12"), the month
("month:2026-10"), the semester ("semester:2026-2027-1") and all time ("all"); the reading
board has this month and the month before (the one Reading Stars are named for).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, delete, func, insert, or_, select

from app.accounts.models import College, User
from app.checkin import hours
from app.common.db import get_or_not_found, lock_for_transaction
from app.common.names import mask_name
from app.common.semesters import current_semester
from app.common.time import from_local_date, local_today, utcnow
from app.errors import Forbidden, InvalidInput
from app.extensions import db
from app.recruitment import membership
from app.recruitment.access import can_manage_team, managed_team_ids
from app.recruitment.models import Team
from app.rewards.library_use import reading
from app.rewards.models import BOARD_METRICS, LeaderboardEntry, PointEntry

# The periods each metric has a board for, by name; the first is the page's default.
PERIODS = {
    "points": ("week", "month", "semester", "all"),
    "hours": ("week", "month", "semester", "all"),
    "reading": ("month", "last_month"),
}
PERIOD_KEY = re.compile(r"all|week:\d{4}-\d{2}-\d{2}|month:\d{4}-\d{2}|semester:\d{4}-\d{4}-\d+")
TOP = 50

# (user id, value, reached at): one person's standing before ranking.
Standing = tuple[int, int, datetime]


@dataclass(frozen=True)
class Period:
    key: str
    since: datetime | None  # naive UTC, inclusive; None: from the beginning
    until: datetime | None  # naive UTC, exclusive; None: no end


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


# Periods ----------------------------------------------------------------------------------


def _month(first: date) -> Period:
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(f"month:{first:%Y-%m}", from_local_date(first), from_local_date(following))


def period_for(name: str, now: datetime | None = None) -> Period:
    """The current period called `name` ("week", "month", "last_month", "semester", "all")."""
    today = local_today(now)
    if name == "week":
        monday = today - timedelta(days=today.weekday())
        following = monday + timedelta(days=7)
        return Period(f"week:{monday}", from_local_date(monday), from_local_date(following))
    if name == "month":
        return _month(today.replace(day=1))
    if name == "last_month":
        return _month((today.replace(day=1) - timedelta(days=1)).replace(day=1))
    if name == "semester":
        semester = current_semester(now or utcnow())
        return Period(f"semester:{semester.code}", semester.starts_at, semester.ends_before)
    if name == "all":
        return Period("all", None, None)
    raise InvalidInput(_("Unknown leaderboard period."), field="period")


# Building ---------------------------------------------------------------------------------


def _points(period: Period) -> list[Standing]:
    # Grouping by `user_id + 0` keeps SQLite from walking the (user_id, occurred_at) index
    # and fetching every row at random for all-time totals: a plain scan and a sort are
    # several times faster on two million entries (PostgreSQL hashes either way).
    person = PointEntry.user_id + 0
    last_change = func.max(case((PointEntry.points != 0, PointEntry.occurred_at)))
    total = func.sum(PointEntry.points)
    query = select(person, total, last_change).group_by(person)
    if period.since is not None:
        query = query.where(PointEntry.occurred_at >= period.since)
    if period.until is not None:
        query = query.where(PointEntry.occurred_at < period.until)
    return [tuple(row) for row in db.session.execute(query.having(total > 0))]


def _hours(period: Period) -> list[Standing]:
    totals = hours.verified_totals(period.since, period.until)
    return [(user_id, minutes, last) for user_id, (minutes, last) in totals.items()]


def _reading(period: Period) -> list[Standing]:
    month = period.key.removeprefix("month:")
    return [
        (row.user_id, round(row.score * 100), from_local_date(row.last_day))
        for row in reading.monthly_reading(month)
    ]


STANDINGS: dict[str, Callable[[Period], list[Standing]]] = {
    "points": _points,
    "hours": _hours,
    "reading": _reading,
}


def _hidden_ids() -> set[int]:
    """People left out of what others see: those who opted out, and closed accounts."""
    hidden = or_(User.hide_from_boards.is_(True), User.active.is_(False))
    return set(db.session.scalars(select(User.id).where(hidden)))


def ranked(standings: list[Standing], hidden: set[int] | None = None) -> list[tuple[int, Standing]]:
    """Positive values in board order, each with its rank: the position among the people
    others see; someone hidden gets the rank they would have if they showed themselves."""
    hidden = hidden or set()
    ordered = sorted(
        (standing for standing in standings if standing[1] > 0),
        key=lambda standing: (-standing[1], standing[2], standing[0]),
    )
    shown = 0
    result = []
    for standing in ordered:
        if standing[0] in hidden:
            result.append((shown + 1, standing))
        else:
            shown += 1
            result.append((shown, standing))
    return result


def _replace(metric: str, key: str, rows: list[tuple[int, Standing]], built_at: datetime) -> int:
    """Swap the board's rows for new ones (within the caller's transaction)."""
    table = LeaderboardEntry.__table__
    db.session.execute(delete(table).where(table.c.metric == metric, table.c.period == key))
    if rows:
        db.session.execute(
            insert(table),
            [
                {
                    "metric": metric,
                    "period": key,
                    "user_id": user_id,
                    "value": value,
                    "reached_at": reached_at,
                    "rank": rank,
                    "built_at": built_at,
                }
                for rank, (user_id, value, reached_at) in rows
            ],
        )
    return len(rows)


def _drop_other_periods(metric: str, keep: list[str]) -> int:
    """Boards of periods that are over: the table holds current boards only."""
    table = LeaderboardEntry.__table__
    gone = db.session.execute(
        delete(table).where(table.c.metric == metric, table.c.period.not_in(keep))
    )
    return gone.rowcount or 0


def rebuild(*, now: datetime | None = None) -> dict[str, int]:
    """Rebuild every current board; the caller commits (pages read the old boards until
    then). Everything is read first and written in one burst, so that the write lock
    (all of SQLite's database) is held as briefly as possible."""
    now = now or utcnow()
    hidden = _hidden_ids()
    built = {
        metric: {
            period.key: ranked(STANDINGS[metric](period), hidden)
            for period in (period_for(name, now) for name in names)
        }
        for metric, names in PERIODS.items()
    }
    counts = {"boards": 0, "entries": 0, "dropped": 0}
    lock_for_transaction("rewards.boards")  # a concurrent rebuild writes before or after
    for metric, periods in built.items():
        counts["dropped"] += _drop_other_periods(metric, list(periods))
        for key, rows in periods.items():
            counts["entries"] += _replace(metric, key, rows, now)
            counts["boards"] += 1
    db.session.flush()
    return counts


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
    """A condition on a board entry's person for `scope` (None for everyone), after
    checking the viewer may see it: their own college, or a team they are an active member
    of or run."""
    if scope == "all":
        return None
    kind, _sep, number = scope.partition(":")
    if kind not in ("college", "team") or not number.isdigit():
        raise InvalidInput(_("Unknown leaderboard scope."), field="scope")
    if kind == "college":
        college = get_or_not_found(College, int(number), _("No such college."))
        if college.id != viewer.college_id and not viewer.has_role("admin"):
            raise Forbidden(_("You can only see the board of your own college."))
        return LeaderboardEntry.user_id.in_(select(User.id).where(User.college_id == college.id))
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
# A board's order; ranks are unique among the people shown when the board was built, the
# rest only matters for someone who stopped hiding since.
ORDER = (
    LeaderboardEntry.rank,
    LeaderboardEntry.value.desc(),
    LeaderboardEntry.reached_at,
    LeaderboardEntry.user_id,
)


def _row(rank: int, user_id: int, value: int, name: str, nickname: str | None, viewer) -> Row:
    if user_id == viewer.id:
        return Row(rank, user_id, viewer.display_name, value, is_viewer=True)
    return Row(rank, user_id, mask_name(nickname or name), value)


def _whole_board(on_board: list, viewer: User, limit: int) -> tuple[list[Row], Row | None]:
    """Everyone: the top rows in the snapshot's order, and the viewer's rank as built."""
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
            select(entry.rank, entry.value).where(*on_board, entry.user_id == viewer.id)
        ).first()
        if mine is not None:
            me = Row(mine.rank, viewer.id, viewer.display_name, mine.value, is_viewer=True)
    return rows, me


def _part_of_board(on_board: list, viewer: User, limit: int) -> tuple[list[Row], Row | None]:
    """A college or team: its people's entries (a few thousand at most, fetched through
    the (metric, period, user) index), ranked here by position among those shown."""
    entry = LeaderboardEntry
    found = db.session.execute(
        select(entry.user_id, entry.value, User.name, User.nickname, entry.rank, entry.reached_at)
        .join(User, User.id == entry.user_id)
        .where(*on_board, or_(and_(*SHOWN), entry.user_id == viewer.id))
    ).all()
    found.sort(key=lambda row: (row.rank, -row.value, row.reached_at, row.user_id))
    rows, me, position = [], None, 0
    for user_id, value, name, nickname, _rank, _reached_at in found:
        is_viewer = user_id == viewer.id
        if is_viewer and viewer.hide_from_boards:
            me = _row(position + 1, user_id, value, name, nickname, viewer)
            continue
        position += 1
        if position <= limit:
            rows.append(_row(position, user_id, value, name, nickname, viewer))
        if is_viewer:
            me = _row(position, user_id, value, name, nickname, viewer)
    return rows, me


def board(metric: str, period_key: str, scope: str, *, viewer: User, limit: int = TOP) -> Board:
    """The top `limit` people of one board within `scope` ("all", "college:<id>",
    "team:<id>") as `viewer` may see it, ranked by position in the snapshot's order.

    On the whole board the viewer's own rank is the snapshot's; within a college or team it
    is counted from the people shown. Someone who opted out since the last build is left
    out at once; the ranks catch up at the next build."""
    _check(metric, period_key)
    in_scope = _scope_filter(scope, viewer)
    on_board = [LeaderboardEntry.metric == metric, LeaderboardEntry.period == period_key]
    if in_scope is None:
        rows, me = _whole_board(on_board, viewer, limit)
    else:
        rows, me = _part_of_board([*on_board, in_scope], viewer, limit)
    # Every board is rebuilt at once with the same time, so any row tells when (an empty
    # board has no row of its own).
    built_at = db.session.scalar(select(LeaderboardEntry.built_at).limit(1))
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
