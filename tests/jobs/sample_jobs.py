"""Job functions that exist only for the tests, and a helper to register them."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime

from app.accounts import services as accounts
from app.extensions import db
from jobs import registry, specs

CALLS: list[datetime] = []


def counting(*, now: datetime) -> dict[str, int]:
    CALLS.append(now)
    return {"seen": len(CALLS), "sent": 0}


def failing(*, now: datetime) -> dict[str, int]:
    """Writes to the database, then fails: the write must not survive."""
    accounts.get_or_create_college("99", "失败学院")
    raise RuntimeError("boom: the library system did not answer")


def bad_return(*, now: datetime):
    return ["not", "counts"]


def sleepy(*, now: datetime) -> dict[str, int]:
    """Notes which process ran it in a marker file, then takes a while."""
    with open(os.environ["GONGCHUANG_TEST_MARKER"], "a") as marker:
        marker.write(f"{os.getpid()}\n")
    time.sleep(float(os.environ.get("GONGCHUANG_TEST_SLEEP", "1.0")))
    return {"slept": 1}


WORKING_STARTED = threading.Event()
WORKING_STOP = threading.Event()


def working(*, now: datetime) -> dict[str, int]:
    """Works in short committed transactions until told to stop, as the nightly jobs do."""
    college = accounts.get_or_create_college("w0", "长任务学院")
    db.session.commit()
    WORKING_STARTED.set()
    chunks = 0
    while not WORKING_STOP.wait(0.05):
        college.name = f"长任务学院{chunks % 2}"
        db.session.commit()
        chunks += 1
    return {"chunks": chunks}


@contextlib.contextmanager
def registered(job_id: str, function: str, schedule=None) -> Iterator[specs.JobSpec]:
    """Register `tests.jobs.sample_jobs:<function>` as `job_id` for the duration."""
    spec = registry.register(
        job_id,
        function if ":" in function else f"tests.jobs.sample_jobs:{function}",
        schedule or specs.every(hours=1),
        f"Test job {job_id}",
    )
    try:
        yield spec
    finally:
        registry.unregister(job_id)
