"""The leaderboard page: who may see it, what it shows, and the tabs and scopes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.time import utcnow
from app.rewards import boards
from tests import factories
from tests.helpers import choose_english, page
from tests.rewards import rewards_data
from tests.rewards.test_boards import earned, hide


@pytest.fixture
def standings(db):
    """Three people with points this week, the boards built, the last one logged in."""
    now = utcnow()
    crowd = [factories.person(name=name) for name in ("王小明", "李小红", "赵大刚")]
    for points, person in zip((30, 20, 10), crowd, strict=True):
        earned(person, points, now - timedelta(minutes=5))
    boards.rebuild(now=now)
    db.session.commit()
    return crowd


def test_the_page_lists_masked_names_and_pins_the_viewers_own_rank(client, login, standings):
    login(standings[2])
    choose_english(client)

    text = page(client.get("/leaderboards/"))

    assert "王*明" in text and "李*红" in text
    assert "王小明" not in text
    assert "赵大刚" in text  # the viewer's own name
    assert "Your rank" in text and "No. 3" in text
    assert "Updated at" in text


def test_someone_outside_the_top_still_sees_their_rank(client, login, db, standings):
    now = utcnow()
    crowd = [factories.person(name=f"志愿者{n}") for n in range(boards.TOP)]
    for person in crowd:
        earned(person, 50, now - timedelta(minutes=10))
    boards.rebuild(now=now)
    db.session.commit()
    login(standings[2])
    choose_english(client)

    text = page(client.get("/leaderboards/?metric=points&period=all"))

    assert f"No. {boards.TOP + 3}" in text
    assert text.count('data-testid="board-row"') == boards.TOP


def test_a_hidden_person_is_left_out_but_told_their_rank(client, login, db, standings):
    hide(standings[0])
    db.session.commit()
    login(standings[0])
    choose_english(client)

    text = page(client.get("/leaderboards/"))

    assert "only you see your rank" in text
    assert "No. 1" in text
    assert text.count('data-testid="board-row"') == 2


def test_the_tabs_switch_metric_and_period(client, login, standings):
    login(standings[0])
    choose_english(client)

    hours = page(client.get("/leaderboards/?metric=hours&period=month"))
    reading = page(client.get("/leaderboards/?metric=reading"))

    assert 'data-testid="empty-board"' in hours
    assert "Last month" in reading and "This semester" not in reading


@pytest.mark.parametrize(
    "query", ["metric=karma", "period=decade", "metric=reading&period=week", "metric=&period="]
)
def test_an_unknown_tab_falls_back_to_the_default_board(client, login, standings, query):
    login(standings[0])

    response = client.get(f"/leaderboards/?{query}")

    assert response.status_code == 200
    assert page(response).count('aria-current="page"') == 2  # one metric, one period


def test_the_scope_select_offers_my_college_and_teams(client, login, db):
    college = factories.college("08", "计算机学院")
    place = rewards_data.place(name="阅览室志愿者队")
    person = rewards_data.member(place)
    person.college_id = college.id
    db.session.commit()
    login(person)

    text = page(client.get(f"/leaderboards/?scope=team:{place.team.id}"))

    assert "计算机学院" in text and "阅览室志愿者队" in text


@pytest.mark.parametrize("scope", ["team:{team}", "college:{college}"])
def test_another_teams_or_colleges_board_is_refused(client, login, db, standings, scope):
    place = rewards_data.place()
    member = rewards_data.member(place)
    law = factories.college("09", "法学院")
    member.college_id = law.id
    db.session.commit()
    login(standings[0])

    response = client.get(
        "/leaderboards/?scope=" + scope.format(team=place.team.id, college=law.id)
    )

    assert response.status_code == 403
    assert 'data-testid="board-row"' not in page(response)


@pytest.mark.parametrize("scope", ["team:999", "college:abc", "nowhere"])
def test_a_scope_that_does_not_exist_is_an_error_page_not_a_crash(client, login, standings, scope):
    login(standings[0])
    assert client.get(f"/leaderboards/?scope={scope}").status_code in (400, 404)
