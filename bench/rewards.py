"""Rewards at full size: leaderboards, the achievements page and the monthly Reading Star.

Builds a throwaway SQLite database with BENCH_REWARDS_PEOPLE (default 50,000) people,
BENCH_REWARDS_ENTRIES (default 2,000,000) ledger entries spread over the past year, a year
of verified shifts, and a month of library use for every reader (bulk inserts through
SQLAlchemy Core, not the services, for speed). Then it rebuilds the leaderboards once and
reports how long that took, times each leaderboard page and one person's achievements
page through the WSGI app in this process (median and 99th percentile over BENCH_ROUNDS,
default 50, requests), and times the Reading Star of the month just ended.

Targets (issue 8): pages p50 < 50 ms and p99 < 200 ms; Reading Star in seconds (< 10 s).
Exit status 1 when a target is missed. Run with `python -m bench.rewards`.
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import College, User
from app.checkin.models import Attendance
from app.common.time import to_local, utcnow
from app.extensions import db
from app.recruitment.models import Membership, Team
from app.rewards import boards
from app.rewards.models import LeaderboardEntry, LibraryUse, LibraryUseImport, PointEntry
from app.shifts.models import Shift, Task
from bench.common import request_times
from config import TestConfig

PEOPLE = int(os.environ.get("BENCH_REWARDS_PEOPLE", "50000"))
ENTRIES = int(os.environ.get("BENCH_REWARDS_ENTRIES", "2000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))
COLLEGES = 20
SHIFTS_PER_DAY = 8
ATTENDANCES = PEOPLE * 3
CHUNK = 50_000
PASSWORD = "bench-password"
P50_MS, P99_MS, STARS_SECONDS = 50.0, 200.0, 10.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰"


@dataclass
class Timing:
    name: str
    times_ms: list[float]

    def percentile(self, share: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(table, rows: Iterator[dict]) -> None:
    """Insert in committed chunks (one huge transaction would grow SQLite's WAL to
    gigabytes)."""
    for batch in _chunks(rows):
        db.session.execute(insert(table.__table__), batch)
        db.session.commit()


def _people(now: datetime, rng: random.Random) -> None:
    _bulk(College, ({"code": f"B{n:02d}", "name": f"压测学院{n}"} for n in range(COLLEGES)))
    colleges = list(db.session.scalars(select(College.id)))
    shared = accounts.hash_password(PASSWORD)
    _bulk(
        User,
        (
            {
                "student_number": f"2040{n:06d}",
                "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                "college_id": colleges[n % COLLEGES],
                "password_hash": shared,
                "session_token": secrets.token_hex(16),
                "hide_from_boards": rng.random() < 0.01,
                "created_at": now,
            }
            for n in range(PEOPLE)
        ),
    )


def _ledger(user_ids: list[int], now: datetime, rng: random.Random) -> None:
    """ENTRIES lines over the past year, in time order as a real ledger grows."""
    start = now - timedelta(days=365)
    step = 365 * 86400 / max(ENTRIES, 1)

    def lines() -> Iterator[dict]:
        for n in range(ENTRIES):
            at = start + timedelta(seconds=n * step)
            kind, points = rng.choice(
                (("verified_hour", 10 * rng.randint(1, 4)), ("training", 5), ("no_show", -5))
            )
            yield {
                "user_id": rng.choice(user_ids),
                "points": points,
                "kind": kind,
                "idempotency_key": f"bench:{n}",
                "note": "",
                "occurred_at": at,
                "created_at": at,
            }

    _bulk(PointEntry, lines())


def _hours(user_ids: list[int], now: datetime, rng: random.Random) -> None:
    """A year of shifts of one team's task, with ATTENDANCES verified records on them."""
    db.session.add(Team(name="压测志愿者队"))
    db.session.flush()
    team_id = db.session.scalar(select(Team.id))
    db.session.add(Task(team_id=team_id, title="总服务台值班"))
    db.session.flush()
    task_id = db.session.scalar(select(Task.id))
    first = now.replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=365)
    starts = [
        first + timedelta(days=day, hours=slot)
        for day in range(365)
        for slot in range(SHIFTS_PER_DAY)
        if first + timedelta(days=day, hours=slot + 2) < now
    ]
    _bulk(
        Shift,
        (
            {
                "task_id": task_id,
                "starts_at": at,
                "ends_at": at + timedelta(hours=2),
                "capacity": 60,
            }
            for at in starts
        ),
    )
    shifts = list(db.session.execute(select(Shift.id, Shift.starts_at)))
    pairs = {(rng.randrange(len(shifts)), rng.choice(user_ids)) for _ in range(ATTENDANCES)}
    _bulk(
        Attendance,
        (
            {
                "shift_id": shifts[index].id,
                "user_id": user_id,
                "walk_in": True,
                "status": "out",
                "checked_in_at": shifts[index].starts_at,
                "checked_out_at": shifts[index].starts_at + timedelta(hours=2),
                "check_in_method": "kiosk",
                "check_out_method": "kiosk",
                "scan_minutes": rng.choice((60, 90, 120)),
                "added_minutes": 0,
                "verified_at": shifts[index].starts_at + timedelta(hours=3),
            }
            for index, user_id in pairs
        ),
    )
    _bulk(
        Membership,
        (
            {"team_id": team_id, "user_id": user_id, "joined_at": now, "status_changed_at": now}
            for user_id in user_ids[:500]
        ),
    )


def _reading(user_ids: list[int], now: datetime, rng: random.Random) -> None:
    """A few days of library use for every reader in the month just ended."""
    first = to_local(now).date().replace(day=1)
    month_start = (first - timedelta(days=1)).replace(day=1)
    days = (first - month_start).days
    db.session.add(LibraryUseImport(filename="bench.csv", sha256="0" * 64))
    db.session.flush()
    import_id = db.session.scalar(select(LibraryUseImport.id))

    def rows() -> Iterator[dict]:
        for user_id in user_ids:
            for offset in sorted(rng.sample(range(days), rng.randint(1, 5))):
                day: date = month_start + timedelta(days=offset)
                yield {
                    "user_id": user_id,
                    "month": f"{day:%Y-%m}",
                    "day": day,
                    "loans": rng.randint(0, 3),
                    "visits": rng.randint(0, 2),
                    "minutes": rng.randint(0, 240),
                    "e_sessions": rng.randint(0, 5),
                    "import_id": import_id,
                }

    _bulk(LibraryUse, rows())


def _seed_rules() -> str:
    """Badges and rules through the seeding service, when it is written."""
    try:
        from app.rewards import defaults

        defaults.seed_defaults()
    except (ImportError, AttributeError, NotImplementedError) as error:
        return f"rules and badges not seeded ({type(error).__name__})"
    return ""


def build(url: str, now: datetime):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    rng = random.Random(8)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        _people(now, rng)
        user_ids = list(db.session.scalars(select(User.id)))
        _ledger(user_ids, now, rng)
        _hours(user_ids, now, rng)
        _reading(user_ids, now, rng)
        note = _seed_rules()
        db.session.commit()
        print(
            f"built {PEOPLE:,} people, {ENTRIES:,} ledger entries, {ATTENDANCES:,} attendance "
            f"draws, a month of reading in {time.perf_counter() - started:.1f} s"
        )
        if note:
            print(f"note: {note}")
    return app


def measure(client, path: str) -> list[float] | None:
    """Response times in ms; None when the page does not answer 200 (a miss)."""
    times = request_times(client, path, ROUNDS)
    return None if isinstance(times, str) else times


def _viewer() -> User:
    """Someone in the middle of the all-time points board: outside the top 50, so the page
    also counts who is ahead of them."""
    middle = db.session.scalar(
        select(LeaderboardEntry.user_id)
        .where(LeaderboardEntry.metric == "points", LeaderboardEntry.period == "all")
        .order_by(*boards.ORDER)
        .offset(PEOPLE // 2)
        .limit(1)
    )
    return db.session.get(User, middle)


def pages(app) -> list[tuple[str, str]]:
    with app.app_context():
        viewer = _viewer()
        college = f"college:{viewer.college_id}"
    cases = [
        (f"board {metric} / {period}", f"/leaderboards/?metric={metric}&period={period}")
        for metric, periods in boards.PERIODS.items()
        for period in periods
    ]
    cases.append(("board points / week, college", f"/leaderboards/?scope={college}"))
    cases.append(
        ("board hours / all, college", f"/leaderboards/?metric=hours&period=all&scope={college}")
    )
    if any(rule.rule.rstrip("/") == "/achievements" for rule in app.url_map.iter_rules()):
        cases.append(("achievements", "/achievements"))
    else:
        print("note: /achievements is not there yet: skipped")
    return cases


def log_in(app):
    with app.app_context():
        number = _viewer().student_number
    client = app.test_client()
    client.post("/login", data={"identifier": number, "password": PASSWORD})
    return client


def reading_stars(app, now: datetime) -> float | None:
    from app.rewards import badge_awarding

    with app.app_context():
        started = time.perf_counter()
        try:
            counts = badge_awarding.award_monthly_stars(now=now)
        except NotImplementedError:
            print("note: badge_awarding.award_monthly_stars is not implemented yet: skipped")
            return None
        except Exception as error:  # a finding to report, not a reason to lose the table
            db.session.rollback()
            print(f"Reading Star FAILED: {type(error).__name__}: {error}")
            return float("inf")
        db.session.commit()
        seconds = time.perf_counter() - started
        print(f"monthly stars: {counts}")
    return seconds


def main() -> int:
    now = utcnow().replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/rewards.sqlite"
        app = build(url, now)
        with app.app_context():
            started = time.perf_counter()
            counts = boards.rebuild(now=now)
            db.session.commit()
            print(f"rebuild: {time.perf_counter() - started:.2f} s {counts}")
        client = log_in(app)
        print(f"{ROUNDS} requests per page; targets p50 < {P50_MS:.0f} ms, p99 < {P99_MS:.0f} ms")
        print(f"{'page':<32}{'p50 ms':>9}{'p99 ms':>9}  ok")
        missed = 0
        for name, path in pages(app):
            times = measure(client, path)
            if times is None:
                missed += 1
                print(f"{name:<32}{'error: not HTTP 200':>18}  NO")
                continue
            timing = Timing(name, times)
            p50, p99 = timing.percentile(0.5), timing.percentile(0.99)
            ok = p50 < P50_MS and p99 < P99_MS
            missed += not ok
            print(f"{name:<32}{p50:>9.1f}{p99:>9.1f}  {'yes' if ok else 'NO'}")
        seconds = reading_stars(app, now)
        if seconds is not None:
            ok = seconds < STARS_SECONDS
            missed += not ok
            print(
                f"{'Reading Star, month just ended':<32}{seconds:>8.2f}s  target < "
                f"{STARS_SECONDS:.0f} s  {'yes' if ok else 'NO'}"
            )
        with app.app_context():
            db.engine.dispose()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
