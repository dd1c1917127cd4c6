"""The campus generator (`bench.campus_data`) writes in bulk what the services would write:
its rows agree with each other and with the mix it prints, on SQLite and on the test
PostgreSQL database (TEST_DATABASE_URL), and the same size gives the same rows."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import College, LoginDay, User
from app.checkin.models import Attendance
from app.columns.models import Contribution
from app.extensions import db
from app.recruitment.models import Membership
from app.rewards.models import LibraryUse, PointEntry
from app.shifts.models import Shift, Task
from bench import campus_data
from bench.common import bench_app
from tests.conftest import worker_database

PEOPLE = 300
NOW = datetime(2026, 11, 20, 8, 30)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    server = os.environ.get("TEST_DATABASE_URL")
    # A database of its own: the test database is emptied after each test.
    url = (
        worker_database(server, "campus_data")
        if server
        else (f"sqlite:///{tmp_path_factory.mktemp('campus') / 'campus.sqlite'}")
    )
    app = bench_app(url)
    return app, campus_data.build(app, PEOPLE, NOW)


@pytest.fixture
def campus(built):
    """The built campus, with its app's context pushed for the test."""
    app, campus = built
    with app.app_context():
        yield campus
        db.session.remove()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_mix_printed_is_the_data_written(campus):
    mix = campus.mix

    assert _count(User) == PEOPLE == len(mix.per_person)
    assert _count(LoginDay) == mix.events["login"]
    assert _count(LibraryUse) == mix.events["reading"]
    assert _count(Attendance) == mix.events["service"]
    assert _count(Contribution) == mix.events["contribution"]
    assert _count(PointEntry) == mix.points
    per_college = db.session.execute(
        select(College.name, func.count(User.id)).join(User).group_by(College.name)
    ).all()
    assert dict(per_college) == {name: n for name, n in mix.per_college.items() if n}


def test_points_for_hours_add_up_to_the_verified_minutes(campus):
    minutes = dict(
        db.session.execute(
            select(Attendance.user_id, func.sum(Attendance.scan_minutes * 10 / 60)).group_by(
                Attendance.user_id
            )
        ).all()
    )
    hours_points = dict(
        db.session.execute(
            select(PointEntry.user_id, func.sum(PointEntry.points))
            .where(PointEntry.kind == "hours")
            .group_by(PointEntry.user_id)
        ).all()
    )
    contributions = Counter(db.session.scalars(select(Contribution.author_id)))
    for_contributions = dict(
        db.session.execute(
            select(PointEntry.user_id, func.count())
            .where(PointEntry.kind == "contribution")
            .group_by(PointEntry.user_id)
        ).all()
    )

    assert minutes and {k: int(v) for k, v in minutes.items()} == hours_points
    assert for_contributions == dict(contributions)


def test_every_attendance_is_on_a_shift_of_a_team_the_person_is_in(campus):
    strays = db.session.scalar(
        select(func.count())
        .select_from(Attendance)
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .outerjoin(
            Membership,
            (Membership.team_id == Task.team_id) & (Membership.user_id == Attendance.user_id),
        )
        .where((Membership.id.is_(None)) | (Membership.status != "active"))
    )
    unverified = db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.verified_at.is_(None))
    )

    assert strays == 0 and unverified == 0


def test_columns_left_out_get_the_defaults_an_insert_would_give(campus):
    person = db.session.get(User, 2)
    flags = set(db.session.execute(select(Attendance.late, Attendance.corrected)).all())

    assert person.active is True and person.locale == "zh" and person.created_at is not None
    assert flags == {(False, False)}
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_the_same_size_writes_the_same_rows(campus, tmp_path):
    def rows(app):
        """Each table's rows, but the password hash (salted anew on each build)."""
        with app.app_context():
            found = [
                db.session.execute(
                    select(
                        *(c for c in model.__table__.columns if c.name != "password_hash")
                    ).order_by(model.id)
                ).all()
                for model in (User, Membership, Attendance, PointEntry, LibraryUse)
            ]
            db.session.remove()
            return found

    again = bench_app(f"sqlite:///{tmp_path / 'again.sqlite'}")
    campus_data.build(again, PEOPLE, NOW)
    first = rows(again)
    campus_data.build(again, PEOPLE, NOW)

    assert rows(again) == first
    assert len(first[0]) == PEOPLE and first[2]  # people, and their verified hours


def test_a_day_added_after_the_build_lands_in_the_ledger(campus):
    before = _count(PointEntry)

    added = campus_data.add_a_day(NOW, share=0.1)

    assert added > 0 and _count(PointEntry) == before + added
    assert db.session.execute(text("SELECT 1")).scalar() == 1
