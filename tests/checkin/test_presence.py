"""Who counts as present: a person recorded as having completed a training, without a
scan, is present for every job that asks (no-shows, points, badges)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.rewards import badge_rules, points
from app.shifts import reliability, trainings
from tests.checkin import checkin_data
from tests.rewards import rewards_data as data

NOW = data.START + timedelta(days=1)  # the training ended the day before


@pytest.fixture
def training(db):
    """A training shift that ended yesterday, with two confirmed people; points rules with
    20 for a training and -5 for a no-show."""
    data.rules(training_completed=20, no_show=-5)
    place = data.place(kind="training", title="新志愿者培训")
    shift = data.shift(place, capacity=2)
    trained, absent = data.member(place, name="培训完成"), data.member(place, name="没来")
    data.signed_up(shift, trained)
    data.signed_up(shift, absent)
    db.session.commit()
    return place, shift, trained, absent


def test_a_training_completed_without_a_scan_is_no_no_show_and_costs_no_points(db, training):
    place, shift, trained, absent = training
    trainings.record_completion(shift, trained.id, actor=place.boss, now=shift.ends_at)

    assert reliability.mark_no_shows(now=NOW) == 1
    points.award_pending(now=NOW)
    db.session.commit()

    assert [s.user_id for s in reliability.reliability_summary(absent, now=NOW).no_shows] == [
        absent.id
    ]
    assert reliability.reliability_summary(trained, now=NOW).clean
    assert points.balance(trained.id) == 20
    assert points.balance(absent.id) == -5


def test_a_training_recorded_after_the_no_show_withdraws_it_and_its_penalty(db, training):
    place, shift, trained, _absent = training
    assert reliability.mark_no_shows(now=NOW) == 2
    points.award_pending(now=NOW)
    assert points.balance(trained.id) == -5

    trainings.record_completion(shift, trained.id, actor=place.boss, now=NOW)
    reliability.mark_no_shows(now=NOW + timedelta(minutes=15))
    points.award_pending(now=NOW + timedelta(minutes=15))
    db.session.commit()

    assert reliability.reliability_summary(trained, now=NOW).clean
    assert points.balance(trained.id) == 20


def test_a_completed_training_counts_as_a_shift_for_badges(db, training):
    place, shift, trained, absent = training
    trainings.record_completion(shift, trained.id, actor=place.boss, now=shift.ends_at)
    worked = checkin_data.shift(
        data.place(name="另一队").task, starts_in=timedelta(days=7), now=shift.starts_at
    )
    data.verified(worked, trained)
    db.session.commit()

    assert badge_rules.ShiftsRule().values(None) == {trained.id: 2}
    assert badge_rules.StreakRule().values(None) == {trained.id: 2}
    assert absent.id not in badge_rules.ShiftsRule().values(None)
