"""Named leases in the database: at most one holder at a time, across threads, processes
and hosts, on SQLite and PostgreSQL.

A lease is a row in `job_locks`. Taking it is one conditional UPDATE (free, or its lease
has run out) whose row count says who won; each step runs in its own short transaction on
its own connection, never in the caller's session, so a job's work cannot hold a lock open
and a lock never commits a job's half-done work. A holder renews the lease while it works
(`keep_alive`); a holder that dies loses it when the lease runs out, or at once when the
next taker is on the same host and sees its process is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.common.time import utcnow
from app.extensions import db
from jobs.models import JobLock

log = logging.getLogger("jobs")
TABLE = JobLock.__table__


def new_owner() -> str:
    """`host:pid:token`: names the process, and is unique per lease object."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Holder:
    owner: str
    acquired_at: datetime | None
    expires_at: datetime | None

    @property
    def host(self) -> str:
        return self.owner.rsplit(":", 2)[0]

    @property
    def pid(self) -> int | None:
        parts = self.owner.rsplit(":", 2)
        return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None

    def is_dead_here(self) -> bool:
        """True when the holder was a process on this host that no longer exists."""
        if self.host != socket.gethostname() or self.pid is None or self.pid == os.getpid():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False


def _insert_if_missing(connection: Connection, name: str) -> None:
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        connection.execute(
            insert(TABLE).values(name=name).on_conflict_do_nothing(index_elements=["name"])
        )
        return
    # Other databases: a savepoint, so a concurrent insert is just a lost race.
    if connection.scalar(select(TABLE.c.name).where(TABLE.c.name == name)) is None:
        with contextlib.suppress(IntegrityError), connection.begin_nested():
            connection.execute(TABLE.insert().values(name=name))


class Lease:
    """One attempt to hold the lock `name` for `seconds` at a time, renewable."""

    def __init__(self, name: str, *, seconds: int, engine: Engine | None = None) -> None:
        self.name = name
        self.seconds = seconds
        self.engine = engine if engine is not None else db.engine
        self.owner = new_owner()
        self.held = False

    def _take(self, connection: Connection, now: datetime, *, from_owner: str | None = None):
        free = (
            TABLE.c.owner == from_owner
            if from_owner
            else or_(TABLE.c.owner.is_(None), TABLE.c.expires_at < now)
        )
        return connection.execute(
            update(TABLE)
            .where(TABLE.c.name == self.name, free)
            .values(
                owner=self.owner,
                acquired_at=now,
                expires_at=now + timedelta(seconds=self.seconds),
            )
        ).rowcount

    def acquire(self, *, now: datetime | None = None) -> bool:
        now = now or utcnow()
        with self.engine.begin() as connection:
            _insert_if_missing(connection, self.name)
            won = self._take(connection, now) == 1
        if not won:
            holder = self.holder()
            if holder is not None and holder.is_dead_here():
                log.warning("Taking lock %s from %s: its process is gone", self.name, holder.owner)
                with self.engine.begin() as connection:
                    won = self._take(connection, now, from_owner=holder.owner) == 1
        self.held = won
        return won

    def renew(self, *, now: datetime | None = None) -> bool:
        """Push the lease's end forward; False when it is no longer ours."""
        now = now or utcnow()
        with self.engine.begin() as connection:
            count = connection.execute(
                update(TABLE)
                .where(TABLE.c.name == self.name, TABLE.c.owner == self.owner)
                .values(expires_at=now + timedelta(seconds=self.seconds))
            ).rowcount
        self.held = count == 1
        return self.held

    def release(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(TABLE)
                .where(TABLE.c.name == self.name, TABLE.c.owner == self.owner)
                .values(owner=None, acquired_at=None, expires_at=None)
            )
        self.held = False

    def holder(self) -> Holder | None:
        """Who holds the lock now (possibly with an expired lease), or None when free."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(TABLE.c.owner, TABLE.c.acquired_at, TABLE.c.expires_at).where(
                    TABLE.c.name == self.name
                )
            ).first()
        if row is None or row.owner is None:
            return None
        return Holder(row.owner, row.acquired_at, row.expires_at)

    @contextlib.contextmanager
    def keep_alive(self, on_lost: Callable[[], None] | None = None) -> Iterator[Heartbeat]:
        """Renew the lease in a background thread while the block runs."""
        heartbeat = Heartbeat(self, on_lost=on_lost)
        heartbeat.start()
        try:
            yield heartbeat
        finally:
            heartbeat.stop()


class Heartbeat(threading.Thread):
    """Renews a lease every third of its length; calls `on_lost` if it was taken away."""

    def __init__(self, lease: Lease, *, on_lost: Callable[[], None] | None = None) -> None:
        super().__init__(name=f"lease:{lease.name}", daemon=True)
        self.lease = lease
        self.on_lost = on_lost
        self.lost = False
        self._stopped = threading.Event()

    def run(self) -> None:
        interval = max(self.lease.seconds / 3, 0.2)
        while not self._stopped.wait(interval):
            try:
                renewed = self.lease.renew()
            except Exception:  # a database hiccup: try again at the next beat
                log.exception("Could not renew lock %s", self.lease.name)
                continue
            if not renewed:
                self.lost = True
                log.error("Lock %s was taken by another process", self.lease.name)
                if self.on_lost is not None:
                    self.on_lost()
                return

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()
