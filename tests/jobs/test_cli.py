"""`flask jobs list` and `flask jobs run NAME`."""

from __future__ import annotations

from sqlalchemy import select

from jobs.lock import Lease
from jobs.models import JobRun
from jobs.runner import lock_name


def test_an_unknown_job_name_exits_non_zero_with_a_message(runner, db):
    result = runner.invoke(args=["jobs", "run", "no.such_job"])
    assert result.exit_code != 0
    assert "no.such_job" in result.output
    assert "jobs.prune_history" in result.output  # and says which jobs exist
    assert db.session.scalar(select(JobRun.id)) is None


def test_running_a_job_prints_its_counts_and_records_the_run(runner, db, register_job):
    register_job("tests.counting", "counting")
    result = runner.invoke(args=["jobs", "run", "tests.counting"])
    assert result.exit_code == 0, result.output
    assert "seen=1" in result.output
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "tests.counting"))
    assert (run.status, run.trigger) == ("succeeded", "cli")


def test_a_failing_job_exits_non_zero_and_shows_the_error(runner, db, register_job):
    register_job("tests.failing", "failing")
    result = runner.invoke(args=["jobs", "run", "tests.failing"])
    assert result.exit_code != 0
    assert "boom: the library system did not answer" in result.output
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "tests.failing"))
    assert run.status == "failed"


def test_a_job_already_running_elsewhere_is_refused(runner, db, register_job):
    register_job("tests.counting", "counting")
    assert Lease(lock_name("tests.counting"), seconds=60).acquire()
    result = runner.invoke(args=["jobs", "run", "tests.counting"])
    assert result.exit_code != 0
    assert "skipped" in result.output
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "tests.counting"))
    assert run.status == "skipped"


def test_list_shows_each_job_its_schedule_and_last_status(runner, db, register_job):
    register_job("tests.counting", "counting")
    runner.invoke(args=["jobs", "run", "tests.counting"])
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert {"notifications.drain_outbox", "jobs.prune_history", "tests.counting"} <= set(lines)
    assert lines["tests.counting"].rstrip().endswith("succeeded")
    assert lines["jobs.prune_history"].rstrip().endswith("-")
