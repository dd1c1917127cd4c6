"""Two volunteers sign up for the same series at the same moment, every shift with one
place left: each place is taken exactly once (the suite's SQLite file, or PostgreSQL when
TEST_DATABASE_URL names one)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.shifts import series_signups, signups
from app.shifts.models import Shift, ShiftSeries, ShiftSignup
from tests.helpers import race
from tests.shifts import series_data
from tests.shifts import signup_data as data


def test_two_people_signing_up_for_a_series_at_once_take_each_last_place_once(app, db):
    team = data.team()
    series, shifts = series_data.series(data.task(team), weeks=4, capacity=2)
    for shift in shifts:
        signups.sign_up(shift, data.member(team))  # one place left on each
    people = [data.member(team).id, data.member(team).id]
    series_id, shift_ids = series.id, [shift.id for shift in shifts]
    db.session.commit()

    def sign_up(user_id: int) -> None:
        series_signups.sign_up_series(
            _db.session.get(ShiftSeries, series_id), accounts.get_person(user_id)
        )

    assert race(app, sign_up, people) == ["ok", "ok"]

    _db.session.expire_all()
    for shift_id in shift_ids:
        assert _db.session.get(Shift, shift_id).confirmed_count == 2
        statuses = sorted(
            _db.session.scalars(
                select(ShiftSignup.status).where(
                    ShiftSignup.shift_id == shift_id, ShiftSignup.user_id.in_(people)
                )
            )
        )
        assert statuses == ["confirmed", "waitlisted"]
