"""The factory, configuration, security headers and error handling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from app.extensions import limiter
from config import ProductionConfig, TestConfig

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("secret", [None, "", "dev-only-secret-change-me", "short"])
def test_production_refuses_to_start_without_a_real_secret(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI="sqlite://")


def production(**overrides):
    settings = {
        "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "APP_BASE_URL": "https://volunteer.lib.example.edu.cn",
        **overrides,
    }
    return create_app(ProductionConfig, **settings)


def test_production_starts_with_a_real_secret_and_secure_cookies():
    app = production()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_every_page_sends_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style_the_policy_would_block():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        # A JSON data block (type="application/json") is data, never run: allowed.
        if re.search(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', text):
            offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template.name}: inline event handler")
        if re.search(r"\sstyle\s*=", text):
            offenders.append(f"{template.name}: style attribute")
    assert offenders == []


def test_static_assets_are_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "https://" not in page.split("<body", 1)[0]
    assert client.get("/static/vendor/bootstrap-5.3.9/bootstrap.min.css").status_code == 200


def test_unexpected_error_gives_a_500_page_in_chinese(client, login, student, monkeypatch):
    from app.accounts import services

    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "profile_gaps", broken)
    login(student)
    response = client.get("/")
    assert response.status_code == 500
    assert "服务器出错" in response.get_data(as_text=True)


def test_method_not_allowed_is_a_page_that_says_what_is_allowed(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_the_embedded_sqlite_database_runs_in_wal_mode_with_foreign_keys(tmp_path):
    from app.extensions import db

    app = create_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        db.engine.dispose()


@pytest.mark.parametrize("base", ["", "volunteer.lib.example.edu.cn", "ftp://host"])
def test_production_refuses_to_start_without_its_public_address(base):
    with pytest.raises(RuntimeError, match="APP_BASE_URL"):
        production(APP_BASE_URL=base)


def test_production_answers_only_its_own_host():
    client = production().test_client()
    assert client.get("/login", base_url="https://volunteer.lib.example.edu.cn").status_code == 200
    assert client.get("/login", base_url="http://localhost").status_code == 400


def test_a_request_naming_another_host_is_refused_with_a_page(app, monkeypatch):
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    response = app.test_client().get("/login", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert 'data-testid="error-detail"' in response.get_data(as_text=True)


def same_database(app, **overrides):
    """A second app on the test database, as another configuration would start it."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri, **overrides)


def failed_logins(client, address: str, times: int) -> list[int]:
    """Statuses of `times` wrong logins from a client the proxy saw at `address`."""
    data = {"identifier": "2099000001", "password": "wrong-password"}
    headers = {"X-Forwarded-For": address}
    return [client.post("/login", data=data, headers=headers).status_code for _ in range(times)]


def test_behind_a_trusted_proxy_each_client_has_its_own_limits(app, db):
    proxied = same_database(app, TRUSTED_PROXIES=1, LOGIN_ADDRESS_RATE_LIMIT="2 per minute")
    limiter.reset()
    client = proxied.test_client()
    try:
        assert failed_logins(client, "10.1.0.7", 3) == [200, 200, 429]
        assert failed_logins(client, "10.2.0.9", 1) == [200]
    finally:
        limiter.reset()
        with proxied.app_context():
            from app.extensions import db as database

            database.engine.dispose()


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        assert failed_logins(client, "10.1.0.7", 2) == [200, 200]
        assert failed_logins(client, "10.2.0.9", 1) == [429]
    finally:
        limiter.reset()
