"""Imports at full size (issue 20): a roster of 20,000 people and a library-use file of as many
rows, on a throwaway SQLite file, while another process keeps writing.

Each import runs as the app runs it (preview, then confirm committing a chunk of
IMPORT_CHUNK_ROWS rows at a time; the password hash is scrypt, as in production). Meanwhile
a writer process makes one small write every 20 ms on its own connection, as a login or a
check-in would, and notes how long each waited for the write lock. For contrast the same
roster confirm runs once more in one transaction (no chunks), as it did before. The
yardstick, measured in the same run, is a bare bulk INSERT of the same number of people.

Targets: the roster confirm in < 30 s, and no write of the other process waiting more than
1 s during a chunked import. Exit status 1 when a target is missed. Run with
`python -m bench.imports`; BENCH_IMPORT_PEOPLE (default 20,000) scales it.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert

from app import create_app
from app.accounts import services as accounts
from app.accounts.models import User, new_session_token
from app.admin import roster, roster_plan
from app.common.time import utcnow
from app.extensions import db
from app.rewards.library_use import imports
from config import TestConfig

PEOPLE = int(os.environ.get("BENCH_IMPORT_PEOPLE", "20000"))
CONFIRM_SECONDS, MAX_WAIT_SECONDS = 30.0, 1.0
WRITE_EVERY = 0.02
NOW = datetime(2026, 11, 5, 4, 0)


@dataclass
class Case:
    name: str
    rows: int
    seconds: float
    max_wait: float | None = None  # the writer's longest wait, seconds
    writes: int = 0
    failed_writes: int = 0


def _writer(path: str, stop, results) -> None:
    """Small writes on a plain connection (another process), each timed."""
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS bench_writes (id INTEGER PRIMARY KEY, at REAL)")
    waits, failed = [], 0
    while not stop.is_set():
        start = time.perf_counter()
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO bench_writes (at) VALUES (?)", (time.time(),))
            connection.execute("COMMIT")
            waits.append(time.perf_counter() - start)
        except sqlite3.OperationalError:  # "database is locked": what people saw as a 500
            failed += 1
        time.sleep(WRITE_EVERY)
    results.put((max(waits, default=0.0), len(waits), failed))


def while_writing(path: str, work: Callable[[], int], name: str) -> Case:
    """Run `work` (returns rows done) while the writer process writes; time both."""
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    writer = multiprocessing.Process(target=_writer, args=(path, stop, results))
    writer.start()
    time.sleep(0.5)  # the writer is writing before the import starts
    start = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - start
    stop.set()
    max_wait, writes, failed = results.get(timeout=60)
    writer.join()
    return Case(name, rows, seconds, max_wait, writes, failed)


def timed(work: Callable[[], int], name: str) -> Case:
    start = time.perf_counter()
    rows = work()
    return Case(name, rows, time.perf_counter() - start)


def roster_file(first: int, count: int) -> bytes:
    lines = ["学号,姓名,学院,专业,入学年份,人员类别,手机,邮箱"]
    for n in range(count):
        number = first + n
        lines.append(f"{number},学生{n},学院{n % 30},专业{n % 120},2026,本科生,,s{number}@bench.cn")
    return ("\n".join(lines) + "\n").encode()


def library_file(first: int, count: int, day: date) -> bytes:
    lines = ["学号,日期,借阅次数,入馆次数,在馆分钟,电子资源次数"]
    lines += [f"{first + n},{day.isoformat()},{n % 4},1,{n % 300},{n % 3}" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def bench_app(url: str, uploads: str):
    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_DIR=uploads,
        PASSWORD_HASH_METHOD="scrypt",
        RATELIMIT_ENABLED=False,
    )


def yardstick(folder: Path) -> Case:
    """A bare bulk INSERT of PEOPLE users, one statement, one commit."""
    app = bench_app(f"sqlite:///{folder / 'yardstick.sqlite'}", str(folder / "uploads"))
    with app.app_context():
        db.create_all()
        password_hash = accounts.hash_password("bench")
        rows = [
            {
                "student_number": str(2026000000 + n),
                "name": f"学生{n}",
                "email": f"s{n}@bench.cn",
                "user_type": "undergraduate",
                "password_hash": password_hash,
                "session_token": new_session_token(),
                "created_at": utcnow(),
            }
            for n in range(PEOPLE)
        ]

        def insert_all() -> int:
            db.session.execute(insert(User), rows)
            db.session.commit()
            return len(rows)

        return timed(insert_all, "yardstick: bare INSERT of the people")


def run(folder: Path) -> list[Case]:
    path = folder / "imports.sqlite"
    app = bench_app(f"sqlite:///{path}", str(folder / "uploads"))
    cases = [yardstick(folder)]
    with app.test_request_context():
        db.create_all()
        admin = accounts.create_person(
            accounts.PersonFields(student_number="A0000001", name="管理员"),
            password="bench-password-1",
            roles=["admin"],
        )
        db.session.commit()

        def commit(_done: int, _total: int) -> None:
            db.session.commit()

        def preview(first: int):
            data = roster_file(first, PEOPLE)
            holder = {}

            def work() -> int:
                plan, holder["token"] = roster.preview_import(data, "名单.csv", actor=admin)
                db.session.rollback()
                return len(plan.rows)

            return work, holder

        work, kept = preview(2026000000)
        cases.append(timed(work, "roster preview"))

        def confirm(checkpoint) -> Callable[[], int]:
            def work() -> int:
                counts = roster.confirm_import(kept["token"], actor=admin, checkpoint=checkpoint)
                db.session.commit()
                return counts[roster_plan.CREATE]

            return work

        cases.append(while_writing(str(path), confirm(commit), "roster confirm, chunked"))

        data = library_file(2026000000, PEOPLE, date(2026, 10, 1))

        def library(checkpoint) -> Callable[[], int]:
            def work() -> int:
                imp = imports.import_library_use(
                    data, "use.csv", actor=admin, now=NOW, checkpoint=checkpoint
                )
                db.session.commit()
                return imp.rows_accepted

            return work

        cases.append(while_writing(str(path), library(commit), "library use, chunked"))

        work, kept = preview(2027000000)
        work()
        cases.append(while_writing(str(path), confirm(None), "roster confirm, one transaction"))
    return cases


def report(cases: list[Case]) -> bool:
    base = cases[0].seconds
    print(f"\nImports of {PEOPLE:,} rows on SQLite (writer: one small write every 20 ms)\n")
    header = f"{'case':36} {'rows':>7} {'seconds':>8} {'× yardstick':>12} {'max wait':>9}"
    print(f"{header} {'writes':>7}")
    for case in cases:
        wait = "" if case.max_wait is None else f"{case.max_wait * 1000:7.0f}ms"
        writes = "" if case.max_wait is None else f"{case.writes}"
        if case.failed_writes:
            writes += f" ({case.failed_writes} failed)"
        print(
            f"{case.name:36} {case.rows:>7,} {case.seconds:8.2f} {case.seconds / base:11.1f}× "
            f"{wait:>9} {writes:>7}"
        )
    chunked = [case for case in cases if case.name.endswith("chunked")]
    confirm = next(case for case in chunked if case.name.startswith("roster"))
    ok = confirm.seconds < CONFIRM_SECONDS and all(
        case.max_wait < MAX_WAIT_SECONDS and not case.failed_writes for case in chunked
    )
    print(
        f"\nTargets: roster confirm < {CONFIRM_SECONDS:.0f} s, other writes wait < "
        f"{MAX_WAIT_SECONDS:.0f} s during chunked imports: {'met' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        return 0 if report(run(Path(folder))) else 1


if __name__ == "__main__":
    sys.exit(main())
