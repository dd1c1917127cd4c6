"""Bulk writes for the benchmarks' generated data (`bench.campus_data`): plain tuples into a
table, with what an ORM insert would add, on a connection of the generator's own."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import NullPool

BATCH = 100_000  # rows per executemany on SQLite


class Loader:
    """Rows per table as plain tuples, written table by table (parents first: in the order
    the tables were first asked for) on the generator's own connection: COPY on PostgreSQL,
    one executemany per BATCH on SQLite. The values are what an ORM insert would store: the
    columns' Python defaults fill what a row leaves out, and the dialect's own bind
    processors (SQLite's date and time strings) convert each distinct value once."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.tables: dict[type, tuple[tuple[str, ...], list[tuple]]] = {}

    def rows(self, model: type, columns: tuple[str, ...]) -> list[tuple]:
        """The list to append `model`'s rows to, as tuples of `columns`."""
        if model not in self.tables:
            self.tables[model] = (columns, [])
        return self.tables[model][1]

    def write(self, model: type | None = None) -> None:
        """Write the rows buffered for `model` (or for every table), each table in one
        transaction."""
        for each in [model] if model is not None else list(self.tables):
            columns, rows = self.tables.get(each, ((), []))
            if rows:
                insert_rows(self.connection, each.__table__, columns, rows)
                self.connection.commit()
                rows.clear()

    def bulk(self, model: type, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        self.rows(model, columns).extend(rows)
        self.write(model)

    def ids(self, statement) -> list:
        return list(self.connection.execute(statement))


def _converter(table: sa.Table, columns: tuple[str, ...], dialect):
    """(the names of all columns written, a function of one row of `columns` giving the row
    as written): the Python defaults of the columns a row leaves out are added (a callable
    one called for each row, as an ORM insert would), and each value is converted the way the
    dialect binds it (SQLite's date and time strings), each distinct value once."""
    left_out = [
        column
        for column in table.columns
        if column.name not in columns and column.default is not None and not column.primary_key
    ]
    scalars = [column for column in left_out if column.default.is_scalar]
    calls = [column.default.arg for column in left_out if not column.default.is_scalar]
    names = (
        *columns,
        *(column.name for column in scalars),
        *(c.name for c in left_out if c not in scalars),
    )
    fixed = tuple(column.default.arg for column in scalars)
    processors = []
    for index, name in enumerate(names):
        kind = table.c[name].type
        process = kind._cached_bind_processor(dialect)
        if process is not None:  # times repeat a lot: each distinct one converted once
            cached = isinstance(kind, sa.Date | sa.DateTime)
            processors.append((index, functools.lru_cache(1 << 16)(process) if cached else process))

    def convert(row: tuple) -> tuple | list:
        if fixed or calls:
            row = (*row, *fixed, *(call(None) for call in calls))
        if not processors:
            return row
        row = list(row)
        for index, process in processors:
            row[index] = process(row[index])
        return row

    return names, convert


def insert_rows(connection: Connection, table: sa.Table, columns: tuple[str, ...], rows) -> None:
    """Insert `rows` (tuples of `columns`) into `table` in the connection's transaction."""
    if not connection.in_transaction():
        connection.begin()  # the driver's cursor below is beyond SQLAlchemy's autobegin
    dialect = connection.dialect
    names, convert = _converter(table, columns, dialect)
    quote = dialect.identifier_preparer
    into = f"{quote.format_table(table)} ({', '.join(quote.quote(name) for name in names)})"
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {into} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(convert(row))
        return
    marks = ", ".join("?" for _ in names)
    cursor = driver.cursor()
    for start in range(0, len(rows), BATCH):
        batch = [convert(row) for row in rows[start : start + BATCH]]
        cursor.executemany(f"INSERT INTO {into} VALUES ({marks})", batch)
    cursor.close()


@contextmanager
def own_connection(engine: Engine) -> Iterator[Connection]:
    """The generator's own connection to the app's database. On SQLite (a throwaway bench
    file) without the safety a real server needs while it loads: no fsync, the rollback
    journal in memory, foreign keys unchecked (the consistency test checks them afterwards);
    WAL again for the app when it is done. On PostgreSQL commits do not wait for the disk."""
    engine.dispose()  # SQLite leaves WAL only when no other connection is open
    own = create_engine(engine.url, poolclass=NullPool)
    try:
        with own.connect() as connection:
            if own.dialect.name == "sqlite":
                for pragma in ("synchronous=OFF", "journal_mode=MEMORY", "foreign_keys=OFF"):
                    connection.exec_driver_sql(f"PRAGMA {pragma}")
            else:  # commits without waiting for the disk (this session's only)
                connection.exec_driver_sql("SET synchronous_commit = off")
            connection.commit()
            yield connection
            if own.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            else:
                connection.commit()
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE"  # what autovacuum does after a bulk load
                )
    finally:
        own.dispose()
