"""Large roster imports: chunk by chunk, as a job with a progress page above the inline
limit, and without one database statement per person."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import event, func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.admin import import_runs, jobs, roster
from app.admin.models import ImportRun
from app.audit.models import AuditEntry
from app.common.time import utcnow
from tests import factories
from tests.admin.test_roster import csv_bytes, page, upload

NOW = utcnow()


def lines(count: int, start: int = 0) -> list[str]:
    return [f"2025{n:06d},新生{n},文学院,汉语言,2025,本科生,," for n in range(start, count)]


def people_count(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def admin_en(db, admin):
    accounts.set_locale(admin, "en")
    db.session.commit()
    return admin


@pytest.fixture
def chunks_of_three(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_ROWS", 3)


@pytest.fixture
def inline_up_to_four(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_INLINE_ROWS", 4)


def test_new_people_are_written_a_chunk_at_a_time_not_a_statement_each(
    app, db, admin, chunks_of_three
):
    _plan, token = roster.preview_import(csv_bytes(*lines(10)), "a.csv", actor=admin)
    inserts = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO USERS"):
            inserts.append(statement)

    seen = []
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts = roster.confirm_import(
            token, actor=admin, checkpoint=lambda done, total: seen.append((done, total))
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()
    assert counts["create"] == 10 and people_count(db) == 11
    assert len(inserts) == 4  # 3 + 3 + 3 + 1
    assert seen == [(3, 10), (6, 10), (9, 10), (10, 10)]
    new = accounts.find_by_login("2025000009")
    assert new.must_change_password and new.college.name == "文学院"
    assert new.session_token != accounts.find_by_login("2025000008").session_token
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == admin.id))
    assert list(actions) == ["admin.roster_imported"]


def test_importing_the_same_file_again_changes_nothing(db, admin, chunks_of_three):
    data = csv_bytes(*lines(7))
    _plan, token = roster.preview_import(data, "a.csv", actor=admin)
    roster.confirm_import(token, actor=admin, checkpoint=lambda *_: db.session.commit())
    db.session.commit()
    plan, token = roster.preview_import(data, "a.csv", actor=admin)
    assert plan.counts["unchanged"] == 7
    counts = roster.confirm_import(token, actor=admin)
    assert counts["create"] == 0 and people_count(db) == 8


def test_a_large_confirm_is_queued_and_the_job_imports_it_with_progress(
    client,
    login,
    db,
    admin_en,
    chunks_of_three,
    inline_up_to_four,
    monkeypatch,
):
    login(admin_en)
    html = page(upload(client, csv_bytes(*lines(8))))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/admin/roster/confirm", data={"token": token, "initial_password": "welcome-2026"}
    )
    assert response.status_code == 302 and "/admin/roster/runs/" in response.location
    waiting = page(client.get(response.location))
    assert 'data-state="queued"' in waiting and "0 of 8 rows done" in waiting
    assert "data-reload-after=" in waiting
    assert people_count(db) == 1  # nothing yet: the request only queued it

    progress = []
    real_apply = import_runs.apply

    def apply(run, *, now, checkpoint):
        def spy(done: int, total: int) -> None:
            checkpoint(done, total)
            progress.append(page(client.get(response.location)))  # what the admin sees

        return real_apply(run, now=now, checkpoint=spy)

    monkeypatch.setattr(import_runs, "apply", apply)
    assert jobs.run_imports(now=utcnow()) == {"succeeded": 1, "failed": 0}
    assert "3 of 8 rows done" in progress[0] and 'data-state="running"' in progress[0]
    done = page(client.get(response.location))
    assert 'data-state="succeeded"' in done and "8 created" in done and "8 of 8" in done
    assert "data-reload-after=" not in done
    db.session.expire_all()
    assert people_count(db) == 9
    assert accounts.authenticate("2025000007", "welcome-2026").must_change_password
    run = db.session.scalar(select(ImportRun))
    assert run.password_hash is None  # not kept once the run is over


def test_a_small_confirm_is_still_applied_in_the_request(
    client,
    login,
    db,
    admin_en,
    inline_up_to_four,
):
    login(admin_en)
    html = page(upload(client, csv_bytes(*lines(4))))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post("/admin/roster/confirm", data={"token": token}, follow_redirects=True)
    assert "4 created" in page(done)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


def test_a_queued_import_whose_data_changed_fails_with_the_reason(db, admin, app):
    data = csv_bytes("2025000001,甲,,,,,,jia@example.edu.cn")
    run = factories.queued_roster_import(admin, data)
    factories.person(email="jia@example.edu.cn")  # meanwhile
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        assert jobs.run_imports(now=utcnow()) == {"succeeded": 0, "failed": 1}
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert run.state == "failed" and "rows 2 would now be rejected" in run.error
    assert run.password_hash is None
    assert accounts.find_by_login("2025000001") is None


def test_a_run_left_running_by_a_dead_process_is_marked_failed(db, admin):
    run = factories.queued_roster_import(admin)
    run.state = "running"
    db.session.commit()
    assert jobs.run_imports(now=utcnow())["failed"] == 1
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).state == "failed"


def test_another_admins_run_page_exists_and_an_unknown_one_is_404(client, login, db, admin):
    run = factories.queued_roster_import(factories.person(roles=["admin"]))
    db.session.commit()
    login(admin)
    assert client.get(f"/admin/roster/runs/{run.id}").status_code == 200
    assert client.get(f"/admin/roster/runs/{run.id + 1}").status_code == 404


def test_someone_registering_during_an_import_stops_it_and_a_second_import_completes_it(
    client, login, db, admin_en, chunks_of_three, monkeypatch
):
    from app.admin import roster_views

    login(admin_en)
    data = csv_bytes(*lines(8))
    html = page(upload(client, data))
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    commit = roster_views._Commits.__call__

    def someone_registers_after_the_first_chunk(self, done: int, total: int) -> None:
        commit(self, done, total)
        if done == 3:  # a new student signs up with a number the import reaches next
            factories.person(student_number="2025000004")
            db.session.commit()

    monkeypatch.setattr(roster_views._Commits, "__call__", someone_registers_after_the_first_chunk)
    response = client.post("/admin/roster/confirm", data={"token": token})
    assert response.status_code == 400
    assert "rows 5 to 7 while the import ran" in page(response)
    db.session.expire_all()
    assert accounts.find_by_login("2025000002") is not None  # the first chunk stayed
    assert accounts.find_by_login("2025000005") is None
    stopped = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "admin.roster_import_stopped")
    )
    assert stopped.after["rows_done"] == 3 and "while the import ran" in stopped.note

    monkeypatch.undo()
    html = page(upload(client, data))
    assert 'data-testid="count-unchanged">3<' in html  # the first chunk
    assert 'data-testid="count-update">1<' in html  # who registered meanwhile, named by the file
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post("/admin/roster/confirm", data={"token": token}, follow_redirects=True)
    assert "4 created, 1 updated, 3 unchanged" in page(done)
    assert people_count(db) == 9  # the admin and the file's 8


def test_a_job_stopped_halfway_is_audited_with_the_rows_it_kept(db, admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_CHUNK_ROWS", 3)
    with app.test_request_context(), force_locale("en"):
        run = factories.queued_roster_import(admin, csv_bytes(*lines(8)))
        db.session.commit()
        real_apply = import_runs.apply

        def apply(queued, *, now, checkpoint):
            def spy(done: int, total: int) -> None:
                checkpoint(done, total)
                if done == 3:
                    factories.person(student_number="2025000004")
                    db.session.commit()

            return real_apply(queued, now=now, checkpoint=spy)

        monkeypatch.setattr(import_runs, "apply", apply)
        assert jobs.run_imports(now=utcnow()) == {"succeeded": 0, "failed": 1}
    db.session.expire_all()
    run = db.session.get(ImportRun, run.id)
    assert run.state == "failed" and run.rows_done == 3
    assert "rows 5 to 7" in run.error
    stopped = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "admin.roster_import_stopped")
    )
    assert stopped.actor_id == admin.id and stopped.after["rows_done"] == 3
