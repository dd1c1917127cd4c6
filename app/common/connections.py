"""How a request uses its database connection, so that PostgreSQL costs round trips only for
the page's own queries (issue 26).

Two habits cost every request on PostgreSQL and nothing it shows:

- **A ping before each request.** `pool_pre_ping` sends `SELECT 1` on every checkout. Here a
  connection is pinged only when it lay unused in the pool longer than
  `DATABASE_PING_AFTER_SECONDS` (a connection in steady use is known to be alive; one that
  waited through a night or a database restart is checked, and replaced when dead). A
  connection that dies between two requests a few seconds apart fails that one request, which
  answers 503 "busy, try again" (`app.errors`), and SQLAlchemy then replaces every older
  connection of the pool, so the next request works.
- **ROLLBACK at the end of a page.** A page that only read ends its transaction when the
  session closes, with ROLLBACK; psycopg forgets its prepared statements on every ROLLBACK
  (a rolled-back transaction may have dropped what they refer to), so each page's queries
  were parsed and planned afresh every time, and planning a query with its joined loads costs
  PostgreSQL more than running it. A transaction that wrote nothing is ended with COMMIT
  instead (the same for a transaction that only read), so after a query's fifth use on a
  connection psycopg prepares it and PostgreSQL reuses its plan. Anything written or still
  pending in the session, or an error, ends with ROLLBACK as before.

And one that costs Python time: psycopg builds a `Column` object for every column of every
result when asked for `cursor.description`, which SQLAlchemy asks for on every query but,
for a query it has run before, only to see that there is one (it keeps the columns it
learned the first time). The hot pages load a few hundred columns, about 3 ms of a home
page; `LazyCursor` builds them only when they are looked at.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from app.extensions import db

WROTE = "gc_wrote"
USED_AT = "gc_used_at"
# Statements that leave the database as it was: ending their transaction with COMMIT or
# ROLLBACK is the same.
READS = ("SELECT", "SHOW")
# How many prepared statements psycopg keeps per connection (its default, 100, is fewer
# than the queries of the hot pages together; an evicted one costs a DEALLOCATE).
PREPARED_MAX = 500


def install(app: Flask) -> None:
    """Idle-only pings on every database; kept prepared statements on PostgreSQL."""
    with app.app_context():
        engine = db.engine
    ping_after = float(app.config["DATABASE_PING_AFTER_SECONDS"])
    watch_idle_connections(engine, ping_after)
    if engine.dialect.name == "postgresql":
        watch_writes(engine)
        app.teardown_appcontext(commit_what_only_read)


def watch_idle_connections(engine: Engine, ping_after: float) -> None:
    @event.listens_for(engine, "connect")
    def fresh(dbapi_connection, record: ConnectionPoolEntry) -> None:
        record.info[USED_AT] = time.monotonic()
        if engine.dialect.name == "postgresql":
            dbapi_connection.prepared_max = PREPARED_MAX
            dbapi_connection.cursor_factory = LazyCursor

    @event.listens_for(engine, "checkin")
    def returned(_dbapi_connection, record: ConnectionPoolEntry) -> None:
        record.info[USED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def taken(dbapi_connection, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection):
        if time.monotonic() - record.info.get(USED_AT, 0.0) <= ping_after:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # The pool throws this connection away and checks out a fresh one.
            raise DisconnectionError("the connection died while it was idle")


def watch_writes(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def begun(connection: Connection) -> None:
        connection.info[WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def executing(connection: Connection, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip()[:6].upper().startswith(READS):
            connection.info[WROTE] = True


def commit_what_only_read(error: BaseException | None) -> None:
    """Before Flask-SQLAlchemy closes the session (teardowns run last registered first)."""
    if error is None:
        end_if_only_read()


def roll_back() -> None:
    """Roll the session back (a refused change); when it wrote nothing, as for most refusals,
    which only read, the transaction ends with COMMIT and keeps the prepared statements."""
    end_if_only_read()
    db.session.rollback()


def end_if_only_read() -> None:
    """End a healthy transaction that only read with COMMIT on the driver's connection; the
    session's own rollback then finds the connection idle and sends nothing. Anything written,
    pending in the session or failed is left to that rollback."""
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:
        return
    if session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.info.get(WROTE, True) or not connection.in_transaction():
        return
    driver = connection.connection.dbapi_connection
    if driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
        driver.commit()


class _ResultAt:
    """What psycopg's `Column` reads of a cursor, as it was when the description was asked
    for (the cursor may have run another query by the time a column is looked at)."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self.pgresult = cursor.pgresult
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class LazyColumns(Sequence):
    """`cursor.description`, each column built on first look."""

    def __init__(self, cursor: psycopg.Cursor, count: int) -> None:
        self._at = _ResultAt(cursor)
        self._count = count
        self._columns: list[psycopg.Column] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        if self._columns is None:
            self._columns = [psycopg.Column(self._at, n) for n in range(self._count)]
        return self._columns[index]


class LazyCursor(psycopg.Cursor):
    @property
    def description(self) -> Sequence | None:
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # None, or no columns for a bare "SELECT ;"
        return LazyColumns(self, result.nfields)
