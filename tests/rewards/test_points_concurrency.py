"""Exactly-once points when the awarding job runs twice at the same moment: in threads of
one process, and in two processes (the suite's SQLite file, or PostgreSQL when
TEST_DATABASE_URL names one)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.rewards import points
from app.rewards.models import PointEntry
from config import TestConfig
from tests.helpers import race
from tests.rewards import rewards_data as data

PEOPLE = 6
RUNS = 4
NOW = data.START + timedelta(days=1)


def world() -> list[int]:
    """PEOPLE members, each with two verified shifts of 1 h and 2 h, a training and a
    no-show; committed. Each ends with 10 + 20 + 20 - 10 = 40 points."""
    data.rules()
    place = data.place()
    people = [data.member(place) for _ in range(PEOPLE)]
    first = data.shift(place, hours=1, capacity=PEOPLE)
    second = data.shift(place, start=data.START + timedelta(days=1), hours=2, capacity=PEOPLE)
    missed = data.shift(place, start=data.START + timedelta(days=2), capacity=PEOPLE)
    for person in people:
        data.verified(first, person)
        data.verified(second, person)
        data.trained(place, person)
        data.no_show(missed, person)
    _db.session.commit()
    return [person.id for person in people]


def assert_booked_once(people: list[int]) -> None:
    _db.session.expire_all()
    keys = list(_db.session.scalars(select(PointEntry.idempotency_key)))
    assert len(keys) == PEOPLE * 4
    assert [key for key, count in Counter(keys).items() if count > 1] == []
    for user_id in people:
        total = _db.session.scalar(
            select(func.sum(PointEntry.points)).where(PointEntry.user_id == user_id)
        )
        assert points.balance(user_id) == total == 40


def test_the_job_in_several_threads_at_once_books_each_entry_once(app, db):
    people = world()
    outcomes = race(app, lambda _n: points.award_pending(now=NOW), list(range(RUNS)))
    assert outcomes == ["ok"] * RUNS, outcomes
    assert_booked_once(people)


def _run_in_process(url: str, barrier) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        barrier.wait()
        points.award_pending(now=NOW)
        _db.session.commit()


def test_the_job_in_two_processes_at_once_books_each_entry_once(app, db):
    people = world()
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    processes = [context.Process(target=_run_in_process, args=(url, barrier)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0]
    assert_booked_once(people)
