"""The admin's job pages: who may see them, the run history, and "Run now"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from jobs.lock import Lease
from jobs.models import JobRun
from jobs.runner import lock_name, run_job
from tests import factories
from tests.helpers import choose_english, page
from tests.jobs import sample_jobs


@pytest.fixture
def test_jobs():
    """Two test-only jobs, one that works and one that fails."""
    sample_jobs.CALLS.clear()
    with (
        sample_jobs.registered("tests.counting", "counting"),
        sample_jobs.registered("tests.failing", "failing"),
    ):
        yield


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/jobs"),
        ("get", "/admin/jobs/jobs.prune_history"),
        ("post", "/admin/jobs/jobs.prune_history/run"),
    ],
)
@pytest.mark.parametrize("roles", [(), ("volunteer",), ("coordinator",), ("editor",)])
def test_only_admins_reach_the_job_pages(client, login, db, method, url, roles):
    person = factories.person(roles=roles)
    db.session.commit()
    login(person)
    assert getattr(client, method)(url).status_code == 403
    assert db.session.scalar(select(JobRun.id)) is None  # nothing was started


def test_the_list_shows_every_job_with_schedule_last_run_and_button(
    client, login, admin, db, test_jobs
):
    run_job("tests.failing", trigger="scheduler")
    login(admin)
    choose_english(client)
    html = page(client.get("/admin/jobs"))
    assert 'data-job="notifications.drain_outbox"' in html
    assert 'data-job="jobs.prune_history"' in html
    assert "every minute" in html and "every day at 03:40" in html
    assert 'data-status="failed"' in html
    assert "RuntimeError: boom: the library system did not answer" in html
    assert html.count('action="/admin/jobs/') >= 4  # a Run now form for each job
    assert "Not run yet" in html


def test_the_admin_nav_links_to_the_jobs_page(client, login, admin):
    login(admin)
    assert 'href="/admin/jobs"' in page(client.get("/"))


def test_run_now_runs_the_job_records_who_and_shows_the_result(client, login, admin, db, test_jobs):
    login(admin)
    choose_english(client)
    response = client.post("/admin/jobs/tests.counting/run")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/jobs/tests.counting"
    html = page(client.get(response.headers["Location"]))
    assert "finished" in html and "seen 1" in html
    assert 'data-status="succeeded"' in html
    db.session.expire_all()
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "tests.counting"))
    assert (run.status, run.trigger, run.started_by_id) == ("succeeded", "manual", admin.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "jobs.started"))
    assert entry.actor_id == admin.id and entry.object_id == "tests.counting"


def test_run_now_of_a_failing_job_shows_the_error_not_a_crash(client, login, admin, db, test_jobs):
    login(admin)
    choose_english(client)
    response = client.post("/admin/jobs/tests.failing/run", follow_redirects=True)
    assert response.status_code == 200
    html = page(response)
    assert "failed: RuntimeError: boom" in html
    assert 'data-testid="run-error"' in html  # the traceback's end, in the history


def test_run_now_while_the_job_runs_elsewhere_is_skipped_with_a_warning(
    client, login, admin, db, test_jobs
):
    assert Lease(lock_name("tests.counting"), seconds=60).acquire()
    login(admin)
    choose_english(client)
    html = page(client.post("/admin/jobs/tests.counting/run", follow_redirects=True))
    assert "already running" in html
    assert sample_jobs.CALLS == []
    assert 'data-status="skipped"' in html


def test_unknown_jobs_are_not_found(client, login, admin, db):
    login(admin)
    assert client.get("/admin/jobs/no.such_job").status_code == 404
    assert client.post("/admin/jobs/no.such_job/run").status_code == 404
    assert db.session.scalar(select(JobRun.id)) is None


def test_run_now_without_a_csrf_token_is_refused(client, login, admin, db, app, monkeypatch):
    login(admin)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/admin/jobs/jobs.prune_history/run").status_code == 400
    assert db.session.scalar(select(JobRun.id)) is None


def test_the_history_is_paged_newest_first(client, login, admin, db, app, test_jobs):
    for _ in range(app.config["PAGE_SIZE"] + 2):
        run_job("tests.counting", trigger="cli")
    login(admin)
    first = page(client.get("/admin/jobs/tests.counting"))
    second = page(client.get("/admin/jobs/tests.counting?page=2"))
    assert first.count('data-testid="run"') == app.config["PAGE_SIZE"]
    assert second.count('data-testid="run"') == 2
    assert first.index(f"seen: {len(sample_jobs.CALLS)};") < first.index("seen: 3;")
    assert "seen: 1;" in second
