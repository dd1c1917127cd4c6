"""`flask db upgrade` on an empty database gives exactly the models, on SQLite and on
PostgreSQL, and every migration can be undone."""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import Integer, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.extensions import db
from config import TestConfig


@contextmanager
def empty_database(tmp_path):
    """An empty database of the kind the suite runs on, dropped afterwards."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"gongchuang_drift_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


def drop_database(admin, name: str, tries: int = 20) -> None:
    """DROP … WITH (FORCE) ends the test's own connections, but not an autovacuum worker
    (the server's role) that happens to be cleaning the new tables: wait for it to finish."""
    for attempt in range(tries):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == tries - 1:
                raise
            time.sleep(0.5)


@pytest.fixture
def migrated_app(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_on_an_empty_database_matches_the_models(migrated_app):
    assert schema_differences() == []


def test_every_migration_downgrades_and_upgrades_again(migrated_app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []


# SQLite ids (0013_sqlite_ids) -------------------------------------------------------------


@pytest.fixture
def sqlite_at_0012(tmp_path):
    """A SQLite database migrated to 0012, before ids were AUTOINCREMENT, whatever the
    suite runs on: the revision only changes SQLite."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'ids.sqlite'}")
    with app.app_context():
        upgrade(revision="0012_datahub")
        yield app
        db.session.remove()
        db.engine.dispose()


def rows(sql: str, **params) -> list:
    with db.engine.begin() as connection:
        result = connection.execute(text(sql), params)
        return list(result) if result.returns_rows else []


def table_sql() -> dict[str, str]:
    return dict(rows("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))


def integer_id_tables() -> list[str]:
    """The models' tables whose key is one integer column of their own."""
    return [
        table.name
        for table in db.metadata.sorted_tables
        if len(table.primary_key.columns) == 1
        and isinstance(table.primary_key.columns[0].type, Integer)
        and not table.primary_key.columns[0].foreign_keys
    ]


def test_after_the_upgrade_every_sqlite_table_with_an_id_is_autoincrement(sqlite_at_0012):
    assert "AUTOINCREMENT" not in table_sql()["credit_batches"]
    upgrade()
    created = table_sql()
    assert [name for name in integer_id_tables() if "AUTOINCREMENT" not in created[name]] == []
    assert schema_differences() == []


def add_person(number: str, user_id: int | None = None) -> None:
    rows(
        "INSERT INTO users (id, student_number, name, user_type, locale, hide_from_boards, "
        "active, must_change_password, password_hash, session_token, created_at) "
        "VALUES (:id, :number, '李明', 'undergraduate', 'zh', 0, 1, 0, 'x', :number, "
        "'2026-01-01 00:00:00')",
        id=user_id,
        number=number,
    )


def user_ids() -> list[int]:
    return [user_id for (user_id,) in rows("SELECT id FROM users ORDER BY id")]


def test_rows_and_references_survive_the_rebuild_and_ids_go_on_from_the_largest(sqlite_at_0012):
    for user_id in (3, 9):
        add_person(f"20230000{user_id:02}", user_id)
        # An ON DELETE CASCADE child: dropping the old users table must not take it along.
        rows(
            "INSERT INTO notifications (user_id, kind, title, body, created_at) "
            "VALUES (:id, 'system', '通知', '', '2026-01-01 00:00:00')",
            id=user_id,
        )
    rows("DELETE FROM users WHERE id = 9")
    before = {
        name: rows(f'SELECT * FROM "{name}" ORDER BY 1')
        for name in table_sql()
        if name != "alembic_version"
    }

    upgrade()

    assert {name: rows(f'SELECT * FROM "{name}" ORDER BY 1') for name in before} == before
    assert len(before["notifications"]) == 1 and rows("PRAGMA foreign_key_check") == []
    add_person("2023000010")
    assert user_ids() == [3, 4]
    rows("DELETE FROM users WHERE id = 4")
    add_person("2023000011")
    assert user_ids() == [3, 5]
