"""Hot pages as ratios to a bare Flask stack (issue 26).

Builds a throwaway database with BENCH_SPEED_PEOPLE (default 200) onboarded volunteers of one
team, each signed up for a shift running now and three shifts ahead, plus shifts still open
for sign-up. Serves the product (`bench.server`) and the yardstick (`bench.yardstick`: bare
Flask + Flask-SQLAlchemy + Flask-Login, one count read, one row insert) the same way, side
by side, under gunicorn with the same workers on the same database, and drives each
with the same client: BENCH_SPEED_CLIENTS (default 16) threads, each with its own logged-in
keep-alive session, for BENCH_SPEED_SECONDS (default 5) a page. Prints requests per second,
p50/p99 and each page's ratio to the yardstick's read (GETs) or insert (POSTs) against the
issue's target, each page right after its own yardstick window (the machine is shared: a
ratio compares two windows seconds apart, not minutes). Exit status 1 when a request fails;
a missed ratio is reported, not fatal.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from bench import common, yardstick
from bench.common import (
    Phase,
    bench_app,
    free_port,
    kiosk_code,
    log_in,
    on_both_databases,
    onboarded_members,
    serve,
    stop,
)

PEOPLE = int(os.environ.get("BENCH_SPEED_PEOPLE", "200"))
CLIENTS = int(os.environ.get("BENCH_SPEED_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_SPEED_SECONDS", "5"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
OPEN_SHIFTS = 40
PASSWORD = common.PASSWORD

# (name, path or "scan"/"signup", yardstick it is compared with, target ratio)
PAGES = [
    ("shift list", "/shifts/", "read", 0.3),
    ("home", "/", "read", 0.3),
    ("my shifts", "/shifts/mine", "read", None),
    ("my achievements", "/achievements", "read", 0.3),
    ("leaderboards", "/leaderboards/", "read", None),
    ("kiosk scan", "scan", "read", 0.5),
    ("sign-up POST", "signup", "insert", 0.5),
]


def number(n: int) -> str:
    return f"2032{n:06d}"


def build(url: str) -> tuple[int, list[int]]:
    """The product's data; returns the running shift's id and the open shifts' ids."""
    from app.extensions import db
    from app.shifts import signups
    from app.shifts.models import Shift

    app = bench_app(url)
    with app.app_context():
        now, team, task = common.fresh_event_task("测速志愿者队", "总服务台值班", PEOPLE)

        def shift(starts: timedelta) -> Shift:
            made = Shift(
                task=task, starts_at=now + starts, ends_at=now + starts + timedelta(hours=3)
            )
            made.capacity = PEOPLE
            db.session.add(made)
            db.session.flush()
            return made

        signed = [shift(timedelta(minutes=-30))] + [shift(timedelta(days=d)) for d in (1, 2, 3)]
        open_shifts = [shift(timedelta(days=4, hours=3 * n)) for n in range(OPEN_SHIFTS)]
        numbers = [number(n) for n in range(PEOPLE)]
        people = onboarded_members(team.id, numbers, "测速", PASSWORD, roles=["volunteer"])
        for person in people:
            for each in signed:
                signups.sign_up(each, person, now=now - timedelta(days=1))
        db.session.commit()
        ids = signed[0].id, [each.id for each in open_shifts]
        db.engine.dispose()
    yardstick.build(url, [number(n) for n in range(PEOPLE)])
    return ids


def drive(name: str, sessions: list[requests.Session], next_call: Callable) -> Phase:
    """CLIENTS threads, each on its own session, calling `next_call(session)` (a response, or
    None when there is nothing left to do) for SECONDS after one untimed call each (the
    workers compile the page's templates); a status of 400 or more fails."""
    clients = sessions[:CLIENTS]
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    ready = threading.Barrier(len(clients))
    window: dict[str, float] = {}

    def client(session: requests.Session) -> None:
        next_call(session)
        if ready.wait() == 0:
            window["start"] = time.perf_counter()
        ready.wait()
        while time.perf_counter() < window["start"] + SECONDS:
            start = time.perf_counter()
            try:
                response = next_call(session)
                if response is None:
                    return
                ok = response.status_code < 400
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)
                failures[0] += not ok

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(client, clients))
    seconds = time.perf_counter() - window["start"]
    return Phase.of(name, latencies, seconds, failures[0])


def yardstick_sessions(base: str) -> list[requests.Session]:
    sessions = []
    for n in range(CLIENTS):
        session = requests.Session()
        session.post(f"{base}/login", data={"name": number(n)}, allow_redirects=False)
        sessions.append(session)
    return sessions


def measure_pairs(url: str, running: int, open_shifts: list[int]) -> list[tuple[Phase, Phase]]:
    """Each page right after its yardstick (the bare read, or the bare insert for the
    sign-up POST), both servers up, so that a ratio compares two windows a few seconds
    apart: the machine is shared, and its load drifts over a run of a minute or two."""
    ports = free_port(), free_port()
    bare_base, base = (f"http://127.0.0.1:{port}" for port in ports)
    bare_server = serve(url, ports[0], workers=WORKERS, app="bench.yardstick:app")
    server = serve(url, ports[1], workers=WORKERS)
    try:
        bare_sessions = yardstick_sessions(bare_base)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            sessions = list(pool.map(lambda n: log_in(base, number(n), PASSWORD), range(PEOPLE)))
        bare_calls = {
            "read": lambda s: s.get(f"{bare_base}/read"),
            "insert": lambda s: s.post(f"{bare_base}/insert"),
        }
        pairs = []
        for name, path, against, _target in PAGES:
            bare = drive(f"bare {against}", bare_sessions, bare_calls[against])
            if path == "scan":
                code = kiosk_code(url, running)
                call = lambda s, c=code: s.get(f"{base}/c/{c}")  # noqa: E731
            elif path == "signup":
                call = signer(base, sessions, open_shifts)
            else:
                call = lambda s, p=path: s.get(f"{base}{p}")  # noqa: E731
            pairs.append((bare, drive(name, sessions, call)))
        return pairs
    finally:
        stop(server)
        stop(bare_server)


def signer(base: str, sessions: list[requests.Session], open_shifts: list[int]) -> Callable:
    """Each call signs the client's session up for the next open shift it has not tried."""
    pending = {id(session): queue.SimpleQueue() for session in sessions[:CLIENTS]}
    for each in pending.values():
        for shift_id in open_shifts:
            each.put(shift_id)

    def call(session: requests.Session):
        try:
            shift_id = pending[id(session)].get_nowait()
        except queue.Empty:
            return None
        return session.post(f"{base}/shifts/{shift_id}/signup", allow_redirects=False)

    return call


def measure(url: str) -> bool:
    running, open_shifts = build(url)
    pairs = measure_pairs(url, running, open_shifts)
    print(
        f"\nHot pages against the bare stack: {PEOPLE} volunteers, {CLIENTS} clients, "
        f"{SECONDS:g} s a page, gunicorn {WORKERS} workers, database {url.split(':')[0]}; "
        "each page right after its yardstick"
    )
    header = ("requests", "failed", "req/s", "p50 ms", "p99 ms", "ratio", "target")
    print(f"{'page':<18}" + "".join(f"{column:>9}" for column in header))
    for (bare, phase), (_name, _path, _against, target) in zip(pairs, PAGES, strict=True):
        ratio = phase.rate / bare.rate if bare.rate else 0.0
        goal = f"≥{target}" + ("" if ratio >= target else " NO") if target else "-"
        print(row(bare, "", ""))
        print(row(phase, f"{ratio:.2f}", goal))
    return not any(phase.failures for pair in pairs for phase in pair)


def row(phase: Phase, ratio: str, target: str) -> str:
    return (
        f"{phase.name:<18}{phase.requests:>9}{phase.failures:>9}{phase.rate:>9.0f}"
        f"{phase.p50:>9.1f}{phase.p99:>9.1f}{ratio:>9}{target:>9}"
    )


def main() -> int:
    return on_both_databases(measure, "speed")


if __name__ == "__main__":
    sys.exit(main())
