"""Team pages through HTTP: who may see what, creating and editing teams, coordinators,
member status buttons and roster downloads."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.recruitment import membership as members
from app.recruitment.models import Team, TeamCoordinator
from app.recruitment.teams import services as team_services
from tests import factories
from tests.helpers import choose_english, page, text_download
from tests.recruitment import recruiting

NOW = datetime(2026, 3, 2, 8, 0)


def is_coordinator(db, team, person) -> bool:
    query = select(TeamCoordinator).where(
        TeamCoordinator.team_id == team.id, TeamCoordinator.user_id == person.id
    )
    return db.session.scalar(query) is not None


@pytest.fixture
def world(db):
    team_a = recruiting.team(name="阅览室志愿者队")
    team_b = recruiting.team(name="古籍修复队")
    boss_a = recruiting.coordinator(team_a, name="A队老师")
    boss_b = recruiting.coordinator(team_b, name="B队老师")
    volunteer = factories.person(roles=["volunteer"], name="张三")
    membership = members.join_team(team_a.id, volunteer.id, now=NOW)
    in_b = factories.person(roles=["volunteer"], name="丙")
    membership_b = members.join_team(team_b.id, in_b.id, now=NOW)
    db.session.commit()
    return {
        "a": team_a,
        "b": team_b,
        "boss_a": boss_a,
        "boss_b": boss_b,
        "volunteer": volunteer,
        "membership": membership,
        "membership_b": membership_b,
    }


TEAM_PAGES = [
    "/teams/{a}",
    "/teams/{a}/edit",
    "/teams/{a}/roster.csv",
    "/teams/{a}/roster.xlsx",
]


@pytest.mark.parametrize("template", TEAM_PAGES)
def test_a_coordinator_of_another_team_gets_403_with_a_message(client, login, world, template):
    login(world["boss_b"])
    choose_english(client)
    response = client.get(template.format(a=world["a"].id))
    assert response.status_code == 403
    assert "Only the coordinators of this team can do this." in page(response)


def test_an_unknown_team_is_404(client, login, admin):
    login(admin)
    assert client.get("/teams/999999").status_code == 404


def test_the_team_list_shows_only_my_teams(client, login, world, admin):
    login(world["boss_a"])
    html = page(client.get("/teams/"))
    assert "阅览室志愿者队" in html and "古籍修复队" not in html
    client.post("/logout")
    login(admin)
    html = page(client.get("/teams/"))
    assert "阅览室志愿者队" in html and "古籍修复队" in html


def test_nav_shows_teams_to_coordinators_only(client, login, world):
    login(world["boss_a"])
    assert 'data-testid="nav-teams"' in page(client.get("/"))
    client.post("/logout")
    login(world["volunteer"])
    html = page(client.get("/"))
    assert 'data-testid="nav-teams"' not in html
    assert 'data-testid="nav-volunteer-profile"' in html


# Creating and editing --------------------------------------------------------------------------


def test_a_coordinator_creates_a_team_and_runs_it(client, login, db, world):
    login(world["boss_a"])
    response = client.post(
        "/teams/new",
        data={
            "name": "数字阅读推广队",
            "kind": "special_role",
            "description": "推广电子资源",
            "requires_onboarding": "y",
        },
    )
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "数字阅读推广队"))
    assert team is not None and team.requires_onboarding and team.kind == "special_role"
    assert response.headers["Location"].endswith(f"/teams/{team.id}")
    assert client.get(f"/teams/{team.id}").status_code == 200
    grants = db.session.scalars(select(TeamCoordinator).where(TeamCoordinator.team_id == team.id))
    assert [grant.user_id for grant in grants] == [world["boss_a"].id]


def test_a_duplicate_team_name_is_refused_on_the_field(client, login, db, world, admin):
    login(admin)
    choose_english(client)
    response = client.post("/teams/new", data={"name": "古籍修复队", "kind": "volunteer_team"})
    assert response.status_code == 400
    assert "A team with this name already exists." in page(response)
    assert len(db.session.scalars(select(Team)).all()) == 2


def test_editing_a_team_saves_and_is_audited(client, login, db, world):
    login(world["boss_a"])
    response = client.post(
        f"/teams/{world['a'].id}/edit",
        data={
            "name": "阅览室志愿服务队",
            "kind": "volunteer_team",
            "description": "",
            "active": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Team, world["a"].id).name == "阅览室志愿服务队"
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "recruitment.team_updated")
    )


def test_a_coordinator_of_another_team_cannot_edit_it(client, login, db, world):
    login(world["boss_b"])
    response = client.post(
        f"/teams/{world['a'].id}/edit",
        data={"name": "被改名", "kind": "volunteer_team", "active": "y"},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Team, world["a"].id).name == "阅览室志愿者队"


# Coordinators ----------------------------------------------------------------------------------


def test_only_admins_manage_coordinators(client, login, db, world):
    login(world["boss_a"])
    assert client.get(f"/teams/{world['a'].id}/coordinators").status_code == 403
    response = client.post(
        f"/teams/{world['a'].id}/coordinators",
        data={"student_number": world["boss_b"].student_number},
    )
    assert response.status_code == 403
    assert not is_coordinator(db, world["a"], world["boss_b"])


def test_an_admin_adds_a_coordinator_by_number_and_removes_them(client, login, db, world, admin):
    login(admin)
    url = f"/teams/{world['a'].id}/coordinators"
    response = client.post(url, data={"student_number": world["boss_b"].student_number.lower()})
    assert response.status_code == 302
    html = page(client.get(url))
    assert "B队老师" in html
    # B's coordinator can now open team A.
    db.session.expire_all()
    assert is_coordinator(db, world["a"], world["boss_b"])
    response = client.post(f"{url}/{world['boss_b'].id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert not is_coordinator(db, world["a"], world["boss_b"])


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("9999999999", "Nobody has this student or staff number."),
        (None, "Only people with the coordinator role can coordinate a team."),
    ],
)
def test_adding_a_coordinator_explains_refusals(client, login, db, world, admin, number, message):
    login(admin)
    choose_english(client)
    number = number or world["volunteer"].student_number
    response = client.post(f"/teams/{world['a'].id}/coordinators", data={"student_number": number})
    assert response.status_code == 400
    assert message in page(response)
    assert not is_coordinator(db, world["a"], world["volunteer"])


# The roster and member status ------------------------------------------------------------------


def test_the_roster_shows_members_badges_and_filters(client, login, db, world):
    team_services.update_team(
        world["a"],
        name=world["a"].name,
        kind="volunteer_team",
        description="",
        requires_onboarding=True,
        active=True,
        actor=world["boss_a"],
    )
    late = factories.person(roles=["volunteer"], name="李四")
    paused = members.join_team(world["a"].id, late.id, now=NOW)
    members.set_member_status(paused, "paused", actor=world["boss_a"], now=NOW)
    members.mark_onboarded(world["membership"], now=NOW)
    db.session.commit()
    login(world["boss_a"])
    html = page(client.get(f"/teams/{world['a'].id}"))
    assert "张三" in html and "李四" in html and "丙" not in html
    assert 'data-testid="onboarded"' in html
    assert 'data-testid="needs-onboarding"' in html
    assert f'data-testid="set-paused-{world["membership"].id}"' in html
    assert f'data-testid="set-active-{paused.id}"' in html
    only_paused = page(client.get(f"/teams/{world['a'].id}?status=paused"))
    assert "李四" in only_paused and "张三" not in only_paused
    searched = page(client.get(f"/teams/{world['a'].id}?q=张"))
    assert "张三" in searched and "李四" not in searched
    assert page(client.get(f"/teams/{world['a'].id}?status=nonsense")).count("<tr data-testid") == 2


def test_pausing_a_member_from_the_roster(client, login, db, world):
    login(world["boss_a"])
    url = f"/teams/{world['a'].id}/members/{world['membership'].id}/status"
    response = client.post(url, data={"status": "paused", "filter_status": "active"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/teams/{world['a'].id}?status=active")
    db.session.expire_all()
    assert members.find_membership(world["a"].id, world["volunteer"].id).status == "paused"


def test_a_refused_status_change_says_why_and_changes_nothing(client, login, db, world):
    members.set_member_status(world["membership"], "alumni", actor=None, now=NOW)
    db.session.commit()
    login(world["boss_a"])
    choose_english(client)
    url = f"/teams/{world['a'].id}/members/{world['membership'].id}/status"
    response = client.post(url, data={"status": "paused"}, follow_redirects=True)
    assert "An alumni member can only be made active again." in page(response)
    db.session.expire_all()
    assert members.find_membership(world["a"].id, world["volunteer"].id).status == "alumni"


def test_a_coordinator_of_another_team_cannot_change_a_member(client, login, db, world):
    login(world["boss_b"])
    url = f"/teams/{world['a'].id}/members/{world['membership'].id}/status"
    assert client.post(url, data={"status": "alumni"}).status_code == 403
    # Nor through their own team's address.
    url = f"/teams/{world['b'].id}/members/{world['membership'].id}/status"
    assert client.post(url, data={"status": "alumni"}).status_code == 404
    db.session.expire_all()
    assert members.find_membership(world["a"].id, world["volunteer"].id).status == "active"


def test_roster_downloads(client, login, db, world):
    login(world["boss_a"])
    response = client.get(f"/teams/{world['a'].id}/roster.csv")
    text = text_download(response, "text/csv; charset=utf-8")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][1] == "张三"
    response = client.get(f"/teams/{world['a'].id}/roster.xlsx?status=paused")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 1  # nobody is paused: the header only
    assert client.get(f"/teams/{world['a'].id}/roster.pdf").status_code == 404
    db.session.expire_all()
    exports = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "recruitment.roster_exported")
    ).all()
    assert len(exports) == 2
