"""The one scheduler: APScheduler 3 running every registered job on its schedule.

Production runs exactly one `flask jobs scheduler` process. It holds the "scheduler" lock
(a lease in `job_locks`, renewed while it runs), so a second one is refused; each run also
takes its job's own lock, so a scheduled run never overlaps one started by hand. With
`SCHEDULER_IN_WEB` (single-process installs) a web process starts a background scheduler
at its first request instead, under the same lock.
"""

from __future__ import annotations

import atexit
import logging
import signal
import threading
import time
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.extensions import db
from jobs import registry
from jobs.lock import Heartbeat, Holder, Lease
from jobs.runner import run_job

log = logging.getLogger("jobs")
SCHEDULER_LOCK = "scheduler"
MISFIRE_GRACE_SECONDS = 300


class SchedulerRefused(Exception):
    """Another scheduler holds the lock."""

    def __init__(self, holder: Holder | None) -> None:
        super().__init__(holder.owner if holder else "")
        self.holder = holder


class _Stop(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT to leave the scheduler's loop."""


def run_scheduled(app: Flask, job_id: str) -> None:
    """What APScheduler calls: one run in its own app context; never raises."""
    with app.app_context():
        try:
            run_job(job_id, trigger="scheduler")
        except Exception:
            log.exception("Job %s could not be run", job_id)


def build(app: Flask, scheduler_class: type[BaseScheduler]) -> BaseScheduler:
    zone = ZoneInfo(app.config["TIMEZONE"])
    scheduler = scheduler_class(
        timezone=zone,
        job_defaults={
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    for spec in registry.all_jobs():
        scheduler.add_job(
            run_scheduled,
            trigger=spec.schedule.trigger(zone),
            args=(app, spec.id),
            id=spec.id,
            name=spec.id,
            max_instances=1,
            coalesce=True,
        )
    return scheduler


def _lease(app: Flask) -> Lease:
    return Lease(SCHEDULER_LOCK, seconds=app.config["JOB_LOCK_LEASE_SECONDS"])


def run_blocking(app: Flask, *, on_started=None) -> bool:
    """Run the scheduler in this process until SIGTERM/SIGINT. Needs an app context.

    Raises SchedulerRefused when another scheduler runs. Returns False when the lock was
    lost while running (the database was unreachable longer than the lease).
    """
    lease = _lease(app)
    if not lease.acquire():
        raise SchedulerRefused(lease.holder())
    scheduler = build(app, BlockingScheduler)
    heartbeat = Heartbeat(lease, on_lost=lambda: scheduler.shutdown(wait=False))

    def stop(signum, frame):
        raise _Stop

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = {}
    if in_main_thread:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, stop)
    try:
        heartbeat.start()
        if on_started is not None:
            on_started(scheduler)
        scheduler.start()
    except _Stop:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if scheduler.running:
            scheduler.shutdown(wait=True)  # lets running jobs finish and record themselves
        heartbeat.stop()
        lease.release()
    return not heartbeat.lost


class WebScheduler:
    """A background scheduler inside a web process, started at its first request when
    SCHEDULER_IN_WEB is on. Of several web processes, the one holding the lock runs it;
    the others try again once a lease has passed."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.scheduler: BaseScheduler | None = None
        self.lease: Lease | None = None
        self.heartbeat: Heartbeat | None = None
        self.next_attempt = 0.0
        self._guard = threading.Lock()

    def ensure_started(self) -> None:
        if self.scheduler is not None or time.monotonic() < self.next_attempt:
            return
        with self._guard:
            if self.scheduler is not None or time.monotonic() < self.next_attempt:
                return
            self.next_attempt = time.monotonic() + self.app.config["JOB_LOCK_LEASE_SECONDS"]
            try:
                lease = Lease(
                    SCHEDULER_LOCK,
                    seconds=self.app.config["JOB_LOCK_LEASE_SECONDS"],
                    engine=db.engine,
                )
                if not lease.acquire():
                    return
                scheduler = build(self.app, BackgroundScheduler)
                scheduler.start()
            except Exception:  # e.g. tables not migrated yet: never break the request
                log.exception("Could not start the in-process scheduler")
                return
            self.lease, self.scheduler = lease, scheduler
            self.heartbeat = Heartbeat(lease, on_lost=self.stop)
            self.heartbeat.start()
            atexit.register(self.stop)
            log.info("In-process scheduler started")

    def stop(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.lease is not None and self.lease.held:
            try:
                self.lease.release()
            except Exception:
                log.exception("Could not release the scheduler lock")


def start_with_web(app: Flask) -> WebScheduler | None:
    """`register_jobs` step: nothing unless SCHEDULER_IN_WEB is on."""
    if not app.config.get("SCHEDULER_IN_WEB"):
        return None
    web = WebScheduler(app)
    app.before_request(web.ensure_started)
    app.extensions["jobs_scheduler"] = web
    return web
