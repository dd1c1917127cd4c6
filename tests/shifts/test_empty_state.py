"""When the open-shifts page offers nothing to sign up for, it says which reason applies and
links to the way out."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.shifts import signups
from app.shifts.models import SignupPause, TrainingRecord
from tests import factories
from tests.recruitment import recruiting
from tests.shifts import signup_data


def _empty_state(client) -> tuple[str | None, str | None]:
    """The reason code the page names, and its link (None, None when it names none)."""
    html = client.get("/shifts/").get_data(as_text=True)
    reason = re.search(r'data-testid="no-shifts" data-reason="([a-z_]+)"', html)
    link = re.search(r'href="([^"]+)" data-testid="no-shifts-fix"', html)
    return (reason.group(1) if reason else None), (link.group(1) if link else None)


def _shows(client, login, person) -> tuple[str | None, str | None]:
    db.session.commit()
    login(person)
    return _empty_state(client)


def test_someone_in_no_team_is_sent_to_recruitment(client, login, db):
    person = factories.person(roles=["volunteer"])
    assert _shows(client, login, person) == ("not_member", "/recruitment/")


def test_an_applicant_is_told_the_application_is_being_reviewed(client, login, db):
    campaign = recruiting.campaign(signup_data.team(name="阅览室志愿者队"))
    application = recruiting.apply(campaign)
    assert _shows(client, login, application.user) == ("application_pending", "/recruitment/mine")


def test_a_member_whose_team_has_no_shift_is_told_so(client, login, db):
    person = signup_data.member(signup_data.team(name="阅览室志愿者队"))
    # The volunteer's own page of their teams (the teams' admin page answers them 403).
    assert _shows(client, login, person) == ("none_scheduled", "/teams/profile")


def test_a_filter_that_matches_nothing_offers_all_shifts(client, login, db):
    team = signup_data.team(name="阅览室志愿者队")
    person = signup_data.member(team)
    signup_data.shift(signup_data.task(team))
    db.session.commit()
    login(person)
    html = client.get("/shifts/?week=2020-01-06").get_data(as_text=True)
    assert 'data-reason="filtered"' in html
    assert 'href="/shifts/" data-testid="no-shifts-fix"' in html


def test_a_paused_member_is_sent_to_their_missed_shifts(client, login, db):
    team = signup_data.team(name="阅览室志愿者队")
    person = signup_data.member(team)
    signup_data.shift(signup_data.task(team))
    db.session.add(SignupPause(user_id=person.id, team_id=team.id, semester="x", no_shows=2))
    assert _shows(client, login, person) == ("paused", "/reliability/me")


def test_a_member_not_onboarded_is_told_onboarding_comes_first(client, login, db):
    team = signup_data.team(name="阅览室志愿者队")
    team.requires_onboarding = True
    person = signup_data.member(team, onboarded=False)
    signup_data.shift(signup_data.task(team))
    assert _shows(client, login, person) == ("onboarding", "/teams/profile")


def test_a_missing_training_links_to_that_trainings_shifts(client, login, db):
    team = signup_data.team(name="阅览室志愿者队")
    person = signup_data.member(team)
    training = signup_data.task(team, title="古籍修复培训", kind="training")
    signup_data.shift(signup_data.task(team, required_training_ids=[training.id]))
    assert _shows(client, login, person) == ("training", f"/shifts/?task={training.id}")


def test_a_missing_skill_links_to_the_volunteer_profile(client, login, db):
    team = signup_data.team(name="阅览室志愿者队")
    person = signup_data.member(team)
    signup_data.shift(signup_data.task(team, required_skills=["摄影"]))
    assert _shows(client, login, person) == ("skills", "/teams/profile")


def test_a_shift_open_to_the_person_needs_no_explanation(client, login, db):
    team = signup_data.team(name="阅览室志愿者队")
    person = signup_data.member(team)
    training = signup_data.task(team, title="古籍修复培训", kind="training")
    signup_data.shift(signup_data.task(team, required_training_ids=[training.id]))
    db.session.add(TrainingRecord(user_id=person.id, task_id=training.id))
    assert _shows(client, login, person) == (None, None)


def _onboarding_team(*, onboarded: bool, other_shifts: int = 1):
    """A team asking for onboarding, a member, its training's shift in five days and
    `other_shifts` ordinary shifts before it."""
    team = signup_data.team(name="阅览室志愿者队")
    team.requires_onboarding = True
    person = signup_data.member(team, onboarded=onboarded)
    training = signup_data.task(team, title="新人培训", kind="training", is_onboarding=True)
    training_shift = signup_data.shift(training, starts_in=timedelta(days=5))
    for days in range(1, other_shifts + 1):
        signup_data.shift(
            signup_data.task(team, title=f"值班{days}"), starts_in=timedelta(days=days)
        )
    return person, training_shift


def _shift_list(client, login, person) -> str:
    db.session.commit()
    login(person)
    return client.get("/shifts/").get_data(as_text=True)


def test_a_new_member_reads_the_training_hint_once_with_one_button_to_book_it(client, login, db):
    person, training_shift = _onboarding_team(onboarded=False, other_shifts=3)

    html = _shift_list(client, login, person)

    assert html.count('data-testid="training-first"') == 1
    assert html.count('data-testid="book-training"') == 1
    assert f'action="/shifts/{training_shift.id}/signup"' in html
    assert html.count('data-testid="after-training"') == 3  # the other cards: a small state
    assert 'data-testid="not-eligible"' not in html  # no refusal repeated on every card
    assert html.index('data-testid="training-first"') < html.index('data-testid="shift-')


def test_a_booked_training_is_named_in_the_hint_without_a_second_button(client, login, db):
    person, training_shift = _onboarding_team(onboarded=False)
    signups.sign_up(training_shift, person)

    html = _shift_list(client, login, person)

    assert 'data-testid="training-booked"' in html
    assert 'data-testid="book-training"' not in html


def test_an_onboarded_member_sees_no_training_hint(client, login, db):
    person, _training_shift = _onboarding_team(onboarded=True)

    html = _shift_list(client, login, person)

    assert 'data-testid="training-first"' not in html
    assert 'data-testid="after-training"' not in html
