"""The rush: hundreds of volunteers grab the shifts the moment sign-up opens.

Serves the app under gunicorn on loopback (`bench.server`) with one task of BENCH_RUSH_SHIFTS
(default 5) shifts of BENCH_RUSH_CAPACITY (default 40) places and BENCH_RUSH_PEOPLE (default
500) onboarded members, each with a session logged in beforehand. BENCH_RUSH_CLIENTS
(default 64) client threads then, for every person:

1. open the shift list while sign-up is still closed (it must show the countdown);
2. once every list is read, the opening is set a few seconds ahead; each client waits for
   that moment and signs its person up for one shift (person n: shift n mod the shifts);
3. reads My shifts, which shows the answer (the flash: a place, or the waitlist place) and
   the sign-up itself.

Prints p50/p90/p99 per step and checks: no error and no refusal, never over capacity, the
waitlist in arrival order (nobody whose request ended before another's began is behind
it), and each person's answer and My shifts matching the database.

The draw variant gives the task a one-minute draw window: the requests at the opening are
draw entries; the job `shifts.draw_due` is then run as at the window's close (twice: the
second finds nothing) and My shifts is read again. It checks that everyone was entered, each
shift drawn exactly once in the recorded seed's order, and that each person's My shifts
matches the database. Runs on a throwaway SQLite file and, with BENCH_POSTGRES_URL, on
PostgreSQL. Exit status 1 when a check fails.
"""

from __future__ import annotations

import html
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests

from bench import common
from bench.common import Phase, bench_app, free_port, on_both_databases, serve, stop

PASSWORD = common.PASSWORD
LEAD_SECONDS = 3  # the opening is this far ahead of the moment every client is ready
DRAW_MINUTES = 1  # the shortest draw window a task may have
FLASH = re.compile(r'class="alert alert-(\w+)" role="alert">(.*?)</div>', re.S)
MINE = re.compile(r'data-shift="(\d+)" data-status="(\w+)" data-place="(\d+)"')


@dataclass(frozen=True)
class Settings:
    people: int = int(os.environ.get("BENCH_RUSH_PEOPLE", "500"))
    clients: int = int(os.environ.get("BENCH_RUSH_CLIENTS", "64"))
    shifts: int = int(os.environ.get("BENCH_RUSH_SHIFTS", "5"))
    capacity: int = int(os.environ.get("BENCH_RUSH_CAPACITY", "40"))
    workers: int = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))


@dataclass
class Visit:
    """One person's rush, as their client saw it."""

    person: int
    shift_id: int
    list_ms: float = 0.0
    signup_ms: float = 0.0
    mine_ms: float = 0.0
    sent: float = 0.0  # perf_counter when the sign-up request was sent …
    answered: float = 0.0  # … and when its answer came back
    answer: tuple[str, int] = ("", 0)  # ("confirmed", 0), ("waitlisted", place), ("entered", 0)
    shown: tuple[str, int] = ("", 0)  # the sign-up in My shifts: (status, waitlist place)
    errors: list[str] = field(default_factory=list)


@dataclass
class Run:
    """What one variant measured and found."""

    variant: str
    phases: list[Phase]
    problems: list[str]
    seconds: float = 0.0  # from the opening until every person had read their answer


def student_number(n: int) -> str:
    return f"2032{n:06d}"


def build(url: str, settings: Settings, *, draw: bool) -> list[int]:
    """A fresh database: a team, one task (with a draw window for the draw variant) whose
    shifts open for sign-up in a day, and the members. Returns the shift ids."""
    from app.common.time import utcnow
    from app.extensions import db
    from app.shifts.models import Shift, Task

    with common.fresh_team(url, "抢班压测队") as team:
        now = utcnow().replace(microsecond=0)
        task = Task(
            team_id=team.id,
            title="周末总服务台",
            default_capacity=settings.capacity,
            draw_minutes=DRAW_MINUTES if draw else None,
        )
        db.session.add(task)
        db.session.flush()
        shifts = [
            Shift(
                task_id=task.id,
                starts_at=now + timedelta(days=3 + day),
                ends_at=now + timedelta(days=3 + day, hours=3),
                capacity=settings.capacity,
                signup_opens_at=now + timedelta(days=1),
            )
            for day in range(settings.shifts)
        ]
        db.session.add_all(shifts)
        numbers = [student_number(n) for n in range(settings.people)]
        common.onboarded_members(team.id, numbers, "抢班", PASSWORD)
        db.session.flush()
        shift_ids = [shift.id for shift in shifts]
    return shift_ids


def set_opening(url: str, shift_ids: list[int], opens: datetime) -> None:
    """Sign-up opens at `opens` (naive UTC) for the shifts, as the coordinator's bulk
    setting does (straight in the database: the bench has no coordinator session)."""
    from sqlalchemy import update

    from app.extensions import db
    from app.shifts.models import Shift

    with bench_app(url).app_context():
        db.session.execute(
            update(Shift).where(Shift.id.in_(shift_ids)).values(signup_opens_at=opens)
        )
        db.session.commit()
        db.engine.dispose()


def _timed(call) -> tuple[requests.Response | None, float, str]:
    start = time.perf_counter()
    try:
        response = call()
    except requests.RequestException as error:
        return None, (time.perf_counter() - start) * 1000, type(error).__name__
    return response, (time.perf_counter() - start) * 1000, ""


def read_list(base: str, session: requests.Session, visit: Visit) -> None:
    response, visit.list_ms, error = _timed(lambda: session.get(f"{base}/shifts/", timeout=60))
    if error or response.status_code != 200:
        visit.errors.append(f"shift list: {error or response.status_code}")
    elif 'data-testid="countdown"' not in response.text:
        visit.errors.append("shift list: no countdown before the opening")


def parse_answer(text: str, *, draw: bool) -> tuple[str, int]:
    """The sign-up's flash as the person read it (in whichever language): a place, their
    waitlist place (the one number in the message) or, with a draw, in the draw."""
    for category, message in FLASH.findall(text):
        numbers = re.findall(r"\d+", html.unescape(message))
        if category == "success":
            return "confirmed", 0
        if category == "info" and draw:
            return "entered", 0
        if category == "info":
            return "waitlisted", int(numbers[0]) if len(numbers) == 1 else -1
        return f"refused: {html.unescape(message).strip()}", 0
    return "", 0


def read_mine(base: str, session: requests.Session, visit: Visit) -> str:
    """Read My shifts: the person's sign-up for their shift as shown (status, place)."""
    response, visit.mine_ms, error = _timed(lambda: session.get(f"{base}/shifts/mine", timeout=60))
    if error or response.status_code != 200:
        visit.errors.append(f"My shifts: {error or response.status_code}")
        return ""
    visit.shown = ("", 0)
    for shift_id, status, place in MINE.findall(response.text):
        if int(shift_id) == visit.shift_id:
            visit.shown = (status, int(place))
    return response.text


def sign_up(
    base: str, session: requests.Session, visit: Visit, opens_at: float, draw: bool
) -> None:
    """Wait for the opening moment, tap Sign up, then read My shifts (which shows the answer)."""
    time.sleep(max(0.0, opens_at - time.time()))
    visit.sent = time.perf_counter()
    response, visit.signup_ms, error = _timed(
        lambda: session.post(
            f"{base}/shifts/{visit.shift_id}/signup",
            data={"back": "mine"},
            allow_redirects=False,
            timeout=60,
        )
    )
    visit.answered = time.perf_counter()
    if error or response.status_code != 302:
        visit.errors.append(f"sign-up: {error or response.status_code}")
        return
    visit.answer = parse_answer(read_mine(base, session, visit), draw=draw)
    if visit.answer[0].startswith("refused") or not visit.answer[0]:
        visit.errors.append(f"sign-up answer: {visit.answer[0] or 'none shown'}")


def on_every_client(settings: Settings, work, items) -> None:
    with ThreadPoolExecutor(max_workers=settings.clients) as pool:
        list(pool.map(work, items))


def phase(name: str, values: list[float], seconds: float, failures: int) -> Phase:
    return Phase.of(name, values, seconds, failures)


def rush(url: str, settings: Settings, *, draw: bool) -> Run:
    shift_ids = build(url, settings, draw=draw)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port, workers=settings.workers)
    try:
        with ThreadPoolExecutor(max_workers=settings.clients) as pool:
            sessions = list(
                pool.map(
                    lambda n: common.log_in(base, student_number(n), PASSWORD),
                    range(settings.people),
                )
            )
        visits = [Visit(n, shift_ids[n % len(shift_ids)]) for n in range(settings.people)]
        pairs = list(zip(sessions, visits, strict=True))
        started = time.perf_counter()
        on_every_client(settings, lambda pair: read_list(base, *pair), pairs)
        list_seconds = time.perf_counter() - started
        opens_at = int(time.time()) + LEAD_SECONDS + 1  # a whole second, as a person sets it
        set_opening(url, shift_ids, datetime.fromtimestamp(opens_at, UTC).replace(tzinfo=None))
        on_every_client(settings, lambda pair: sign_up(base, *pair, opens_at, draw), pairs)
        rush_seconds = time.time() - opens_at  # from the opening until the last one has read
        phases = [
            phase("shift list (closed)", [v.list_ms for v in visits], list_seconds, 0),
            phase("sign-up at opening", [v.signup_ms for v in visits], rush_seconds, 0),
            phase("My shifts after", [v.mine_ms for v in visits], rush_seconds, 0),
        ]
        problems = [f"person {v.person}: {e}" for v in visits for e in v.errors]
        if draw:
            problems += draw_and_read(url, base, settings, pairs, phases, opens_at)
    finally:
        stop(server)
    problems += check_database(url, settings, shift_ids, visits, draw=draw)
    return Run("draw window" if draw else "first come", phases, problems, rush_seconds)


def draw_and_read(url, base, settings, pairs, phases, opens_at) -> list[str]:
    """Run the draw job as at the window's close, twice, then read every My shifts again."""
    from app.shifts import jobs

    closes = datetime.fromtimestamp(opens_at, UTC).replace(tzinfo=None)
    closes += timedelta(minutes=DRAW_MINUTES)
    problems = []
    with bench_app(url).app_context():
        from app.extensions import db

        first, second = jobs.draw_due(now=closes), jobs.draw_due(now=closes)
        db.engine.dispose()
    if first != {"drawn": settings.shifts} or second != {"drawn": 0}:
        problems.append(f"draw job: {first} then {second}")
    started = time.perf_counter()
    on_every_client(settings, lambda pair: read_mine(base, *pair), pairs)
    seconds = time.perf_counter() - started
    phases.append(phase("My shifts, drawn", [v.mine_ms for _s, v in pairs], seconds, 0))
    return problems


def _signups_by_user(settings: Settings, shift_ids: list[int]):
    from sqlalchemy import select

    from app.accounts.models import User
    from app.extensions import db
    from app.shifts.models import ShiftSignup

    rows = db.session.execute(
        select(User.student_number, ShiftSignup)
        .join(ShiftSignup, ShiftSignup.user_id == User.id)
        .where(ShiftSignup.shift_id.in_(shift_ids))
    ).all()
    found: dict[int, list] = {}
    for number, signup in rows:
        found.setdefault(int(number[4:]), []).append(signup)
    return found


def check_database(url, settings, shift_ids, visits, *, draw: bool) -> list[str]:
    """What is wrong with the places after the run (empty when nothing)."""
    from app.extensions import db
    from app.shifts.models import Shift

    problems = []
    with bench_app(url).app_context():
        held = _signups_by_user(settings, shift_ids)
        positions = {}
        for shift_id in shift_ids:
            shift = db.session.get(Shift, shift_id)
            mine = sorted(
                (s for rows in held.values() for s in rows if s.shift_id == shift_id),
                key=lambda s: s.ticket,
            )
            problems += check_shift(shift, mine, settings)
            waiting = [s for s in mine if s.status == "waitlisted"]
            positions.update({s.id: place for place, s in enumerate(waiting, 1)})
            if draw:
                problems += check_draw(shift, mine)
        by_person = {v.person: v for v in visits}
        for person, visit in by_person.items():
            rows = held.get(person, [])
            if len(rows) != 1:
                problems.append(f"person {person}: {len(rows)} sign-ups, expected 1")
                continue
            truth = (rows[0].status, positions.get(rows[0].id, 0))
            if not draw and visit.answer != truth:
                problems.append(f"person {person}: told {visit.answer}, database {truth}")
            if draw and visit.answer != ("entered", 0):
                problems.append(f"person {person}: told {visit.answer}, not 'in the draw'")
            if visit.shown != truth:
                problems.append(f"person {person}: My shifts {visit.shown}, database {truth}")
        if not draw:
            problems += check_arrival_order(held, by_person)
        db.engine.dispose()
    return problems


def check_shift(shift, signups: list, settings: Settings) -> list[str]:
    """Capacity and order on one shift: the places are the first tickets, then the waitlist."""
    problems = []
    confirmed = [s for s in signups if s.status == "confirmed"]
    expected = min(settings.capacity, len(signups))
    if len(confirmed) != expected or shift.confirmed_count != expected:
        problems.append(
            f"shift {shift.id}: {len(confirmed)} confirmed "
            f"(counter {shift.confirmed_count}), expected {expected} of {settings.capacity}"
        )
    if [s.status for s in signups] != ["confirmed"] * expected + ["waitlisted"] * (
        len(signups) - expected
    ):
        problems.append(f"shift {shift.id}: places are not the first tickets")
    return problems


def check_arrival_order(held: dict, by_person: dict) -> list[str]:
    """Nobody is behind a person whose request the server received after theirs was answered."""
    problems = []
    rows = [(by_person[p], signups[0]) for p, signups in held.items() if len(signups) == 1]
    for first, first_signup in rows:
        for later, later_signup in rows:
            if (
                first_signup.shift_id == later_signup.shift_id
                and first.answered < later.sent
                and first_signup.ticket > later_signup.ticket
            ):
                problems.append(f"person {later.person} got ahead of {first.person}")
    return problems[:5]


def check_draw(shift, signups: list) -> list[str]:
    """The shift was drawn once, its places given in the order the recorded seed gives."""
    from sqlalchemy import func, select

    from app.audit.models import AuditEntry
    from app.extensions import db
    from app.recruitment.review import lottery_order
    from app.shifts.models import ShiftDrawEntry

    entries = list(
        db.session.scalars(select(ShiftDrawEntry).where(ShiftDrawEntry.shift_id == shift.id))
    )
    draws = db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "shifts.drawn", AuditEntry.object_id == str(shift.id)
        )
    )
    problems = []
    if draws != 1 or shift.draw_seed is None:
        problems.append(f"shift {shift.id}: drawn {draws} times")
        return problems
    order = lottery_order(shift.draw_seed, {entry.id: entry for entry in entries})
    user_of = {entry.id: entry.user_id for entry in entries}
    if [user_of[entry_id] for entry_id in order] != [s.user_id for s in signups]:
        problems.append(f"shift {shift.id}: places not in the seed's drawn order")
    return problems


def report(url: str, settings: Settings, run: Run) -> bool:
    print(
        f"\nThe rush ({run.variant}): {settings.people} volunteers, {settings.shifts} shifts × "
        f"{settings.capacity} places, {settings.clients} clients, gunicorn {settings.workers} "
        f"workers, database {url.split(':')[0]}"
    )
    header = ("requests", "req/s", "p50 ms", "p90 ms", "p99 ms")
    print(f"{'step':<22}" + "".join(f"{column:>9}" for column in header))
    for each in run.phases:
        print(
            f"{each.name:<22}{each.requests:>9}{each.rate:>9.0f}"
            f"{each.p50:>9.1f}{each.p90:>9.1f}{each.p99:>9.1f}"
        )
    print(f"every person signed up and read My shifts {run.seconds:.1f} s after the opening")
    verdict = "; ".join(run.problems[:10]) or "none"
    print(f"problems ({len(run.problems)}): {verdict}")
    return not run.problems


def measure(url: str, settings: Settings | None = None) -> bool:
    settings = settings or Settings()
    ok = True
    for draw in (False, True):
        ok &= report(url, settings, rush(url, settings, draw=draw))
    return ok


def main() -> int:
    return on_both_databases(measure, "rush")


if __name__ == "__main__":
    sys.exit(main())
