"""Editing an announcement: after it went out the earlier text is kept and shown to the
writer and coordinators, recipients see the new text marked edited; a scheduled one is just
changed; a withdrawn one is refused; only the writer or an admin edits; two edits at once
keep one version each (the loser is refused)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.announcements import editing, services
from app.announcements.models import AnnouncementVersion
from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.errors import Conflict, Forbidden
from app.extensions import db as _db
from tests.announcements import announcement_data as data
from tests.helpers import page, race
from tests.recruitment import recruiting


def _sent(db):
    where = data.place()
    announcement = data.to_shift(where)
    db.session.commit()
    data.send()
    return where, announcement


def test_the_writer_edits_a_sent_one_and_the_history_is_shown(client, login, db):
    where, announcement = _sent(db)
    login(where.coordinator)
    url = f"/announcements/{announcement.id}"
    form = page(client.get(f"{url}/edit"))
    assert "明天值班请提前到" in form
    saved = client.post(f"{url}/edit", data={"title": "改时间了", "body": "请 **九点** 到。"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{url}/receipts")

    receipts = page(client.get(f"{url}/receipts"))
    # (its words are new: asserted by their mark until the Chinese is compiled in)
    assert 'data-testid="edited"' in receipts and "<strong>九点</strong>" in receipts
    history = receipts.split('data-testid="versions"')[1].split("</ol>")[0]
    assert "明天值班请提前到" in history and "请 **提前十分钟** 到总服务台。" in history
    assert where.coordinator.display_name in history
    entry = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "announcements.edited")
    ).one()
    assert entry.actor_id == where.coordinator.id

    client.post("/logout")
    login(where.confirmed[0])
    shown = page(client.get(url))
    assert "改时间了" in shown and "<strong>九点</strong>" in shown
    assert 'data-testid="edited"' in shown and "明天值班请提前到" not in shown


def test_every_edit_keeps_the_text_it_replaced(db):
    where, announcement = _sent(db)
    editing.edit(where.coordinator, announcement, title="第二版", body="正文二")
    editing.edit(where.coordinator, announcement, title="第三版", body="正文三")
    assert [v.title for v in editing.versions(announcement)] == ["第二版", "明天值班请提前到"]
    assert announcement.title == "第三版" and announcement.edited_at is not None
    # Saving the same text again changes nothing and keeps no version.
    assert editing.edit(where.coordinator, announcement, title="第三版", body="正文三") is False
    assert len(editing.versions(announcement)) == 2


def test_a_scheduled_one_is_just_changed(db):
    where = data.place()
    announcement = data.to_shift(where, send_at=utcnow() + timedelta(days=1))
    editing.edit(where.coordinator, announcement, title="改了", body="新正文")
    assert announcement.title == "改了" and announcement.edited_at is None
    assert editing.versions(announcement) == []


def test_a_withdrawn_one_is_refused_and_kept_as_it_was(client, login, db):
    where, announcement = _sent(db)
    services.withdraw(where.coordinator, announcement)
    db.session.commit()
    login(where.coordinator)
    refused = client.post(
        f"/announcements/{announcement.id}/edit", data={"title": "改了", "body": "新正文"}
    )
    assert "alert-danger" in page(refused)
    _db.session.expire_all()
    assert announcement.title == "明天值班请提前到"
    with pytest.raises(Conflict):
        editing.edit(where.coordinator, announcement, title="改了", body="新正文")


def test_only_the_writer_or_an_admin_edits(client, login, db):
    where, announcement = _sent(db)
    colleague = recruiting.coordinator(where.team)
    db.session.commit()
    with pytest.raises(Forbidden):
        editing.edit(colleague, announcement, title="改了", body="新正文")
    login(colleague)
    receipts = page(client.get(f"/announcements/{announcement.id}/receipts"))
    assert 'data-testid="edit"' not in receipts
    response = client.post(
        f"/announcements/{announcement.id}/edit", data={"title": "改了", "body": "新正文"}
    )
    assert response.status_code == 403
    assert client.get(f"/announcements/{announcement.id}/edit").status_code == 403
    _db.session.expire_all()
    assert announcement.title == "明天值班请提前到"


def test_two_edits_at_once_keep_one_version_and_refuse_the_other(app, db):
    where, announcement = _sent(db)
    coordinator_id, announcement_id = where.coordinator.id, announcement.id

    both_read = threading.Barrier(2)

    def change(title: str) -> None:
        from app.accounts.models import User
        from app.announcements.models import Announcement

        row = _db.session.get(Announcement, announcement_id)
        editor = _db.session.get(User, coordinator_id)
        both_read.wait()  # both saw the same text before either changes it
        editing.edit(editor, row, title=title, body="同时改")

    outcomes = race(app, change, ["甲", "乙"])
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    _db.session.expire_all()
    versions = _db.session.scalars(select(AnnouncementVersion)).all()
    assert [v.title for v in versions] == ["明天值班请提前到"]
