"""Every count a job reports reads as words on the job pages, not as its key."""

from __future__ import annotations

from app.admin.count_labels import COUNT_LABELS
from jobs import registry
from jobs.runner import run_job
from tests.helpers import choose_english, page
from tests.jobs import sample_jobs
from tests.jobs.test_twice_at_once import NOW, world


def test_every_count_a_job_reports_has_a_label(app, db, monkeypatch):
    world(monkeypatch)
    reported = set()
    for spec in registry.all_jobs():
        reported |= set(registry.call(spec, now=NOW))
    missing = sorted(reported - set(COUNT_LABELS))
    assert not missing, " ".join(missing)


def test_the_job_page_shows_counts_in_words(client, login, admin, db):
    with sample_jobs.registered("tests.counting", "counting"):
        run_job("tests.counting", trigger="cli")
        login(admin)
        choose_english(client)
        html = page(client.get("/admin/jobs/tests.counting"))
    assert "Sent: 0" in html
    assert "sent: 0" not in html


def test_a_data_hub_pull_counts_in_words_too():
    keys = ("create", "update", "unchanged", "reject", "accepted", "rejected", "not_records")
    assert set(keys) <= set(COUNT_LABELS)
