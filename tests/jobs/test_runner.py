"""Running a job: every run recorded, failures kept apart, overlapping runs skipped."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.accounts.models import College
from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.errors import NotFound
from jobs import registry, specs
from jobs.lock import Lease
from jobs.maintenance import prune_history
from jobs.models import JobRun
from jobs.runner import lock_name, run_job
from tests.jobs import sample_jobs

NOW = datetime(2026, 3, 2, 1, 30)


def runs(db, job_id: str) -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).where(JobRun.job_id == job_id)))


def test_a_successful_run_is_recorded_with_its_counts(db, register_job):
    register_job("tests.counting", "counting")
    run = run_job("tests.counting", trigger="cli", now=NOW)
    assert run.status == "succeeded"
    assert run.counts == {"seen": 1, "sent": 0}
    assert run.started_at == NOW and run.finished_at >= NOW
    assert run.trigger == "cli" and run.pid and run.host
    assert sample_jobs.CALLS == [NOW]
    assert Lease(lock_name("tests.counting"), seconds=1).holder() is None


def test_a_failing_job_is_recorded_and_its_work_rolled_back(db, register_job):
    register_job("tests.failing", "failing")
    run = run_job("tests.failing", trigger="scheduler")
    assert run.status == "failed"
    assert "boom: the library system did not answer" in run.error
    assert run.error_summary == "RuntimeError: boom: the library system did not answer"
    assert "Traceback" in run.error or "sample_jobs.py" in run.error
    assert run.finished_at is not None
    assert db.session.scalar(select(College).where(College.code == "99")) is None
    assert [r.status for r in runs(db, "tests.failing")] == ["failed"]
    # The lock was released: the next run starts (and fails) again rather than being skipped.
    assert run_job("tests.failing", trigger="scheduler").status == "failed"


def test_a_job_returning_something_other_than_counts_fails_clearly(db, register_job):
    register_job("tests.bad_return", "bad_return")
    run = run_job("tests.bad_return", trigger="cli")
    assert run.status == "failed"
    assert "must return a dict of counts" in run.error_summary


def test_a_job_whose_module_is_missing_fails_with_a_clear_error(db, register_job):
    register_job("tests.missing", "tests.jobs.no_such_module:job")
    run = run_job("tests.missing", trigger="cli")
    assert run.status == "failed"
    assert "Cannot import tests.jobs.no_such_module for job tests.missing" in run.error


def test_an_unknown_job_is_refused_and_nothing_is_recorded(db):
    with pytest.raises(NotFound) as refused:
        run_job("tests.nope", trigger="cli")
    assert "tests.nope" in str(refused.value.message)
    assert db.session.scalar(select(func.count(JobRun.id))) == 0


def test_a_run_while_another_holds_the_lock_is_skipped_without_running(db, register_job):
    register_job("tests.counting", "counting")
    other = Lease(lock_name("tests.counting"), seconds=60)
    assert other.acquire()
    run = run_job("tests.counting", trigger="manual")
    assert run.status == "skipped"
    assert other.owner in run.error
    assert sample_jobs.CALLS == []
    other.release()
    assert run_job("tests.counting", trigger="cli").status == "succeeded"


def test_a_run_left_running_by_a_dead_process_is_closed_as_failed(db, register_job):
    register_job("tests.counting", "counting")
    orphan = JobRun(job_id="tests.counting", status="running", trigger="scheduler")
    db.session.add(orphan)
    db.session.commit()
    run_job("tests.counting", trigger="cli")
    statuses = {r.id: r.status for r in runs(db, "tests.counting")}
    assert statuses[orphan.id] == "failed"
    assert sorted(statuses.values()) == ["failed", "succeeded"]


def test_starting_by_hand_records_who_and_an_audit_entry(db, admin, register_job):
    register_job("tests.counting", "counting")
    run = run_job("tests.counting", trigger="manual", actor=admin)
    assert run.started_by_id == admin.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "jobs.started"))
    assert entry.actor_id == admin.id
    assert entry.object_type == "job" and entry.object_id == "tests.counting"
    assert entry.after == {"run": run.id, "trigger": "manual"}


def test_prune_history_deletes_old_finished_runs_and_is_safe_to_run_twice(db, app, register_job):
    register_job("tests.counting", "counting")
    days = app.config["JOB_HISTORY_DAYS"]
    old = run_job("tests.counting", trigger="cli", now=NOW - timedelta(days=days + 1)).id
    recent = run_job("tests.counting", trigger="cli", now=NOW - timedelta(days=days - 1)).id
    first = prune_history(now=NOW)
    db.session.commit()
    assert first == {"deleted": 1}
    assert {r.id for r in runs(db, "tests.counting")} == {recent}
    assert old != recent
    assert prune_history(now=NOW) == {"deleted": 0}


def test_the_catalogue_registers_the_outbox_and_history_jobs():
    ids = {spec.id for spec in registry.all_jobs()}
    assert {"notifications.drain_outbox", "jobs.prune_history"} <= ids
    outbox = registry.get_job("notifications.drain_outbox")
    assert outbox.schedule.seconds == 60
    assert outbox.target == "app.notifications.jobs:drain_outbox"


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (specs.every(seconds=60), "every minute"),
        (specs.every(minutes=5), "every 5 minutes"),
        (specs.every(seconds=90), "every 90 seconds"),
        (specs.every(hours=1), "every hour"),
        (specs.cron(hour=3, minute=40), "every day at 03:40"),
        (specs.cron(minute=15), "every hour at minute 15"),
        (specs.cron(day_of_week="mon", hour=7, minute=0), "every Monday at 07:00"),
        (specs.cron(day=1, hour=2, minute=5), "on day 1 of every month at 02:05"),
        (specs.cron(hour="*/2", minute=0), "on the schedule hour=*/2, minute=0"),
    ],
)
def test_schedules_read_as_words(app, schedule, words):
    with app.test_request_context(), force_locale("en"):
        assert schedule.describe() == words


def test_registering_a_bad_job_is_a_programming_error():
    with pytest.raises(ValueError):
        registry.register("NoDot", "x:y", specs.every(seconds=1), "x")
    with pytest.raises(ValueError):
        registry.register("tests.x", "no_colon", specs.every(seconds=1), "x")
    with pytest.raises(ValueError):
        registry.register("jobs.prune_history", "x:y", specs.every(seconds=1), "x")


def test_times_are_real_utc(db, register_job):
    register_job("tests.counting", "counting")
    before = utcnow()
    run = run_job("tests.counting", trigger="cli")
    assert before <= run.started_at <= run.finished_at <= utcnow() + timedelta(seconds=1)
