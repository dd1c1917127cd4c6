"""Time the pages people use most against a database of realistic size.

Builds a throwaway SQLite database (or uses BENCH_DATABASE_URL), loads the demo data plus
extra people up to BENCH_PEOPLE (default 5,000), and times requests through the WSGI app
in this process (no network), printing one row per page: median and 95th percentile in
milliseconds against a target. Exit status 1 when a median misses its target.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from dataclasses import dataclass

from app import create_app
from app.accounts import services as accounts
from app.demo import services as demo
from app.extensions import db
from bench.common import request_times
from config import TestConfig

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "5000"))


@dataclass
class Case:
    name: str
    path: str
    target_ms: float
    anonymous: bool = False


CASES = [
    Case("login page", "/login", 30, anonymous=True),
    Case("home (admin)", "/", 50),
    Case("people list, page 1", "/admin/people", 80),
    Case("people search", "/admin/people?q=王&status=active", 100),
    Case("people list, page 50", "/admin/people?page=50", 80),
    Case("audit log", "/admin/audit/", 80),
    Case("profile", "/profile", 50),
    Case("open campaigns", "/recruitment/", 60),
    Case("review list (15 apps)", "/recruitment/manage/1", 80),
    Case("team roster", "/teams/1", 80),
    Case("shift dashboard", "/tasks/dashboard", 80),
    Case("jobs page", "/admin/jobs", 60),
]


def build(url: str):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)
    with app.app_context():
        db.drop_all()
        db.create_all()
        demo.load_demo_data()
        shared = accounts.hash_password("bench-password")
        college = accounts.colleges()[0]
        for n in range(PEOPLE - 200):
            accounts.create_person(
                accounts.PersonFields(
                    student_number=f"2030{n:06d}",
                    name=f"王{n}",
                    college_id=college.id,
                    email=f"b{n}@bench.example",
                ),
                password="",
                password_hash=shared,
                must_change_password=False,
            )
        db.session.commit()
    return app


def measure(client, path: str) -> list[float]:
    times = request_times(client, path, ROUNDS)
    if isinstance(times, str):
        raise SystemExit(f"{path}: {times}")
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
        app = build(url)
        anonymous = app.test_client()
        client = app.test_client()
        client.post("/login", data={"identifier": "A0001", "password": "gongchuang2026"})
        print(f"{PEOPLE} people, {ROUNDS} requests per page, database {url.split(':')[0]}")
        print(f"{'page':<24}{'median ms':>10}{'p95 ms':>10}{'target':>9}  ok")
        missed = 0
        for case in CASES:
            times = sorted(measure(anonymous if case.anonymous else client, case.path))
            median = statistics.median(times)
            p95 = times[int(len(times) * 0.95) - 1]
            ok = median <= case.target_ms
            missed += not ok
            verdict = "yes" if ok else "NO"
            print(f"{case.name:<24}{median:>10.1f}{p95:>10.1f}{case.target_ms:>9.0f}  {verdict}")
        with app.app_context():
            db.engine.dispose()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
