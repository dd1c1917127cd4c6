"""`flask jobs list | run NAME | scheduler`."""

from __future__ import annotations

import contextlib
import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.common.time import to_local
from app.errors import DomainError, is_busy_database
from jobs import history, registry, runner, scheduler

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")


@contextlib.contextmanager
def _database_errors():
    """A locked database, a missing table or an unreachable server is a message, not a
    traceback; a locked database is not mistaken for a missing table."""
    try:
        yield
    except OperationalError as error:
        if is_busy_database(error):
            raise click.ClickException(
                f"The database is busy ({error.orig}): another process held its write lock "
                "longer than the busy timeout (SQLITE_BUSY_TIMEOUT_MS). Try again later."
            ) from None
        raise click.ClickException(
            f"The database cannot be used ({error.orig}). Is it reachable, and has "
            "`flask db upgrade` been run?"
        ) from None
    except ProgrammingError as error:
        raise click.ClickException(
            f"The database cannot be used ({error.orig}). Is it reachable, and has "
            "`flask db upgrade` been run?"
        ) from None


def _when(value) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


@jobs_cli.command("list")
def list_command() -> None:
    """Show each job, its schedule, its last run and that run's status."""
    rows = [("JOB", "SCHEDULE", "LAST RUN", "STATUS")]
    with _database_errors():
        overview = history.overview()
    for status in overview:
        run = status.last_run
        rows.append(
            (
                status.spec.id,
                status.spec.schedule.describe(),
                _when(run.started_at) if run else "-",
                run.status if run else "-",
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for row in rows:
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@jobs_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run the job NAME now (refused while another run of it is in progress)."""
    try:
        with _database_errors():
            run = runner.run_job(name, trigger="cli")
    except DomainError as error:
        known = ", ".join(spec.id for spec in registry.all_jobs())
        raise click.ClickException(f"{error.message} (jobs: {known})") from None
    if run.status == "skipped":
        raise click.ClickException(f"{name} was skipped: {run.error}")
    if run.status == "failed":
        click.echo(run.error, err=True)
        raise click.ClickException(f"{name} failed: {run.error_summary}")
    counts = ", ".join(f"{key}={value}" for key, value in (run.counts or {}).items())
    click.echo(f"{name} succeeded in {run.duration_seconds:.1f} s. {counts}".rstrip())


@jobs_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler in this process until stopped (Ctrl+C or SIGTERM).

    Only one may run at a time: a second one is refused.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("jobs").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    app = current_app._get_current_object()

    def started(running) -> None:
        click.echo(f"Scheduler started with {len(running.get_jobs())} jobs. Stop with Ctrl+C.")
        sys.stdout.flush()

    try:
        with _database_errors():
            kept_lock = scheduler.run_blocking(app, on_started=started)
    except scheduler.SchedulerRefused as refused:
        holder = refused.holder
        detail = f"held by {holder.owner} until {_when(holder.expires_at)}" if holder else ""
        raise click.ClickException(
            f"Another scheduler is already running ({detail}). Only one may run at a time."
        ) from None
    if not kept_lock:
        raise click.ClickException("The scheduler lost its lock to another process and stopped.")
    click.echo("Scheduler stopped.")
