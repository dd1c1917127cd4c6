"""A volunteer sees the points their verified hours earned, their level and their rank."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from app.common.time import utcnow
from app.extensions import db
from app.recruitment import membership
from app.rewards import boards, defaults, points
from tests.e2e.pages import log_in
from tests.rewards import rewards_data as data


def test_verified_hours_show_as_points_level_and_rank_on_a_phone(
    page: Page, live_server, make_person
):
    volunteer = make_person(name="林知行", roles=["volunteer"])
    with live_server.app.app_context():
        defaults.seed_defaults()
        place = data.place()
        team_id = place.team.id
        person = db.session.get(type(place.boss), volunteer.id)
        membership.join_team(team_id, person.id)
        yesterday = utcnow().replace(microsecond=0) - timedelta(days=1)
        data.worked(place, person, minutes=180, start=yesterday)
        points.award_pending()
        boards.rebuild()
        db.session.commit()
        db.session.remove()

    log_in(page, volunteer)
    page.goto("/achievements")
    expect(page.get_by_test_id("balance")).to_contain_text("30")  # 3 h × 10 points
    expect(page.get_by_test_id("level")).to_contain_text("新芽")

    # Their team's board: other browser tests share this server and log hours too.
    page.goto(f"/leaderboards/?metric=hours&period=all&scope=team:{team_id}")
    expect(page.get_by_test_id("my-rank")).to_contain_text("1")
    expect(page.get_by_test_id("board")).to_contain_text("林知行")
