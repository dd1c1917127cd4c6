"""Volunteer profiles: validation, the profile page, coordinators' read-only view,
personal data and anonymisation."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask_babel import force_locale

from app import hooks
from app.accounts import anonymise, personal_data
from app.errors import InvalidInput
from app.recruitment import membership as members
from app.recruitment import profiles
from tests import factories
from tests.helpers import choose_english, page
from tests.recruitment import recruiting

NOW = datetime(2026, 3, 2, 8, 0)


@pytest.fixture
def volunteer(db):
    person = factories.person(roles=["volunteer"], name="张三")
    db.session.commit()
    return person


def save(person, *, skills=(), availability=None, introduction=""):
    return profiles.update_profile(
        person, skills=skills, availability=availability, introduction=introduction, now=NOW
    )


def in_english(client, login, person):
    login(person)
    choose_english(client)


# Services ------------------------------------------------------------------------------------


def test_skills_are_tidied_and_the_grid_put_in_weekday_order(db, volunteer):
    profile = save(
        volunteer,
        skills=profiles.parse_skills(" 摄影, 英语、PPT ，摄影\n  video   editing ,"),
        availability={"wed": ["evening", "morning"], "mon": ["afternoon"], "sun": []},
        introduction="  我喜欢读书。  ",
    )
    db.session.commit()
    assert profile.skills == ["摄影", "英语", "PPT", "video editing"]
    assert list(profile.availability) == ["mon", "wed"]
    assert profile.availability["wed"] == ["morning", "evening"]
    assert profile.introduction == "我喜欢读书。"
    assert profiles.get_profile(volunteer).skills == profile.skills


def test_a_person_without_a_profile_gets_an_empty_one_that_is_not_saved(db, volunteer):
    profile = profiles.get_profile(volunteer)
    assert profile.skills == [] and profile.availability == {}
    assert profiles.find_profile(volunteer.id) is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"skills": [f"技能{n}" for n in range(21)]}, "skills", "at most 20 skills"),
        ({"skills": ["x" * 31]}, "skills", "at most 30 characters"),
        ({"availability": {"funday": ["morning"]}}, "availability", "not a day of the week"),
        ({"availability": {"mon": ["midnight"]}}, "availability", "not a part of the day"),
        ({"availability": {"mon": "morning"}}, "availability", "not valid"),
        ({"introduction": "字" * 1001}, "introduction", "at most 1000 characters"),
    ],
)
def test_bad_profile_input_is_refused_and_nothing_is_saved(
    app, db, volunteer, changes, field, message
):
    save(volunteer, skills=["摄影"], availability={"mon": ["morning"]}, introduction="你好")
    db.session.commit()
    values = {"skills": ["英语"], "availability": {"tue": ["evening"]}, "introduction": "新的"}
    values.update(changes)
    with app.test_request_context(), force_locale("en"), pytest.raises(InvalidInput) as raised:
        save(volunteer, **values)
    assert raised.value.field == field
    assert message in str(raised.value.message)
    db.session.rollback()
    db.session.expire_all()
    profile = profiles.get_profile(volunteer)
    assert profile.skills == ["摄影"]
    assert profile.availability == {"mon": ["morning"]}
    assert profile.introduction == "你好"


def test_twenty_skills_are_fine(db, volunteer):
    profile = save(volunteer, skills=[f"技能{n}" for n in range(20)])
    assert len(profile.skills) == 20


def test_ticked_boxes_become_a_grid():
    grid = profiles.parse_availability(["mon:morning", "mon:evening", "fri:afternoon"])
    assert grid == {"mon": ["morning", "evening"], "fri": ["afternoon"]}


# The profile page ----------------------------------------------------------------------------


def test_profile_page_shows_teams_status_onboarding_and_no_trainings_yet(
    client, login, db, volunteer
):
    team = recruiting.team(name="阅览室志愿者队")
    paused_team = recruiting.team(name="古籍修复队")
    onboarded = members.join_team(team.id, volunteer.id, now=NOW)
    members.mark_onboarded(onboarded, now=NOW)
    paused = members.join_team(paused_team.id, volunteer.id, now=NOW)
    members.set_member_status(paused, "paused", actor=None, now=NOW)
    db.session.commit()
    login(volunteer)
    html = page(client.get("/teams/profile"))
    assert "阅览室志愿者队" in html and "古籍修复队" in html
    assert 'data-testid="status-paused"' in html
    assert 'data-testid="onboarded"' in html
    assert 'data-testid="no-trainings"' in html
    assert 'name="availability" value="mon:morning"' in html


def test_trainings_from_the_shifts_feature_are_listed(client, login, db, volunteer, monkeypatch):
    monkeypatch.setattr(hooks.TRAININGS, "providers", [])
    hooks.TRAININGS.connect(
        lambda user_id: [profiles.CompletedTraining("新志愿者入门培训", NOW, team="阅览室志愿者队")]
    )
    login(volunteer)
    html = page(client.get("/teams/profile"))
    assert "新志愿者入门培训" in html
    assert 'data-testid="no-trainings"' not in html


def test_saving_the_profile_form_stores_skills_grid_and_introduction(client, login, db, volunteer):
    login(volunteer)
    response = client.post(
        "/teams/profile",
        data={
            "skills": "摄影，英语",
            "availability": ["mon:morning", "sat:evening"],
            "introduction": "大二学生",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    profile = profiles.get_profile(volunteer)
    assert profile.skills == ["摄影", "英语"]
    assert profile.availability == {"mon": ["morning"], "sat": ["evening"]}
    html = page(client.get("/teams/profile"))
    assert re.search(r'value="sat:evening"[^>]*checked', html)
    assert not re.search(r'value="tue:evening"[^>]*checked', html)


def test_a_forged_grid_box_gets_a_clear_message_and_nothing_is_saved(client, login, db, volunteer):
    save(volunteer, skills=["摄影"], availability={"mon": ["morning"]})
    db.session.commit()
    in_english(client, login, volunteer)
    response = client.post(
        "/teams/profile",
        data={"skills": "英语", "availability": ["mon:morning", "funday:noon"]},
    )
    assert response.status_code == 200
    assert "is not a day of the week" in page(response)
    assert 'data-testid="grid-error"' in page(response)
    db.session.expire_all()
    profile = profiles.get_profile(volunteer)
    assert profile.skills == ["摄影"]


def test_too_many_skills_in_the_form_get_a_message_on_the_field(client, login, db, volunteer):
    in_english(client, login, volunteer)
    skills = ", ".join(f"skill{n}" for n in range(25))
    response = client.post("/teams/profile", data={"skills": skills})
    assert response.status_code == 400
    assert "at most 20 skills" in page(response)
    assert profiles.find_profile(volunteer.id) is None


def test_anyone_logged_in_has_a_volunteer_profile_and_visitors_log_in_first(
    client, login, db, student
):
    assert client.get("/teams/profile").status_code == 302
    login(student)
    assert client.get("/teams/profile").status_code == 200
    assert 'data-testid="nav-volunteer-profile"' in page(client.get("/"))
    assert 'data-testid="volunteer-profile-link"' in page(client.get("/profile"))


# A coordinator's view of a member's profile ----------------------------------------------------


@pytest.fixture
def two_teams(db):
    team_a = recruiting.team(name="阅览室志愿者队")
    team_b = recruiting.team(name="古籍修复队")
    boss_a = recruiting.coordinator(team_a, name="A队老师")
    in_a = factories.person(roles=["volunteer"], name="甲")
    in_both = factories.person(roles=["volunteer"], name="乙")
    in_b = factories.person(roles=["volunteer"], name="丙")
    members.join_team(team_a.id, in_a.id, now=NOW)
    members.join_team(team_a.id, in_both.id, now=NOW)
    members.join_team(team_b.id, in_both.id, now=NOW)
    members.join_team(team_b.id, in_b.id, now=NOW)
    save(in_a, skills=["摄影"], introduction="我是甲")
    db.session.commit()
    return {
        "a": team_a,
        "b": team_b,
        "boss_a": boss_a,
        "in_a": in_a,
        "in_both": in_both,
        "in_b": in_b,
    }


def test_a_coordinator_reads_the_profile_of_a_member_of_their_team(client, login, two_teams):
    login(two_teams["boss_a"])
    response = client.get(f"/teams/{two_teams['a'].id}/members/{two_teams['in_a'].id}")
    assert response.status_code == 200
    html = page(response)
    assert "摄影" in html and "我是甲" in html
    # The profile is read-only (the only form is for the team's notes, above it).
    assert "<form" not in html.split('data-testid="profile-teams"', 1)[1]


def test_a_coordinator_sees_only_their_own_teams_on_a_members_profile(client, login, two_teams):
    login(two_teams["boss_a"])
    html = page(client.get(f"/teams/{two_teams['a'].id}/members/{two_teams['in_both'].id}"))
    assert "阅览室志愿者队" in html
    assert "古籍修复队" not in html


@pytest.mark.parametrize(
    ("team_key", "person_key", "status"),
    [
        ("b", "in_b", 403),  # a member of another team, through that team
        ("b", "in_both", 403),  # even one who is also in my team, through the other team
        ("a", "in_b", 404),  # not a member of my team
    ],
)
def test_member_profiles_are_closed_outside_ones_own_team(
    client, login, two_teams, team_key, person_key, status
):
    login(two_teams["boss_a"])
    url = f"/teams/{two_teams[team_key].id}/members/{two_teams[person_key].id}"
    assert client.get(url).status_code == status


def test_volunteers_cannot_read_member_profiles_and_admins_can(client, login, two_teams, admin):
    url = f"/teams/{two_teams['a'].id}/members/{two_teams['in_a'].id}"
    login(two_teams["in_both"])
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(admin)
    response = client.get(f"/teams/{two_teams['b'].id}/members/{two_teams['in_both'].id}")
    assert response.status_code == 200
    assert "阅览室志愿者队" in page(response) and "古籍修复队" in page(response)


# Personal data and anonymisation ---------------------------------------------------------------


def test_personal_data_has_a_volunteer_section(client, login, db, volunteer):
    team = recruiting.team(name="阅览室志愿者队")
    members.join_team(team.id, volunteer.id, now=NOW)
    save(volunteer, skills=["摄影"], availability={"mon": ["morning"]}, introduction="你好")
    db.session.commit()
    section = personal_data.collect(volunteer)["sections"]["volunteer"]
    assert section["skills"] == ["摄影"]
    assert section["availability"] == {"mon": ["morning"]}
    assert section["introduction"] == "你好"
    assert section["memberships"][0]["team"] == "阅览室志愿者队"
    assert section["memberships"][0]["status"] == "active"
    login(volunteer)
    html = page(client.get("/profile/data"))
    assert 'data-testid="section-volunteer"' in html
    assert "阅览室志愿者队" in html


def test_anonymising_clears_skills_and_introduction_but_keeps_memberships(db, volunteer, admin):
    team = recruiting.team(name="阅览室志愿者队")
    members.join_team(team.id, volunteer.id, now=NOW)
    save(volunteer, skills=["摄影"], availability={"mon": ["morning"]}, introduction="我是张三")
    db.session.commit()
    anonymise.anonymise_person(
        volunteer, actor=admin, confirmation=volunteer.student_number, reason="毕业离校"
    )
    db.session.commit()
    db.session.expire_all()
    profile = profiles.get_profile(volunteer)
    assert profile.skills == []
    assert profile.introduction == ""
    assert members.find_membership(team.id, volunteer.id) is not None
