"""Pulling people and library use from the campus data hub: good, bad and slow answers
against a hub on loopback, all-or-nothing pulls, retries, idempotency, the dry run, the
job, and the admin pages."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.admin import datahub, jobs
from app.admin.models import DataHubPull, DataHubSource
from app.extensions import db
from app.rewards.models import LibraryUse
from tests import factories
from tests.admin.datahub_server import TOKEN, RunningHub

NOW = datetime(2026, 11, 5, 4, 0)  # 12:00 in Shanghai
ROSTER_MAPPING = "student_number=XH\nname=XM\ncollege=YX\nemail=DZYX"
USE_MAPPING = "student_number=XH\ndate=RQ\nloans=JY\nvisits=RG\nminutes=ZG\ne_sessions=DZ"
ROSTER = [
    {"XH": "2026140001", "XM": "赵一", "YX": "文学与新闻学院", "DZYX": "zy@stu.example.cn"},
    {"XH": "2026140002", "XM": "钱二", "YX": "文学与新闻学院", "DZYX": None},
]


@pytest.fixture(scope="module")
def running_hub():
    server = RunningHub()
    yield server
    server.stop()


@pytest.fixture
def hub(running_hub, app, monkeypatch):
    running_hub.hub.mode = "ok"
    running_hub.hub.answers = {"/roster": {"data": ROSTER}}
    monkeypatch.setitem(app.config, "DATAHUB_TIMEOUT", 0.5)
    return running_hub


def source(admin, hub, kind: str = "roster", path: str = "/roster", mapping: str = ROSTER_MAPPING):
    saved = datahub.save_source(
        None,
        datahub.SourceFields(
            name=f"{kind} feed",
            kind=kind,
            url=f"{hub.url}{path}",
            token=TOKEN,
            mapping_text=mapping,
            hour=3,
            enabled=True,
        ),
        actor=admin,
        now=NOW,
    )
    db.session.commit()
    return saved


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_roster_pull_creates_people_and_a_second_pull_changes_nothing(db, admin, hub):
    feed = source(admin, hub)
    first = datahub.pull(feed, now=NOW)
    db.session.commit()
    assert (first.status, first.records, first.counts["create"]) == ("applied", 2, 2)
    zhao = db.session.scalar(select(User).where(User.student_number == "2026140001"))
    assert zhao.name == "赵一" and zhao.college.name == "文学与新闻学院"

    second = datahub.pull(feed, now=NOW + timedelta(days=1))
    db.session.commit()
    assert second.status == "unchanged"
    assert people_count() == 3  # the admin and the two


def test_malformed_rows_are_reported_and_the_good_ones_applied(db, admin, hub):
    hub.hub.answers["/roster"] = [
        {"XH": "2026140003", "XM": "孙三"},
        {"XH": "", "XM": "无学号"},
        {"XH": "=cmd()", "XM": "公式"},
        "not a record",
    ]
    record = datahub.pull(source(admin, hub), now=NOW)
    db.session.commit()
    assert record.status == "applied"
    assert record.counts["create"] == 1
    assert [row["line"] for row in record.rejected] == [3, 4, 5]
    assert all(row["reason"] for row in record.rejected)


@pytest.mark.parametrize(
    ("mode", "words"), [("error", "HTTP 500"), ("garbage", "JSON"), ("slow", "没有及时响应")]
)
def test_a_failing_hub_writes_nothing_and_is_retried_sooner(db, admin, hub, mode, words):
    feed = source(admin, hub)
    hub.hub.mode = mode
    record = datahub.pull(feed, now=NOW)
    db.session.commit()
    assert record.status == "failed"
    assert words in record.error
    assert people_count() == 1
    assert feed.failures == 1 and feed.next_pull_at == NOW + timedelta(minutes=15)
    again = datahub.pull(feed, now=NOW + timedelta(minutes=15))
    db.session.commit()
    assert again.status == "failed" and feed.next_pull_at == NOW + timedelta(minutes=45)

    hub.hub.mode = "ok"
    datahub.pull(feed, now=NOW + timedelta(hours=1))
    db.session.commit()
    assert feed.failures == 0
    assert feed.next_pull_at == datetime(2026, 11, 5, 19, 0)  # 03:00 tomorrow in Shanghai


def test_a_pull_beyond_the_import_row_limit_fails_with_the_limit_and_writes_nothing(
    app, db, admin, hub, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    record = datahub.pull(source(admin, hub), now=NOW)
    db.session.commit()
    assert record.status == "failed"
    assert "超过 1 行" in record.error
    assert people_count() == 1


def test_a_wrong_token_or_address_fails_cleanly(db, admin, hub):
    feed = source(admin, hub, path="/nowhere")
    assert datahub.pull(feed, now=NOW).status == "failed"
    feed.token = "wrong"
    feed.url = f"{hub.url}/roster"
    record = datahub.pull(feed, now=NOW)
    assert (record.status, "HTTP 401" in record.error) == ("failed", True)


def test_library_use_is_pulled_once(db, admin, hub):
    reader = factories.person(name="读者", student_number="2025140009")
    db.session.commit()
    hub.hub.answers["/use"] = {
        "records": [
            {"XH": reader.student_number, "RQ": "2026-11-02", "JY": 2, "RG": 1, "ZG": 90, "DZ": 0},
            {"XH": "9999999999", "RQ": "2026-11-02", "JY": 1, "RG": 1, "ZG": 10, "DZ": 0},
        ]
    }
    feed = source(admin, hub, kind="library_use", path="/use", mapping=USE_MAPPING)
    record = datahub.pull(feed, now=NOW)
    db.session.commit()
    assert record.status == "applied"
    assert record.counts == {"accepted": 1, "rejected": 1}
    assert "9999999999" in record.rejected[0]["reason"]
    assert datahub.pull(feed, now=NOW).status == "unchanged"
    db.session.commit()
    rows = db.session.scalars(select(LibraryUse).where(LibraryUse.user_id == reader.id)).all()
    assert [(row.loans, row.minutes) for row in rows] == [(2, 90)]


def test_a_dry_run_writes_nothing(db, admin, hub):
    feed = source(admin, hub)
    report = datahub.dry_run(feed, now=NOW)
    db.session.commit()
    assert (report.status, report.counts["create"]) == ("applied", 2)
    assert people_count() == 1
    assert db.session.scalar(select(func.count()).select_from(DataHubPull)) == 0


def test_the_job_pulls_only_due_sources(db, admin, hub):
    feed = source(admin, hub)
    assert datahub.pull_due(now=NOW) == {"applied": 0, "unchanged": 0, "failed": 0}
    assert datahub.pull_due(now=feed.next_pull_at) == {"applied": 1, "unchanged": 0, "failed": 0}


@pytest.mark.parametrize(
    ("mapping", "field"),
    [("name=XM", "mapping"), ("student_number=XH\nname=XM\nsalary=GZ", "mapping")],
)
def test_a_mapping_must_name_the_required_fields(db, admin, hub, mapping, field):
    with pytest.raises(datahub.InvalidInput) as raised:
        source(admin, hub, mapping=mapping)
    assert raised.value.field == field


def test_an_admin_adds_a_source_dry_runs_and_pulls(client, login, db, admin, hub):
    login(admin)
    bad = client.post(
        "/admin/datahub/",
        data={
            "name": "一卡通",
            "kind": "roster",
            "url": "ftp://x",
            "mapping": "name=XM",
            "hour": 3,
        },
    )
    assert bad.status_code == 400
    response = client.post(
        "/admin/datahub/",
        data={
            "name": "人事系统",
            "kind": "roster",
            "url": f"{hub.url}/roster",
            "token": TOKEN,
            "mapping": ROSTER_MAPPING,
            "hour": 4,
            "enabled": "y",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(DataHubSource))
    page = client.post(f"/admin/datahub/{saved.id}/dry-run", data={})
    assert 'data-testid="dry-run-report"' in page.get_data(as_text=True)
    assert people_count() == 1  # the dry run created nobody
    client.post(f"/admin/datahub/{saved.id}/pull", data={})
    assert db.session.scalar(select(func.count()).select_from(DataHubPull)) == 1
    assert TOKEN not in client.get(f"/admin/datahub/{saved.id}").get_data(as_text=True)


def test_saving_a_source_without_its_mapping_keeps_the_stored_one(client, login, db, admin, hub):
    saved = source(admin, hub)
    login(admin)
    response = client.post(
        f"/admin/datahub/{saved.id}",
        data={"name": "改名后的名单", "kind": "roster", "url": f"{hub.url}/roster", "hour": 5},
    )

    assert response.status_code == 302
    db.session.refresh(saved)
    assert saved.name == "改名后的名单"
    assert datahub.mapping_text(saved.mapping) == datahub.mapping_text(
        datahub.parse_mapping(ROSTER_MAPPING, "roster")
    )


def test_the_job_commits_a_large_pull_a_chunk_at_a_time(app, db, admin, hub, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_ROWS", 1)
    feed = source(admin, hub)
    seen = []
    real_commit = db.session.commit

    def commit() -> None:
        real_commit()
        with db.engine.connect() as other:  # what everyone else sees now
            seen.append(other.execute(select(func.count(User.id))).scalar_one())

    monkeypatch.setattr(db.session, "commit", commit)
    assert jobs.pull_datahub(now=feed.next_pull_at) == {"applied": 1, "unchanged": 0, "failed": 0}
    assert seen[:2] == [2, 3]  # the admin, then one new person per chunk
    assert db.session.scalar(select(func.count()).select_from(DataHubPull)) == 1


def can_write_elsewhere() -> bool:
    """Whether another connection could take the write lock at once (PostgreSQL has no
    database-wide write lock: always)."""
    if db.engine.dialect.name != "sqlite":
        return True
    other = sqlite3.connect(db.engine.url.database, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_nobody_waits_for_the_write_lock_while_the_hub_answers(db, admin, hub, monkeypatch):
    feed = source(admin, hub)
    free_while_fetching = []
    fetch = datahub.fetch_records

    def watched(polled):
        free_while_fetching.append(can_write_elsewhere())
        return fetch(polled)

    monkeypatch.setattr(datahub, "fetch_records", watched)
    assert datahub.dry_run(feed, now=NOW).status == "applied"
    db.session.rollback()
    assert datahub.pull(feed, actor=admin, now=NOW).status == "applied"  # "Pull now"
    db.session.commit()
    assert free_while_fetching == [True, True]
