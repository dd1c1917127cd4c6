"""How a request uses its database connection (app/common/connections.py): on PostgreSQL a
page that only read ends with COMMIT, so its prepared statements survive to the next
request, while anything written and not committed is still rolled back; a pooled connection
is pinged only after lying idle, and one that died meanwhile is replaced; psycopg's column
descriptions are built only when looked at, and read the same."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import create_engine, select, text, update

from app.accounts.models import User
from app.common import connections
from app.common.transaction import transaction
from app.errors import InvalidInput
from tests import factories
from tests.checkin import checkin_data as data


@pytest.fixture
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    return db


def prepared_statements(db) -> int:
    """How many statements the pool's connections keep prepared on the server."""
    counts = []
    for _ in range(db.engine.pool.checkedin()):
        raw = db.engine.raw_connection()
        counts.append(
            raw.cursor().execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
        )
        raw.rollback()
    return max(counts, default=0)


def test_a_page_that_only_read_keeps_its_prepared_statements(postgres, login, client):
    team = data.team()
    task = data.task(team, title="总服务台值班", location="江安一楼")
    person = data.member(team, name="李雷")
    data.signed_up(data.shift(task, starts_in=timedelta(days=1), capacity=5), person)
    postgres.session.commit()
    login(person)
    postgres.session.close()

    for _ in range(12):
        assert client.get("/achievements").status_code == 200

    assert prepared_statements(postgres) > 0


def test_what_a_request_wrote_without_committing_is_still_rolled_back(postgres, app):
    person = factories.person(name="韩梅梅")
    postgres.session.commit()

    with app.app_context():  # flushed, not committed
        postgres.session.get(User, person.id).name = "改了"
        postgres.session.flush()
    with app.app_context():  # pending in the session
        postgres.session.get(User, person.id).name = "又改了"
    with app.app_context():  # written with a statement, not through the session
        postgres.session.execute(update(User).where(User.id == person.id).values(name="三改"))

    postgres.session.expire_all()
    assert postgres.session.scalar(select(User.name).where(User.id == person.id)) == "韩梅梅"


def test_a_refused_change_keeps_nothing_it_wrote(postgres, app):
    person = factories.person(name="韩梅梅")
    postgres.session.commit()

    with app.app_context(), pytest.raises(InvalidInput), transaction():
        postgres.session.get(User, person.id).name = "改了"
        postgres.session.flush()
        raise InvalidInput("refused")

    postgres.session.expire_all()
    assert postgres.session.scalar(select(User.name).where(User.id == person.id)) == "韩梅梅"


def test_a_connection_that_died_while_idle_is_replaced(postgres):
    engine = create_engine(postgres.engine.url, pool_size=1)
    connections.watch_idle_connections(engine, ping_after=0.0)
    try:
        with engine.connect() as connection:
            first = connection.scalar(text("SELECT pg_backend_pid()"))
        with postgres.engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})

        with engine.connect() as connection:
            second = connection.scalar(text("SELECT pg_backend_pid()"))

        assert second != first
    finally:
        engine.dispose()


def test_columns_are_described_as_psycopg_describes_them(postgres):
    factories.person(name="李雷")
    postgres.session.commit()
    query = "SELECT id, name, created_at FROM users"
    raw = postgres.engine.raw_connection()
    try:
        plain = psycopg.Cursor(raw.dbapi_connection).execute(query)
        lazy = connections.LazyCursor(raw.dbapi_connection).execute(query)
        described = lazy.description
        lazy.execute("SELECT count(*) FROM users")  # the cursor moves on

        expected = [(c.name, c.type_code) for c in plain.description]
        assert [(c.name, c.type_code) for c in described] == expected
        assert [c.name for c in described[-1:]] == ["created_at"]
        assert len(described) == 3
        assert lazy.execute("UPDATE users SET name = name WHERE false").description is None
    finally:
        raw.rollback()
        raw.close()
