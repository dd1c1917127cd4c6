"""What tests repeat, written once: reading a page, choosing English, racing threads,
reading a download and emptying the tables. Fixtures live in `tests/conftest.py`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy import select, text

from app.errors import Conflict
from app.extensions import db as _db
from app.notifications.models import Notification

T = TypeVar("T")


def page(response) -> str:
    """The response's body as text."""
    return response.get_data(as_text=True)


def choose_english(client) -> None:
    """Switch the client's pages to English, as the language menu does; the choice made
    before logging in is kept after it."""
    client.post("/locale", data={"locale": "en", "next": "/"})


def text_download(response, content_type: str) -> str:
    """The body of a text download, once its one Content-Type header is exactly
    `content_type` (one charset, no second one appended) and the bytes decode in it."""
    assert response.status_code == 200
    assert response.headers.getlist("Content-Type") == [content_type]
    charset = content_type.partition("charset=")[2]
    return response.data.decode(charset)


def race(app, work: Callable[[int], None], arguments: list) -> list[str]:
    """Run `work(argument)` in one thread per argument, all released at once by a barrier;
    returns "ok", "conflict" or the unexpected error's text per thread.

    Each thread has its own app context, so its own database session and connection, and
    commits what `work` did, as a request would."""
    barrier = threading.Barrier(len(arguments))
    outcomes: list[str] = [""] * len(arguments)

    def run(index: int, argument) -> None:
        with app.app_context():
            try:
                barrier.wait()
                work(argument)
                _db.session.commit()
                outcomes[index] = "ok"
            except Conflict:
                _db.session.rollback()
                outcomes[index] = "conflict"
            except Exception as error:  # reported by the assertion, not swallowed
                _db.session.rollback()
                outcomes[index] = f"{type(error).__name__}: {error}"

    threads = [
        threading.Thread(target=run, args=(index, argument))
        for index, argument in enumerate(arguments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def empty_tables() -> None:
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # TRUNCATE costs a file swap per table, even an empty one: find the few tables
            # the test wrote, delete their rows and restart their ids.
            tables = _db.metadata.sorted_tables
            probes = " UNION ALL ".join(
                f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables
            )
            used = set(connection.execute(text(probes)).scalars())
            for table in reversed(tables):
                if table.name in used:
                    connection.execute(table.delete())
                    if "id" in table.c and table.c.id.autoincrement is not False:
                        connection.execute(
                            text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"),
                            {"t": f'"{table.name}"'},
                        )
        else:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
            # Ids start at 1 again in each test, as on PostgreSQL.
            connection.execute(text("DELETE FROM sqlite_sequence"))


def built_once(app, build: Callable[[], T]) -> Iterator[T]:
    """The body of a module-scoped fixture whose data takes seconds to build: built once,
    yielded to the module's tests (which only read it), the tables emptied after them."""
    with app.app_context():
        built = build()
        _db.session.remove()
    yield built
    with app.app_context():
        _db.session.remove()
        empty_tables()


def kept_session(app) -> Iterator:
    """The body of the `db` fixture of a module that builds its data once: each test's
    session is rolled back, but the tables are not emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()


def notifications_of(person, kind: str) -> list[Notification]:
    """The notifications of `kind` `person` has, oldest first, read afresh."""
    _db.session.expire_all()
    return list(
        _db.session.scalars(
            select(Notification)
            .where(Notification.user_id == person.id, Notification.kind == kind)
            .order_by(Notification.id)
        )
    )
