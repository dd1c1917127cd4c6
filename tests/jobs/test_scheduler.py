"""The scheduler keeps going after a failing job; web processes start none unless told."""

from __future__ import annotations

import time
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from app import create_app
from config import DevelopmentConfig, TestConfig
from jobs import registry, scheduler, specs
from jobs.lock import Lease
from jobs.models import JobRun


def failed_runs(db, job_id: str) -> int:
    db.session.rollback()
    return len(
        db.session.scalars(
            select(JobRun).where(JobRun.job_id == job_id, JobRun.status == "failed")
        ).all()
    )


def test_a_failing_job_is_recorded_and_the_scheduler_keeps_running(app, db, register_job):
    register_job("tests.failing", "failing", specs.every(seconds=1))
    background = scheduler.build(app, BackgroundScheduler)
    assert background.get_job("tests.failing").max_instances == 1
    background.start()
    try:
        deadline = time.monotonic() + 10
        while failed_runs(db, "tests.failing") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert background.running
    finally:
        background.shutdown(wait=True)
    assert failed_runs(db, "tests.failing") >= 2


def test_every_registered_job_is_scheduled_once_without_overlap(app):
    background = scheduler.build(app, BackgroundScheduler)
    scheduled = {job.id: job for job in background.get_jobs()}
    assert set(scheduled) == {spec.id for spec in registry.all_jobs()}
    for job in scheduled.values():
        assert job.max_instances == 1 and job.coalesce is True


def test_web_processes_run_no_scheduler_by_default(app, client):
    client.get("/login")
    assert "jobs_scheduler" not in app.extensions
    assert Lease(scheduler.SCHEDULER_LOCK, seconds=1).holder() is None


def test_scheduler_in_web_starts_one_at_the_first_request_and_stops(app, db):
    web_app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SCHEDULER_IN_WEB=True,
    )
    web = web_app.extensions["jobs_scheduler"]
    assert web.scheduler is None
    try:
        web_app.test_client().get("/login")
        assert web.scheduler is not None and web.scheduler.running
        holder = Lease(scheduler.SCHEDULER_LOCK, seconds=1).holder()
        assert holder.owner == web.lease.owner
    finally:
        web.stop()
    assert Lease(scheduler.SCHEDULER_LOCK, seconds=1).holder() is None


def _make_run_serve_line() -> str:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    return next(line for line in recipe.splitlines() if "flask run" in line)


def test_make_run_serves_the_demo_with_every_job_scheduled_in_one_process(app, db):
    serve = _make_run_serve_line()
    assert "SCHEDULER_IN_WEB=1" in serve
    assert "--no-reload" in serve and "--debug" not in serve  # a reloader is a second process
    web_app = create_app(
        DevelopmentConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SCHEDULER_IN_WEB=True,
    )
    web = web_app.extensions["jobs_scheduler"]
    try:
        web_app.test_client().get("/login")
        scheduled = {job.id for job in web.scheduler.get_jobs()}
    finally:
        web.stop()
    assert scheduled == {spec.id for spec in registry.all_jobs()}
    assert "recruitment.draw_lotteries" in scheduled and "rewards.award_points" in scheduled
