"""The factory, configuration, security headers and error handling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from config import ProductionConfig

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("secret", [None, "", "dev-only-secret-change-me", "short"])
def test_production_refuses_to_start_without_a_real_secret(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=secret, SQLALCHEMY_DATABASE_URI="sqlite://")


def test_production_starts_with_a_real_secret_and_secure_cookies():
    app = create_app(ProductionConfig, SECRET_KEY="x" * 40, SQLALCHEMY_DATABASE_URI="sqlite://")
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
