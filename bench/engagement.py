"""Engagement scoring at full size: the nightly `score_day` job and the dashboard.

For each size in BENCH_ENGAGEMENT_SIZES (default "10000,50000,100000" people) builds a
fresh throwaway SQLite database with that many people of a skewed campus (about 20 events
each over the past year; see `bench.campus_data`, which `bench.campus` shares), in which
every segment (core, active, new, at_risk, dormant) occurs. `bench.campus` has the whole
campus-scale table (leaderboards, badges, write-lock waits, pages); this one looks closer
at scoring (a traced rerun, profiling).

On each database it times:
- a "bare aggregate": one set-based `SELECT user_id, count(*), sum(amount) … GROUP BY
  user_id` over a UNION ALL of the same four activity sources in the same lookback window
  (best of two runs, before the job: it also warms the cache);
- `engagement.services.score_day(now=…)` once, committed, with the growth of the process's
  resident memory sampled every few milliseconds (ΔRSS) and the increase of ru_maxrss;
- the same day again (it must replace, not duplicate), under tracemalloc for the peak of
  Python allocations (the traced run is slower, so its time is only shown).
After both runs the engagement_scores rows must equal the people count.

At the largest SQLite size it also times GET /engagement/dashboard as an admin through the
Flask test client (median and 99th percentile over BENCH_ROUNDS, default 20, requests),
or prints "dashboard: not available" while the page does not exist yet.

Runs on SQLite always, and on PostgreSQL too when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
names one (postgresql+psycopg://…; its tables are dropped and created again, then ANALYZEd
as autovacuum would). BENCH_PROFILE=1 adds a third, profiled run at the largest size and
prints its cProfile hot spots.

Targets: linear growth (time per 10,000 people at the largest size at most 1.5× that at
the smallest); under 10 s at 100,000 people on SQLite (checked when 100,000 or more are run);
peak memory under 200 MB (tracemalloc peak and ΔRSS, each); the ratio to the bare aggregate
is printed; dashboard p50 and p99 < 300 ms. Exit status 1 when a target is missed.
Run with `python -m bench.engagement`.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.sql import sqltypes

from app import create_app
from app.common.db import watch_write_locks
from app.common.time import from_local_date, to_local, utcnow
from app.engagement import services
from app.engagement import settings as engagement_settings
from app.engagement.models import SEGMENTS, EngagementDay, EngagementScore, SegmentCount
from app.extensions import db
from bench import campus_data
from bench.campus_data import Built, build
from bench.common import request_times
from config import TestConfig

SIZES = [
    int(size)
    for size in os.environ.get("BENCH_ENGAGEMENT_SIZES", "10000,50000,100000").split(",")
    if size.strip()
]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
PASSWORD = campus_data.PASSWORD
GROWTH_LIMIT = 1.5
SECONDS_PER_100K = 10.0
MEMORY_MB = 200.0
DASHBOARD_MS = 300.0
DASHBOARD_PATH = "/engagement/dashboard"


# --- measuring ------------------------------------------------------------------------


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


class RssSampler:
    """The highest resident set size seen while the job runs, above where it started."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.start = _rss_bytes()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        current = _rss_bytes()
        if current is not None and (self.peak is None or current > self.peak):
            self.peak = current

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def growth_mb(self) -> float | None:
        if self.start is None or self.peak is None:
            return None
        return (self.peak - self.start) / 2**20


@dataclass
class JobRun:
    seconds: float
    counts: dict[str, int]
    rows: int
    rss_mb: float | None = None
    maxrss_mb: float = 0.0
    traced_mb: float | None = None
    longest_write: float = 0.0  # the longest write transaction of the run, in seconds
    paused: float = 0.0  # seconds slept between write chunks, letting the web write (SQLite)


def _score_rows(day: date) -> int:
    return db.session.scalar(
        select(func.count()).select_from(EngagementScore).where(EngagementScore.day == day)
    )


def run_job(now: datetime, *, traced: bool, profile: bool = False) -> JobRun:
    """score_day once, committed as the scheduled job commits it."""
    db.session.expire_all()
    gc.collect()
    maxrss_before = _maxrss_bytes()
    profiler = cProfile.Profile() if profile else None
    if traced:
        tracemalloc.start()
    with RssSampler() as sampler, watch_write_locks() as writes:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        counts = services.score_day(now=now)
        db.session.commit()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    traced_mb = None
    if traced:
        traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    return JobRun(
        seconds=seconds,
        counts=counts,
        rows=_score_rows(to_local(now).date()),
        rss_mb=sampler.growth_mb,
        maxrss_mb=(_maxrss_bytes() - maxrss_before) / 2**20,
        traced_mb=traced_mb,
        longest_write=writes.longest,
        paused=writes.paused,
    )


def _bound(column, day: date):
    """A local day's start as the column compares it (as the job does)."""
    return from_local_date(day) if isinstance(column.type, sqltypes.DateTime) else day


def bare_aggregate(now: datetime) -> tuple[float, int, int]:
    """Best of two runs of one plain GROUP BY over the job's four sources in its lookback:
    (seconds, people with events, events)."""
    settings = engagement_settings.current()
    weeks = services.Weeks(to_local(now).date(), settings.lookback_weeks)
    parts = []
    for source in services.activity_sources(weeks).values():
        rows = source.subquery()
        parts.append(
            select(rows.c.user_id, rows.c.amount).where(
                rows.c.at >= _bound(rows.c.at, weeks.first_day),
                rows.c.at < _bound(rows.c.at, weeks.end_day),
            )
        )
    events = union_all(*parts).subquery()
    query = select(events.c.user_id, func.count(), func.sum(events.c.amount)).group_by(
        events.c.user_id
    )
    best, result = float("inf"), []
    for _ in range(2):
        started = time.perf_counter()
        result = db.session.execute(query).all()
        best = min(best, time.perf_counter() - started)
    db.session.rollback()
    return best, len(result), sum(count for _, count, _ in result)


@dataclass
class Measured:
    database: str
    built: Built
    bare_seconds: float
    lookback_events: int
    first: JobRun
    second: JobRun
    team_scopes: int = 0
    dashboard: list[float] | str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def per_10k(self) -> float:
        return self.first.seconds / (self.built.people / 10_000)

    @property
    def ratio(self) -> float:
        return self.first.seconds / self.bare_seconds if self.bare_seconds else float("inf")

    @property
    def work_ratio(self) -> float:
        """The ratio without the pauses between write chunks (time given to the web)."""
        work = self.first.seconds - self.first.paused
        return work / self.bare_seconds if self.bare_seconds else float("inf")

    @property
    def memory_mb(self) -> float:
        return max(self.second.traced_mb or 0.0, self.first.rss_mb or 0.0)


def time_dashboard(app, admin_number: str) -> list[float] | str:
    """Response times of the dashboard in ms, "not available" while the route is missing,
    or the error."""
    if not any(rule.rule.rstrip("/") == DASHBOARD_PATH for rule in app.url_map.iter_rules()):
        return "not available"
    client = app.test_client()
    response = client.post("/login", data={"identifier": admin_number, "password": PASSWORD})
    if response.status_code != 302:
        return f"login failed: HTTP {response.status_code}"
    times = request_times(client, DASHBOARD_PATH, ROUNDS)
    return "not available" if times == "HTTP 404" else times


def _percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def measure(database: str, url: str, people: int, now: datetime, *, last: bool) -> Measured:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    built = build(app, people, now)
    print(
        f"{database} {people:,}: built in {built.seconds:.1f} s: {built.total:,} events ("
        + ", ".join(f"{kind} {count:,}" for kind, count in built.events.items())
        + ")",
        flush=True,
    )
    with app.app_context():
        today = to_local(now).date()
        bare_seconds, _, lookback_events = bare_aggregate(now)
        first = run_job(now, traced=False)
        second = run_job(now, traced=True)
        if PROFILE and last:
            run_job(now, traced=False, profile=True)  # a third run: profiling slows it
        result = Measured(database, built, bare_seconds, lookback_events, first, second)
        for name, run in (("first run", first), ("rerun", second)):
            if run.rows != people or run.counts["people"] != people:
                result.problems.append(
                    f"{name}: {run.rows:,} engagement_scores rows and {run.counts['people']:,} "
                    f"scored for {people:,} people"
                )
        if {k: v for k, v in first.counts.items() if k != "thinned"} != {
            k: v for k, v in second.counts.items() if k != "thinned"
        }:
            result.problems.append(f"rerun counted {second.counts}, first run {first.counts}")
        days = db.session.scalar(select(func.count()).select_from(EngagementDay))
        if days != 1:
            result.problems.append(f"{days} engagement_days rows after two runs of one day")
        result.team_scopes = db.session.scalar(
            select(func.count(func.distinct(SegmentCount.scope))).where(
                SegmentCount.day == today, SegmentCount.scope.like("team:%")
            )
        )
        db.session.rollback()
    if database == "sqlite" and last:
        try:
            result.dashboard = time_dashboard(app, built.admin_number)
        except Exception as error:  # a finding to report, not a reason to lose the table
            result.dashboard = f"{type(error).__name__}: {error}"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return result


# --- reporting ------------------------------------------------------------------------


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def print_table(results: list[Measured]) -> None:
    print()
    print(
        "job s: first run of score_day incl. commit; bare s: best of 2 plain GROUP BY over the "
        "same sources in the lookback; ratio = job / bare"
    )
    print(
        "peak MB: tracemalloc peak of Python allocations during the rerun (traced, so its time "
        "is slower); ΔRSS MB: highest resident set size sampled every 5 ms during the first "
        "run, above its start; Δmaxrss MB: increase of the process's ru_maxrss in the first run "
        "(0 when an earlier phase of the process had peaked higher); lock s: the longest "
        "write transaction of the first run (first write to commit); pause s: time the first run "
        "slept between write chunks so that the web can write (SQLite); work: ratio without it"
    )
    header = (
        f"{'db':<11}{'people':>9}{'events':>11}{'in lookback':>12}{'build s':>9}{'job s':>8}"
        f"{'s/10k':>7}{'bare s':>8}{'ratio':>7}{'pause s':>8}{'work':>6}{'rerun s':>9}"
        f"{'peak MB':>9}{'ΔRSS MB':>9}"
        f"{'Δmaxrss MB':>11}{'lock s':>7}{'rows':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.database:<11}{r.built.people:>9,}{r.built.total:>11,}{r.lookback_events:>12,}"
            f"{r.built.seconds:>9.1f}{r.first.seconds:>8.2f}{r.per_10k:>7.3f}"
            f"{r.bare_seconds:>8.2f}{r.ratio:>7.1f}"
            f"{r.first.paused:>8.2f}{r.work_ratio:>6.1f}{r.second.seconds:>9.2f}"
            f"{_mb(r.second.traced_mb):>9}{_mb(r.first.rss_mb):>9}{r.first.maxrss_mb:>11.1f}"
            f"{r.first.longest_write:>7.2f}"
            f"{'ok' if not r.problems else 'BAD':>6}"
        )
    print()


def check(results: list[Measured]) -> int:
    missed = 0

    def verdict(ok: bool, message: str) -> None:
        nonlocal missed
        missed += not ok
        print(f"[{'PASS' if ok else 'FAIL'}] {message}")

    for database in dict.fromkeys(r.database for r in results):
        runs = sorted((r for r in results if r.database == database), key=lambda r: r.built.people)
        small, large = runs[0], runs[-1]
        counts = large.first.counts
        print(
            f"segments at {large.built.people:,} people ({database}): "
            + ", ".join(f"{segment} {counts[segment]:,}" for segment in SEGMENTS)
            + f"; segment counts for {large.team_scopes} teams"
        )
        for r in runs:
            for problem in r.problems:
                verdict(False, f"{database} {r.built.people:,}: {problem}")
        verdict(
            not any(r.problems for r in runs),
            f"{database}: engagement_scores rows = people after both runs, at every size",
        )
        verdict(
            all(counts[segment] for segment in SEGMENTS) and large.team_scopes > 0,
            f"{database}: all five segments occur and teams are counted",
        )
        if len(runs) > 1:
            growth = large.per_10k / small.per_10k
            verdict(
                growth <= GROWTH_LIMIT,
                f"{database}: linear growth: {large.per_10k:.3f} s per 10,000 people at "
                f"{large.built.people:,} vs {small.per_10k:.3f} at {small.built.people:,} "
                f"(×{growth:.2f}, limit ×{GROWTH_LIMIT})",
            )
        # 10 s at 100,000 (more in proportion above); smaller runs are dominated by fixed
        # costs, so there the time is only shown.
        limit = SECONDS_PER_100K * max(large.built.people, 100_000) / 100_000
        message = (
            f"{database}: score_day at {large.built.people:,} people in "
            f"{large.first.seconds:.2f} s (target < {limit:.0f} s at 100,000 on SQLite)"
        )
        if database == "sqlite" and large.built.people >= 100_000:
            verdict(large.first.seconds < limit, message)
        else:
            print(f"[info] {message}")
        worst = max(runs, key=lambda r: r.memory_mb)
        verdict(
            worst.memory_mb < MEMORY_MB,
            f"{database}: peak memory {worst.memory_mb:.1f} MB at most (tracemalloc "
            f"{_mb(worst.second.traced_mb)}, ΔRSS {_mb(worst.first.rss_mb)} at "
            f"{worst.built.people:,}) (target < {MEMORY_MB:.0f} MB)",
        )
        print(
            f"[info] {database}: job / bare aggregate = "
            + ", ".join(f"{r.ratio:.1f} at {r.built.people:,}" for r in runs)
            + "; without the pauses between write chunks "
            + ", ".join(f"{r.work_ratio:.1f}" for r in runs)
        )
        if database == "sqlite":
            dashboard = large.dashboard
            if isinstance(dashboard, list):
                p50, p99 = _percentile(dashboard, 0.5), _percentile(dashboard, 0.99)
                verdict(
                    p50 < DASHBOARD_MS and p99 < DASHBOARD_MS,
                    f"dashboard at {large.built.people:,} people: p50 {p50:.1f} ms, "
                    f"p99 {p99:.1f} ms over {len(dashboard)} requests "
                    f"(target < {DASHBOARD_MS:.0f} ms)",
                )
            elif dashboard == "not available":
                print("dashboard: not available")
            else:
                verdict(False, f"dashboard at {large.built.people:,} people: {dashboard}")
    return missed


def _runs(folder: str) -> list[tuple[str, str, int]]:
    """(database, url, people) of every run: SQLite always, PostgreSQL when named."""
    runs = [("sqlite", f"sqlite:///{folder}/engagement-{n}.sqlite", n) for n in SIZES]
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if url.startswith("postgresql"):
        runs += [("postgresql", url, n) for n in SIZES]
    return runs


def main() -> int:
    now = utcnow().replace(microsecond=0)
    results: list[Measured] = []
    with tempfile.TemporaryDirectory() as folder:
        for database, url, people in _runs(folder):
            results.append(measure(database, url, people, now, last=people == max(SIZES)))
            if database == "sqlite":  # a 100,000 database takes a gigabyte: not all at once
                path = url.removeprefix("sqlite:///")
                for leftover in (path, f"{path}-wal", f"{path}-shm"):
                    if os.path.exists(leftover):
                        os.remove(leftover)
    print_table(results)
    missed = check(results)
    print(f"\n{'all targets met' if not missed else f'{missed} target(s) missed'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
