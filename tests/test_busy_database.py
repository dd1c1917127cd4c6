"""A write that cannot get its lock in time answers 503 "busy, try again" (a page in the
person's language, JSON under /api/), writes nothing, and works once the lock is free.

The lock is held by another connection to the suite's own database: SQLite's write lock
(`BEGIN IMMEDIATE` on the file) or, on PostgreSQL, the tables locked against writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask_babel import force_locale
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.accounts.models import LoginDay, User
from app.api.models import ApiToken
from app.errors import BUSY_RETRY_AFTER_SECONDS, ERROR_HINTS
from app.extensions import db as _db
from config import TestConfig
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import IsolatedClient

WAIT_MS = 50
TABLES = ("users", "login_days", "api_tokens")


@pytest.fixture
def busy_app(app):
    """A second app on the suite's database that waits only WAIT_MS for a lock."""
    impatient = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        SQLITE_BUSY_TIMEOUT_MS=WAIT_MS,
        POSTGRES_LOCK_TIMEOUT_MS=WAIT_MS,
    )
    impatient.test_client_class = IsolatedClient
    yield impatient
    with impatient.app_context():
        _db.engine.dispose()


@contextmanager
def writes_locked(app) -> Iterator[None]:
    """Hold the database's write lock from another connection until the block ends."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection, connection.begin() as transaction:
            connection.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE"))
            yield
            transaction.rollback()
    finally:
        engine.dispose()


def busy_message(locale: str) -> str:
    with force_locale(locale):
        return str(ERROR_HINTS[503])


def test_a_login_while_the_database_is_busy_says_try_again_and_writes_nothing(app, db, busy_app):
    person = factories.person(student_number="2023141001")
    db.session.commit()
    client = busy_app.test_client()
    form = {"identifier": "2023141001", "password": factories.PASSWORD}

    with writes_locked(app):
        response = client.post("/login", data=form)

    assert response.status_code == 503
    # At least our few seconds; the login's rate limiter may name its own, later, reset.
    assert int(response.headers["Retry-After"]) >= BUSY_RETRY_AFTER_SECONDS
    html = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    with busy_app.test_request_context():
        assert busy_message("zh") in html
    db.session.expire_all()
    assert db.session.get(User, person.id).last_login_at is None
    assert db.session.scalar(select(func.count(LoginDay.user_id))) == 0
    assert client.post("/login", data=form).status_code == 302


def test_an_api_call_while_the_database_is_busy_answers_503_in_the_envelope(app, db, busy_app):
    person = factories.person(student_number="2023141001")
    db.session.commit()
    with busy_app.app_context():
        from app.api import services as api

        secret = api.create_token(
            _db.session.get(User, person.id), name="脚本", scopes=["profile:read"], days=30
        ).secret
        _db.session.commit()
    client = busy_app.test_client()

    with writes_locked(app):
        response = client.get("/api/v1/me", headers=bearer(secret))

    assert response.status_code == 503
    # At least our few seconds; the API's rate limiter may name its own, later, reset.
    assert int(response.headers["Retry-After"]) >= BUSY_RETRY_AFTER_SECONDS
    error = response.get_json()
    assert error["status"] == 503 and error["code"] == "busy"
    assert error["detail"]
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) is None
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
