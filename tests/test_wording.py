"""Words a user noticed: what a count or a field is called says what it is."""

from __future__ import annotations

from datetime import datetime

from app.rewards import badge_awarding
from app.shifts import signups
from tests.helpers import choose_english, page
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import OCTOBER_MONDAY
from tests.shifts import signup_data
from tests.shifts.test_tasks_views import world

__all__ = ["world"]  # fixture used here


def test_the_shift_page_counts_the_waitlist_as_people_waiting(client, login, world, db):
    signups.sign_up(world["shift"], signup_data.member(world["team"], name="王五"))
    db.session.commit()
    login(world["boss"])
    choose_english(client)
    body = page(client.get(f"/tasks/shifts/{world['shift'].id}"))
    assert "2 on the waitlist" in body
    assert "2 waiting" not in body  # read as "2 applications to review" in Chinese


def _label(body: str, field: str) -> str:
    start = body.index(f'for="{field}"')
    return body[body.index(">", start) + 1 : body.index("</label>", start)].strip()


def test_the_task_form_calls_the_kind_a_type_of_task(client, login, world):
    login(world["boss"])
    choose_english(client)
    assert _label(page(client.get("/tasks/new")), "kind") == "Type of task"


def test_the_team_and_column_forms_call_the_kind_a_type(client, login, admin, db):
    login(admin)
    choose_english(client)
    assert _label(page(client.get("/teams/new")), "kind") == "Type of team"
    assert _label(page(client.get("/admin/columns/new")), "kind") == "Type of column"


def test_a_badge_page_shows_the_local_day_it_was_awarded_without_a_time_zone(client, db):
    seeded = badge_data.seed()
    holder = badge_data.person("张小三")
    badge_data.served(rewards_data.place(), holder, 630, start=OCTOBER_MONDAY)
    # Awarded at 23:30 UTC: already the next day in Shanghai.
    badge_awarding.evaluate_all(now=datetime(2025, 10, 20, 23, 30))
    db.session.commit()
    award = badge_data.awards(seeded["hours_10"])[0]

    body = page(client.get(f"/badges/{award.public_id}"))

    awarded_on = body.split('data-testid="awarded-on">', 1)[1].split("<", 1)[0]
    assert awarded_on == "2025年10月21日"
    assert "GMT" not in body and "+08" not in body and "UTC" not in body
