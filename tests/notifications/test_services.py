"""notify(): the recipient's language, email choices, the outbox row, idempotency."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.accounts import services as accounts
from app.audit.models import AuditEntry
from app.errors import InvalidInput
from app.notifications import services
from app.notifications.models import Notification, OutboxEmail
from tests import factories

MARCH_2 = datetime(2026, 3, 2, 1, 0)  # 09:00 in Shanghai


def outbox(db) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def english_person(**fields):
    person = factories.person(**fields)
    accounts.set_locale(person, "en")
    return person


def test_each_person_is_told_in_their_own_language(db):
    chinese = factories.person(name="张三")
    english = english_person(name="Li Wei")
    to_chinese = services.notify(
        chinese, "account.password_reset", context={"actor_name": "管理员"}, now=MARCH_2
    )
    to_english = services.notify(
        english, "account.password_reset", context={"actor_name": "管理员"}, now=MARCH_2
    )
    assert "2026年3月2日" in to_chinese.body
    assert "Mar 2, 2026" in to_english.body
    with force_locale("zh"):
        assert to_chinese.title == gettext("Your password was reset")
    assert to_english.title == "Your password was reset"
    assert to_english.body.startswith("管理员 reset your password on")


def test_a_password_reset_tells_the_person(db, admin, student):
    accounts.reset_password(student, actor=admin)
    (notification,) = db.session.scalars(
        select(Notification).where(Notification.user_id == student.id)
    )
    assert notification.kind == "account.password_reset"
    assert "管理员" in notification.body
    assert services.unread_count(student.id) == 1
    assert services.unread_count(admin.id) == 0


def test_without_smtp_notifications_stay_in_the_app(db, student):
    services.notify(student, "account.password_reset", context={"actor_name": "x"})
    assert outbox(db) == []


def test_email_is_queued_in_the_persons_language_with_a_full_link(db, mail_on, student):
    english = english_person(name="Li Wei", email="li.wei@example.edu.cn")
    services.notify(
        english, "account.password_reset", context={"actor_name": "Admin"}, link="/profile"
    )
    (email,) = outbox(db)
    assert email.to_address == "li.wei@example.edu.cn"
    assert email.status == "pending"
    assert email.attempts == 0
    assert email.subject == "Your password was reset"
    assert email.body.startswith("Hello Li Wei,")
    assert "https://gc.example.edu.cn/profile" in email.body
    assert "https://gc.example.edu.cn/notifications/settings" in email.body


def test_kinds_follow_their_email_default_until_the_person_chooses(db, mail_on, student):
    # Password resets are emailed by default, announcements are not.
    services.notify(student, "account.password_reset", context={})
    services.notify(student, "system.announcement", context={"subject": "S", "message": "M"})
    assert [email.subject for email in outbox(db)] == ["你的密码已被重置"]

    services.set_email_choices(student.id, ["system.announcement"])
    services.notify(student, "account.password_reset", context={})
    services.notify(student, "system.announcement", context={"subject": "S2", "message": "M"})
    assert [email.subject for email in outbox(db)] == ["你的密码已被重置", "S2"]
    # Both still appear in the app.
    assert services.unread_count(student.id) == 4


def test_no_email_without_an_address_or_for_a_deactivated_person(db, mail_on, admin):
    no_address = factories.person(email="")
    gone = factories.person()
    accounts.set_active(gone, False, actor=admin)
    services.notify(no_address, "account.password_reset", context={})
    services.notify(gone, "account.password_reset", context={})
    assert outbox(db) == []


def test_the_same_dedupe_key_notifies_once(db, mail_on, student):
    first = services.notify(
        student, "account.password_reset", context={}, dedupe_key="reset:1", link="/profile"
    )
    again = services.notify(
        student, "account.password_reset", context={}, dedupe_key="reset:1", link="/profile"
    )
    assert again.id == first.id
    assert services.unread_count(student.id) == 1
    assert len(outbox(db)) == 1
    assert outbox(db)[0].notification_id == first.id


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_links_must_stay_on_this_site(db, student, link):
    with pytest.raises(InvalidInput):
        services.notify(student, "account.password_reset", context={}, link=link)
    assert services.unread_count(student.id) == 0


def test_an_unknown_kind_is_a_programming_error(db, student):
    with pytest.raises(ValueError):
        services.notify(student, "no.such.kind", context={})


def test_unknown_kinds_in_email_choices_are_refused_and_change_nothing(db, student):
    with pytest.raises(InvalidInput):
        services.set_email_choices(student.id, ["account.password_reset", "bogus"])
    choices = {choice.kind.id: choice.email for choice in services.email_choices(student.id)}
    assert choices["account.password_reset"] is True
    assert choices["system.announcement"] is False
    assert "bogus" not in choices


def test_an_announcement_reaches_active_people_and_is_audited(db, admin):
    reader = factories.person(name="李四")
    gone = factories.person()
    accounts.set_active(gone, False, actor=admin)
    told = services.announce(
        [reader, gone], subject="  招募开始  ", message="请报名。", actor=admin
    )
    assert told == 1
    (notification,) = db.session.scalars(
        select(Notification).where(Notification.user_id == reader.id)
    )
    assert notification.title == "招募开始"
    assert "请报名。" in notification.body
    assert "管理员" in notification.body
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "notifications.announcement_sent")
    )


@pytest.mark.parametrize(
    ("subject", "message", "field"),
    [("", "text", "subject"), ("x" * 201, "text", "subject"), ("Subject", "  ", "message")],
)
def test_an_announcement_needs_a_subject_and_a_message(db, admin, subject, message, field):
    with pytest.raises(InvalidInput) as raised:
        services.announce([admin], subject=subject, message=message, actor=admin)
    assert raised.value.field == field
    assert services.unread_count(admin.id) == 0


def test_personal_data_export_includes_notifications_and_anonymisation_removes_them(
    db, admin, student
):
    from app.accounts import anonymise, personal_data

    accounts.reset_password(student, actor=admin)
    db.session.commit()
    exported = personal_data.collect(student)["sections"]["notifications"]
    assert len(exported["notifications"]) == 1
    anonymise.anonymise_person(
        student, actor=admin, confirmation=student.student_number, reason="毕业离校"
    )
    db.session.commit()
    assert (
        db.session.scalars(select(Notification).where(Notification.user_id == student.id)).all()
        == []
    )


def test_a_notification_is_gone_when_the_callers_transaction_rolls_back(db, student):
    """`notify` takes part in the caller's one transaction, even as its first write
    (SQLite's driver would otherwise commit the savepoint on its own)."""
    services.notify(student, "system.announcement", context={"subject": "S", "message": "M"})
    db.session.rollback()
    assert services.unread_count(student.id) == 0
