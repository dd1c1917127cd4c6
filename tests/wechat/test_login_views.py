"""Opening the site from the Official Account's menu, in WeChat's browser, against the fake
WeChat: the silent authorisation, logging in by a bound WeChat, binding at the first login,
the profile's unbind button, and every bad answer ending on a clear page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.accounts.models import LoginSession
from app.audit.models import AuditEntry
from app.extensions import db
from app.wechat import bindings
from app.wechat.models import WeChatBinding
from tests import factories
from tests.accounts.cas_server import RunningCas
from tests.accounts.test_cas import CAS_MAPPING, come_back, service_of
from tests.helpers import choose_english, page

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI "
    "Language/zh_CN"
)
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
OPENID = "o_fake_openid_1"


@pytest.fixture
def in_wechat(client):
    """A client in WeChat's browser. Pages are checked in English, the source language (the
    Chinese of new messages is added to the catalogue at merge)."""
    client.environ_base["HTTP_USER_AGENT"] = WECHAT_UA
    choose_english(client)
    return client


@pytest.fixture
def campus_login(app, monkeypatch):
    """The campus CAS login, answered by the fake CAS server of tests/accounts."""
    server = RunningCas()
    monkeypatch.setitem(app.config, "CAS_SERVER_URL", server.url)
    monkeypatch.setitem(app.config, "CAS_PROTOCOL", "3")
    monkeypatch.setitem(app.config, "CAS_ATTRIBUTES", CAS_MAPPING)
    yield server.cas
    server.stop()


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _through_wechat(response) -> str:
    """Follow our redirect to the fake's authorisation page: where it sends the phone back."""
    assert response.status_code == 302
    answer = requests.get(response.headers["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return _local(answer.headers["Location"])


def _bindings() -> int:
    return db.session.scalar(select(func.count()).select_from(WeChatBinding))


def _writes() -> tuple[int, int, int]:
    """Rows a WeChat login writes: bindings, device logins, audit entries."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(WeChatBinding), count(LoginSession), count(AuditEntry)


def test_a_bound_wechat_is_logged_in_silently_and_lands_where_it_was_going(
    in_wechat, wechat, student
):
    bindings.bind(student, OPENID)
    db.session.commit()
    first = in_wechat.get("/profile?tab=1")
    assert first.headers["Location"].startswith(wechat.url + "/connect/oauth2/authorize")
    back = in_wechat.get(_through_wechat(first))
    assert back.status_code == 302
    assert back.headers["Location"] == "/profile?tab=1"
    assert "张三" in page(in_wechat.get("/profile"))


def test_an_unbound_wechat_sees_the_login_page_and_is_bound_by_logging_in(
    in_wechat, wechat, student, login
):
    back = in_wechat.get(_through_wechat(in_wechat.get("/profile")))
    assert back.headers["Location"] == "/profile"
    asked = in_wechat.get("/profile")
    assert asked.headers["Location"].startswith("/login")
    login_page = in_wechat.get(asked.headers["Location"])
    assert 'data-testid="wechat-will-bind"' in page(login_page)
    assert "your WeChat will be bound" in page(login_page)
    assert _bindings() == 0
    login(student)
    assert bindings.person_for(OPENID) == student
    assert "wechat.bound" in db.session.scalars(select(AuditEntry.action)).all()


def test_an_unbound_wechat_opening_a_public_page_sees_it_without_logging_in(in_wechat, wechat):
    back = in_wechat.get(_through_wechat(in_wechat.get("/help")))
    assert back.headers["Location"] == "/help"
    assert in_wechat.get("/help").status_code == 200
    assert _bindings() == 0


def test_the_login_page_comes_once_then_the_site_is_left_alone(in_wechat, wechat):
    in_wechat.get(_through_wechat(in_wechat.get("/")))
    assert in_wechat.get("/").status_code == 200
    assert in_wechat.get("/login").status_code == 200


def test_after_logging_out_wechat_does_not_log_the_person_back_in(in_wechat, wechat, student):
    bindings.bind(student, OPENID)
    db.session.commit()
    in_wechat.get(_through_wechat(in_wechat.get("/")))
    in_wechat.post("/logout")
    assert in_wechat.get("/profile").headers["Location"].startswith("/login")


def test_a_campus_login_binds_too(in_wechat, wechat, campus_login):
    person = factories.person(name="王同学", student_number="2023141099")
    db.session.commit()
    in_wechat.get(_through_wechat(in_wechat.get("/")))
    service = service_of(in_wechat)
    ticket = campus_login.issue(service, "wang", employeeNumber="2023141099", cn="王同学")
    assert come_back(in_wechat, service, ticket).status_code == 302
    assert bindings.person_for(OPENID).id == person.id


def test_a_wechat_bound_to_someone_else_leaves_the_login_and_binds_nothing(
    in_wechat, wechat, student, login
):
    other = factories.person(name="李四")
    bindings.bind(student, "o_mine")
    db.session.commit()
    in_wechat.get(_through_wechat(in_wechat.get("/")))
    # Meanwhile the same WeChat got bound to someone else.
    bindings.bind(other, OPENID)
    db.session.commit()
    response = login(student)
    assert response.status_code == 302
    landing = page(in_wechat.get(response.headers["Location"]))
    assert "already bound to another account" in landing
    assert bindings.binding_of(student.id).openid == "o_mine"
    assert bindings.person_for(OPENID).id == other.id


def test_outside_wechat_nothing_changes(client, wechat):
    client.environ_base["HTTP_USER_AGENT"] = PHONE_UA
    assert client.get("/").status_code == 200
    assert client.get("/profile").headers["Location"].startswith("/login")


def test_without_wechat_settings_nothing_changes(in_wechat, student, login):
    assert in_wechat.get("/").status_code == 200
    assert in_wechat.get("/wechat/callback?code=x&state=y").status_code == 404
    assert in_wechat.get("/wechat/login").status_code == 404
    login(student)
    profile = page(in_wechat.get("/profile"))
    assert 'data-testid="wechat-binding"' not in profile


def test_profile_shows_the_binding_and_unbinds_it(in_wechat, wechat, student, login):
    bindings.bind(student, OPENID)
    db.session.commit()
    login(student)
    profile = page(in_wechat.get("/profile"))
    assert "WeChat bound on" in profile
    assert in_wechat.post("/wechat/unbind").status_code == 302
    assert bindings.person_for(OPENID) is None
    assert "Not bound" in page(in_wechat.get("/profile"))


def _started(in_wechat) -> tuple[str, dict[str, list[str]]]:
    back = _through_wechat(in_wechat.get("/"))
    return back, parse_qs(urlsplit(back).query)


def test_a_state_that_does_not_match_is_refused_and_nothing_written(in_wechat, wechat, student):
    bindings.bind(student, OPENID)
    db.session.commit()
    before = _writes()
    _, query = _started(in_wechat)
    response = in_wechat.get(f"/wechat/callback?code={query['code'][0]}&state=forged")
    assert response.status_code == 400
    assert "did not start on this page" in page(response)
    assert 'data-testid="wechat-error-login"' in page(response)
    assert _writes() == before
    assert in_wechat.get("/profile").status_code == 302


def test_a_forged_code_is_refused(in_wechat, wechat):
    _, query = _started(in_wechat)
    response = in_wechat.get(f"/wechat/callback?code=forged123&state={query['state'][0]}")
    assert response.status_code == 400
    assert "has been used or has expired" in page(response)


def test_a_replayed_code_is_refused(in_wechat, wechat, student):
    bindings.bind(student, OPENID)
    db.session.commit()
    back, query = _started(in_wechat)
    assert in_wechat.get(back).status_code == 302
    in_wechat.post("/logout")
    # The same answer again, with a state the session now holds.
    again = in_wechat.get("/wechat/login")
    state = parse_qs(urlsplit(again.headers["Location"]).query)["state"][0]
    replay = in_wechat.get(f"/wechat/callback?code={query['code'][0]}&state={state}")
    assert replay.status_code == 400
    assert in_wechat.get("/profile").status_code == 302


def test_a_callback_without_an_authorisation_under_way_is_refused(in_wechat, wechat):
    assert in_wechat.get("/wechat/callback?code=abc&state=abc").status_code == 400


def test_a_wechat_error_is_a_clear_page(in_wechat, wechat):
    back, _ = _started(in_wechat)
    wechat.secret = "changed-on-the-platform"
    response = in_wechat.get(back)
    assert response.status_code == 502
    assert "WeChat could not confirm who you are" in page(response)
    assert _writes() == (0, 0, 0)


def test_wechat_not_answering_is_a_clear_page(in_wechat, wechat, app):
    back, _ = _started(in_wechat)
    app.config["WECHAT_API_BASE"] = "http://127.0.0.1:9"
    response = in_wechat.get(back)
    assert response.status_code == 502
    assert "WeChat did not answer in time" in page(response)
    assert 'href="/login' in page(response)


def test_an_unsafe_next_is_dropped(in_wechat, wechat, student):
    bindings.bind(student, OPENID)
    db.session.commit()
    first = in_wechat.get("/login?next=https://evil.example/")
    back = in_wechat.get(_through_wechat(first))
    assert back.headers["Location"] == "/"


def test_the_error_page_is_in_chinese_by_default(client, wechat):
    client.environ_base["HTTP_USER_AGENT"] = WECHAT_UA
    response = client.get("/wechat/callback?code=abc&state=abc")
    assert response.status_code == 400
    assert 'lang="zh-CN"' in page(response)
    assert ">登录</a>" in page(response)
