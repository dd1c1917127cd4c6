"""Check-in under load, served the way production serves it.

Starts the app under gunicorn on loopback (`bench.server`), with one event shift and
BENCH_CHECKIN_PEOPLE (default 500) signed-up volunteers, each with a logged-in session.
Then BENCH_CLIENTS (default 64) concurrent clients fire every volunteer's check-in scan
three times (the first checks in, the two others must answer "already checked in"), then
every check-out, then the same number of requests to a minimal endpoint of the same app
that only inserts one row for the logged-in user. Prints requests per second and latency
percentiles per phase, the ratio to the minimal endpoint, and whether the database holds
exactly one attendance per volunteer with the right hours. Exit status 1 when a target or
the data check fails.

Targets (issue 7): check-in throughput at least half of the minimal endpoint's, p99 under
150 ms, zero lost or duplicated records.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from bench import common
from bench.common import Phase, bench_app, free_port, kiosk_code, on_both_databases, serve, stop

PEOPLE = int(os.environ.get("BENCH_CHECKIN_PEOPLE", "500"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "64"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
SCANS_PER_PERSON = 3
PASSWORD = common.PASSWORD


def build(url: str) -> int:
    """The database: a team, an event task, one shift that started an hour ago, and
    PEOPLE onboarded members signed up for it. Returns the shift id."""
    from app.extensions import db
    from app.shifts import signups
    from app.shifts.models import Shift

    app = bench_app(url)
    with app.app_context():
        now, team, task = common.fresh_event_task("压测志愿者队", "读书节签到压测", PEOPLE)
        shift = Shift(
            task_id=task.id,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            capacity=PEOPLE,
        )
        db.session.add(shift)
        db.session.flush()
        numbers = [f"2031{n:06d}" for n in range(PEOPLE)]
        for person in common.onboarded_members(team.id, numbers, "签到", PASSWORD):
            signups.sign_up(shift, person, now=now - timedelta(days=1))
        db.session.commit()
        shift_id = shift.id
        db.engine.dispose()
    return shift_id


def log_in(base: str, number: int) -> requests.Session:
    return common.log_in(base, f"2031{number:06d}", PASSWORD)


def run_phase(name: str, calls: list, expect) -> Phase:
    """Run every call (a function returning a response) on CLIENTS threads at once."""

    def timed(call):
        start = time.perf_counter()
        try:
            response = call()
            ok = expect(response)
        except requests.RequestException:
            ok = False
        return (time.perf_counter() - start) * 1000, ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(timed, calls))
    seconds = time.perf_counter() - started
    latencies = [ms for ms, _ok in results]
    return Phase.of(name, latencies, seconds, sum(not ok for _ms, ok in results))


def answered(*outcomes: str):
    """A check that the scan page gave one of these answers."""
    markers = [f'data-outcome="{outcome}"' for outcome in outcomes]
    return lambda response: (
        response.status_code == 200 and any(marker in response.text for marker in markers)
    )


def wrk_phase(name: str, url: str, session: requests.Session, method: str = "GET") -> Phase:
    """The same endpoint driven by wrk (a C load generator) for 8 s with CLIENTS connections,
    so the client's own CPU use does not inflate the server's latency. One person's session;
    wrk reports percentiles only, so the phase holds those, not every latency."""
    cookie = "; ".join(f"{key}={value}" for key, value in session.cookies.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
    output = subprocess.run(
        [
            *("wrk", "-t2", f"-c{CLIENTS}", "-d8s", "--latency"),
            *("-H", f"Cookie: {cookie}", "-s", script.name, url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    percentiles = {
        share: float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        for share, value, unit in re.findall(r"(\d+)%\s+([\d.]+)(us|ms|s)\b", output)
    }
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Phase(
        name,
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        failures=int(errors.group(1)) if errors else 0,
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50=percentiles["50"],
        p90=percentiles["90"],
        p99=percentiles["99"],
    )


def check_records(url: str, shift_id: int) -> list[str]:
    """What is wrong with the attendance data after the run (empty when nothing)."""
    from sqlalchemy import select

    from app.checkin import hours
    from app.checkin.models import Attendance
    from app.extensions import db
    from app.shifts.models import Shift

    problems = []
    app = bench_app(url)
    with app.app_context():
        shift = db.session.get(Shift, shift_id)
        query = select(Attendance).where(Attendance.shift_id == shift_id)
        records = list(db.session.scalars(query))
        if len(records) != PEOPLE:
            problems.append(f"{len(records)} attendance records, expected {PEOPLE}")
        if len({record.user_id for record in records}) != len(records):
            problems.append("a person has two attendance records")
        for record in records:
            if record.status != "out":
                problems.append(f"record {record.id} is {record.status}, not out")
                break
            expected = hours.credited_minutes(shift, record.checked_in_at, record.checked_out_at)
            if record.scan_minutes != expected:
                problems.append(f"record {record.id}: {record.scan_minutes} min, not {expected}")
                break
        accepted = common.accepted_scans(shift_id)
        if accepted != {"check_in": PEOPLE, "check_out": PEOPLE}:
            problems.append(f"accepted scans in the log: {accepted}")
        db.engine.dispose()
    return problems


def measure(url: str) -> bool:
    shift_id = build(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port, workers=WORKERS)
    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            sessions = list(pool.map(lambda n: log_in(base, n), range(PEOPLE)))
        scans = []
        for _round in range(SCANS_PER_PERSON):
            code = kiosk_code(url, shift_id)
            for session in sessions:
                scans.append(lambda s=session, c=code: s.get(f"{base}/c/{c}", timeout=30))
        check_in = run_phase("check-in scans", scans, answered("checked_in", "already_in"))
        code = kiosk_code(url, shift_id)
        outs = [
            lambda s=session, n=n: s.post(
                f"{base}/c/{code}", data={"nonce": f"bench{n}"}, timeout=30
            )
            for n, session in enumerate(sessions)
        ]
        check_out = run_phase("check-outs", outs, answered("checked_out"))
        inserts = [
            lambda s=session: s.post(f"{base}/bench/insert", timeout=30)
            for session in sessions * (SCANS_PER_PERSON + 1)
        ]
        minimal = run_phase("minimal insert", inserts, lambda r: r.status_code == 200)
        probes = []
        if shutil.which("wrk"):
            probes = [
                wrk_phase("wrk: minimal", f"{base}/bench/insert", sessions[0], "POST"),
                wrk_phase("wrk: scan again", f"{base}/c/{code}", sessions[0]),
            ]
    finally:
        stop(server)
    problems = check_records(url, shift_id)
    return report(url, [check_in, check_out, minimal], problems, probes)


def report(url: str, phases: list[Phase], problems: list[str], probes: list[Phase]) -> bool:
    check_in, check_out, minimal = phases
    print(
        f"\nCheck-in under load: {PEOPLE} volunteers, {CLIENTS} concurrent clients, "
        f"gunicorn {WORKERS} workers, database {url.split(':')[0]}"
    )
    header = ("requests", "failed", "req/s", "p50 ms", "p90 ms", "p99 ms")
    print(f"{'phase':<18}" + "".join(f"{column:>9}" for column in header))
    for phase in phases + probes:
        print(
            f"{phase.name:<18}{phase.requests:>9}{phase.failures:>8}{phase.rate:>9.0f}"
            f"{phase.p50:>9.1f}{phase.p90:>9.1f}{phase.p99:>9.1f}"
        )
    ratio = check_in.rate / minimal.rate if minimal.rate else 0.0
    p99 = check_in.p99
    failed = check_in.failures + check_out.failures
    checks = [
        ("check-in rate / minimal rate ≥ 0.5", f"{ratio:.2f}", ratio >= 0.5),
        ("check-in p99 < 150 ms", f"{p99:.0f} ms", p99 < 150),
        ("no failed requests", str(failed), not failed),
        ("exactly one record each, right hours", "; ".join(problems) or "yes", not problems),
    ]
    print(f"{'target':<40}{'measured':>24}  ok")
    for name, measured, ok in checks:
        print(f"{name:<40}{measured:>24}  {'yes' if ok else 'NO'}")
    return all(ok for _name, _measured, ok in checks)


def main() -> int:
    return on_both_databases(measure, "checkin")


if __name__ == "__main__":
    sys.exit(main())
