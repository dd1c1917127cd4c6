"""Completing a training shift records the training and onboards the team's members."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.time import utcnow
from app.errors import Forbidden, InvalidInput
from app.recruitment import membership, profiles
from app.shifts import signups, trainings
from tests.shifts import signup_data as data


@pytest.fixture
def onboarding(db, admin):
    team = data.team()
    training = data.task(team, title="岗前培训", kind="training", is_onboarding=True)
    shift = data.shift(training, starts_in=timedelta(hours=1), capacity=5)
    newcomer = data.member(team, onboarded=False)
    signups.sign_up(shift, newcomer, now=utcnow())
    db.session.commit()
    return team, shift, newcomer


def test_completing_an_onboarding_training_records_it_and_onboards(db, admin, onboarding):
    team, shift, newcomer = onboarding
    later = utcnow() + timedelta(hours=2)
    assert trainings.complete_training_shift(shift, actor=admin, now=later) == 1
    assert trainings.complete_training_shift(shift, actor=admin, now=later) == 0
    db.session.commit()
    assert membership.find_membership(team.id, newcomer.id).onboarded
    completed = profiles.trainings_completed(newcomer.id)
    assert [training.title for training in completed] == ["岗前培训"]


def test_a_training_cannot_be_completed_before_it_starts(db, admin, onboarding):
    _team, shift, _newcomer = onboarding
    with pytest.raises(InvalidInput):
        trainings.complete_training_shift(shift, actor=admin, now=utcnow())


def test_only_the_teams_coordinators_complete_a_training(db, onboarding):
    _team, shift, newcomer = onboarding
    with pytest.raises(Forbidden):
        trainings.complete_training_shift(shift, actor=newcomer, now=utcnow() + timedelta(hours=2))


def test_the_coordinator_marks_a_started_training_completed_on_the_shift_page(
    client, login, db, admin
):
    team = data.team()
    training = data.task(team, title="岗前培训", kind="training", is_onboarding=True)
    shift = data.shift(training, starts_in=timedelta(hours=-1), capacity=5)
    newcomer = data.member(team, onboarded=False)
    signups.assign(shift, newcomer, actor=admin, now=utcnow() - timedelta(hours=2))
    db.session.commit()
    login(newcomer)
    url = f"/tasks/shifts/{shift.id}/training-completed"
    assert client.post(url).status_code == 403
    client.post("/logout")
    login(admin)
    assert 'data-testid="complete-training"' in client.get(f"/tasks/shifts/{shift.id}").text
    client.post(url)
    db.session.expire_all()
    assert membership.find_membership(team.id, newcomer.id).onboarded
