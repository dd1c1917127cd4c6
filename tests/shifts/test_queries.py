"""The shared shift reads."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db as _db
from app.shifts import signups
from app.shifts.models import Shift
from app.shifts.queries import signups_of
from tests.shifts import signup_data as data


def test_signups_of_holds_only_the_persons_signups_and_filters_by_shift(db):
    team = data.team()
    task = data.task(team)
    soon = data.shift(task, starts_in=timedelta(days=1))
    later = data.shift(task, starts_in=timedelta(days=5))
    person, other = data.member(team), data.member(team)
    mine = [signups.sign_up(shift, person) for shift in (soon, later)]
    signups.sign_up(soon, other)

    everything = _db.session.scalars(signups_of(person.id).order_by(Shift.starts_at)).all()
    only_later = _db.session.scalars(
        signups_of(person.id).where(Shift.starts_at > soon.starts_at)
    ).all()

    assert everything == mine
    assert only_later == [mine[1]]
