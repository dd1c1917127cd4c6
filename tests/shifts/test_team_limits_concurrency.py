"""One person signing up for several of a team's shifts at once (on different tasks) stays
within the team's limit: real threads against the suite's SQLite file, or PostgreSQL when
TEST_DATABASE_URL names one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.shifts import signups
from app.shifts.models import ShiftSignup
from tests.helpers import race
from tests.shifts import signup_data as data


def test_one_person_signing_up_for_many_of_a_teams_shifts_at_once_stays_within_its_limit(app, db):
    team = data.team()
    team.max_future = 2
    tasks = [data.task(team) for _ in range(3)]
    person_id = data.member(team).id
    shift_ids = [data.shift(tasks[d % 3], starts_in=timedelta(days=d)).id for d in range(2, 8)]
    db.session.commit()

    def sign_up(shift_id: int) -> None:
        signups.sign_up(signups.get_shift(shift_id), accounts.get_person(person_id))

    outcomes = race(app, sign_up, shift_ids)
    assert outcomes.count("ok") == 2, outcomes
    assert all(o.startswith("LimitReached") for o in outcomes if o != "ok"), outcomes
    _db.session.expire_all()
    held = _db.session.scalars(select(ShiftSignup).where(ShiftSignup.user_id == person_id)).all()
    assert len(held) == 2
