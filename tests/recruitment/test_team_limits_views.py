"""A team's coordinator sets its limits per person on the team's edit page."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.recruitment.models import Team
from tests.helpers import page
from tests.recruitment import recruiting
from tests.shifts import signup_data as data

EDIT = {"name": "阅览室志愿者队", "kind": "volunteer_team", "description": "", "active": "y"}


def _world(db):
    team = recruiting.team(name="阅览室志愿者队")
    boss = recruiting.coordinator(team)
    db.session.commit()
    return team, boss


def test_the_coordinator_sets_the_teams_limits_on_its_edit_page(client, login, db):
    team, boss = _world(db)
    login(boss)
    assert 'data-testid="team-limits"' in page(client.get(f"/teams/{team.id}/edit"))
    assert 'data-testid="team-limits"' not in page(client.get("/teams/new"))
    response = client.post(
        f"/teams/{team.id}/edit", data={**EDIT, "max_per_week": "3", "max_future": "5"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Team, team.id)
    assert (saved.max_per_week, saved.max_per_month, saved.max_future) == (3, None, 5)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "shifts.team_limits_set")
    )
    assert entry is not None and entry.actor_id == boss.id
    # The edit page shows the saved limits; emptying one (as a browser posts it) removes it.
    assert 'value="3"' in page(client.get(f"/teams/{team.id}/edit"))
    response = client.post(
        f"/teams/{team.id}/edit", data={**EDIT, "max_per_week": "", "max_future": "5"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Team, team.id).max_per_week is None


def test_a_bad_team_limit_is_shown_on_the_field_and_nothing_is_saved(client, login, db):
    team, boss = _world(db)
    login(boss)
    for bad in ("0", "101", "abc"):
        response = client.post(
            f"/teams/{team.id}/edit", data={**EDIT, "name": "改了名", "max_per_month": bad}
        )
        assert response.status_code == 400
        assert "is-invalid" in page(response)
    db.session.expire_all()
    saved = db.session.get(Team, team.id)
    assert saved.name == "阅览室志愿者队" and saved.max_per_month is None


def test_a_tasks_page_shows_its_teams_limits(client, login, db):
    team, boss = _world(db)
    task = data.task(team)
    db.session.commit()
    login(boss)
    assert 'data-testid="team-limit-rules"' not in page(client.get(f"/tasks/{task.id}"))
    client.post(f"/teams/{team.id}/edit", data={**EDIT, "max_per_month": "4"})
    assert 'data-testid="team-limit-rules"' in page(client.get(f"/tasks/{task.id}"))
