"""A new member sees the way in: apply → accepted → book the training shift → trained,
each ticked or not, and the next step as the one button."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db as _db
from app.home import onboarding
from app.shifts import signups, trainings
from tests import factories
from tests.checkin import checkin_data
from tests.recruitment import recruiting


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def _team_with_training():
    team = checkin_data.team()
    team.requires_onboarding = True
    task = checkin_data.task(team, title="新志愿者培训", location="江安图书馆报告厅")
    task.kind, task.is_onboarding = "training", True
    later = checkin_data.shift(task, starts_in=timedelta(days=9))
    soon = checkin_data.shift(task, starts_in=timedelta(days=3))
    _db.session.flush()
    return team, later, soon


def _ticked(steps: onboarding.Onboarding) -> list[str]:
    return [step for step, _label, ticked in steps.steps() if ticked]


def test_a_volunteer_with_no_team_is_sent_to_the_open_campaign(db):
    campaign = recruiting.campaign(recruiting.team(), title="寒假图书整理招募")
    person = factories.person(roles=["volunteer"])

    steps = onboarding.onboarding_of(person)

    assert _ticked(steps) == []
    assert steps.next.url.endswith(f"/recruitment/campaigns/{campaign.id}")
    assert "寒假图书整理招募" in steps.next.text


def test_after_applying_the_next_step_is_to_wait_for_the_review(db):
    campaign = recruiting.campaign(recruiting.team(), title="寒假图书整理招募")
    person = factories.person(roles=["volunteer"])
    recruiting.apply(campaign, person)

    steps = onboarding.onboarding_of(person)

    assert _ticked(steps) == [] and steps.next.shift is None
    assert "正在审核" in steps.next.text and "寒假图书整理招募" in steps.next.text


def test_an_accepted_member_books_the_soonest_training_shift(db):
    team, _later, soon = _team_with_training()
    person = checkin_data.member(team, onboarded=False)

    steps = onboarding.onboarding_of(person)

    assert _ticked(steps) == ["apply", "accepted"]
    assert steps.next.shift.id == soon.id
    assert "新志愿者培训" in steps.next.text and "江安图书馆报告厅" in steps.next.text


def test_with_the_training_booked_only_the_training_is_left(db):
    team, _later, soon = _team_with_training()
    person = checkin_data.member(team, onboarded=False)
    signups.sign_up(soon, person)

    steps = onboarding.onboarding_of(person)

    assert _ticked(steps) == ["apply", "accepted", "book"]
    assert steps.next.shift is None and steps.next.url.endswith("/shifts/mine")


def test_once_trained_the_steps_are_gone(db):
    team, _later, soon = _team_with_training()
    person = checkin_data.member(team, onboarded=False)
    signups.sign_up(soon, person)
    trainings.record_completion(soon, person.id, actor=None, now=soon.starts_at)

    assert onboarding.onboarding_of(person) is None


def test_a_member_of_a_team_without_training_has_no_steps(db):
    person = checkin_data.member(checkin_data.team(), onboarded=False)

    assert onboarding.onboarding_of(person) is None


def test_without_a_training_shift_the_member_is_told_none_is_scheduled(db):
    team = checkin_data.team()
    team.requires_onboarding = True
    person = checkin_data.member(team, onboarded=False)

    steps = onboarding.onboarding_of(person)

    assert steps.next.shift is None and not steps.next.url
    assert "还没有安排培训班次" in steps.next.text


def test_readers_see_no_steps(db):
    assert onboarding.onboarding_of(factories.person(roles=[])) is None
