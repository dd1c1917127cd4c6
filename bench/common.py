"""Building blocks of the benchmarks that serve the app under gunicorn on loopback
(`bench.checkin`, `bench.eventday`): the app for a database URL, a free port, the server
(`bench.server`), logging a client in, the current kiosk code and latency percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
PASSWORD = "bench-password"


@dataclass
class Phase:
    """Requests and latency percentiles of one phase (or one kind of request)."""

    name: str
    requests: int
    failures: int
    rate: float
    p50: float
    p90: float
    p99: float

    @classmethod
    def of(cls, name: str, latencies_ms: list[float], seconds: float, failures: int) -> Phase:
        ordered = sorted(latencies_ms) or [0.0]

        def percentile(share: float) -> float:
            return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

        rate = len(latencies_ms) / seconds if seconds else 0.0
        return cls(
            name,
            len(latencies_ms),
            failures,
            rate,
            percentile(0.5),
            percentile(0.9),
            percentile(0.99),
        )


def bench_app(url: str):
    """The app on `url` with the settings the served app has (secret, no rate limits)."""
    from app import create_app
    from config import TestConfig

    return create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=SECRET, RATELIMIT_ENABLED=False
    )


@contextmanager
def fresh_team(url: str, name: str) -> Iterator:
    """In an app context on the emptied database `url`: one new volunteer team, committed
    (with whatever the caller added) when the block ends."""
    from app.extensions import db

    with bench_app(url).app_context():
        yield emptied_with_team(name)
        db.session.commit()
        db.engine.dispose()


def emptied_with_team(name: str):
    """The database emptied (in an app context), with one new volunteer team."""
    from app.extensions import db
    from app.recruitment.teams import services as team_services

    db.drop_all()
    db.create_all()
    return team_services.create_team(name=name, kind="volunteer_team", actor=None)


def request_times(client, path: str, rounds: int) -> list[float] | str:
    """Milliseconds of `rounds` GETs of `path` one at a time through a Flask test client,
    after one untimed (which warms up templates and caches); "HTTP n" when one does not
    answer 200."""
    first = client.get(path)
    if first.status_code != 200:
        return f"HTTP {first.status_code}"
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
    return times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(
    url: str, port: int, *, workers: int, threads: int = 1, app: str = "bench.server:app"
) -> subprocess.Popen:
    """`app` (the product as `bench.server` serves it, unless told) under gunicorn on
    127.0.0.1:`port`, once it answers."""
    env = {**os.environ, "BENCH_DATABASE_URL": url, "BENCH_SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--workers", str(workers)),
            *("--threads", str(threads), "--bind", f"127.0.0.1:{port}"),
            *("--log-level", "warning", app),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180  # five workers importing the app on a busy machine
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
            return server
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn; on a loaded machine its graceful stop may outlast the wait, and the
    measurements already taken must not be lost to that."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def log_in(base: str, identifier: str, password: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{base}/login",
        data={"identifier": identifier, "password": password},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"login of {identifier} failed: HTTP {response.status_code}")
    return session


def kiosk_code(url: str, shift_id: int) -> str:
    """The code the shift's kiosk shows now."""
    from app.checkin import tokens
    from app.common.time import utcnow

    with bench_app(url).test_request_context():
        return tokens.kiosk_code(shift_id, now=utcnow())


def on_both_databases(measure: Callable[[str], bool], name: str) -> int:
    """`measure` on a throwaway SQLite file, then on PostgreSQL when BENCH_POSTGRES_URL names
    a database it may empty; the exit status (1 when either run failed)."""
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= measure(f"sqlite:///{folder}/{name}.sqlite")
    postgres = os.environ.get("BENCH_POSTGRES_URL")
    if postgres:
        ok &= measure(postgres)
    else:
        print("\n(PostgreSQL: set BENCH_POSTGRES_URL to measure it too)")
    return 0 if ok else 1


def accepted_scans(shift_id: int) -> dict[str, int]:
    """How many scans of the shift the scan log accepted, by action (in an app context)."""
    from sqlalchemy import func, select

    from app.checkin.models import ScanLog
    from app.extensions import db

    query = (
        select(ScanLog.action, func.count())
        .where(ScanLog.shift_id == shift_id, ScanLog.outcome == "ok")
        .group_by(ScanLog.action)
    )
    return dict(db.session.execute(query).all())


def onboarded_members(team_id: int, numbers: list[str], name: str, password: str, **fields):
    """One onboarded member of the team per student number, named `name` + their index,
    sharing one hashed `password` (in an app context; `fields`: e.g. roles)."""
    from app.accounts import services as accounts
    from app.extensions import db
    from app.recruitment import membership

    shared = accounts.hash_password(password)
    people = []
    for index, student_number in enumerate(numbers):
        person = accounts.create_person(
            accounts.PersonFields(student_number=student_number, name=f"{name}{index}"),
            password="",
            password_hash=shared,
            must_change_password=False,
            **fields,
        )
        membership.join_team(team_id, person.id).onboarded = True
        db.session.flush()
        people.append(person)
    return people


def fresh_event_task(team_name: str, title: str, capacity: int):
    """An emptied database (in an app context) with one volunteer team and one event task;
    returns (now without microseconds, team, task)."""
    from app.common.time import utcnow
    from app.extensions import db
    from app.shifts.models import Task

    team = emptied_with_team(team_name)
    now = utcnow().replace(microsecond=0)
    task = Task(team_id=team.id, title=title, kind="event", default_capacity=capacity)
    db.session.add(task)
    db.session.flush()
    return now, team, task
