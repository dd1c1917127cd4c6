"""Fixtures: an app on SQLite (default) or on the PostgreSQL server named by
`TEST_DATABASE_URL`, a clean database per test, a test client and a login helper.

`GONGCHUANG_STRICT=1` (set by `.ci/run`) turns a skipped browser or PostgreSQL test into
a failure, so CI cannot pass by quietly testing less.
"""

from __future__ import annotations

import contextvars
import os

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db as _db
from config import TestConfig
from tests import factories
from tests.fakes.wechat import RunningWeChat
from tests.helpers import choose_english, empty_tables

STRICT = os.environ.get("GONGCHUANG_STRICT") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip loudly, or fail in strict mode."""
    if STRICT:
        pytest.fail(f"strict mode: {reason}", pytrace=False)
    pytest.skip(reason)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return worker_database(url, os.environ.get("PYTEST_XDIST_WORKER"))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def worker_database(url: str, worker: str | None) -> str:
    """With `pytest -n` each worker empties tables after every test, so each gets its own
    database on the server, `<name>_<worker>`, created when missing."""
    if not worker:
        return url
    server = make_url(url)
    name = f"{server.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if found is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app context, `g`
    and database session, not the ones the test holds open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path_factory),
        UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    return app


@pytest.fixture(autouse=True)
def db(app):
    """The database, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        empty_tables()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log `user` in through the login form; returns the response."""

    def do_login(user, password: str = factories.PASSWORD, remember: bool = True):
        return client.post(
            "/login",
            data={
                "identifier": user.student_number,
                "password": password,
                "remember": "y" if remember else "",
            },
        )

    return do_login


@pytest.fixture
def english_login(login, client):
    """`login`, with English chosen first: the language chosen before logging in is kept."""

    def do_login(user, **kwargs):
        choose_english(client)
        return login(user, **kwargs)

    return do_login


@pytest.fixture
def in_english(client) -> None:
    """The client reads the pages in English."""
    choose_english(client)


@pytest.fixture
def english_messages(app):
    """Service messages are asserted in English (the source language)."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def admin(db):
    user = factories.person(roles=["admin"], name="管理员")
    db.session.commit()
    return user


@pytest.fixture
def student(db):
    user = factories.person(name="张三")
    db.session.commit()
    return user


@pytest.fixture
def wechat(app, monkeypatch):
    """The Official Account configured, and WeChat answered by the fake in tests/fakes/wechat.py:
    returns what the fake knows and remembers (its inbox, the user in front of it …)."""
    server = RunningWeChat()
    monkeypatch.setitem(app.config, "WECHAT_APP_ID", server.state.app_id)
    monkeypatch.setitem(app.config, "WECHAT_APP_SECRET", server.state.secret)
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", server.url)
    monkeypatch.setitem(app.config, "WECHAT_OAUTH_BASE", server.url)
    monkeypatch.setitem(app.config, "WECHAT_TIMEOUT", 2.0)
    server.state.url = server.url
    yield server.state
    server.stop()
