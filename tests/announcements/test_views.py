"""Writing an announcement, reading it and the writer's receipts: through HTTP, in Chinese."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.announcements.models import Announcement, AnnouncementRecipient
from app.common.time import to_local, utcnow
from app.extensions import db as _db
from tests.announcements import announcement_data as data
from tests.recruitment import recruiting
from tests.shifts import signup_data


def _form(where, **fields) -> dict:
    values = {
        "audience": "shift",
        "target_id": str(where.shift.id),
        "signups": "confirmed",
        "title": "明天值班请提前到",
        "body": "请 **提前十分钟** 到。<script>alert(1)</script>",
    }
    return values | fields


def _count() -> int:
    return _db.session.scalar(select(func.count(Announcement.id)))


def test_a_coordinator_announces_and_sees_who_read_it(client, login, db):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    sent = client.post("/announcements/new", data=_form(where))
    assert sent.status_code == 302
    announcement = _db.session.scalars(select(Announcement)).one()
    assert sent.headers["Location"].endswith(f"/announcements/{announcement.id}/receipts")
    data.send()

    client.post("/logout")
    reader = where.confirmed[0]
    login(reader)
    page = client.get(f"/announcements/{announcement.id}").get_data(as_text=True)
    assert "<strong>提前十分钟</strong>" in page and "<script>" not in page
    assert reader.display_name  # the reader's name leaves the unread list below

    client.post("/logout")
    login(where.coordinator)
    receipts = client.get(f"/announcements/{announcement.id}/receipts").get_data(as_text=True)
    assert 'data-testid="delivered">2<' in receipts
    assert 'data-testid="read">1<' in receipts
    unread = receipts.split('data-testid="unread"')[1].split("</ul>")[0]
    assert where.confirmed[1].display_name in unread
    assert reader.display_name not in unread


def test_bad_input_gets_a_chinese_message_and_nothing_is_written(client, login, db):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    past = to_local(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for fields, message in [
        ({"body": ""}, "请填写公告内容"),
        ({"body": "长" * 10_001}, "10000"),
        ({"send_at": past}, None),  # its message is new: Chinese once translated
    ]:
        answer = client.post("/announcements/new", data=_form(where, **fields))
        assert answer.status_code == 400
        html = answer.get_data(as_text=True)
        assert html.count("invalid-feedback") == 1, fields
        assert message is None or message in html, fields
    assert _count() == 0


def test_a_coordinator_of_another_team_cannot_announce_to_this_shift(client, login, db):
    where = data.place()
    stranger = recruiting.coordinator(signup_data.team())
    db.session.commit()
    login(stranger)
    answer = client.post("/announcements/new", data=_form(where))
    assert answer.status_code == 400
    assert "invalid-feedback" in answer.get_data(as_text=True)
    assert _count() == 0


def test_someone_not_told_gets_404_and_a_withdrawn_one_is_gone(client, login, db):
    where = data.place()
    announcement = data.to_shift(where)
    db.session.commit()
    data.send()
    login(where.waitlisted[0])
    assert client.get(f"/announcements/{announcement.id}").status_code == 404
    client.post("/logout")

    login(where.coordinator)
    client.post(f"/announcements/{announcement.id}/withdraw")
    client.post("/logout")
    login(where.confirmed[0])
    assert client.get(f"/announcements/{announcement.id}").status_code == 404
    assert "明天值班请提前到" not in client.get("/announcements/").get_data(as_text=True)
    read = _db.session.scalar(select(func.count(AnnouncementRecipient.read_at)))
    assert read == 0


def test_a_pinned_announcement_shows_on_the_volunteers_home_page(client, login, db):
    where = data.place()
    data.to_shift(where, pinned=True)
    db.session.commit()
    data.send()
    login(where.confirmed[0])
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="pinned-announcements"' in home
    assert "明天值班请提前到" in home


def test_the_team_page_shows_pinned_ones_and_the_shift_page_starts_one(client, login, db):
    where = data.place()
    data.to_shift(where, pinned=True, title="置顶：排班规则")
    db.session.commit()
    data.send()
    login(where.coordinator)
    team_page = client.get(f"/teams/{where.team.id}").get_data(as_text=True)
    assert "置顶：排班规则" in team_page

    shift_page = client.get(f"/tasks/shifts/{where.shift.id}").get_data(as_text=True)
    start = f"/announcements/new?audience=shift&amp;target={where.shift.id}"
    assert start in shift_page
    form = client.get(start.replace("&amp;", "&")).get_data(as_text=True)
    assert f'value="{where.shift.id}"' in form
