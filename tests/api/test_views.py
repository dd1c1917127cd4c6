"""The API through HTTP: tokens on the profile page, token auth, the envelope, errors."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.api import services
from app.api.models import ApiToken
from app.audit.models import AuditEntry
from app.common.time import utcnow
from tests import factories
from tests.api.conftest import bearer
from tests.helpers import choose_english, page

SECRET = re.compile(r"gc_[A-Za-z0-9_-]{43}")


def create_on_page(client, name="课表脚本", scopes=("profile:read",), expires_in="30"):
    return client.post(
        "/profile/tokens", data={"name": name, "scopes": list(scopes), "expires_in": expires_in}
    )


# The token pages


def test_profile_links_to_the_token_page(client, login, student):
    login(student)
    assert "/profile/tokens" in page(client.get("/profile"))


def test_created_token_is_shown_once_and_stored_only_as_a_hash(client, login, student, db):
    login(student)
    response = create_on_page(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(page(response)).group(0)
    assert "仅显示这一次" in page(response)

    reloaded = page(client.get("/profile/tokens"))
    assert secret not in reloaded
    assert "课表脚本" in reloaded and secret[:8] in reloaded

    db.session.expire_all()
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == services.hash_secret(secret)
    columns = [str(getattr(token, c.key)) for c in ApiToken.__table__.columns]
    assert not any(secret in value for value in columns)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "scopes": ["profile:read"], "expires_in": "30"},
        {"name": "脚本", "scopes": [], "expires_in": "30"},
        {"name": "脚本", "scopes": ["admin:all"], "expires_in": "30"},
        {"name": "脚本", "scopes": ["profile:read"], "expires_in": "1000"},
        {"name": "脚本", "scopes": ["profile:read"], "expires_in": "soon"},
    ],
)
def test_bad_token_form_shows_a_message_and_makes_nothing(client, login, student, db, data):
    login(student)
    response = client.post("/profile/tokens", data=data)
    assert response.status_code == 400
    assert 'class="invalid-feedback' in page(response)
    assert SECRET.search(page(response)) is None
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)) is None


def test_the_limit_of_active_tokens_is_explained_on_the_page(client, login, student, make_token):
    for n in range(services.MAX_ACTIVE_TOKENS):
        make_token(student, name=f"t{n}")
    login(student)
    response = create_on_page(client, name="one too many")
    assert "20" in page(response) and SECRET.search(page(response)) is None


def test_revoking_on_the_page_stops_the_token_and_is_audited(
    client, login, student, make_token, db
):
    secret = make_token(student)
    token_id = db.session.scalar(select(ApiToken.id))
    login(student)
    response = client.post(f"/profile/tokens/{token_id}/revoke", follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api.token_revoked"))
    answer = client.get("/api/v1/me", headers=bearer(secret))
    assert answer.status_code == 401 and answer.json["code"] == "token_revoked"


def test_someone_else_cannot_revoke_my_token(client, login, student, make_token, db):
    secret = make_token(student)
    token_id = db.session.scalar(select(ApiToken.id))
    other = factories.person(name="李四")
    db.session.commit()
    login(other)
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_other_peoples_tokens_are_not_listed_on_my_page(client, login, student, make_token):
    other = factories.person(name="李四")
    make_token(other, name="李四的脚本")
    login(student)
    assert "李四的脚本" not in page(client.get("/profile/tokens"))


def test_last_use_shows_on_the_page(client, login, student, make_token):
    secret = make_token(student)
    login(student)
    assert "从未" in page(client.get("/profile/tokens"))
    client.get("/api/v1/me", headers=bearer(secret))
    assert "从未" not in page(client.get("/profile/tokens"))


# GET /api/v1/me


def test_me_returns_the_token_owners_profile(client, db, make_token):
    college = factories.college("08", "计算机学院", majors=("软件工程",))
    major = factories.major(college, "软件工程")
    user = factories.person(
        name="张三",
        nickname="小张",
        roles=["volunteer"],
        college_id=college.id,
        major_id=major.id,
        enrolment_year=2023,
    )
    db.session.commit()
    secret = make_token(user)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json["meta"] == {}
    assert response.json["data"] == {
        "id": user.id,
        "student_number": user.student_number,
        "name": "张三",
        "nickname": "小张",
        "email": user.email,
        "college": {"id": college.id, "code": "08", "name": "计算机学院"},
        "major": {"id": major.id, "name": "软件工程"},
        "enrolment_year": 2023,
        "roles": ["volunteer"],
        "locale": "zh",
        "teams": [],
    }
    assert "password" not in page(response) and "session_token" not in page(response)


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    members = {"type", "title", "status", "detail", "instance", "code"}
    assert members <= set(response.json) <= members | {"errors"}
    assert response.json["type"] == f"/api/v1/problems/{code}"
    assert response.json["instance"] == urlparse(response.request.url).path
    assert response.json["status"] == status
    assert response.json["code"] == code
    assert response.json["detail"]


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b"],
)
def test_missing_or_malformed_header_is_401_json_not_a_redirect(client, student, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/api/v1/me", headers=headers)
    assert_refused(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="gongchuang"'
    assert "Location" not in response.headers


def test_unknown_token_is_401_invalid_token(client, student, make_token):
    make_token(student)
    response = client.get("/api/v1/me", headers=bearer("gc_" + "A" * 43))
    assert_refused(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_is_401_and_gives_no_data(client, student, make_token):
    secret = make_token(student, days=7, now=utcnow() - timedelta(days=8))
    assert_refused(client.get("/api/v1/me", headers=bearer(secret)), 401, "token_expired")


def test_deactivated_owners_token_stops_working(client, admin, student, make_token, db):
    secret = make_token(student)
    accounts.set_active(db.session.merge(student), False, actor=db.session.merge(admin))
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert_refused(response, 401, "account_deactivated")


def test_token_without_the_scope_is_403_insufficient_scope(client, student, make_token):
    secret = make_token(student, scopes=["credits:read"])
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert_refused(response, 403, "insufficient_scope")
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope", scope="profile:read"' in challenge
    listing = client.get("/api/v1/me/tokens", headers=bearer(secret))
    assert_refused(listing, 403, "insufficient_scope")


def test_session_cookie_alone_does_not_authorize_the_api(client, login, student):
    login(student)
    assert client.get("/profile").status_code == 200
    assert_refused(client.get("/api/v1/me"), 401, "unauthorized")


def test_a_used_token_notes_when(client, student, make_token, db):
    secret = make_token(student)
    client.get("/api/v1/me", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


# The envelope and pagination: GET /api/v1/me/tokens


def test_my_tokens_are_listed_in_pages_without_secrets(client, student, make_token):
    secrets = [make_token(student, name=f"脚本{n}") for n in range(3)]
    other = factories.person()
    make_token(other, name="别人的")
    response = client.get("/api/v1/me/tokens?per_page=2", headers=bearer(secrets[0]))
    assert response.status_code == 200
    assert response.json["meta"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}
    assert [t["name"] for t in response.json["data"]] == ["脚本2", "脚本1"]
    second = client.get("/api/v1/me/tokens?page=2&per_page=2", headers=bearer(secrets[0])).json
    assert [t["name"] for t in second["data"]] == ["脚本0"]
    assert second["data"][0]["status"] == "active"
    assert second["data"][0]["prefix"] == secrets[0][:8]
    body = page(response) + str(second)
    assert not any(secret in body for secret in secrets)
    assert "别人的" not in body and "token_hash" not in body


def test_a_page_past_the_end_is_an_empty_list(client, student, make_token):
    secret = make_token(student)
    response = client.get("/api/v1/me/tokens?page=9", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json == {
        "data": [],
        "meta": {"page": 9, "per_page": 20, "total": 1, "pages": 1},
    }


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "per_page=0", "per_page=101", "per_page=2.5"]
)
def test_bad_paging_arguments_are_400_with_the_argument_named(client, student, make_token, query):
    secret = make_token(student)
    response = client.get(
        f"/api/v1/me/tokens?{query}", headers=bearer(secret, **{"Accept-Language": "en"})
    )
    assert_refused(response, 400, "invalid_input")
    assert response.json["errors"][0]["field"] == query.split("=")[0]
    assert query.split("=")[0] in response.json["detail"]


def test_per_page_up_to_one_hundred_is_allowed(client, student, make_token):
    secret = make_token(student)
    response = client.get("/api/v1/me/tokens?per_page=100", headers=bearer(secret))
    assert response.json["meta"]["per_page"] == 100


# Errors: always the same JSON shape under /api/


def test_unknown_api_path_is_404_json(client):
    assert_refused(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_refused(client.get("/api/v2/me"), 404, "not_found")


def test_wrong_method_is_405_json(client, student, make_token):
    secret = make_token(student)
    assert_refused(client.post("/api/v1/me", headers=bearer(secret)), 405, "method_not_allowed")
    assert_refused(client.delete("/api/v1/me/tokens"), 405, "method_not_allowed")


def test_messages_follow_accept_language_and_default_to_chinese(client):
    chinese = client.get("/api/v1/nothing-here").json["detail"]
    english = client.get(
        "/api/v1/nothing-here", headers={"Accept-Language": "en-GB,en;q=0.9"}
    ).json["detail"]
    assert chinese == "你访问的页面不存在或已被删除。"
    assert english == "The page you asked for does not exist or has been removed."


def test_a_session_language_does_not_change_api_messages(client, login, student):
    choose_english(client)
    response = client.get("/api/v1/nothing-here")
    assert response.json["detail"] == "你访问的页面不存在或已被删除。"


def test_an_unexpected_error_is_500_json(client, student, make_token, monkeypatch):
    from app.api.resources import me

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(me, "person_json", broken)
    secret = make_token(student)
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert_refused(response, 500, "server_error")
    assert "boom" not in page(response)
