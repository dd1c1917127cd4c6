"""Demo data loads once, covers every role, and its printed logins work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import ROLES, College, User, UserRole
from app.demo import services as demo
from tests.helpers import built_once, kept_session


@pytest.fixture(scope="module")
def loads(app) -> Iterator[tuple[str, str]]:
    """The demo loaded once for the module (it takes seconds), then loaded again: what each
    load printed. The tests only read what it left."""
    runner = app.test_cli_runner()

    def load_twice() -> tuple[str, str]:
        first = runner.invoke(args=["demo", "load"]).output
        return first, runner.invoke(args=["demo", "load"]).output

    yield from built_once(app, load_twice)


@pytest.fixture(autouse=True)
def db(app, loads):
    yield from kept_session(app)


def test_demo_data_loads_once_with_every_role(db, loads):
    first, second = loads
    assert "200" in first
    assert "nothing changed" in second
    assert db.session.scalar(select(func.count(User.id))) == 200
    roles = set(db.session.scalars(select(UserRole.role).distinct()))
    assert roles == set(ROLES)
    assert db.session.scalar(select(func.count(College.id))) >= 10
    numbers = list(db.session.scalars(select(User.student_number)))
    assert len(numbers) == len(set(numbers))


def test_printed_demo_logins_work(db, runner):
    output = runner.invoke(args=["demo", "logins"]).output
    for login, password, _label in demo.demo_logins():
        assert login in output
        assert accounts.authenticate(login, password).student_number == login


def test_demo_has_credit_records_and_a_batch_to_approve(db):
    from app.common.semesters import current_semester
    from app.common.time import utcnow
    from app.credits.models import CreditBatch, CreditRecord

    volunteer = accounts.find_by_login("2023141001")
    records = list(
        db.session.scalars(select(CreditRecord).where(CreditRecord.user_id == volunteer.id))
    )
    assert sum(record.minutes for record in records) >= 3 * 180
    this_semester = current_semester(utcnow()).code
    if any(record.semester == this_semester for record in records):
        batch = db.session.scalar(select(CreditBatch))
        assert batch.status == "draft" and batch.semester == this_semester


@pytest.mark.parametrize(
    ("local_now", "start", "end"),
    [
        ("2026-12-07 10:00", "09:40", "13:00"),
        ("2026-12-07 21:35", "21:15", "23:59"),
        ("2026-12-07 00:05", "00:00", "03:05"),
    ],
)
def test_the_reading_festival_is_under_way_whatever_the_hour(local_now, start, end):
    hours = demo.under_way_today(datetime.fromisoformat(local_now))
    assert hours == (time.fromisoformat(start), time.fromisoformat(end))
    assert demo.under_way_today(datetime.fromisoformat("2026-12-07 23:59")) is None
