"""Every job in the catalogue, its body run twice at the same moment without the job lock
(two threads, each with its own session), ends with the data one run leaves and neither
run fails (the suite's SQLite file, or PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pprint import pformat

import pytest
from sqlalchemy import select

from app.common.time import utcnow
from app.extensions import db as _db
from jobs import registry
from tests import factories
from tests.checkin import attendance_data
from tests.helpers import empty_tables, race
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY

# Set by the database or the clock, not by the job's work.
UNCOMPARED = {"id", "password_hash", "public_id"}
# Random tokens in links (a badge's public page).
TOKEN = re.compile(r"/badges/[A-Za-z0-9_-]{16,}")
WALL_CLOCK = timedelta(minutes=30)
# The job machinery's own tables: the bodies run here without it.
MACHINERY = {"job_runs", "job_locks"}
# What the world gives these jobs to do, so that "the same as one run" is never "nothing".
WORK = {
    "rewards.build_leaderboards": "leaderboard_entries",
    "rewards.evaluate_badges": "badge_awards",
    "rewards.monthly_stars": "badge_awards",
    "rewards.award_points": "point_entries",
    "shifts.mark_no_shows": "shift_signups",
    "checkin.close_forgotten_checkouts": "attendances",
    "credits.sync_records": "credit_records",
    "engagement.score_everyone": "engagement_scores",
    "feedback.ask": "feedback_requests",
}


def world(monkeypatch) -> None:
    """October's service and reading of four people (boards, badges, stars, points,
    credits, engagement), a training, a no-show of yesterday and a forgotten check-out.
    The same each time it is built (student numbers from 1 again)."""
    monkeypatch.setattr(factories, "_numbers", itertools.count(1))
    place = rewards_data.place()
    people = [rewards_data.member(place, name=f"并发{n}") for n in range(4)]
    for n, person in enumerate(people):
        for week in range(3):
            start = OCTOBER_MONDAY + timedelta(weeks=week)
            badge_data.served(place, person, 120 + 30 * n, start=start)
        badge_data.reading(person, loans=3 + n, visits=3 + n, minutes=60 * n)
    rewards_data.trained(place, people[0])
    missed = rewards_data.shift(place, start=NOW - timedelta(days=1), capacity=4)
    rewards_data.signed_up(missed, people[1])
    rewards_data.signed_up(missed, people[2])
    attendance_data.record(missed, people[2])
    _db.session.commit()


def _comparable(value):
    """A time taken from the wall clock (a column default) differs from run to run."""
    if isinstance(value, datetime) and abs(value - utcnow()) < WALL_CLOCK:
        return "(now)"
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, str):
        return TOKEN.sub("/badges/(token)", value)
    return value


def snapshot() -> dict[str, list[tuple]]:
    """Every table's rows (but the job machinery's), without ids and wall-clock times."""
    _db.session.expire_all()
    tables = {}
    for table in _db.metadata.sorted_tables:
        if table.name in MACHINERY:
            continue
        columns = [column for column in table.c if column.name not in UNCOMPARED]
        rows = _db.session.execute(select(*columns)).all()
        tables[table.name] = sorted(
            (tuple(_comparable(value) for value in row) for row in rows), key=repr
        )
    return tables


def changes(before: dict, after: dict) -> dict[str, tuple[Counter, Counter]]:
    """Per table, the rows a run added and the rows it took away (or changed), counted:
    a row written twice shows twice."""
    found = {}
    for name in after:
        old, new = Counter(before[name]), Counter(after[name])
        if old != new:
            found[name] = (new - old, old - new)
    return found


@pytest.mark.parametrize("job_id", [spec.id for spec in registry.all_jobs()])
def test_a_job_run_twice_at_once_leaves_what_one_run_leaves(app, db, monkeypatch, job_id):
    spec = registry.get_job(job_id)
    world(monkeypatch)
    before = snapshot()
    run = lambda _n: registry.call(spec, now=NOW)  # noqa: E731  in a thread, as the two below
    assert race(app, run, [1]) == ["ok"]
    once = changes(before, snapshot())
    if job_id in WORK:
        assert WORK[job_id] in once, sorted(once)
    db.session.remove()
    empty_tables()

    world(monkeypatch)
    before = snapshot()
    outcomes = race(app, run, [1, 2])

    assert outcomes == ["ok", "ok"], outcomes
    twice = changes(before, snapshot())
    assert twice == once, pformat({"once": once, "twice": twice})[:4000]
