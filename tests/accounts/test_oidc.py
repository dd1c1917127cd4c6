"""Logging in through an OpenID Connect provider (authorisation code with PKCE), against a
small provider on loopback: the whole flow, and state, nonce, signature, audience, expiry,
PKCE and provider failures each refused with nothing written."""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlparse

import pytest
from joserfc.jwk import RSAKey

from app.accounts import oidc, sessions
from tests import factories
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, RunningProvider


@pytest.fixture(scope="module")
def running_provider():
    server = RunningProvider()
    yield server
    server.stop()


@pytest.fixture
def provider(app, running_provider, monkeypatch):
    running_provider.provider.mode = "ok"
    running_provider.provider.issuer = ""
    oidc._discovered.clear()
    monkeypatch.setitem(app.config, "CAS_SERVER_URL", "")
    monkeypatch.setitem(app.config, "OIDC_ISSUER", running_provider.provider.url)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setitem(app.config, "OIDC_TIMEOUT", 1.0)
    yield running_provider.provider
    oidc._discovered.clear()


@pytest.fixture
def person(db):
    user = factories.person(name="李同学", student_number="2024141077")
    db.session.commit()
    return user


def start(client, next_url: str | None = None) -> dict[str, str]:
    """Press the campus login button; the authorisation request's parameters."""
    response = client.get("/sso/oidc/login" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.path == "/authorize"
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def authorised(provider, request: dict[str, str], **overrides) -> str:
    claims = {"sub": "u-77", "student_number": "2024141077", "name": "李同学"}
    claims.update(overrides)
    return provider.issue_code(
        request["redirect_uri"],
        request["code_challenge"],
        claims.pop("nonce", request["nonce"]),
        **claims,
    )


def come_back(client, request: dict[str, str], code: str, state: str | None = None):
    return client.get(f"/sso/oidc/callback?code={code}&state={state or request['state']}")


def logged_in(client) -> bool:
    return client.get("/profile").status_code == 200


def test_the_whole_flow_with_pkce(client, provider, person):
    request = start(client, "/engagement/me")
    assert request["code_challenge_method"] == "S256"
    assert request["client_id"] == CLIENT_ID and "openid" in request["scope"]

    response = come_back(client, request, authorised(provider, request))

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/engagement/me")
    assert logged_in(client)


def test_a_state_that_does_not_match_is_refused(client, provider, person):
    request = start(client)
    response = come_back(client, request, authorised(provider, request), state="forged")
    assert response.status_code == 400
    assert not logged_in(client)


def test_a_callback_without_a_login_started_here_is_refused(client, provider, person, app):
    request = start(client)
    code = authorised(provider, request)
    stranger = app.test_client()
    assert come_back(stranger, request, code).status_code == 400
    assert not logged_in(stranger)


def test_a_replayed_callback_is_refused(client, provider, person):
    request = start(client)
    code = authorised(provider, request)
    assert come_back(client, request, code).status_code == 302
    client.post("/logout", data={})
    assert come_back(client, request, code).status_code == 400


@pytest.mark.parametrize(
    "wrong",
    [
        {"nonce": "another-nonce"},
        {"aud": "another-client"},
        {"iss": "https://elsewhere.example"},
        {"aud": [CLIENT_ID, "library-app"]},
        {"aud": [CLIENT_ID, "library-app"], "azp": "library-app"},
        {"azp": "library-app"},
        {"exp": int(time.time()) - 60},
        {"sign_with": RSAKey.generate_key(2048, {"kid": "k1"}, True)},
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused(client, provider, person, wrong):
    request = start(client)
    response = come_back(client, request, authorised(provider, request, **wrong))
    assert response.status_code == 400
    assert 'data-testid="sso-error"' in response.get_data(as_text=True)
    assert not logged_in(client)


def test_a_token_for_several_audiences_issued_to_us_is_accepted(client, provider, person):
    request = start(client)
    code = authorised(provider, request, aud=[CLIENT_ID, "library-app"], azp=CLIENT_ID)
    assert come_back(client, request, code).status_code == 302
    assert logged_in(client)


def test_a_provider_speaking_for_another_issuer_is_not_believed(client, provider, person):
    provider.issuer = "https://elsewhere.example"
    response = client.get("/sso/oidc/login")
    assert response.status_code == 503
    assert 'data-testid="sso-error"' in response.get_data(as_text=True)


def test_the_redirect_address_is_the_public_one(client, provider, person, app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteer.lib.example.edu.cn/")
    request = start(client)  # the browser came through localhost, a trusted host
    assert request["redirect_uri"] == "https://volunteer.lib.example.edu.cn/sso/oidc/callback"
    assert come_back(client, request, authorised(provider, request)).status_code == 302
    assert logged_in(client)


def test_a_code_for_another_pkce_challenge_is_refused(client, provider, person):
    request = start(client)
    code = provider.issue_code(
        request["redirect_uri"],
        "not-our-challenge",
        request["nonce"],
        sub="u-77",
        student_number="2024141077",
    )
    assert come_back(client, request, code).status_code == 400
    assert not logged_in(client)


def test_the_provider_saying_no_is_shown(client, provider, person):
    request = start(client)
    response = client.get(f"/sso/oidc/callback?error=access_denied&state={request['state']}")
    assert response.status_code == 400
    assert "access_denied" in response.get_data(as_text=True)


def test_claims_without_a_student_number_are_refused(client, provider, person):
    request = start(client)
    response = come_back(client, request, authorised(provider, request, student_number=None))
    assert response.status_code == 400
    assert not logged_in(client)


def test_a_provider_that_is_down(client, provider, person):
    provider.mode = "down"
    response = client.get("/sso/oidc/login")
    assert response.status_code == 503
    assert 'href="/login"' in response.get_data(as_text=True)


def test_logging_out_ends_the_provider_session(client, provider, person):
    request = start(client)
    come_back(client, request, authorised(provider, request))
    assert len(sessions.live_sessions(person.id)) == 1
    page = client.post("/logout", data={}).get_data(as_text=True)
    target = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', page).group(1)
    location = urlparse(html.unescape(target))
    assert location.path == "/logout"
    assert parse_qs(location.query)["post_logout_redirect_uri"][0].endswith("/login")
    assert sessions.live_sessions(person.id) == []  # and this device's login on our side
