"""An event day under load: the real mix of traffic, served the way production serves it.

Builds a database with the demo data plus BENCH_EVENTDAY_PEOPLE (default 1,000) onboarded
volunteers of one team, four tasks with shifts later today and over the coming week (small
capacities, some already full with a waitlist), an event shift running now (half of the
volunteers signed up) and last week's verified event with its points and leaderboards.
Starts the app under gunicorn on loopback (`bench.server`, CSRF off) and has BENCH_CLIENTS
(default 64) concurrent clients, each logging in as its own share of the volunteers, do
for BENCH_EVENTDAY_SECONDS (default 300) what people do on an event day, chosen by weight:

  60% browse      the shift list (now and then filtered by task or week), my shifts
  15% boards      a leaderboard (metric, period, everyone/college/team), my points
  10% sign-up     the shift list, then sign up, join a waitlist, cancel or accept an offer
  10% check-in    scan the kiosk's QR code (check in), later tap check-out
   5% home        home page, notifications

A kiosk (an admin's session) polls its code every 5 s as the kiosk page does, and the
jobs (verifying checked-out records, booking points, rebuilding the leaderboards) run
every 60 s as the scheduler would. Then it prints per kind of request: requests,
throughput, p50/p90/p99 latency and errors (a status other than 200 after redirects, an
exception, or an answer that does not fit what the client did); business refusals such
as "shift full" or "already checked out" are correct answers, counted and listed apart.
Last it checks the data: capacities and place counts, one sign-up per person and shift,
waitlists in ticket order, one attendance per checked-in person matching what each client
was told, scan hours, one ledger entry per verified attendance, and leaderboards equal
to the ledger. On SQLite, then on PostgreSQL when BENCH_POSTGRES_URL names a database it
may empty. Exit status 1 on any error or failed check.
"""

from __future__ import annotations

import os
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import requests

from bench.common import (
    Phase,
    accepted_scans,
    bench_app,
    free_port,
    log_in,
    on_both_databases,
    serve,
    stop,
)

PASSWORD = "bench-password"
ADMIN = "B0001"
EVENT_TITLE = "读书节现场服务"
# (title, location, capacity, self-cancel deadline in hours, waitlist mode)
TASKS = (
    ("读书节入口引导", "总馆北门", 3, 2, "automatic"),
    ("读书节签售会秩序", "总馆报告厅", 8, 2, "automatic"),
    ("读书节书市理货", "总馆广场", 20, 0, "automatic"),
    ("读书节展览讲解", "总馆二楼展厅", 5, 1, "offer"),
)
# Shifts of each task: hours from now (later today), then days ahead.
SHIFT_HOURS = (4, 7)
SHIFT_DAYS = (1, 2, 3, 5, 6)
MIX = (("browse", 60), ("boards", 15), ("signup", 10), ("checkin", 10), ("home", 5))
KIOSK_EVERY = 5.0
CODE_SECONDS = 30  # CHECKIN_CODE_SECONDS of the served app
FLASH = re.compile(r'<div class="alert alert-(\w+)" role="alert">(.*?)</div>', re.S)
OUTCOME = re.compile(r'data-outcome="(\w*)" data-reason="(\w*)"')
NONCE = re.compile(r'name="nonce"[^>]*value="([^"]+)"')


@dataclass
class Settings:
    people: int = int(os.environ.get("BENCH_EVENTDAY_PEOPLE", "1000"))
    seconds: float = float(os.environ.get("BENCH_EVENTDAY_SECONDS", "300"))
    clients: int = int(os.environ.get("BENCH_CLIENTS", "64"))
    workers: int = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
    threads: int = int(os.environ.get("BENCH_THREADS", "2"))
    jobs_every: float = float(os.environ.get("BENCH_EVENTDAY_JOBS_EVERY", "60"))
    demo: bool = os.environ.get("BENCH_EVENTDAY_DEMO", "1") != "0"
    seed: int = 13


@dataclass
class Setup:
    """What the clients and the checks need to know about the built database."""

    event_id: int
    team_id: int
    task_ids: list[int]
    colleges: dict[str, int]  # login -> college id
    on_event: set[str]
    today: date


def login_of(n: int) -> str:
    return f"2032{n:06d}"


# Building the day -----------------------------------------------------------------------------


def build(url: str, settings: Settings) -> Setup:
    from app.common.time import to_local, utcnow
    from app.demo import services as demo
    from app.extensions import db

    app = bench_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if settings.demo:
            demo.load_demo_data()
        now = utcnow().replace(microsecond=0)
        rng = random.Random(settings.seed)
        team_id, colleges = _people(settings.people)
        task_ids = _shifts(team_id, settings.people, now, rng)
        event_id, on_event = _event(team_id, settings.people, now)
        _history(team_id, settings.people, now)
        db.session.commit()
        db.engine.dispose()
        return Setup(event_id, team_id, task_ids, colleges, on_event, to_local(now).date())


def _people(count: int) -> tuple[int, dict[str, int]]:
    """The bench's admin (who runs the kiosk) and `count` onboarded volunteers of one team,
    spread over the colleges. Returns the team id and each volunteer's college."""
    from app.accounts import services as accounts
    from app.recruitment import membership
    from app.recruitment.teams import services as team_services

    colleges = [college.id for college in accounts.colleges()] or [
        accounts.get_or_create_college("BENCH", "压测学院").id
    ]
    shared = accounts.hash_password(PASSWORD)
    fields = accounts.PersonFields(student_number=ADMIN, name="活动日管理员", user_type="staff")
    accounts.create_person(
        fields, password="", password_hash=shared, roles=["admin"], must_change_password=False
    )
    team = team_services.create_team(name="读书节志愿者队", kind="volunteer_team", actor=None)
    where = {}
    for n in range(count):
        college = colleges[n % len(colleges)]
        person = accounts.create_person(
            accounts.PersonFields(
                student_number=login_of(n), name=f"志愿者{n}", college_id=college
            ),
            password="",
            password_hash=shared,
            roles=["volunteer"],
            must_change_password=False,
        )
        membership.join_team(team.id, person.id).onboarded = True
        where[login_of(n)] = college
    return team.id, where


def _shifts(team_id: int, people: int, now: datetime, rng: random.Random) -> list[int]:
    """The tasks and their shifts, each filled by random volunteers to between a third of
    its places and a few more than it has (so some are full with a waitlist)."""
    from app.accounts import services as accounts
    from app.errors import DomainError
    from app.extensions import db
    from app.shifts import eligibility, signups
    from app.shifts.models import Shift, Task

    task_ids = []
    for index, (title, location, capacity, deadline, mode) in enumerate(TASKS):
        task = Task(
            team_id=team_id,
            title=title,
            location=location,
            default_capacity=capacity,
            cancel_deadline_hours=deadline,
            waitlist_mode=mode,
            offer_hours=1,
        )
        db.session.add(task)
        db.session.flush()
        task_ids.append(task.id)
        starts = [now + timedelta(hours=h + index / 2) for h in SHIFT_HOURS]
        starts += [now + timedelta(days=d, hours=index * 3) for d in SHIFT_DAYS]
        for start in starts:
            shift = Shift(
                task_id=task.id,
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=capacity,
            )
            db.session.add(shift)
            db.session.flush()
            wanted = rng.randint(capacity // 3, capacity + 3)
            for n in rng.sample(range(people), min(wanted, people)):
                person = accounts.find_by_login(login_of(n))
                if eligibility.shift_eligibility(shift, person, now=now).ok:
                    try:
                        with db.session.begin_nested():
                            signups.sign_up(shift, person, now=now - timedelta(days=1))
                    except DomainError:  # an overlap with a shift they are on: skip them
                        continue
    return task_ids


def _event_task(team_id: int):
    from app.extensions import db
    from app.shifts.models import Task

    task = Task(
        team_id=team_id, title=EVENT_TITLE, location="总馆大厅", kind="event", default_capacity=10
    )
    db.session.add(task)
    db.session.flush()
    return task


def _event(team_id: int, people: int, now: datetime) -> tuple[int, set[str]]:
    """The event shift running now (started an hour ago, ends in two), with the first half
    of the volunteers signed up the day before."""
    from app.accounts import services as accounts
    from app.extensions import db
    from app.shifts import signups
    from app.shifts.models import Shift

    task = _event_task(team_id)
    signed = people // 2
    shift = Shift(
        task_id=task.id,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        capacity=max(signed, 1),
    )
    db.session.add(shift)
    db.session.flush()
    for n in range(signed):
        signups.sign_up(shift, accounts.find_by_login(login_of(n)), now=now - timedelta(days=1))
    return shift.id, {login_of(n) for n in range(signed)}


def _history(team_id: int, people: int, now: datetime) -> None:
    """Last week's event: 60% of the volunteers scanned in and out at its kiosk and the
    admin verified it; then the points job and the leaderboards, as every night."""
    from app.accounts import services as accounts
    from app.checkin import attendance_verification
    from app.demo.services import _attend
    from app.extensions import db
    from app.rewards import jobs
    from app.shifts import signups
    from app.shifts.models import Shift, Task

    task = db.session.scalar(db.select(Task).where(Task.title == EVENT_TITLE))
    start = now - timedelta(days=7)
    shift = Shift(
        task_id=task.id, starts_at=start, ends_at=start + timedelta(hours=3), capacity=people
    )
    db.session.add(shift)
    db.session.flush()
    for n in range(0, people, 5):
        for k in range(3):  # 3 of every 5
            if n + k < people:
                person = accounts.find_by_login(login_of(n + k))
                signups.sign_up(shift, person, now=start - timedelta(days=2))
                _attend(shift, person, early_minutes=5 + k)
    admin = accounts.find_by_login(ADMIN)
    attendance_verification.verify_on_time(
        shift, actor=admin, now=shift.ends_at + timedelta(hours=1)
    )
    jobs.award_points(now=now)
    jobs.build_leaderboards(now=now)


# The clients ---------------------------------------------------------------------------------


@dataclass
class Person:
    login: str
    session: requests.Session
    college_id: int
    on_event: bool
    state: str = "none"  # at the event: "none", "in" (checked in) or "out"


@dataclass
class Tally:
    """Every request's latency and verdict, by kind, shared by all clients."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)  # (kind, answer) other than plain ok
    samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, verdict: str) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if verdict.startswith("error"):
                self.errors[kind] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{kind}: {verdict}")
            elif verdict != "ok":
                self.answers[(kind, verdict)] += 1


def _page_ok(response: requests.Response) -> str:
    return "ok" if response.status_code == 200 else f"error: HTTP {response.status_code}"


def _stale(code: str) -> bool:
    """Whether the kiosk code had run out by now (it holds for its window and the next):
    on an overloaded machine the kiosk's poll and the scan may take that long."""
    window = int(code.split(".")[1])
    return int(time.time()) // CODE_SECONDS > window + 1


def _flash_verdict(response: requests.Response) -> str:
    """A sign-up form's answer: the message shown on the page it redirects to."""
    if response.status_code != 200 or not response.history:
        return f"error: HTTP {response.status_code} without the redirect back"
    found = FLASH.search(response.text)
    if found is None:
        return "error: no message on the page"
    category, message = found.groups()
    if category == "success":
        return "ok"
    if category == "info":
        return "waitlisted"
    return f"refused: {message.strip()[:60]}"


class Client:
    """One simulated user at a time: each action picks one of the client's people."""

    def __init__(self, base: str, people: list[Person], setup: Setup, tally: Tally, kiosk: dict):
        self.base = base
        self.people = people
        self.setup = setup
        self.tally = tally
        self.kiosk = kiosk  # {"code": the code the kiosk shows}, kept fresh by run_kiosk
        self.rng = random.Random(people[0].login if people else "none")
        self.actions = {
            "browse": self.browse,
            "boards": self.boards,
            "signup": self.signup,
            "checkin": self.checkin,
            "home": self.home,
        }

    def run(self, until: float) -> None:
        names = [name for name, _weight in MIX]
        weights = [weight for _name, weight in MIX]
        while time.monotonic() < until and self.people:
            self.actions[self.rng.choices(names, weights)[0]]()

    def request(
        self,
        kind: str,
        person: Person,
        method: str,
        path: str,
        judge: Callable[[requests.Response], str] = _page_ok,
        **options,
    ) -> tuple[requests.Response | None, str]:
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                response = person.session.request(method, self.base + path, timeout=60, **options)
                verdict = judge(response)
                break
            except requests.ConnectionError as error:
                response, verdict = None, f"error: {type(error).__name__}: {str(error)[:160]}"
                if method != "GET" or attempt == 2:
                    break
                # A reset connection before any answer: a browser sends a GET again.
                with self.tally.lock:
                    self.tally.answers[(kind, "connection reset, GET sent again")] += 1
            except requests.RequestException as error:
                response, verdict = None, f"error: {type(error).__name__}: {str(error)[:160]}"
                break
        self.tally.add(kind, (time.perf_counter() - start) * 1000, verdict)
        return response, verdict

    def browse(self) -> None:
        person = self.rng.choice(self.people)
        if self.rng.random() < 0.7:
            self.shift_list(person)
        else:
            self.request("my shifts", person, "GET", "/shifts/mine")

    def shift_list(self, person: Person) -> str:
        roll = self.rng.random()
        params = {}
        if roll < 0.2:
            params = {"task": self.rng.choice(self.setup.task_ids)}
        elif roll < 0.3:
            params = {"week": (self.setup.today + timedelta(days=1)).isoformat()}
        response, _verdict = self.request("shift list", person, "GET", "/shifts/", params=params)
        return response.text if response is not None else ""

    def boards(self) -> None:
        person = self.rng.choice(self.people)
        if self.rng.random() < 0.3:
            self.request("my points", person, "GET", "/achievements")
            return
        metric = self.rng.choice(("points", "points", "hours"))
        scope = self.rng.choice(
            ("all", f"college:{person.college_id}", f"team:{self.setup.team_id}")
        )
        period = self.rng.choice(("week", "month", "semester", "all"))
        query = {"metric": metric, "period": period, "scope": scope}
        self.request("leaderboard", person, "GET", "/leaderboards/", params=query)

    def signup(self) -> None:
        """What a volunteer does on the shift list: take an offered place, sign up for a
        shift (or its waitlist), or now and then cancel one of theirs."""
        person = self.rng.choice(self.people)
        page = self.shift_list(person)
        accept = re.findall(r'action="(/shifts/signups/\d+/accept)"', page)
        cancel = re.findall(r'action="(/shifts/signups/\d+/cancel)"', page)
        join = re.findall(r'action="(/shifts/\d+/signup)"', page)
        if accept:
            kind, path = "accept offer", self.rng.choice(accept)
        elif cancel and (not join or self.rng.random() < 0.35):
            kind, path = "cancel", self.rng.choice(cancel)
        elif join:
            kind, path = "sign up", self.rng.choice(join)
        else:
            return
        self.request(kind, person, "POST", path, _flash_verdict, data={"back": "index"})

    def checkin(self) -> None:
        """Someone at the event scans the kiosk's code, or taps check-out on the answer
        page; now and then someone not signed up scans too (and is refused)."""
        at_event = [p for p in self.people if p.on_event and p.state != "out"]
        if self.rng.random() < 0.05 or not at_event:
            others = [p for p in self.people if not p.on_event] or self.people
            self.scan(self.rng.choice(others))
            return
        person = self.rng.choice(at_event)
        page = self.scan(person)
        nonce = NONCE.search(page)  # the answer "already checked in" has the button
        if person.state == "in" and nonce and self.rng.random() < 0.5:
            self.check_out(person, nonce.group(1))

    def scan(self, person: Person) -> str:
        code = self.kiosk["code"]
        expected = {
            "none": {"checked_in"},
            "in": {"checked_in", "already_in"},
            "out": {"refused", "checked_in", "checked_out"},
            "not signed up": {"refused"},
        }[person.state if person.on_event else "not signed up"]

        def judge(response: requests.Response) -> str:
            answer = OUTCOME.search(response.text) if response.status_code == 200 else None
            if answer is None:
                return f"error: HTTP {response.status_code}, no answer"
            outcome, reason = answer.groups()
            if (outcome, reason) == ("refused", "expired") and _stale(code):
                return "refused: expired"
            if outcome not in expected:
                return f"error: {outcome} {reason} for someone {person.state}"
            if outcome == "refused":
                return f"refused: {reason}"
            return "ok" if outcome == "checked_in" else outcome

        response, verdict = self.request("check-in scan", person, "GET", f"/c/{code}", judge)
        if verdict in ("ok", "already_in") and person.on_event:
            person.state = "in"
        return response.text if response is not None else ""

    def check_out(self, person: Person, nonce: str) -> None:
        def judge(response: requests.Response) -> str:
            answer = OUTCOME.search(response.text) if response.status_code == 200 else None
            if answer and answer.groups() == ("refused", "expired") and _stale(path[3:]):
                return "refused: expired"
            if answer is None or answer.group(1) != "checked_out":
                return f"error: {answer.groups() if answer else response.status_code}"
            return "ok"

        path = f"/c/{self.kiosk['code']}"
        _response, verdict = self.request(
            "check-out", person, "POST", path, judge, data={"nonce": nonce}
        )
        if verdict == "ok":
            person.state = "out"

    def home(self) -> None:
        person = self.rng.choice(self.people)
        if self.rng.random() < 0.6:
            self.request("home", person, "GET", "/")
        else:
            self.request("notifications", person, "GET", "/notifications/")


def run_kiosk(base: str, shift_id: int, tally: Tally, kiosk: dict, stop_at: float) -> None:
    """The kiosk screen: the admin's session reads the current code every few seconds."""
    session = log_in(base, ADMIN, PASSWORD)
    path = f"{base}/checkin/shifts/{shift_id}/kiosk.json"
    while time.monotonic() < stop_at:
        start = time.perf_counter()
        try:
            response = session.get(path, timeout=60)
            kiosk["code"] = response.json()["code"]
            verdict = _page_ok(response)
        except (requests.RequestException, ValueError, KeyError) as error:
            verdict = f"error: {type(error).__name__}"
        tally.add("kiosk code", (time.perf_counter() - start) * 1000, verdict)
        time.sleep(KIOSK_EVERY)


def run_jobs(url: str) -> None:
    """What the scheduler does during the day: the admin verifies the checked-out records
    of the event, then points are booked and the leaderboards rebuilt."""
    from sqlalchemy import select

    from app.accounts import services as accounts
    from app.checkin import attendance_verification
    from app.checkin.models import Attendance
    from app.common.time import utcnow
    from app.extensions import db
    from app.rewards import jobs

    with bench_app(url).app_context():
        admin = accounts.find_by_login(ADMIN)
        waiting = select(Attendance).where(
            Attendance.status == "out", Attendance.verified_at.is_(None)
        )
        for record in db.session.scalars(waiting).all():
            attendance_verification.verify(record, actor=admin)
        db.session.commit()
        jobs.award_points(now=utcnow())
        db.session.commit()
        jobs.build_leaderboards(now=utcnow())
        db.session.commit()
        db.engine.dispose()


def jobs_loop(url: str, every: float, tally: Tally, stop_at: float) -> None:
    while time.monotonic() + every < stop_at:
        time.sleep(every)
        timed_job(url, tally)


def timed_job(url: str, tally: Tally) -> None:
    start = time.perf_counter()
    try:
        run_jobs(url)
        verdict = "ok"
    except Exception as error:  # a failing job is an error of the run, reported as such
        verdict = f"error: {type(error).__name__}: {str(error)[:120]}"
    tally.add("jobs (in-process)", (time.perf_counter() - start) * 1000, verdict)


def drive(base: str, url: str, setup: Setup, settings: Settings) -> tuple[Tally, float, list]:
    """Log everyone in, then run the mix; returns the tally, the seconds it ran and the
    people (with what each was told about their check-in)."""
    logins = [login_of(n) for n in range(settings.people)]
    with ThreadPoolExecutor(max_workers=settings.clients) as pool:
        sessions = list(pool.map(lambda login: log_in(base, login, PASSWORD), logins))
    for session in sessions:  # a new connection each time: no race with the keep-alive timeout
        session.headers["Connection"] = "close"
    print(f"{len(sessions)} people logged in", flush=True)
    people = [
        Person(login, session, setup.colleges[login], login in setup.on_event)
        for login, session in zip(logins, sessions, strict=True)
    ]
    tally = Tally()
    kiosk: dict = {}
    clients = [
        Client(base, people[k :: settings.clients], setup, tally, kiosk)
        for k in range(settings.clients)
    ]
    started = time.monotonic()
    stop_at = started + settings.seconds
    side = [
        threading.Thread(target=run_kiosk, args=(base, setup.event_id, tally, kiosk, stop_at)),
        threading.Thread(target=jobs_loop, args=(url, settings.jobs_every, tally, stop_at)),
    ]
    for thread in side:
        thread.start()
    while "code" not in kiosk:
        time.sleep(0.05)
    with ThreadPoolExecutor(max_workers=settings.clients) as pool:
        list(pool.map(lambda client: client.run(stop_at), clients))
    seconds = time.monotonic() - started
    for thread in side:
        thread.join()
    timed_job(url, tally)  # the last run, so that the checks see everything booked
    return tally, seconds, people


# The checks ----------------------------------------------------------------------------------


def check_shifts() -> list[str]:
    """Places, sign-ups and waitlists of every shift."""
    from sqlalchemy import func, select

    from app.common.time import utcnow
    from app.extensions import db
    from app.shifts import signups
    from app.shifts.models import Shift, ShiftSignup

    problems = []
    holding = dict(
        db.session.execute(
            select(ShiftSignup.shift_id, func.count())
            .where(ShiftSignup.status.in_(signups.HOLDING_STATUSES))
            .group_by(ShiftSignup.shift_id)
        ).all()
    )
    for shift in db.session.scalars(select(Shift)):
        if shift.confirmed_count > shift.capacity:
            problems.append(f"shift {shift.id}: {shift.confirmed_count} of {shift.capacity}")
        if shift.confirmed_count != holding.get(shift.id, 0):
            problems.append(
                f"shift {shift.id}: count {shift.confirmed_count}, "
                f"{holding.get(shift.id, 0)} holding a place"
            )
        waiting = list(
            db.session.scalars(
                select(ShiftSignup)
                .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status == "waitlisted")
                .order_by(ShiftSignup.ticket)
            )
        )
        if waiting and shift.starts_at > utcnow() and shift.confirmed_count < shift.capacity:
            problems.append(f"shift {shift.id}: {len(waiting)} waiting behind a free place")
        positions = [signups.waitlist_position(signup) for signup in waiting]
        if positions != list(range(1, len(waiting) + 1)):
            problems.append(f"shift {shift.id}: waitlist positions {positions}")
    for pair, column in (("person", ShiftSignup.user_id), ("ticket", ShiftSignup.ticket)):
        twice = db.session.execute(
            select(ShiftSignup.shift_id, column)
            .group_by(ShiftSignup.shift_id, column)
            .having(func.count() > 1)
        ).all()
        if twice:
            problems.append(f"{len(twice)} shifts hold a {pair} twice")
    return problems


def check_attendance(event_id: int, people: list[Person]) -> list[str]:
    """The event's records against what each client was told, and the scan log."""
    from sqlalchemy import select

    from app.checkin import hours
    from app.checkin.models import Attendance
    from app.extensions import db
    from app.shifts.models import Shift, ShiftSignup

    problems = []
    shift = db.session.get(Shift, event_id)
    records = list(db.session.scalars(select(Attendance).where(Attendance.shift_id == event_id)))
    by_login = {record.user.student_number: record for record in records}
    if len(by_login) != len(records):
        problems.append("a person has two attendance records")
    told = {p.login: p.state for p in people if p.state != "none"}
    held = {login: record.status for login, record in by_login.items()}
    if told != held:
        wrong = sorted(set(told.items()) ^ set(held.items()))[:5]
        problems.append(f"records differ from the answers given, e.g. {wrong}")
    for record in records:
        signup = db.session.get(ShiftSignup, record.signup_id) if record.signup_id else None
        if signup is None or signup.user_id != record.user_id or signup.status != "confirmed":
            problems.append(f"record {record.id} has no confirmed sign-up of its own")
        if record.status == "out":
            expected = hours.credited_minutes(shift, record.checked_in_at, record.checked_out_at)
            if record.checked_out_at < record.checked_in_at or record.scan_minutes != expected:
                problems.append(f"record {record.id}: out before in, or not {expected} min")
    accepted = accepted_scans(event_id)
    outs = sum(record.status == "out" for record in records)
    if accepted.get("check_in", 0) != len(records) or accepted.get("check_out", 0) != outs:
        problems.append(f"accepted scans {accepted}, records {len(records)} ({outs} out)")
    return problems


def check_ledger() -> list[str]:
    """One booked entry per verified record, worth its hours; the points job books
    nothing more when run again; each stored board equals the board the ledger gives."""
    from sqlalchemy import select

    from app.checkin.models import Attendance
    from app.common.time import utcnow
    from app.extensions import db
    from app.rewards import board_building, boards, points
    from app.rewards.models import LeaderboardEntry
    from app.shifts.models import Shift

    problems = []
    rule = points.rule_points(points.VERIFIED_HOUR)
    verified = db.session.execute(
        select(Attendance, Shift).join(Shift).where(Attendance.verified_at.is_not(None))
    ).all()
    for record, shift in verified:
        entry = points.entry_for_key(points.attendance_key(record))
        worth = points.hour_points(record.total_minutes, rule.points, shift.task.points_multiplier)
        if worth and (entry is None or entry.points != worth or points.is_reversed(entry)):
            problems.append(f"attendance {record.id}: entry {entry and entry.points}, not {worth}")
    again = points.award_pending(now=utcnow())
    if any(again.values()):
        problems.append(f"the points job booked more on a second run: {again}")
    db.session.rollback()
    hidden = board_building.hidden_ids()
    for metric in ("points", "hours"):
        for name in boards.PERIODS[metric]:
            period = boards.period_for(name, utcnow())
            want = [
                (user_id, value)
                for _rank, (user_id, value, _at) in board_building.ranked(
                    board_building.STANDINGS[metric](period), hidden
                )
            ]
            stored = db.session.execute(
                select(LeaderboardEntry.user_id, LeaderboardEntry.value)
                .where(LeaderboardEntry.metric == metric, LeaderboardEntry.period == period.key)
                .order_by(*boards.ORDER)
            ).all()
            if sorted(want) != sorted(tuple(row) for row in stored):
                problems.append(f"the {metric} board of {period.key} differs from the ledger")
            if (metric, name) == ("points", "all"):
                off = [row for row in stored if points.balance(row.user_id) != row.value]
                if off:
                    problems.append(f"{len(off)} balances differ from the all-time board")
    return problems


def check(url: str, setup: Setup, people: list[Person]) -> dict[str, list[str]]:
    app = bench_app(url)
    with app.app_context():
        from app.extensions import db

        found = {
            "shifts: capacity, one sign-up each, waitlist order": check_shifts(),
            "attendance: one each, as answered, hours, scan log": check_attendance(
                setup.event_id, people
            ),
            "ledger and leaderboards": check_ledger(),
        }
        db.engine.dispose()
    return found


# The report ----------------------------------------------------------------------------------


def report(url: str, settings: Settings, day: Day) -> None:
    tally, seconds, checks = day.tally, day.seconds, day.checks
    print(
        f"\nEvent day under load: {settings.people} volunteers, {settings.clients} clients, "
        f"{seconds:.0f} s, gunicorn {settings.workers} workers × {settings.threads} threads, "
        f"database {url.split(':')[0]}"
    )
    # Other work on the machine slows the server: the 5-minute load average tells how busy
    # it was while the mix ran (2 cores: anything above 2 means waiting for a core).
    print("load average (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
    header = ("requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "refused", "errors")
    print(f"{'request':<20}" + "".join(f"{column:>9}" for column in header))
    refused = Counter()
    for (kind, answer), count in tally.answers.items():
        if answer.startswith("refused"):
            refused[kind] += count
    everything = []
    for kind in sorted(tally.latencies, key=lambda k: -len(tally.latencies[k])):
        latencies = tally.latencies[kind]
        if not kind.startswith("jobs"):
            everything += latencies
        _row(Phase.of(kind, latencies, seconds, tally.errors[kind]), refused[kind])
    web_errors = sum(count for kind, count in tally.errors.items() if not kind.startswith("jobs"))
    _row(Phase.of("total (web)", everything, seconds, web_errors), sum(refused.values()))
    if tally.answers:
        print("answers other than plain success (correct outcomes, not errors):")
        for (kind, answer), count in sorted(tally.answers.items()):
            print(f"  {kind:<16}{count:>7}  {answer}")
    for sample in tally.samples:
        print(f"  ERROR {sample}")
    errors = sum(tally.errors.values())
    print(f"{'check':<56}ok")
    print(f"{'no errors':<56}{'yes' if not errors else f'NO ({errors})'}")
    for name, problems in checks.items():
        print(f"{name:<56}{'yes' if not problems else 'NO'}")
        for problem in problems[:10]:
            print(f"    {problem}")


def _row(phase: Phase, refused: int) -> None:
    print(
        f"{phase.name:<20}{phase.requests:>9}{phase.rate:>9.1f}{phase.p50:>9.1f}"
        f"{phase.p90:>9.1f}{phase.p99:>9.1f}{refused:>9}{phase.failures:>9}"
    )


@dataclass
class Day:
    """What one run found: every request's verdict, how long the mix ran, the checks."""

    tally: Tally
    seconds: float
    checks: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not sum(self.tally.errors.values()) and not any(self.checks.values())


def run_day(url: str, settings: Settings) -> Day:
    """Build, serve, drive and check one database."""
    started = time.perf_counter()

    def say(what: str) -> None:
        print(f"{time.perf_counter() - started:6.1f} s  {what}", flush=True)

    setup = build(url, settings)
    say("event day built")
    port = free_port()
    server = serve(url, port, workers=settings.workers, threads=settings.threads)
    say("gunicorn serving")
    try:
        tally, seconds, people = drive(f"http://127.0.0.1:{port}", url, setup, settings)
    finally:
        stop(server)
    say("mix run, last jobs run")
    checks = check(url, setup, people)
    say("data checked")
    return Day(tally, seconds, checks)


def measure(url: str, settings: Settings | None = None) -> bool:
    """Run the day on one database and print the report; True when all is well."""
    settings = settings or Settings()
    day = run_day(url, settings)
    report(url, settings, day)
    return day.ok


def main() -> int:
    return on_both_databases(measure, "eventday")


if __name__ == "__main__":
    sys.exit(main())
