"""Database helpers that are no feature's business."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, delete, event, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import Pool

from app.errors import Conflict, NotFound
from app.extensions import db

T = TypeVar("T")
M = TypeVar("M")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """The SQL condition `column IN ('a', 'b')`, for a CheckConstraint on a column that
    holds one of a fixed list of values."""
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def get_or_not_found(model: type[M], row_id: int, message: str) -> M:
    """The row of `model` with this id; NotFound with `message` when there is none."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(message)
    return row


def begin_write_transaction() -> None:
    """Make sure a write transaction is open before a savepoint.

    Python's sqlite3 driver opens a transaction only before INSERT/UPDATE/DELETE, not before
    SAVEPOINT: a savepoint that comes first would become the outermost transaction and commit
    on release, outside the caller's one transaction. On SQLite this starts the transaction
    now (IMMEDIATE: the write lock is taken at once, waiting up to the busy timeout); on
    other databases the transaction is already real and this does nothing.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_for_transaction(name: str) -> None:
    """Wait until no other transaction holds the lock `name`, and hold it until this one
    ends: two runs of a job that replaces rows (delete, then insert) write one after the
    other, and the second one's delete sees the first one's rows instead of inserting
    next to them. PostgreSQL: a transaction-level advisory lock keyed by the name; SQLite:
    the database's write lock, which every writer takes anyway."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    else:
        begin_write_transaction()


def flush_or_conflict(message: str, *, field: str | None = None) -> None:
    """Flush; a unique constraint hit by a concurrent request becomes a Conflict, and the
    caller rolls back. (No savepoint: with SQLite's Python driver a savepoint that opens
    the transaction is committed by its release, which would break "one transaction".)"""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(message, field=field) from None


def insert_ignoring_conflicts(model, index_elements: list[str]):
    """`INSERT … ON CONFLICT (index_elements) DO NOTHING` for the session's database: a row
    a concurrent request already wrote stands, and nobody gets an IntegrityError."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise RuntimeError(f"INSERT … ON CONFLICT is not available on {dialect}")
    return insert(model).on_conflict_do_nothing(index_elements=index_elements)


def take_one(row: Any, counter: str, limit: str, *conditions: ColumnElement[bool]) -> bool:
    """Add one to the row's `counter` column unless it has reached its `limit` column (and
    the extra `conditions` hold), in one conditional UPDATE: two concurrent requests cannot
    both take the last one. False when nothing was left."""
    table = type(row).__table__
    column = table.c[counter]
    taken = db.session.execute(
        update(table)
        .where(table.c.id == row.id, column < table.c[limit], *conditions)
        .values({counter: column + 1})
    ).rowcount
    db.session.expire(row, [counter])
    return taken == 1


def give_one_back(row: Any, counter: str) -> None:
    """Undo `take_one`: take one from the row's `counter` column, never below zero."""
    table = type(row).__table__
    column = table.c[counter]
    db.session.execute(
        update(table).where(table.c.id == row.id, column > 0).values({counter: column - 1})
    )
    db.session.expire(row, [counter])


def add_once(*rows: object, existing: Callable[[], T | None]) -> T | None:
    """Add `rows` in a savepoint; None when they went in. When a unique constraint turns
    them away, what `existing()` finds instead (written by us earlier, or by a concurrent
    transaction that committed first); if it finds nothing, the IntegrityError is raised.

    The caller's pending changes are flushed first, so that they stay out of the savepoint,
    and on SQLite the write transaction is opened before it (see `begin_write_transaction`).
    """
    session = db.session
    session.flush()
    begin_write_transaction()
    try:
        with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
    return None


def add_seeded(*rows: object) -> bool:
    """Add rows a seeding step found missing: True when they went in, False when a unique
    constraint turned them away (a concurrent run seeded them a moment earlier: they are
    there)."""
    return add_once(*rows, existing=lambda: True) is None


def update_if(row: Any, *conditions: ColumnElement[bool], **values: Any) -> bool:
    """Set `values` on the row in one UPDATE that happens only while `conditions` still hold
    (another request may have changed the row since it was read: no read-then-write). The
    attributes set are expired, so they are read again. True when the row was updated."""
    model = type(row)
    changed = db.session.execute(
        update(model)
        .where(model.id == row.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(row, list(values))
    return changed == 1


def count_and_first_columns(query: Select, *order_by: Any) -> tuple[Any, Any]:
    """How many rows a one-column query selects, and the first one's value in `order_by`
    order (NULL when there is none), as two scalar subqueries a caller selects with others
    in one statement (the coordinator's desk); bounded whatever the table's size."""
    count = select(func.count()).select_from(query.subquery()).scalar_subquery()
    return count, query.order_by(*order_by).limit(1).scalar_subquery()


def add_from_form(row: T) -> T | None:
    """Add `row` (a model with `form_token` and `author_id`, the token a unique column from
    the form's `once_token`): None when it went in; when the same form was posted before (a
    double click, or two posts at once), the row that post wrote, and `row` is dropped.
    Without a token it is simply added."""
    model, token = type(row), row.form_token
    if token is None:
        db.session.add(row)
        db.session.flush()
        return None
    earlier = add_once(
        row, existing=lambda: db.session.scalar(select(model).where(model.form_token == token))
    )
    if earlier is not None and earlier.author_id != row.author_id:
        raise Conflict(_("This form has already been used; please open it again."))
    return earlier


# --- nightly jobs: short write transactions ----------------------------------------------


def write_chunk() -> int:
    """How many rows a nightly job writes per short transaction (JOB_WRITE_CHUNK)."""
    return max(1, int(current_app.config["JOB_WRITE_CHUNK"]))


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of at most `size`, read lazily."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# SQLite's busy handler: a writer that has waited a while polls for the lock this often.
LOCK_POLL_SECONDS = 0.1


# Ids per IN (…) list: far below SQLite's and PostgreSQL's limits on bound parameters.
IN_CHUNK = 500


def in_chunks(column: Any, values: Iterable[Any], *columns: Any) -> list[Any]:
    """Rows of `columns` (default `column`) where `column` is one of `values`, read a few
    hundred values per statement."""
    found: list[Any] = []
    wanted = columns or (column,)
    for part in chunks(sorted(set(values)), IN_CHUNK):
        query = select(*wanted).where(column.in_(part))
        found.extend(db.session.execute(query).all())
    return found


@contextlib.contextmanager
def short_write() -> Iterator[None]:
    """One chunk of a nightly job's writes, committed at the end of the block. On SQLite the
    job then pauses as long as the chunk held the write lock (JOB_WRITE_PAUSE_MS at least),
    but never longer than SQLite's busy handler waits between polls (100 ms once a writer
    has waited a while): a job that began its next chunk at once would keep the web waiting
    however short each chunk is, and a longer pause lets the job sleep without letting
    anyone in sooner. The pauses are counted in `watch_write_locks`' `paused`."""
    started = time.perf_counter()
    yield
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        least = current_app.config["JOB_WRITE_PAUSE_MS"] / 1000
        pause = min(LOCK_POLL_SECONDS, max(least, time.perf_counter() - started))
        time.sleep(pause)
        with _watch_guard:
            for watch in _watches:
                watch.paused += pause


def delete_in_chunks(model: type, *conditions: ColumnElement[bool]) -> int:
    """Delete `model`'s rows matching `conditions`, `write_chunk()` rows per committed
    transaction, so the write lock is never held for long; the count deleted."""
    size, removed = write_chunk(), 0
    while True:
        ids = select(model.id).where(*conditions).limit(size).scalar_subquery()
        with short_write():
            count = db.session.execute(delete(model).where(model.id.in_(ids))).rowcount or 0
        removed += count
        if count < size:
            return removed


class WriteLockWatch:
    """How long write transactions held the database's write lock: from the end of the first
    write statement (or BEGIN IMMEDIATE), when the lock is held, to COMMIT or ROLLBACK; and
    how long such a first statement waited for the lock. Any engine of the process."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_began_with = ""  # the first write statement of the longest, for a hint
        self.longest_wait = 0.0
        self.transactions = 0
        self.paused = 0.0  # seconds nightly jobs slept between their chunks (`short_write`)

    def record(self, seconds: float, began_with: str) -> None:
        self.transactions += 1
        if seconds > self.longest:
            self.longest, self.longest_began_with = seconds, began_with

    def waited(self, seconds: float) -> None:
        self.longest_wait = max(self.longest_wait, seconds)


_watches: list[WriteLockWatch] = []
_wait_started: dict[int, float] = {}
_write_started: dict[int, tuple[float, str]] = {}
_watch_guard = threading.Lock()
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")


def _opens_write(connection, statement: str) -> int | None:
    """The connection's key when `statement` is the first write of its transaction."""
    key = id(connection.connection.dbapi_connection)
    if _watches and key not in _write_started and statement.lstrip().upper().startswith(_WRITES):
        return key
    return None


def _before_statement(connection, cursor, statement, parameters, context, executemany) -> None:
    key = _opens_write(connection, statement)
    if key is not None:
        _wait_started[key] = time.perf_counter()


def _after_statement(connection, cursor, statement, parameters, context, executemany) -> None:
    key = _opens_write(connection, statement)
    if key is None:
        return
    now = time.perf_counter()
    _write_started[key] = (now, " ".join(statement.split())[:120])
    waited = now - _wait_started.pop(key, now)
    with _watch_guard:
        for watch in _watches:
            watch.waited(waited)


def _on_end(connection) -> None:
    if not connection.closed:
        _on_reset(connection.connection.dbapi_connection)


def _on_reset(dbapi, *args) -> None:
    """The transaction ended: by COMMIT or ROLLBACK, or by the pool rolling back a
    connection given back to it."""
    _wait_started.pop(id(dbapi), None)
    started = _write_started.pop(id(dbapi), None)
    if started is None:
        return
    seconds = time.perf_counter() - started[0]
    with _watch_guard:
        for watch in _watches:
            watch.record(seconds, started[1])


@contextlib.contextmanager
def watch_write_locks() -> Iterator[WriteLockWatch]:
    """Measure the write transactions of the block (for the benchmarks and tests):
    `watch.longest` is the longest time, in seconds, that one held the write lock, and
    `watch.longest_wait` the longest that one waited for it."""
    if not event.contains(Engine, "after_cursor_execute", _after_statement):
        event.listen(Engine, "before_cursor_execute", _before_statement)
        event.listen(Engine, "after_cursor_execute", _after_statement)
        event.listen(Engine, "commit", _on_end)
        event.listen(Engine, "rollback", _on_end)
        event.listen(Pool, "reset", _on_reset)
    watch = WriteLockWatch()
    with _watch_guard:
        _watches.append(watch)
    try:
        yield watch
    finally:
        with _watch_guard:
            _watches.remove(watch)
