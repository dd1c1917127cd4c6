"""Empty states on a phone (390×844): the open-shifts page says why it offers nothing and
its one button leads to the fix; a new member reads the training hint once, at the top, and
books the training there; the leaderboard opens on a period with entries. (The states with
no team and a missing skill are in test_wording_journeys.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.common.time import local_today, utcnow
from app.extensions import db
from app.recruitment import membership as members
from app.rewards import boards
from app.shifts.models import ShiftSignup, SignupPause
from tests.e2e.a11y.test_accessibility import violations_on
from tests.e2e.pages import log_in
from tests.rewards.test_boards import earned
from tests.shifts import signup_data


def _member(person, name: str, *, onboarding: bool = False):
    team = signup_data.team(name=f"{name} {person.id}")
    team.requires_onboarding = onboarding
    members.join_team(team.id, person.id).onboarded = not onboarding
    return team


def _paused(person) -> tuple[str, str]:
    team = _member(person, "阅览室志愿者队")
    signup_data.shift(signup_data.task(team))
    db.session.add(SignupPause(user_id=person.id, team_id=team.id, semester="x", no_shows=2))
    return "", r"/reliability/me$"


def _training_missing(person) -> tuple[str, str]:
    team = _member(person, "古籍修复队")
    training = signup_data.task(team, title="古籍修复培训", kind="training")
    signup_data.shift(signup_data.task(team, title="古籍修复", required_training_ids=[training.id]))
    return "", rf"/shifts/\?task={training.id}$"


def _no_training_shift_yet(person) -> tuple[str, str]:
    team = _member(person, "新生导览队", onboarding=True)
    signup_data.shift(signup_data.task(team, title="导览值班"))
    return "", r"/teams/profile$"


def _nothing_this_week(person) -> tuple[str, str]:
    team = _member(person, "讲座服务队")
    signup_data.shift(signup_data.task(team, title="讲座签到"), starts_in=timedelta(days=20))
    return f"?week={local_today().isoformat()}", r"/shifts/$"


def _nothing_scheduled(person) -> tuple[str, str]:
    _member(person, "展览讲解队")
    return "", r"/teams/profile$"


@pytest.mark.parametrize(
    ("reason", "build"),
    [
        ("paused", _paused),
        ("training", _training_missing),
        ("onboarding", _no_training_shift_yet),
        ("filtered", _nothing_this_week),
        ("none_scheduled", _nothing_scheduled),
    ],
)
def test_the_shift_list_says_why_it_is_empty_and_leads_to_the_fix(
    page: Page,
    live_server,
    make_person,
    console_errors,
    reason: str,
    build: Callable[..., tuple[str, str]],
):
    person = make_person(name="钱新生", roles=["volunteer"])
    with live_server.app.app_context():
        query, fix = build(person)
        db.session.commit()
        db.session.remove()
    log_in(page, person)

    page.goto(f"/shifts/{query}")

    empty = page.get_by_test_id("no-shifts")
    expect(empty).to_have_attribute("data-reason", reason)
    expect(empty).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("no-shifts-fix").tap()
    expect(page).to_have_url(re.compile(fix))
    assert not console_errors


def test_a_new_member_reads_the_training_hint_once_and_books_the_training_at_the_top(
    page: Page, live_server, make_person, console_errors
):
    person = make_person(name="王新人", roles=["volunteer"])
    with live_server.app.app_context():
        team = _member(person, "总服务台志愿队", onboarding=True)
        for days in range(1, 7):  # ordinary shifts before the training, filling the screen
            signup_data.shift(
                signup_data.task(team, title=f"总服务台值班{days}"), starts_in=timedelta(days=days)
            )
        training = signup_data.task(team, title="新志愿者培训", kind="training", is_onboarding=True)
        training_shift = signup_data.shift(training, starts_in=timedelta(days=8), capacity=10)
        db.session.commit()
        training_shift_id = training_shift.id
        db.session.remove()
    log_in(page, person)

    page.goto("/shifts/")

    hint = page.get_by_test_id("training-first")
    expect(hint).to_be_in_viewport()
    expect(hint).to_contain_text("新志愿者培训")
    expect(page.get_by_test_id("training-first")).to_have_count(1)
    expect(page.get_by_test_id("after-training")).to_have_count(6)
    expect(page.get_by_test_id("after-training").first).to_be_disabled()
    expect(page.get_by_test_id("not-eligible")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations_on(page, "/shifts/") == []  # the highlighted cards stay readable

    page.get_by_test_id("book-training").tap()

    expect(page.get_by_test_id("training-booked")).to_be_visible()
    expect(page.get_by_test_id("book-training")).to_have_count(0)
    with live_server.app.app_context():
        booked = db.session.query(ShiftSignup).filter_by(user_id=person.id).one()
        assert booked.shift_id == training_shift_id and booked.status == "confirmed"
        db.session.remove()
    assert not console_errors


def test_the_leaderboard_opens_on_a_period_with_entries_and_says_when_the_week_fills(
    page: Page, live_server, make_person, console_errors
):
    person = make_person(name="李阅读", roles=["volunteer"])
    other = make_person(name="赵同学", roles=["volunteer"])
    with live_server.app.app_context():
        team = signup_data.team(name=f"排行榜志愿队 {person.id}")
        for who, points in ((person, 30), (other, 20)):
            members.join_team(team.id, who.id)
            earned(who, points, utcnow() - timedelta(days=45))
        boards.rebuild(now=utcnow())
        db.session.commit()
        team_id = team.id
        db.session.remove()
    log_in(page, person)

    page.goto(f"/leaderboards/?scope=team:{team_id}")

    skipped = page.get_by_test_id("board-skipped")
    expect(skipped).to_have_attribute("data-period", "week")
    expect(skipped).to_be_in_viewport()
    expect(page.get_by_test_id("board-row")).to_have_count(2)
    expect(page.get_by_test_id("empty-board")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not console_errors
