"""The nightly scoring run: every active person's activity of the last weeks, read for all
people at once in a few grouped queries (one per kind of activity, never one per person),
scored by `scoring.assess`, and written as that day's snapshot.

Each kind's query fixes every event's day back from the scored day once (a binary search
over the days' starts, compared as the column stores them) and groups by person: the
window's counts and amounts, their decayed sums, the weeks as a bit mask, the first and
last day back, all in SQL; the results come ordered by person and are merged as streams of
plain tuples, so memory stays flat however many people there are, and the rows are written
through the table in one executemany per chunk. Rerunning a day replaces that day's rows:
a day has one snapshot. The run computes on a read-only connection and writes in short
chunks (see `score_day`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.sql import sqltypes

from app.accounts import services as accounts
from app.checkin import hours
from app.columns import comments
from app.columns import providers as columns
from app.common.db import (
    chunks,
    delete_in_chunks,
    insert_ignoring_conflicts,
    lock_for_transaction,
    short_write,
    write_chunk,
)
from app.common.time import from_local_date, local_day, utcnow
from app.engagement import scoring
from app.engagement import settings as engagement_settings
from app.engagement.models import EngagementDay, EngagementScore, SegmentCount
from app.engagement.scoring import NO_ACTIVITY, KindStats
from app.extensions import db
from app.recruitment import membership
from app.rewards.library_use import reading

READ_CHUNK = 2000  # rows fetched at a time from each stream


@dataclass(frozen=True)
class Weeks:
    """Whole weeks back from `today`: week i holds the local days today − 7i − 6 … today − 7i."""

    today: date
    count: int

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=7 * self.count - 1)

    @property
    def end_day(self) -> date:
        return self.today + timedelta(days=1)

    def starts(self) -> list[date]:
        return [self.today - timedelta(days=7 * week + 6) for week in range(self.count)]


def _is_datetime(column) -> bool:
    return isinstance(column.type, sqltypes.DateTime)


def _bound(column, day: date):
    """A local day's start as the column compares it: a date, or midnight as UTC."""
    return from_local_date(day) if _is_datetime(column) else day


def _newest_start(at, starts: list) -> ColumnElement:
    """The index of the first of `starts` (newest first) that `at` is on or after, as a
    binary search: log2(len(starts)) comparisons a row. The last index for anything older."""

    def within(first: int, last: int):
        if first == last:
            return literal(first, Integer)
        middle = (first + last) // 2
        return case((at >= starts[middle], within(first, middle)), else_=within(middle + 1, last))

    return within(0, len(starts) - 1)


def week_case(at, weeks: Weeks) -> ColumnElement:
    """The week an activity falls in (0 = the latest): five comparisons a row instead of up
    to 26. For rows already limited to the weeks (an older row would count as the oldest)."""
    return _newest_start(at, [_bound(at, start) for start in weeks.starts()])


def day_case(at, weeks: Weeks) -> ColumnElement:
    """How many local days before `today` an activity falls (0 = today): eight comparisons
    a row, integers out (no dates to convert). For rows already limited to the weeks."""
    days = range(7 * weeks.count)
    return _newest_start(at, [_bound(at, weeks.today - timedelta(days=back)) for back in days])


def _weight_case(week, weights: list[float]):
    """The decay weight of a week of the window, as a binary search (0 outside it)."""

    def pick(first: int, last: int):
        if first == last:
            return literal(weights[first])
        middle = (first + last) // 2
        return case((week <= middle, pick(first, middle)), else_=pick(middle + 1, last))

    return case((week < len(weights), pick(0, len(weights) - 1)), else_=0.0)


def weekly_stats(source: Select, weeks: Weeks, weights: list[float], window: int) -> Select:
    """Per person, ordered by person: the figures `scoring.KindStats` holds, from a source
    of (user_id, at, amount) rows, in one pass over the rows. The inner query fixes each
    row's day back from today once (OFFSET 0 keeps a database from copying the expression
    into every use); first and last come back as days back, the week mask as the sum of
    the distinct bits 1 << week."""
    events = source.subquery()
    at = events.c.at
    dated = (
        select(
            events.c.user_id.label("user_id"),
            events.c.amount.label("amount"),
            day_case(at, weeks).label("back"),
        )
        .where(at >= _bound(at, weeks.first_day), at < _bound(at, weeks.end_day))
        .offset(0)
        .subquery()
    )
    back = dated.c.back
    week = back // 7
    in_window = back < 7 * window
    weight = _weight_case(week, weights)
    return (
        select(
            dated.c.user_id,
            func.sum(case((in_window, 1), else_=0)),
            func.sum(case((in_window, dated.c.amount), else_=0.0)),
            func.sum(weight),
            func.sum(dated.c.amount * weight),
            func.sum(literal(1, Integer).op("<<")(week).distinct()),
            func.count(),
            func.max(back),
            func.min(back),
        )
        .group_by(dated.c.user_id)
        .order_by(dated.c.user_id)
    )


def activity_sources(weeks: Weeks) -> dict[str, Select]:
    """What each feature counts as activity, as (user_id, at, amount) selects."""
    return {
        "service": hours.service_activity(),
        "contribution": columns.publication_activity(),
        "reading": reading.reading_activity(weeks.first_day, weeks.end_day),
        "comment": comments.comment_activity(),
        "login": accounts.login_activity(),
    }


def _stream(
    reader: Connection, order: int, query: Select, days: list[date]
) -> Iterator[tuple[int, int, KindStats | None]]:
    result = reader.execute(query.execution_options(yield_per=READ_CHUNK))
    for user_id, now, amount, d_events, d_amount, mask, total, first, last in result:
        yield (
            user_id,
            order,
            KindStats(
                int(now or 0),
                float(amount or 0),
                float(d_events or 0),
                float(d_amount or 0),
                int(mask or 0),
                int(total or 0),
                days[first],
                days[last],
            ),
        )


def _people(reader: Connection) -> Iterator[tuple[int, int, None]]:
    people = accounts.person_groups().subquery()
    query = select(people.c.user_id).order_by(people.c.user_id)
    for (user_id,) in reader.execute(query.execution_options(yield_per=READ_CHUNK)):
        yield user_id, -1, None


def _reading_horizon(weeks: Weeks) -> date | None:
    """The last day library-use data reaches: pauses in reading are measured up to it."""
    return reading.last_day_of_data(weeks.end_day)


def _person_stats(
    reader: Connection, weeks: Weeks, settings: engagement_settings.Settings
) -> Iterator[tuple[int, dict[str, KindStats]]]:
    """Every active person with their figures per kind, in person order: the people and
    each kind's grouped rows, all ordered by person, merged as streams (plain tuples,
    compared without a key function: the person, then -1 for the person's own row)."""
    weights = scoring.week_weights(settings)
    days = [weeks.today - timedelta(days=back) for back in range(7 * weeks.count)]
    sources = activity_sources(weeks)
    kinds = list(sources)
    streams = [_people(reader)] + [
        _stream(reader, order, weekly_stats(source, weeks, weights, settings.window_weeks), days)
        for order, source in enumerate(sources.values())
    ]
    current, stats = None, {}
    for user_id, order, figures in heapq.merge(*streams):
        if order < 0:
            if current is not None:
                yield current, stats
            current, stats = user_id, {}
        elif user_id == current:
            stats[kinds[order]] = figures
        # else: activity of someone no longer active: not scored
    if current is not None:
        yield current, stats


def _row(day: date, user_id: int, stats: dict[str, KindStats], result) -> dict:
    service = stats.get("service", NO_ACTIVITY)
    return {
        "day": day,
        "user_id": user_id,
        "score": result.score,
        "segment": result.segment,
        "recency": result.recency,
        "frequency": result.frequency,
        "volume": result.volume,
        "idle_days": result.idle_days,
        "active_weeks": result.active_weeks,
        "service_minutes": round(service.amount_now * 60),
        "shifts": service.events_now,
        "contributions": stats.get("contribution", NO_ACTIVITY).events_now,
        "reading": round(stats.get("reading", NO_ACTIVITY).amount_now, 2),
        "login_days": stats.get("login", NO_ACTIVITY).events_now,
        "reason": result.reason,
        "reason_params": result.reason_params,
    }


def score_day(*, now: datetime | None = None) -> dict[str, int]:
    """Score every active person for the local day of `now`, replacing that day's snapshot.

    Unlike other services this one commits, in short transactions, so that the web keeps
    answering while it runs (SQLite has one writer at a time): the day is withdrawn first
    (readers see the day before, whole), its old rows are deleted and the new ones written
    in chunks of JOB_WRITE_CHUNK rows, each its own transaction, while the scores are
    computed on a separate read-only connection; the day's record and segment counts are
    written last, in one short transaction, and make the day visible. Two runs at once
    write the same rows (conflicts are ignored), so the day ends complete either way."""
    now = now or utcnow()
    settings = engagement_settings.current()
    today = local_day(now)
    weeks = Weeks(today, settings.lookback_weeks)
    horizon = _reading_horizon(weeks)
    horizons = {"reading": horizon} if horizon else {}
    db.session.commit()  # nothing of the caller's stays open below
    _withdraw_day(today)
    delete_in_chunks(EngagementScore, EngagementScore.day == today)
    counts = dict.fromkeys(("people", "core", "active", "new", "at_risk", "dormant"), 0)
    untouched = _untouched_insert(today, settings, horizons)
    with db.engine.connect() as reader:  # reads only: holds no write lock
        people = _person_stats(reader, weeks, settings)
        for chunk in chunks(people, write_chunk()):
            rows, idle = _scored_rows(chunk, today, settings, horizons, counts)
            with short_write():
                if rows:
                    _write(rows)
                if idle:
                    db.session.execute(untouched, {"ids": idle})
    segments = _segment_rows(today)
    db.session.commit()  # ends the read, so the write below starts from a fresh snapshot
    _publish_day(today, now, counts["people"], settings, segments)
    db.session.commit()
    counts["thinned"] = thin_snapshots(today, settings)
    return counts


def _scored_rows(
    people: list[tuple[int, dict[str, KindStats]]], today: date, settings, horizons, counts
) -> tuple[list[dict], list[int]]:
    """A chunk of people's rows, and apart the ids of those without any activity in the
    lookback (most of a campus), whose rows are all alike and written in SQL."""
    rows, idle = [], []
    for user_id, stats in people:
        if not stats:
            idle.append(user_id)
            continue
        result = scoring.assess(stats, today=today, settings=settings, horizons=horizons)
        counts[result.segment] += 1
        rows.append(_row(today, user_id, stats, result))
    counts["people"] += len(people)
    counts["dormant"] += len(idle)
    return rows, idle


def _untouched_insert(today: date, settings, horizons) -> Insert:
    """One INSERT … SELECT writing the row of everyone in the bound `ids` with no activity
    at all in the lookback: `assess`'s answer for no figures (score 0, dormant,
    "no_activity"), computed once and bound as constants, so no Python runs per person."""
    blank = _row(
        today, 0, {}, scoring.assess({}, today=today, settings=settings, horizons=horizons)
    )
    table = EngagementScore.__table__
    people = accounts.person_groups().subquery()
    values = [
        people.c.user_id if name == "user_id" else literal(value, table.c[name].type)
        for name, value in blank.items()
    ]
    chosen = select(*values).where(people.c.user_id.in_(bindparam("ids", expanding=True)))
    return insert_ignoring_conflicts(table, ["day", "user_id"]).from_select(list(blank), chosen)


def _withdraw_day(today: date) -> None:
    """Take the day out of sight (readers fall back to the day before) while it is
    rewritten."""
    lock_for_transaction("engagement.score_day")
    db.session.execute(delete(SegmentCount).where(SegmentCount.day == today))
    db.session.execute(delete(EngagementDay).where(EngagementDay.day == today))
    db.session.commit()


def _write(rows: list[dict]) -> None:
    """One executemany of plain rows: through the table, not the ORM, which would split
    the batch wherever a value is None. A row a concurrent run wrote already stands."""
    db.session.execute(
        insert_ignoring_conflicts(EngagementScore.__table__, ["day", "user_id"]), rows
    )


def _publish_day(today: date, now: datetime, people: int, settings, segments) -> None:
    lock_for_transaction("engagement.score_day")
    db.session.execute(delete(SegmentCount).where(SegmentCount.day == today))
    if segments:
        db.session.execute(insert(SegmentCount.__table__), segments)
    record = db.session.get(EngagementDay, today)
    if record is None:
        record = EngagementDay(day=today)
        db.session.add(record)
    record.computed_at = now
    record.people = people
    record.settings = settings.as_dict()
    db.session.flush()


def _scope(prefix: str, column):
    return literal(prefix, String) + cast(column, String)


def _segment_rows(today: date) -> list[dict]:
    """The day's people per segment: everyone, and per team, college and cohort (read
    before the write that stores them)."""
    people = accounts.person_groups().subquery()
    members = membership.active_memberships().subquery()
    groupings = [
        (literal("all", String), None, None),
        (_scope("team:", members.c.team_id), members, members.c.team_id),
        (_scope("college:", people.c.college_id), people, people.c.college_id),
        (_scope("cohort:", people.c.enrolment_year), people, people.c.enrolment_year),
    ]
    rows: list[dict] = []
    for scope, joined, key in groupings:
        query = (
            select(
                scope.label("scope"),
                EngagementScore.segment,
                EngagementScore.service_minutes,
                EngagementScore.contributions,
            )
            .select_from(EngagementScore)
            .where(EngagementScore.day == today)
        )
        if joined is not None:
            query = query.join(joined, joined.c.user_id == EngagementScore.user_id).where(
                key.is_not(None)
            )
        counted = query.subquery()
        source = select(
            counted.c.scope,
            counted.c.segment,
            func.count(),
            func.coalesce(func.sum(counted.c.service_minutes), 0),
            func.coalesce(func.sum(counted.c.contributions), 0),
        ).group_by(counted.c.scope, counted.c.segment)
        rows.extend(
            {
                "day": today,
                "scope": scope_name,
                "segment": segment,
                "people": people_count,
                "service_minutes": minutes,
                "contributions": contributions,
            }
            for scope_name, segment, people_count, minutes, contributions in db.session.execute(
                source
            )
        )
    return rows


def thin_snapshots(today: date, settings) -> int:
    """Keep daily rows for `keep_daily_days`, then only Mondays' (weekly trends); deleted
    in short committed chunks."""
    cutoff = today - timedelta(days=settings.keep_daily_days)
    old_days = db.session.scalars(select(EngagementDay.day).where(EngagementDay.day < cutoff))
    drop = [day for day in old_days if day.weekday() != 0]
    removed = 0
    for start in range(0, len(drop), 500):
        removed += delete_in_chunks(
            EngagementScore, EngagementScore.day.in_(drop[start : start + 500])
        )
    return removed
