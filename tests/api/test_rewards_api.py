"""Points, badges, level and leaderboards through the API: the achievements page's
balance and level, the ledger by cursor, the leaderboard page's board (names masked, hidden
people left out, the caller's own place), other people's teams refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.time import utcnow
from app.extensions import db as _db
from app.rewards import badge_awarding, boards, points
from app.rewards.models import Level
from tests import factories
from tests.api.conftest import bearer
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY
from tests.rewards.test_boards import hide

READ = ("rewards:read",)


@pytest.fixture
def world(db, make_token, admin):
    """A volunteer with three ledger entries (one reversed), a badge and a level; two other
    people on this week's points board, one hiding from boards."""
    badge_data.seed()
    _db.session.add_all(
        [
            Level(min_points=0, name_zh="新芽", name_en="Sprout"),
            Level(min_points=100, name_zh="小树", name_en="Sapling"),
        ]
    )
    place = rewards_data.place()
    person = badge_data.person("张三")
    badge_data.served(place, person, 600, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)
    now = utcnow()
    entries = [
        points.adjust(
            person, value, reason=f"第{n}次", actor=admin, now=now - timedelta(hours=3 - n)
        )
        for n, value in enumerate((30, 20, 15))
    ]
    points.reverse_by_admin(entries[1], reason="记错了", actor=admin, now=now)
    leader, hidden = badge_data.person("王小明"), badge_data.person("李小红")
    points.adjust(leader, 90, reason="表扬", actor=admin, now=now)
    points.adjust(hidden, 80, reason="表扬", actor=admin, now=now)
    hide(hidden)
    boards.rebuild(now=now)
    db.session.commit()
    return {
        "person": person,
        "place": place,
        "leader": leader,
        "hidden": hidden,
        "headers": bearer(make_token(person, scopes=READ)),
    }


def test_the_ledger_pages_newest_first_and_the_balance_is_the_pages(client, login, world):
    first = client.get("/api/v1/me/points?limit=2", headers=world["headers"])
    cursor = first.json["meta"]["next_cursor"]
    rest = client.get(f"/api/v1/me/points?limit=2&cursor={cursor}", headers=world["headers"])
    rows = first.json["data"] + rest.json["data"]
    # A reversal takes its entry's time: newest first, the later id first at one time.
    assert [row["points"] for row in rows] == [15, -20, 20, 30]
    assert [row["reversed"] for row in rows] == [False, False, True, False]
    assert rest.json["meta"]["next_cursor"] is None
    balance = first.json["meta"]["balance"]
    assert balance == points.balance(world["person"].id) == rest.json["meta"]["balance"]
    login(world["person"])
    page = client.get("/achievements").get_data(as_text=True)
    assert f'data-testid="balance">{balance}<' in page


def test_level_and_badges_are_the_pages(client, world):
    level = client.get("/api/v1/me/level", headers=world["headers"]).json["data"]
    assert level["points"] == points.balance(world["person"].id)
    assert level["next_level"]["min_points"] == 100
    assert level["missing_points"] == 100 - level["points"]
    badges = client.get("/api/v1/me/badges", headers=world["headers"]).json["data"]
    assert len(badges) >= 1 and all(award["public_page"].startswith("/badges/") for award in badges)


def test_a_board_masks_names_leaves_hidden_people_out_and_gives_my_place(client, world):
    answer = client.get("/api/v1/leaderboards/points/week", headers=world["headers"])
    assert answer.status_code == 200
    board = answer.json["data"]
    names = [row["name"] for row in board["rows"]]
    assert "王*明" in names and "王小明" not in names
    assert all("红" not in name for name in names)
    assert board["me"]["is_me"] is True and board["me"]["name"] == "张三"
    assert board["me"]["rank"] == 2
    tag = answer.headers["ETag"]
    again = client.get(
        "/api/v1/leaderboards/points/week", headers={**world["headers"], "If-None-Match": tag}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/points/yesterday", "/reading/week", "/likes/all"])
def test_an_unknown_board_is_not_found(client, world, path):
    answer = client.get(f"/api/v1/leaderboards{path}", headers=world["headers"])
    assert answer.status_code == 404 and answer.json["code"] == "not_found"


def test_another_teams_board_is_refused(client, world, make_token):
    team_id = world["place"].team.id
    answer = client.get(
        f"/api/v1/leaderboards/points/all?team_id={team_id}", headers=world["headers"]
    )
    assert answer.status_code == 403


OPERATIONS = ["/me/points", "/me/badges", "/me/level", "/leaderboards/hours/all"]


@pytest.mark.parametrize("path", OPERATIONS)
def test_each_operation_needs_a_token_with_its_scope(client, world, make_token, admin, path):
    url = f"/api/v1{path}"
    assert client.get(url).status_code == 401
    lacking = client.get(url, headers=bearer(make_token(world["person"], scopes=["hours:read"])))
    assert lacking.status_code == 403 and lacking.json["code"] == "insufficient_scope"
    assert client.get(url, headers=world["headers"]).status_code == 200
    for other in (admin, factories.person(roles=["coordinator"], name="陈老师")):
        theirs = client.get(url, headers=bearer(make_token(other, scopes=READ)))
        assert theirs.status_code == 200
        assert theirs.json["data"] != client.get(url, headers=world["headers"]).json["data"] or (
            path.startswith("/leaderboards")
        )
