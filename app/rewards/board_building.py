"""Building the leaderboard snapshots, incrementally.

A build reads everything first (no write lock) and then writes only the entries whose
value or reach time changed, in chunks. Ranks are not stored: a page counts them when it
reads (see `boards`), so a person whose value did not change is never written, however far
others moved around them. The points boards are incremental: the
ledger is append-only, so only people with a ledger line the last build may not have seen
(an id above its watermark; on PostgreSQL also one booked less than `MARGIN` before it
read, as a transaction still open then can commit a lower id later — SQLite commits one
writer at a time, so there its watermark is exact) are summed again; everyone else keeps the
value stored on the board. A board of a period that just began has no build yet and is
built in full. An attendance has no change time (corrections and undos edit it in place),
so the hours boards are summed in full, a read, when a fingerprint of the attendances
changed, and left alone otherwise; the reading boards likewise with the month's library
use and the imports. They too are written only where they changed. Who hides from the boards is read
by the pages, not stored, so a person hiding writes nothing. Each entry keeps its person's
college (the key of the college's board, see `boards`): a new entry gets it when written, and
each build rewrites the few entries of people whose college changed since.

`rebuild(full=True)` sums every board in full and gives identical boards (a test compares
them row by row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, func, insert, or_, select, update

from app.accounts.models import User
from app.checkin import hours
from app.checkin.models import Attendance
from app.common.db import lock_for_transaction
from app.common.time import from_local_date, utcnow
from app.extensions import db
from app.rewards.board_periods import Period, current_periods
from app.rewards.library_use import reading
from app.rewards.models import (
    BoardBuild,
    LeaderboardEntry,
    LibraryUse,
    LibraryUseImport,
    PointEntry,
)

# (user id, value, reached at): one person's standing before ranking.
Standing = tuple[int, int, datetime]
# A board as stored: user id -> (entry id, value, reached at).
Stored = dict[int, tuple[int, int, datetime]]
MARGIN = timedelta(minutes=10)
CHUNK = 2000


# Standings --------------------------------------------------------------------------------


def _points(period: Period, only: list[int] | None = None) -> list[Standing]:
    """Per person, the period's points and last non-zero line; `only`: these people."""
    # For everyone, grouping by `user_id + 0` keeps SQLite from walking the (user_id,
    # occurred_at) index and fetching every row at random for all-time totals: a plain
    # scan and a sort are several times faster on two million entries. For a few people
    # the index is what we want.
    person = PointEntry.user_id + 0 if only is None else PointEntry.user_id
    last_change = func.max(case((PointEntry.points != 0, PointEntry.occurred_at)))
    total = func.sum(PointEntry.points)
    query = select(person, total, last_change).group_by(person).having(total > 0)
    if only is not None:
        query = query.where(PointEntry.user_id.in_(only))
    if period.since is not None:
        query = query.where(PointEntry.occurred_at >= period.since)
    if period.until is not None:
        query = query.where(PointEntry.occurred_at < period.until)
    return [tuple(row) for row in db.session.execute(query)]


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


def hidden_ids() -> set[int]:
    """People left out of what others see: those who opted out, and closed accounts."""
    hidden = or_(User.hide_from_boards.is_(True), User.active.is_(False))
    return set(db.session.scalars(select(User.id).where(hidden)))


def ranked(standings: list[Standing], hidden: set[int] | None = None) -> list[tuple[int, Standing]]:
    """Positive values in board order, each with its rank: the position among the people
    others see; someone hidden gets the rank they would have if they showed themselves.
    What `boards.board` counts when a page reads (kept for checking it in a benchmark)."""
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


# Reading what was built -------------------------------------------------------------------


def _stored(metric: str, key: str, only: set[int] | None = None) -> Stored:
    """A board's entries; `only`: these people's (through the (metric, period, user) key)."""
    entry = LeaderboardEntry
    query = select(entry.id, entry.user_id, entry.value, entry.reached_at).where(
        entry.metric == metric, entry.period == key
    )
    parts = [None] if only is None else _chunks(sorted(only), 500)
    stored: Stored = {}
    for part in parts:
        chosen = query if part is None else query.where(entry.user_id.in_(part))
        stored.update(
            {user_id: (id_, value, at) for id_, user_id, value, at in db.session.execute(chosen)}
        )
    return stored


def _builds() -> dict[tuple[str, str], BoardBuild]:
    return {(build.metric, build.period): build for build in db.session.scalars(select(BoardBuild))}


def _seen() -> set[tuple[str, str, datetime]]:
    """What the builds table says now (read past the session's identity map)."""
    query = select(BoardBuild.metric, BoardBuild.period, BoardBuild.read_at)
    return {tuple(row) for row in db.session.execute(query)}


def _changed_people(builds: Iterable[BoardBuild]) -> set[int]:
    """People with a ledger line the oldest of these builds may not have seen."""
    builds = list(builds)
    if not builds:
        return set()
    mark = min(build.point_mark for build in builds)
    margin = timedelta(0) if db.engine.dialect.name == "sqlite" else MARGIN
    read_at = min(build.read_at for build in builds) - margin
    after_mark = select(PointEntry.user_id).where(PointEntry.id > mark)
    recent = select(PointEntry.user_id).where(PointEntry.created_at >= read_at)
    # Two queries, each on its index (an OR of both scans the ledger).
    return set(db.session.scalars(after_mark)) | set(db.session.scalars(recent))


def _attendance_print() -> tuple:
    """What the hours boards are summed from, in one scan of the attendances (no join): a
    new record, a check-out, a correction, a verification or its removal, an undo each
    change it."""
    minutes = func.coalesce(Attendance.scan_minutes, 0) + func.coalesce(Attendance.added_minutes, 0)
    weight = Attendance.id % 9973 + 1
    return tuple(
        db.session.execute(
            select(
                func.count(),
                func.max(Attendance.id),
                func.sum(minutes * weight),
                func.sum(case((Attendance.verified_at.is_not(None), weight), else_=0)),
                func.sum(case((Attendance.status == "undone", weight), else_=0)),
            )
        ).one()
    )


def _reading_print(period: Period) -> tuple:
    """What a month's reading board is summed from: the month's rows (through the month
    index), the imports' states and the score's weights."""
    month = period.key.removeprefix("month:")
    rows = db.session.execute(
        select(func.count(), func.max(LibraryUse.id)).where(LibraryUse.month == month)
    ).one()
    imports = db.session.execute(
        select(LibraryUseImport.id, LibraryUseImport.status).order_by(LibraryUseImport.id)
    ).all()
    return (*rows, *map(tuple, imports), *sorted(reading.reading_weights().items()))


def _digest(*inputs) -> str:
    return hashlib.sha256(repr(inputs).encode()).hexdigest()


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _changed_points(period: Period, changed: set[int]) -> list[Standing]:
    """Fresh sums for the people whose ledger changed; everyone else's entry stays."""
    return [row for part in _chunks(sorted(changed), 500) for row in _points(period, part)]


# Writing ----------------------------------------------------------------------------------

_MOVE = (
    update(LeaderboardEntry.__table__)
    .where(LeaderboardEntry.__table__.c.id == bindparam("entry_id"))
    .values(
        value=bindparam("new_value"),
        reached_at=bindparam("new_reached_at"),
        built_at=bindparam("new_built_at"),
    )
)


def _write(
    metric: str, key: str, stored: Stored, standings: list[Standing], now, colleges: dict
) -> int:
    """Turn the stored entries into `standings` (the same people, or more), touching only
    the entries that differ; values of zero or less leave the board. A new entry gets its
    person's college from `colleges`."""
    table = LeaderboardEntry.__table__
    new = {user_id: (value, at) for user_id, value, at in standings if value > 0}
    gone = [stored[user_id][0] for user_id in stored.keys() - new.keys()]
    added = [
        {"metric": metric, "period": key, "user_id": user_id, "value": value,
         "reached_at": at, "built_at": now, "college_id": colleges.get(user_id)}
        for user_id, (value, at) in new.items()
        if user_id not in stored
    ]  # fmt: skip
    moved = [
        {"entry_id": stored[user_id][0], "new_value": value, "new_reached_at": at,
         "new_built_at": now}
        for user_id, (value, at) in new.items()
        if user_id in stored and stored[user_id][1:] != (value, at)
    ]  # fmt: skip
    for part in _chunks(gone):
        db.session.execute(delete(table).where(table.c.id.in_(part)))
    for part in _chunks(added):
        db.session.execute(insert(table), part)
    for part in _chunks(moved):
        db.session.execute(_MOVE, part)
    return len(gone) + len(added) + len(moved)


_RECOLLEGE = (
    update(LeaderboardEntry.__table__)
    .where(LeaderboardEntry.__table__.c.id == bindparam("entry_id"))
    .values(college_id=bindparam("new_college_id"))
)


def _colleges(people: set[int]) -> dict[int, int | None]:
    """The colleges of these people: a new entry's scope key."""
    if len(people) > 5 * CHUNK:  # most of the campus: one scan instead of many lookups
        return dict(db.session.execute(select(User.id, User.college_id)).all())
    found: dict[int, int | None] = {}
    for part in _chunks(sorted(people), 500):
        query = select(User.id, User.college_id).where(User.id.in_(part))
        found.update(db.session.execute(query).all())
    return found


def _moved_colleges() -> list[dict]:
    """Entries of people whose college changed since their entry was written (rare: one
    scan of the entries, a read before the write lock)."""
    entry = LeaderboardEntry
    query = (
        select(entry.id, User.college_id)
        .join(User, User.id == entry.user_id)
        .where(entry.college_id.is_distinct_from(User.college_id))
    )
    return [
        {"entry_id": entry_id, "new_college_id": college_id}
        for entry_id, college_id in db.session.execute(query)
    ]


def _drop_other_periods(current: dict[str, list[str]]) -> int:
    """Boards (and their builds) of periods that are over: only current boards are kept."""
    dropped = 0
    for metric, keys in current.items():
        for model in (LeaderboardEntry, BoardBuild):
            stale = delete(model).where(model.metric == metric, model.period.not_in(keys))
            gone = db.session.execute(stale).rowcount or 0
            dropped += gone if model is LeaderboardEntry else 0
    return dropped


def _inputs(metric: str, period: Period, attendance: tuple) -> tuple:
    """What a board is summed from besides the ledger (whose changes are found by id)."""
    if metric == "hours":
        return attendance
    if metric == "reading":
        return _reading_print(period)
    return ()


def _record(builds, metric: str, key: str, **seen) -> None:
    build = builds.get((metric, key))
    if build is None:
        db.session.add(BoardBuild(metric=metric, period=key, **seen))
    else:
        for name, value in seen.items():
            setattr(build, name, value)


# The build --------------------------------------------------------------------------------


def rebuild(*, now: datetime | None = None, full: bool = False) -> dict[str, int]:
    """Bring every current board up to date; the caller commits (pages read the old boards
    until then). `full`: sum every board again instead of only the people who changed.
    Everything is read first; the write lock (all of SQLite's database) is taken only to
    write what changed. A build that finds another one committed meanwhile leaves it be."""
    now = now or utcnow()
    read_at = utcnow()
    point_mark = db.session.scalar(select(func.max(PointEntry.id))) or 0
    builds = _builds()
    seen = _seen()
    changed = None if full else _changed_people(
        builds[board] for board in builds if board[0] == "points"
    )  # fmt: skip
    periods = current_periods(now)
    attendance = _attendance_print()
    planned = []
    for metric, chosen in periods.items():
        for period in chosen:
            digest = _digest(metric, *_inputs(metric, period, attendance))
            build = builds.get((metric, period.key))
            unchanged = build is not None and build.inputs_digest == digest
            if not full and unchanged and (metric != "points" or not changed):
                planned.append((metric, period.key, digest, None, None))  # nothing to do
                continue
            if metric == "points" and changed is not None and build is not None:
                stored = _stored(metric, period.key, only=changed)
                standings = _changed_points(period, changed)
            else:
                stored = _stored(metric, period.key)
                standings = STANDINGS[metric](period)
            planned.append((metric, period.key, digest, stored, standings))

    colleges = _colleges(
        {standing[0] for *_, stored, standings in planned if standings for standing in standings
         if standing[0] not in stored}
    )  # fmt: skip
    moved_colleges = _moved_colleges()

    lock_for_transaction("rewards.boards")  # a concurrent build writes before or after
    if _seen() != seen:
        return {"boards": 0, "summed": 0, "entries": 0, "written": 0, "dropped": 0, "skipped": 1}
    counts = {"boards": len(planned), "summed": 0, "entries": 0, "written": 0, "skipped": 0}
    counts["dropped"] = _drop_other_periods(
        {metric: [period.key for period in chosen] for metric, chosen in periods.items()}
    )
    for metric, key, digest, stored, standings in planned:
        if standings is not None:
            counts["written"] += _write(metric, key, stored, standings, now, colleges)
            counts["entries"] += len(standings)
            counts["summed"] += 1
        _record(
            builds, metric, key, built_at=now, read_at=read_at, point_mark=point_mark,
            inputs_digest=digest,
        )  # fmt: skip
    for part in _chunks(moved_colleges):
        db.session.execute(_RECOLLEGE, part)
    counts["written"] += len(moved_colleges)
    db.session.flush()
    counts["people_changed"] = -1 if changed is None else len(changed)
    return counts
