"""The bell, the list, marking read, email settings: through HTTP."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts import services as accounts
from app.notifications import services
from app.notifications.models import Notification, NotificationPreference
from tests import factories
from tests.helpers import page


def bell_count(html: str) -> str | None:
    match = re.search(r'data-testid="unread-count">([^<]+)<', html)
    return match.group(1) if match else None


def ticked(html: str, kind: str) -> bool:
    tag = re.search(rf'<input[^>]*value="{re.escape(kind)}"[^>]*>', html).group(0)
    return " checked" in tag


def tell(person, subject: str = "通知", link: str | None = None) -> Notification:
    notification = services.notify(
        person,
        "system.announcement",
        context={"subject": subject, "message": f"{subject}的内容"},
        link=link,
    )
    return notification


def test_the_bell_shows_the_unread_count_on_every_page(client, login, db, student):
    tell(student, "第一条")
    tell(student, "第二条")
    db.session.commit()
    login(student)
    for url in ("/", "/profile", "/notifications/"):
        html = page(client.get(url))
        assert bell_count(html) == "2", url
    # Outside the collapsed menu, so a phone shows it without opening the menu.
    home = page(client.get("/"))
    assert home.index('data-testid="notification-bell"') < home.index('class="collapse')


def test_no_badge_when_everything_is_read_and_no_bell_when_logged_out(client, login, student):
    login(student)
    html = page(client.get("/"))
    assert 'data-testid="notification-bell"' in html
    assert bell_count(html) is None
    client.post("/logout")
    assert 'data-testid="notification-bell"' not in page(client.get("/login"))


def test_the_list_shows_newest_first_with_unread_highlighted(client, login, db, student):
    older = tell(student, "旧消息")
    tell(student, "新消息")
    services.mark_read(older)
    db.session.commit()
    login(student)
    html = page(client.get("/notifications/"))
    assert html.index("新消息") < html.index("旧消息")
    assert html.count('data-unread="true"') == 1
    assert html.count('data-unread="false"') == 1


def test_the_list_is_paginated(client, login, db, app, monkeypatch, student):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for number in range(3):
        tell(student, f"消息{number}")
    db.session.commit()
    login(student)
    first = page(client.get("/notifications/"))
    assert first.count('data-testid="notification"') == 2
    second = page(client.get("/notifications/?page=2"))
    assert second.count('data-testid="notification"') == 1
    assert "消息0" in second


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, login, db, student):
    notification = tell(student, "去看看", link="/profile")
    db.session.commit()
    login(student)
    response = client.post(f"/notifications/{notification.id}/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    assert bell_count(page(client.get("/"))) is None


def test_marking_read_without_a_link_returns_to_the_list(client, login, db, student):
    notification = tell(student)
    db.session.commit()
    login(student)
    response = client.post(f"/notifications/{notification.id}/read")
    assert response.headers["Location"] == "/notifications/"


def test_an_unsafe_stored_link_is_not_followed(client, login, db, student):
    notification = tell(student)
    notification.link = "//evil.example/phish"  # written around notify(), e.g. by hand
    db.session.commit()
    login(student)
    response = client.post(f"/notifications/{notification.id}/read")
    assert response.headers["Location"] == "/notifications/"


def test_mark_all_read(client, login, db, student):
    tell(student, "一")
    tell(student, "二")
    db.session.commit()
    login(student)
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert response.status_code == 200
    assert bell_count(page(response)) is None
    db.session.expire_all()
    assert services.unread_count(student.id) == 0


def test_someone_elses_notification_is_not_found(client, login, db, student):
    other = factories.person(name="李四")
    theirs = tell(other, "别人的")
    db.session.commit()
    login(student)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert "别人的" not in page(client.get("/notifications/"))
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_settings_turn_email_off_and_on(client, login, db, mail_on, student):
    login(student)
    html = page(client.get("/notifications/settings"))
    assert ticked(html, "account.password_reset")
    assert not ticked(html, "system.announcement")

    response = client.post("/notifications/settings", data={"email": ["system.announcement"]})
    assert response.status_code == 302
    db.session.expire_all()
    choices = {c.kind.id: c.email for c in services.email_choices(student.id)}
    assert (choices["account.password_reset"], choices["system.announcement"]) == (False, True)

    client.post("/notifications/settings", data={"email": ["account.password_reset"]})
    db.session.expire_all()
    choices = {c.kind.id: c.email for c in services.email_choices(student.id)}
    assert (choices["account.password_reset"], choices["system.announcement"]) == (True, False)
    html = page(client.get("/notifications/settings"))
    assert ticked(html, "account.password_reset")
    assert not ticked(html, "system.announcement")


def test_settings_refuse_an_unknown_kind_and_change_nothing(client, login, db, student):
    login(student)
    response = client.post(
        "/notifications/settings", data={"email": ["account.password_reset", "evil.kind"]}
    )
    assert response.status_code == 400
    assert "invalid-feedback" in page(response)
    assert db.session.scalars(select(NotificationPreference)).all() == []


def test_settings_say_when_the_site_sends_no_email(client, login, student):
    login(student)
    assert 'data-testid="mail-off"' in page(client.get("/notifications/settings"))


def test_the_profile_links_to_the_settings(client, login, student):
    login(student)
    assert 'href="/notifications/settings"' in page(client.get("/profile"))


def test_a_reset_by_an_english_admin_reaches_a_chinese_person_in_chinese(
    client, login, db, admin, student
):
    accounts.set_locale(admin, "en")
    db.session.commit()
    login(admin)
    client.post(f"/admin/people/{student.id}/reset-password")
    db.session.expire_all()
    (notification,) = db.session.scalars(
        select(Notification).where(Notification.user_id == student.id)
    )
    assert "年" in notification.body  # the date, written the Chinese way
    assert "管理员" in notification.body


def test_unticking_every_email_choice_turns_all_email_off(client, login, db, mail_on, student):
    login(student)
    response = client.post("/notifications/settings", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert not any(choice.email for choice in services.email_choices(student.id))
