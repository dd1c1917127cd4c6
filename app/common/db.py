"""Database helpers that are no feature's business."""

from __future__ import annotations

from app.extensions import db


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
