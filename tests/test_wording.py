"""Words a user noticed: what a count or a field is called says what it is."""

from __future__ import annotations

from app.shifts import signups
from tests.helpers import choose_english, page
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
