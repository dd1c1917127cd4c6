"""The web keeps answering while the nightly jobs run: the engagement scoring and the badge
evaluation over a few thousand people, with a small JOB_WRITE_CHUNK so that their writes
really come in many short transactions, while other threads log in, sign up and check in
through the test client. The jobs run in a process of their own, as the scheduler runs
them beside the web (threads of one process would measure the GIL). No request answers
5xx and none waits two seconds or more for the database's write lock (a bound on lock
waits, not a speed target). The suite's SQLite file, or PostgreSQL
when TEST_DATABASE_URL names one."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import func, insert, select

from app.accounts import services as accounts
from app.accounts.models import LoginDay, User
from app.checkin import tokens
from app.checkin.models import Attendance
from app.common.db import watch_write_locks
from app.common.time import local_day, utcnow
from app.engagement.models import EngagementDay, EngagementScore
from app.extensions import db as _db
from app.rewards.models import BadgeAward
from tests import factories
from tests.checkin import checkin_data as data
from tests.jobs.test_processes import ROOT, child_env

PEOPLE = 3000
SERVING = 5  # every fifth person served six weekly shifts: three badges each
CHUNK = 100
WAIT_LIMIT = 2.0
WEB_PEOPLE = 40
JOBS = ("engagement.score_everyone", "rewards.evaluate_badges")


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), 2000):
        _db.session.execute(insert(model.__table__), rows[start : start + 2000])
    _db.session.commit()


def _campus(now) -> list[int]:
    """PEOPLE people with login days over the last weeks; every SERVING-th served six
    verified two-hour weekly shifts of a team. Returns their ids."""
    shared = accounts.hash_password(factories.PASSWORD)
    _bulk(
        User,
        [
            {
                "student_number": f"2077{n:06d}",
                "name": f"校园{n}",
                "password_hash": shared,
                "session_token": secrets.token_hex(16),
                "created_at": now - timedelta(days=400),
            }
            for n in range(PEOPLE)
        ],
    )
    ids = list(_db.session.scalars(select(User.id).where(User.student_number.like("2077%"))))
    today = local_day(now)
    _bulk(
        LoginDay,
        [
            {"user_id": user_id, "day": today - timedelta(days=3 * k + user_id % 3)}
            for user_id in ids
            for k in range(6)
        ],
    )
    team = data.team()
    task = data.task(team)
    past = [
        data.shift(task, starts_in=timedelta(days=-7 * k - 2), capacity=PEOPLE) for k in range(6)
    ]
    _db.session.commit()
    _bulk(
        Attendance,
        [
            {
                "shift_id": shift.id,
                "user_id": user_id,
                "walk_in": True,
                "status": "out",
                "checked_in_at": shift.starts_at,
                "checked_out_at": shift.starts_at + timedelta(hours=2),
                "check_in_method": "kiosk",
                "check_out_method": "kiosk",
                "scan_minutes": 120,
                "added_minutes": 0,
                "verified_at": shift.starts_at + timedelta(hours=3),
                "created_at": shift.starts_at,
            }
            for shift in past
            for user_id in ids[::SERVING]
        ],
    )
    return ids


def _web_world():
    """A team with a shift to sign up for and one opening now, its members signed up."""
    team = data.team()
    task = data.task(team)
    later = data.shift(task, starts_in=timedelta(days=3), capacity=WEB_PEOPLE)
    now_shift = data.shift(task, starts_in=timedelta(minutes=10), capacity=WEB_PEOPLE)
    joiners, scanners = [], []
    for _ in range(WEB_PEOPLE):
        joiners.append(data.member(team).student_number)
        scanner = data.member(team)
        data.signed_up(now_shift, scanner)
        scanners.append(scanner.student_number)
    _db.session.commit()
    return later.id, now_shift.id, joiners, scanners


def test_logins_signups_and_check_ins_answer_while_the_nightly_jobs_write(app, db):
    now = utcnow().replace(microsecond=0)
    campus = _campus(now)
    later_id, now_id, joiners, scanners = _web_world()
    code = tokens.kiosk_code(now_id, now=utcnow())
    answers: list[tuple[str, int, float, bool]] = []  # (what, status, seconds, during the jobs)
    env = child_env(app, JOB_WRITE_CHUNK=str(CHUNK))
    command = [sys.executable, "-m", "tests.jobs.nightly_worker", env["TEST_DATABASE_URL"], *JOBS]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)

    def timed(what: str, call) -> None:
        started = time.perf_counter()
        response = call()
        seconds = time.perf_counter() - started
        answers.append((what, response.status_code, seconds, worker.poll() is None))

    def login(client, number: str) -> None:
        form = {"identifier": number, "password": factories.PASSWORD}
        timed("login", lambda: client.post("/login", data=form))

    def volunteers() -> None:
        for joining, scanning in zip(joiners, scanners, strict=True):
            joiner = app.test_client()
            login(joiner, joining)
            timed("signup", lambda c=joiner: c.post(f"/shifts/{later_id}/signup", data={}))
            scanner = app.test_client()
            login(scanner, scanning)
            timed("checkin", lambda c=scanner: c.get(f"/c/{code}"))

    def readers() -> None:
        for n in range(PEOPLE):
            if worker.poll() is not None:
                return
            login(app.test_client(), f"2077{n:06d}")

    try:
        assert worker.stdout.readline().strip() == "started"
        watching = watch_write_locks()
        web = watching.__enter__()
        threads = [threading.Thread(target=volunteers), threading.Thread(target=readers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        outcome = json.loads(worker.communicate(timeout=300)[0])
        watching.__exit__(None, None, None)
    finally:
        if worker.poll() is None:
            worker.kill()

    longest = outcome.pop("longest_write")
    assert outcome == {job_id: ["succeeded", None] for job_id in JOBS}
    failed = [(what, status) for what, status, _s, _d in answers if status >= 500]
    assert failed == [], longest
    # The web's writes waited for the lock less than WAIT_LIMIT; each request's whole time
    # is shown on failure (on a loaded machine it is mostly waiting for a processor).
    slowest = sorted((round(s, 2), what) for what, _st, s, _d in answers)[-5:]
    assert web.longest_wait < WAIT_LIMIT, (web.longest_wait, slowest, longest)
    during = {what for what, _st, _s, while_running in answers if while_running}
    assert during == {"login", "signup", "checkin"}
    assert {status for what, status, _s, _d in answers if what == "login"} == {302}
    # The jobs did their whole work: everyone scored, and three badges for each who served
    # (five shifts, ten hours, four weeks in a row).
    _db.session.expire_all()
    day = local_day(utcnow())
    people = _db.session.get(EngagementDay, day).people
    assert people >= PEOPLE
    scored = select(func.count(EngagementScore.id)).where(EngagementScore.day == day)
    assert _db.session.scalar(scored) == people
    awards = select(func.count(BadgeAward.id)).where(BadgeAward.user_id.in_(campus))
    assert _db.session.scalar(awards) == 3 * len(campus[::SERVING])
