"""The campus-scale table: the nightly jobs and the pages people wait for, at 10,000, 50,000
and 100,000 people with skewed data (`bench.campus_data`), on SQLite and on PostgreSQL.

For each size (BENCH_CAMPUS_SIZES, default "10000,50000,100000") on a throwaway SQLite file,
and on PostgreSQL when BENCH_POSTGRES_URL (or TEST_DATABASE_URL) names a database it may
empty, it builds the campus, prints its mix, and measures:
- scoring: `engagement.services.score_day(now=)`, committed, against the bare set-based
  aggregate over the same events measured in the same run (`bench.engagement`), the growth
  of resident memory while it runs, and its time per 10,000 people (linearity: the largest
  size against the smallest); then, as the nightly job goes on, the dashboards' aggregates
  counted and stored (`engagement.aggregate_refresh.refresh`), which the admin pages read;
- leaderboards: a full rebuild; after `campus_data.add_a_day`, an incremental rebuild when
  `rewards.boards.rebuild` takes `full=` (else "n/a"), then a full one, whose boards must be
  identical;
- badge evaluation (the first night, when every badge is new to everyone);
- for each of these jobs, the longest wait of a tiny write transaction (what a login or a
  check-in writes: one person's row) tried every 50 ms from another connection while the
  job runs: the write lock a job holds is the time users wait;
- the engagement dashboard and the group portraits (the list, and the largest college) for
  an admin, and a volunteer's pages (the college's semester hours board, the points board,
  My achievements, My hours, home), one request at a time (median of BENCH_ROUNDS, default
  5, after a warm-up).
Every row has its target and "met" or "NOT". `make bench` prints all; with BENCH_STRICT=1
the exit status is 1 when a target is missed. Run with `python -m bench.campus`.
"""

from __future__ import annotations

import inspect
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import create_engine, select, update

from app.accounts.models import User
from app.common.time import utcnow
from app.engagement import aggregate_refresh
from app.extensions import db
from app.rewards import boards
from app.rewards import jobs as rewards_jobs
from app.rewards.models import LeaderboardEntry
from bench import campus_data
from bench.common import bench_app, request_times
from bench.engagement import bare_aggregate, run_job

SIZES = [
    int(size)
    for size in os.environ.get("BENCH_CAMPUS_SIZES", "10000,50000,100000").split(",")
    if size.strip()
]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PROBE_EVERY = 0.05  # seconds between the tiny writes
SCORING_RATIO = 2.0
MEMORY_MB = 200.0
LINEAR = 1.5  # time per 10,000 at the largest size at most this times that at the smallest
INCREMENTAL_S = 2.0
LOCK_WAIT_S = 1.0
DASHBOARD_MS = 300.0
VOLUNTEER_MS = 100.0


@dataclass
class Row:
    """One line of the table: a measure, its value as shown, and whether it met its target
    (None: nothing to meet)."""

    database: str
    people: int
    name: str
    shown: str
    target: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("met" if self.met else "NOT")


@dataclass
class Run:
    """One database at one size: its rows, and what linearity needs."""

    database: str
    people: int
    scoring_seconds: float = 0.0
    rows: list[Row] = field(default_factory=list)

    def add(self, name: str, shown: str, target: str = "", met: bool | None = None) -> None:
        self.rows.append(Row(self.database, self.people, name, shown, target, met))


# --- the write probe ----------------------------------------------------------------------


class WriteProbe:
    """From its own connection, a tiny write transaction every PROBE_EVERY seconds while the
    block runs (one person's row, as a login writes it); the longest wait is how long the
    job kept everyone else from writing. Waits for ever rather than failing, to measure."""

    def __init__(self, url: str, user_id: int, *, warm: bool = True) -> None:
        connect_args = {"timeout": 600} if url.startswith("sqlite") else {}
        self.engine = create_engine(url, connect_args=connect_args)
        self.user_id = user_id
        self.warm = warm
        self.waits: list[float] = []
        self.errors: list[str] = []
        self.trying = threading.Event()  # set once a write has been started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _write(self) -> None:
        started = time.perf_counter()
        self.trying.set()
        try:
            with self.engine.begin() as connection:
                table = User.__table__
                connection.execute(
                    update(table).where(table.c.id == self.user_id).values(name=table.c.name)
                )
        except Exception as error:  # a finding to report, not a reason to stop probing
            self.errors.append(f"{type(error).__name__}: {error}".splitlines()[0][:80])
        self.waits.append(time.perf_counter() - started)

    def _run(self) -> None:
        while not self._stop.wait(PROBE_EVERY):
            self._write()

    def __enter__(self) -> WriteProbe:
        if self.warm:  # the connection is open before the job starts
            self._write()
            self.waits.clear()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()

    @property
    def longest(self) -> float:
        return max(self.waits, default=0.0)


def probed(url: str, job: Callable[[], object]) -> tuple[object, WriteProbe]:
    """Run `job` (in an app context; it commits) under a write probe: (its result, probe)."""
    probe_person = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    db.session.rollback()  # the probe's first write must not wait for this session
    with WriteProbe(url, probe_person) as probe:
        result = job()
    return result, probe


def timed(job: Callable[[], object]) -> Callable[[], float]:
    """`job` committed, as a callable giving its seconds."""

    def run() -> float:
        started = time.perf_counter()
        job()
        db.session.commit()
        return time.perf_counter() - started

    return run


def add_lock_row(run: Run, job: str, probe: WriteProbe) -> None:
    tries = len(probe.waits)
    shown = f"{probe.longest:.2f} s ({tries} {'try' if tries == 1 else 'tries'})"
    if probe.errors:
        shown += f", {len(probe.errors)} failed: {probe.errors[0]}"
    met = probe.longest <= LOCK_WAIT_S and not probe.errors
    run.add(f"{job}: longest write wait", shown, f"<= ~{LOCK_WAIT_S:.0f} s", met)


# --- the jobs -----------------------------------------------------------------------------


def measure_scoring(run: Run, url: str, now: datetime) -> None:
    bare, _, events = bare_aggregate(now)
    first, probe = probed(url, lambda: run_job(now, traced=False))
    run.scoring_seconds = first.seconds
    ratio = first.seconds / bare if bare else float("inf")
    run.add("scoring: score_day", f"{first.seconds:.2f} s", "")
    run.add("scoring: bare aggregate", f"{bare:.2f} s over {events:,} events", "")
    run.add(
        "scoring: ratio to bare",
        f"{ratio:.1f}×",
        f"<= {SCORING_RATIO:.0f}×",
        ratio <= SCORING_RATIO,
    )
    memory = first.rss_mb or 0.0
    run.add(
        "scoring: peak memory (ΔRSS)",
        f"{memory:.0f} MB",
        f"< {MEMORY_MB:.0f} MB",
        memory < MEMORY_MB,
    )
    run.add(
        "scoring: per 10k people",
        f"{first.seconds / (run.people / 10_000):.3f} s",
    )
    add_lock_row(run, "scoring", probe)
    measure_aggregates(run, url, now)


def measure_aggregates(run: Run, url: str, now: datetime) -> None:
    """The rest of the nightly scoring job (`engagement.score_everyone`): the dashboards'
    and portraits' figures counted after the day's scores and stored; the pages below read
    them, as they do after a night on campus."""
    seconds, probe = probed(url, timed(lambda: aggregate_refresh.refresh(now=now)))
    run.add("scoring: aggregates for the dashboards", f"{seconds:.2f} s")
    add_lock_row(run, "aggregates", probe)


def _board_snapshot() -> list[tuple]:
    table = LeaderboardEntry.__table__
    query = select(
        table.c.metric, table.c.period, table.c.user_id, table.c.value, table.c.reached_at
    ).order_by(table.c.metric, table.c.period, table.c.user_id)
    return [tuple(row) for row in db.session.execute(query)]


def incremental_supported() -> bool:
    return "full" in inspect.signature(boards.rebuild).parameters


def measure_boards(run: Run, url: str, now: datetime) -> None:
    full: dict = {"full": True} if incremental_supported() else {}
    seconds, probe = probed(url, timed(lambda: boards.rebuild(now=now, **full)))
    run.add("boards: full rebuild", f"{seconds:.2f} s")
    add_lock_row(run, "boards rebuild", probe)
    later = now + timedelta(minutes=15)
    added = campus_data.add_a_day(later)
    if not incremental_supported():
        run.add("boards: incremental after a day", "n/a", f"< {INCREMENTAL_S:.0f} s")
        run.add("boards: identical to a full rebuild", "n/a")
        return
    started = time.perf_counter()
    boards.rebuild(now=later, full=False)
    db.session.commit()
    seconds = time.perf_counter() - started
    run.add(
        "boards: incremental after a day",
        f"{seconds:.2f} s ({added:,} new point entries)",
        f"< {INCREMENTAL_S:.0f} s",
        seconds < INCREMENTAL_S,
    )
    incremental = _board_snapshot()
    boards.rebuild(now=later, full=True)
    db.session.commit()
    same = incremental == _board_snapshot()
    run.add("boards: identical to a full rebuild", "yes" if same else "NO", "identical", same)


def measure_badges(run: Run, url: str, now: datetime) -> None:
    seconds, probe = probed(url, timed(lambda: rewards_jobs.evaluate_badges(now=now)))
    run.add("badges: first evaluation", f"{seconds:.2f} s")
    add_lock_row(run, "badges evaluation", probe)


# --- the pages ----------------------------------------------------------------------------


def _client(app, number: str):
    client = app.test_client()
    response = client.post("/login", data={"identifier": number, "password": campus_data.PASSWORD})
    return client if response.status_code == 302 else None


def time_page(client, path: str) -> str | float:
    """The median milliseconds of one request at a time, or what went wrong."""
    times = request_times(client, path, ROUNDS)
    return times if isinstance(times, str) else statistics.median(times)


def pages(built: campus_data.Built) -> list[tuple[str, str, str, float]]:
    """(who, page, path, target ms) of every page timed."""
    college = f"college:{built.volunteer_college_id}"
    return [
        ("admin", "engagement dashboard", "/engagement/dashboard", DASHBOARD_MS),
        ("admin", "group portraits: list", "/engagement/groups/", DASHBOARD_MS),
        (
            "admin",
            "group portrait: largest college",
            f"/engagement/groups/college/{built.largest_college_id}",
            DASHBOARD_MS,
        ),
        (
            "volunteer",
            "college semester hours board",
            f"/leaderboards/?metric=hours&period=semester&scope={college}",
            VOLUNTEER_MS,
        ),
        ("volunteer", "points board", "/leaderboards/?metric=points", VOLUNTEER_MS),
        ("volunteer", "My achievements", "/achievements", VOLUNTEER_MS),
        ("volunteer", "My hours", "/hours", VOLUNTEER_MS),
        ("volunteer", "home", "/", VOLUNTEER_MS),
    ]


def measure_pages(run: Run, app, built: campus_data.Built) -> None:
    clients = {
        "admin": _client(app, built.admin_number),
        "volunteer": _client(app, built.volunteer_number),
    }
    for who, name, path, target in pages(built):
        client = clients[who]
        result = time_page(client, path) if client else "login failed"
        label = f"page ({who}): {name}"
        if isinstance(result, str):
            run.add(label, result, f"< {target:.0f} ms", False)
        else:
            run.add(label, f"{result:.0f} ms", f"< {target:.0f} ms", result < target)


# --- one run, the table -------------------------------------------------------------------


def measure(database: str, url: str, people: int, now: datetime) -> Run:
    app = bench_app(url)
    built = campus_data.build(app, people, now)
    print(f"\n{database} {people:,}:", flush=True)
    campus_data.print_mix(built)
    run = Run(database, people)
    run.add("build: generated data", f"{built.seconds:.1f} s ({built.total:,} events)")
    with app.app_context():
        for step in (measure_scoring, measure_boards, measure_badges):
            try:
                step(run, url, now)
            except Exception as error:  # a finding for the table, not a lost run
                db.session.rollback()
                first_line = f"{type(error).__name__}: {error}".splitlines()[0]
                run.add(f"{step.__name__}: failed", first_line[:80])
        db.session.remove()
    measure_pages(run, app, built)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return run


def linearity(runs: list[Run]) -> list[Row]:
    """Per database: time per 10,000 people of scoring at the largest size against the
    smallest."""
    rows = []
    for database in dict.fromkeys(run.database for run in runs):
        mine = sorted(
            (r for r in runs if r.database == database and r.scoring_seconds),
            key=lambda r: r.people,
        )
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        growth = (large.scoring_seconds / large.people) / (small.scoring_seconds / small.people)
        rows.append(
            Row(
                database,
                large.people,
                f"scoring: linearity ({large.people:,} vs {small.people:,})",
                f"{growth:.2f}× per 10k",
                f"<= {LINEAR}×",
                growth <= LINEAR,
            )
        )
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(row.name) for row in rows)
    shown = max(len(row.shown) for row in rows)
    header = f"{'db':<11}{'people':>8}  {'measure':<{width}}  {'value':<{shown}}  {'target':<12}"
    print()
    print(header + "verdict")
    print("-" * (len(header) + 7))
    for row in rows:
        print(
            f"{row.database:<11}{row.people:>8,}  {row.name:<{width}}  {row.shown:<{shown}}  "
            f"{row.target:<12}{row.verdict}"
        )


def markdown(rows: list[Row]) -> str:
    """The table as Markdown for the README: a row per measure, a column per database and
    size; a missed target is marked NOT."""
    columns = list(dict.fromkeys((row.database, row.people) for row in rows))
    measures = list(dict.fromkeys(row.name for row in rows))
    targets = {row.name: row.target for row in rows}
    cells = {(row.name, row.database, row.people): row for row in rows}
    lines = [
        "| measure | target | " + " | ".join(f"{db} {n:,}" for db, n in columns) + " |",
        "|---|---|" + "---|" * len(columns),
    ]
    for name in measures:
        shown = []
        for database, people in columns:
            row = cells.get((name, database, people))
            text = "" if row is None else row.shown + (" NOT" if row.met is False else "")
            shown.append(text.replace("|", "/"))
        lines.append(f"| {name} | {targets[name]} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def databases(folder: str) -> list[tuple[str, Callable[[int], str]]]:
    """(name, url for a size) of each database: SQLite always, PostgreSQL when named."""
    found = [("sqlite", lambda people: f"sqlite:///{folder}/campus-{people}.sqlite")]
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_DATABASE_URL") or ""
    if url.startswith("postgresql"):
        found.append(("postgresql", lambda people: url))
    else:
        print("(PostgreSQL: set BENCH_POSTGRES_URL to measure it too)")
    return found


def run_all(sizes: list[int], folder: str) -> list[Row]:
    now = utcnow().replace(microsecond=0)
    runs = []
    for database, url_for in databases(folder):
        for people in sizes:
            url = url_for(people)
            runs.append(measure(database, url, people, now))
            print_table(runs[-1].rows)  # as it comes: a long run can be read while it runs
            if database == "sqlite":  # a 100,000 database takes a gigabyte: one at a time
                path = url.removeprefix("sqlite:///")
                for leftover in (path, f"{path}-wal", f"{path}-shm"):
                    if os.path.exists(leftover):
                        os.remove(leftover)
    return [row for run in runs for row in run.rows] + linearity(runs)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        rows = run_all(SIZES, folder)
    print_table(rows)
    print("\nFor the README:\n")
    print(markdown(rows))
    missed = sum(row.met is False for row in rows)
    print(f"\n{'all targets met' if not missed else f'{missed} target(s) NOT met'}")
    strict = os.environ.get("BENCH_STRICT", "") not in ("", "0")
    return 1 if missed and strict else 0


if __name__ == "__main__":
    sys.exit(main())
