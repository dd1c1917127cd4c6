"""Logging in through the campus CAS server (统一身份认证), against a small CAS server on
loopback: linking by student number, creating people when allowed, single logout, and
every bad input: forged, replayed or foreign tickets, missing attributes, a server that is
down, slow or garbled."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import func, select

from app.accounts import sessions, sso
from app.accounts.models import LoginDay, SsoSession, User
from app.audit.models import AuditEntry
from tests import factories
from tests.accounts.cas_server import RunningCas, logout_request
from tests.helpers import race

CAS_MAPPING = {"student_number": "employeeNumber", "name": "cn", "email": "mail", "college": "ou"}


@pytest.fixture(scope="module")
def running_cas():
    server = RunningCas()
    yield server
    server.stop()


@pytest.fixture
def cas(app, running_cas, monkeypatch):
    running_cas.cas.mode = "ok"
    monkeypatch.setitem(app.config, "CAS_SERVER_URL", running_cas.url)
    monkeypatch.setitem(app.config, "CAS_PROTOCOL", "3")
    monkeypatch.setitem(app.config, "CAS_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "CAS_ATTRIBUTES", CAS_MAPPING)
    monkeypatch.setitem(app.config, "SSO_CREATE_PEOPLE", False)
    monkeypatch.setitem(app.config, "SSO_ONLY", False)
    return running_cas.cas


def service_of(client, next_url: str | None = None) -> str:
    """Start the campus login; the service address the CAS server is asked to return to."""
    path = "/sso/cas/login" + (f"?next={next_url}" if next_url else "")
    response = client.get(path)
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.path == "/cas/login"
    return parse_qs(location.query)["service"][0]


def come_back(client, service: str, ticket: str):
    """The browser returns from the CAS server to the service address with the ticket."""
    url = urlparse(service)
    separator = "&" if url.query else ""
    return client.get(f"{url.path}?{url.query}{separator}ticket={ticket}")


def student(db, **fields):
    person = factories.person(name="王同学", student_number="2023141099", **fields)
    db.session.commit()
    return person


def test_a_student_logs_in_and_lands_where_they_were_going(client, cas, db):
    person = student(db)
    service = service_of(client, "/engagement/me")
    ticket = cas.issue(service, "wang", employeeNumber="2023141099", cn="王同学")

    response = come_back(client, service, ticket)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/engagement/me")
    assert client.get("/profile").status_code == 200  # logged in, remembered
    days = db.session.scalar(
        select(func.count()).select_from(LoginDay).where(LoginDay.user_id == person.id)
    )
    assert days == 1


def test_a_replayed_ticket_is_refused(client, cas, db):
    student(db)
    service = service_of(client)
    ticket = cas.issue(service, "wang", employeeNumber="2023141099")
    assert come_back(client, service, ticket).status_code == 302
    fresh = client.application.test_client()
    response = come_back(fresh, service, ticket)
    assert response.status_code == 400
    assert "INVALID_TICKET" in response.get_data(as_text=True)
    assert fresh.get("/profile").status_code == 302


@pytest.mark.parametrize(
    ("ticket", "code"),
    [("ST-forged0000000000", "INVALID_TICKET"), ("not a ticket <script>", None), ("", None)],
)
def test_forged_or_missing_tickets_are_refused(client, cas, db, ticket, code):
    student(db)
    service = service_of(client)
    response = come_back(client, service, ticket)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="sso-error"' in page
    if code:
        assert code in page
    assert "<script>" not in page
    assert client.get("/profile").status_code == 302


def test_a_ticket_for_another_service_is_refused(client, cas, db):
    student(db)
    service = service_of(client)
    ticket = cas.issue("https://elsewhere.example/login", "wang", employeeNumber="2023141099")
    response = come_back(client, service, ticket)
    assert response.status_code == 400
    assert "INVALID_SERVICE" in response.get_data(as_text=True)


def test_the_service_address_is_the_public_one_whatever_host_the_browser_named(
    client, cas, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteer.lib.example.edu.cn")
    student(db)
    service = service_of(client)  # the browser came through localhost, a trusted host
    assert service == "https://volunteer.lib.example.edu.cn/sso/cas/callback"
    # A ticket the CAS server issued for the address the Host header named is not ours.
    stray = cas.issue("http://localhost/sso/cas/callback", "w", employeeNumber="2023141099")
    response = come_back(client, service, stray)
    assert response.status_code == 400
    assert "INVALID_SERVICE" in response.get_data(as_text=True)

    response = come_back(client, service, cas.issue(service, "w", employeeNumber="2023141099"))
    assert response.status_code == 302 and client.get("/profile").status_code == 200


def test_a_ticket_the_server_accepts_twice_opens_one_session(client, cas, db, app):
    student(db)
    cas.mode = "careless"
    service = service_of(client)
    ticket = cas.issue(service, "wang", employeeNumber="2023141099")
    assert come_back(client, service, ticket).status_code == 302
    fresh = app.test_client()
    response = come_back(fresh, service, ticket)
    assert response.status_code == 409
    assert 'data-testid="sso-error"' in response.get_data(as_text=True)
    assert fresh.get("/profile").status_code == 302


def test_the_same_ticket_at_once_from_many_threads_opens_one_session(app, cas, db):
    student(db)
    identity = sso.Identity("wang", {"employeeNumber": "2023141099"}, CAS_MAPPING)
    outcomes = race(app, lambda _: sso.sign_in(identity, ticket="ST-raced01"), list(range(6)))
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert db.session.scalar(select(func.count()).select_from(SsoSession)) == 1


def test_attributes_without_a_student_number_are_refused(client, cas, db):
    student(db)
    service = service_of(client)
    ticket = cas.issue(service, "wang", cn="王同学")
    response = come_back(client, service, ticket)
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


def test_an_unknown_person_is_refused_unless_creation_is_allowed(client, cas, db, app, monkeypatch):
    college = factories.college(code="14", name="公共管理学院")
    db.session.commit()
    service = service_of(client)
    attributes = {"employeeNumber": "2025149999", "cn": "新同学", "ou": "公共管理学院"}
    response = come_back(client, service, cas.issue(service, "new", **attributes))
    assert response.status_code == 403
    assert "2025149999" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.student_number == "2025149999")) is None

    monkeypatch.setitem(app.config, "SSO_CREATE_PEOPLE", True)
    response = come_back(client, service, cas.issue(service, "new", **attributes))
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.student_number == "2025149999"))
    assert (created.name, created.college_id) == ("新同学", college.id)
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "accounts.sso_created")
    ).object_id == str(created.id)


def test_a_deactivated_account_cannot_log_in(client, cas, db):
    person = student(db)
    person.active = False
    db.session.commit()
    service = service_of(client)
    response = come_back(client, service, cas.issue(service, "w", employeeNumber="2023141099"))
    assert response.status_code == 403


@pytest.mark.parametrize("mode", ["broken", "garbled", "slow"])
def test_a_server_that_fails_gives_a_clear_page_and_offers_password_login(client, cas, db, mode):
    student(db)
    service = service_of(client)
    ticket = cas.issue(service, "wang", employeeNumber="2023141099")
    cas.mode = mode
    response = come_back(client, service, ticket)
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert 'data-testid="sso-error"' in page
    assert 'href="/login"' in page


def test_a_server_that_is_down(client, cas, db, app, monkeypatch):
    student(db)
    monkeypatch.setitem(app.config, "CAS_SERVER_URL", "http://127.0.0.1:9/cas")
    service = service_of(client)
    assert come_back(client, service, "ST-anything123").status_code == 503


def test_cas_2_reads_the_user_name_as_the_student_number(client, cas, db, app, monkeypatch):
    student(db)
    monkeypatch.setitem(app.config, "CAS_PROTOCOL", "2")
    monkeypatch.setitem(app.config, "CAS_ATTRIBUTES", {})
    service = service_of(client)
    response = come_back(client, service, cas.issue(service, "2023141099"))
    assert response.status_code == 302
    assert "/cas/serviceValidate" in cas.requests


def test_logging_out_ends_the_campus_login_too(client, cas, db):
    student(db)
    service = service_of(client)
    come_back(client, service, cas.issue(service, "w", employeeNumber="2023141099"))
    page = client.post("/logout", data={}).get_data(as_text=True)
    target = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page).group(1)
    location = urlparse(html.unescape(target))
    assert location.path == "/cas/logout"
    assert parse_qs(location.query)["service"][0].endswith("/login")
    assert client.get("/profile").status_code == 302


def test_the_servers_single_logout_ends_every_session(client, cas, db, app):
    person = student(db)
    service = service_of(client)
    ticket = cas.issue(service, "w", employeeNumber="2023141099")
    come_back(client, service, ticket)
    assert client.get("/profile").status_code == 200
    assert len(sessions.live_sessions(person.id)) == 1  # the campus login is a device's login

    answer = app.test_client().post(service, data={"logoutRequest": logout_request(ticket)})
    assert answer.status_code == 200

    assert client.get("/profile").status_code == 302
    assert sessions.live_sessions(person.id) == []


def test_a_logout_request_for_a_ticket_we_did_not_open_a_session_for_changes_nothing(
    client, cas, db, app
):
    person = student(db)
    service = service_of(client)
    come_back(client, service, cas.issue(service, "w", employeeNumber="2023141099"))
    devices_before = [row.id for row in sessions.live_sessions(person.id)]
    # A ticket the server issued that never became a session here, and one it never issued.
    refused = cas.issue(service, "w", cn="no number")
    come_back(app.test_client(), service, refused)
    for ticket in (refused, "ST-never-issued-0001"):
        answer = app.test_client().post(service, data={"logoutRequest": logout_request(ticket)})
        assert answer.status_code == 200

    assert client.get("/profile").status_code == 200
    db.session.expire_all()
    assert [row.id for row in sessions.live_sessions(person.id)] == devices_before
    logouts = select(AuditEntry).where(AuditEntry.action == "accounts.sso_logout")
    assert db.session.scalar(logouts) is None


def test_a_garbled_logout_request_changes_nothing(client, cas, db, app):
    student(db)
    response = app.test_client().post(
        "/sso/cas/callback", data={"logoutRequest": "<!DOCTYPE x [<!ENTITY a 'b'>]><x/>"}
    )
    assert response.status_code == 200


def test_with_sso_only_passwords_are_for_admins(client, cas, db, app, monkeypatch, login, admin):
    monkeypatch.setitem(app.config, "SSO_ONLY", True)
    person = student(db)
    page = client.get("/login").get_data(as_text=True)
    assert 'data-testid="cas-login"' in page and 'data-testid="admin-login"' in page
    login(person)
    assert client.get("/profile").status_code == 302
    login(admin)
    assert client.get("/profile").status_code == 200


def test_without_cas_the_login_page_has_no_campus_button(client, db):
    assert 'data-testid="cas-login"' not in client.get("/login").get_data(as_text=True)
    assert client.get("/sso/cas/login").status_code == 404
