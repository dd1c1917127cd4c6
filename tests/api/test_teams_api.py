"""Teams, campaigns and applying through the API: the page's campaigns and rules, answers
checked as on the form with every problem named, idempotent apply, other people's
applications and unpublished campaigns out of reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.time import utcnow
from app.recruitment import membership
from app.recruitment.models import Application
from tests.api.conftest import bearer
from tests.recruitment import recruiting

ALL = ("teams:read", "teams:write", "profile:read")


@pytest.fixture
def world(db, make_token):
    """A volunteer in one team; an open campaign of another team, a closed one, a draft."""
    home = recruiting.team(name="阅览室志愿者队")
    other = recruiting.team(name="古籍修复志愿队")
    person = recruiting.applicant("张三")
    membership.join_team(home.id, person.id)
    now = utcnow()
    open_campaign = recruiting.campaign(other)
    later = recruiting.campaign(other, title="秋季招募", closes_at=now + timedelta(days=9))
    closed = recruiting.campaign(
        home, title="旧的招募", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1)
    )
    draft = recruiting.campaign(home, title="草稿", published=False)
    db.session.commit()
    return {
        "person": person,
        "home": home,
        "open": open_campaign,
        "later": later,
        "closed": closed,
        "draft": draft,
        "headers": bearer(make_token(person, scopes=ALL)),
    }


def apply(client, world, campaign, body, **headers):
    return client.post(
        f"/api/v1/campaigns/{campaign.id}/apply",
        json=body,
        headers={**world["headers"], **headers},
    )


def good_body(campaign) -> dict:
    return {"answers": recruiting.answers_for(campaign), "consent": True}


def test_me_and_my_teams_show_the_persons_memberships(client, world):
    me = client.get("/api/v1/me", headers=world["headers"]).json["data"]
    teams = client.get("/api/v1/me/teams", headers=world["headers"]).json["data"]
    assert [t["team"]["id"] for t in me["teams"]] == [world["home"].id]
    assert teams == me["teams"] and teams[0]["status"] == "active"


def test_open_campaigns_by_cursor_closing_soonest_first(client, world):
    first = client.get("/api/v1/campaigns?limit=1", headers=world["headers"])
    cursor = first.json["meta"]["next_cursor"]
    rest = client.get(f"/api/v1/campaigns?limit=1&cursor={cursor}", headers=world["headers"])
    ids = [c["id"] for c in first.json["data"] + rest.json["data"]]
    assert ids == [world["open"].id, world["later"].id]
    assert first.json["data"][0]["can_apply"] is True


def test_a_campaign_has_its_questions_and_an_etag_and_a_draft_is_not_found(client, world):
    url = f"/api/v1/campaigns/{world['open'].id}"
    one = client.get(url, headers=world["headers"])
    assert len(one.json["data"]["questions"]) == 5
    same = client.get(url, headers={**world["headers"], "If-None-Match": one.headers["ETag"]})
    assert same.status_code == 304
    closed = client.get(f"/api/v1/campaigns/{world['closed'].id}", headers=world["headers"])
    assert closed.json["data"]["can_apply"] is False and closed.json["data"]["reasons"]
    draft = client.get(f"/api/v1/campaigns/{world['draft'].id}", headers=world["headers"])
    assert draft.status_code == 404 and draft.json["code"] == "not_found"


def test_applying_is_replayed_with_its_key_and_listed_as_mine(client, world, db):
    key = {"Idempotency-Key": "apply-1"}
    first = apply(client, world, world["open"], good_body(world["open"]), **key)
    again = apply(client, world, world["open"], good_body(world["open"]), **key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert first.json["data"]["status"] == "submitted"
    assert db.session.scalar(select(func.count(Application.id))) == 1
    twice = apply(client, world, world["open"], good_body(world["open"]))
    assert twice.status_code == 409 and twice.json["code"] == "conflict"
    mine = client.get("/api/v1/me/applications", headers=world["headers"])
    assert [a["id"] for a in mine.json["data"]] == [first.json["data"]["id"]]
    listed = client.get("/api/v1/campaigns", headers=world["headers"]).json["data"][0]
    assert listed["my_application_id"] == first.json["data"]["id"] and not listed["can_apply"]


def test_bad_answers_name_every_question_and_nothing_is_written(client, world, db):
    campaign = world["open"]
    campaign.consent_text = "我同意图书馆保存我的报名信息。"
    db.session.commit()
    questions = {q.label: str(q.id) for q in campaign.questions}
    body = good_body(campaign)
    body["answers"][questions["Why do you want to join?"]] = ""
    body["answers"][questions["Campus"]] = "北京"
    body["consent"] = False
    answer = apply(client, world, campaign, body)
    assert answer.status_code == 400
    fields = {error["field"] for error in answer.json["errors"]}
    assert fields == {
        f"answers.{questions['Why do you want to join?']}",
        f"answers.{questions['Campus']}",
        "consent",
    }
    wrong_type = apply(client, world, campaign, {"answers": "都行"})
    assert wrong_type.status_code == 422 and wrong_type.json["errors"][0]["field"] == "answers"
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_a_closed_campaign_or_a_draft_cannot_be_applied_to(client, world, db):
    closed = apply(client, world, world["closed"], good_body(world["closed"]))
    assert closed.status_code == 400 and closed.json["code"] == "invalid_input"
    draft = apply(client, world, world["draft"], good_body(world["draft"]))
    assert draft.status_code == 404
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_someone_elses_applications_are_not_listed(client, world, db):
    recruiting.apply(world["open"], recruiting.applicant("李四"))
    db.session.commit()
    mine = client.get("/api/v1/me/applications", headers=world["headers"])
    assert mine.json["data"] == []


OPERATIONS = [
    ("get", "/api/v1/me/teams", "teams:read"),
    ("get", "/api/v1/campaigns", "teams:read"),
    ("get", "/api/v1/campaigns/{campaign}", "teams:read"),
    ("get", "/api/v1/me/applications", "teams:read"),
    ("post", "/api/v1/campaigns/{campaign}/apply", "teams:write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_each_operation_needs_a_token_with_its_scope(
    client, world, make_token, admin, method, path, scope
):
    url = path.format(campaign=world["open"].id)
    body = {"json": good_body(world["open"])} if method == "post" else {}
    call = getattr(client, method)
    assert call(url, **body).status_code == 401
    other = "teams:write" if scope == "teams:read" else "teams:read"
    lacking = call(url, headers=bearer(make_token(world["person"], scopes=[other])), **body)
    assert lacking.status_code == 403 and lacking.json["code"] == "insufficient_scope"
    assert call(url, headers=world["headers"], **body).status_code in (200, 201)
    coordinator = recruiting.coordinator(world["home"])
    for someone in (admin, coordinator):
        theirs = call(url, headers=bearer(make_token(someone, scopes=ALL)), **body)
        assert theirs.status_code in (200, 201)
        if path.startswith("/api/v1/me/"):
            assert theirs.json["data"] == []
