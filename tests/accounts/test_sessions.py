"""Each device's login lives on the server: logout ends it for that device only, a copied
cookie dies with it, and "log out all my devices" and a password change end them all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import anonymise, personal_data, services, sessions
from app.accounts.models import LoginSession
from app.audit.models import AuditEntry
from app.common.time import utcnow
from tests import factories

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36 Edg/126.0"
)


def device(app, person, *, remember: bool = False, user_agent: str = ANDROID_CHROME):
    """A browser of its own, logged in as `person`."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    answer = browser.post(
        "/login",
        data={
            "identifier": person.student_number,
            "password": factories.PASSWORD,
            "remember": "y" if remember else "",
        },
    )
    assert answer.status_code == 302
    return browser


def copy_cookie(app, source, name: str):
    """Another browser holding only `source`'s cookie `name` (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie(name, source.get_cookie(name).value)
    return thief


def logged_in(browser) -> bool:
    return browser.get("/profile").status_code == 200


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_a_copied_cookie_stops_working_when_its_device_logs_out(app, student, cookie):
    phone = device(app, student, remember=True)
    laptop = device(app, student, user_agent=WINDOWS_EDGE)
    thief = copy_cookie(app, phone, cookie)
    assert logged_in(thief)

    phone.post("/logout")

    assert not logged_in(phone)
    assert not logged_in(thief)
    assert logged_in(laptop)  # logging out one device keeps the other


def test_log_out_all_my_devices_ends_every_login_and_is_audited(app, db, student):
    phone = device(app, student, remember=True)
    laptop = device(app, student, user_agent=WINDOWS_EDGE)
    stolen = copy_cookie(app, phone, "remember_token")

    answer = laptop.post("/profile/devices/logout")

    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert not logged_in(laptop) and not logged_in(phone) and not logged_in(stolen)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "accounts.logged_out_everywhere")
    )
    assert entry.actor_id == student.id and entry.after == {"sessions": 2}


def test_a_password_change_ends_the_other_devices_but_not_this_one(app, student):
    phone = device(app, student, remember=True)
    laptop = device(app, student, user_agent=WINDOWS_EDGE)
    stolen = copy_cookie(app, laptop, "session")

    changed = laptop.post(
        "/profile/password",
        data={
            "current_password": factories.PASSWORD,
            "password": "a-new-password-1",
            "confirm": "a-new-password-1",
        },
    )

    assert changed.status_code == 302
    assert not logged_in(phone) and not logged_in(stolen)
    profile = laptop.get("/profile").get_data(as_text=True)
    assert "Edge · Windows" in profile and "Chrome · Android" not in profile


def test_the_profile_lists_my_devices_and_offers_to_log_them_all_out(app, student):
    device(app, student, remember=True)
    laptop = device(app, student, user_agent=WINDOWS_EDGE)

    profile = laptop.get("/profile").get_data(as_text=True)

    assert "Chrome · Android" in profile and "Edge · Windows" in profile
    assert profile.count("badge text-bg-success") == 1  # "this device", once
    assert 'action="/profile/devices/logout"' in profile
    assert 'data-testid="logout-everywhere"' in profile


def test_a_device_is_seen_again_only_every_few_minutes(db, student):
    now = utcnow()
    sessions.start_session(student, user_agent=ANDROID_CHROME, now=now)
    row = student.login_session

    assert not sessions.touch(row, now=now + timedelta(minutes=1))
    assert sessions.touch(row, now=now + sessions.TOUCH_INTERVAL)
    assert row.last_seen_at == now + sessions.TOUCH_INTERVAL


def test_my_data_lists_my_logins_and_anonymising_forgets_them(db, student, admin):
    sessions.start_session(student, user_agent=ANDROID_CHROME)
    db.session.commit()

    data = personal_data.collect(student)
    [login] = data["sections"]["login_sessions"]
    assert login["device"] == "Chrome · Android" and login["ended_at"] is None

    anonymise.anonymise_person(
        student, actor=admin, confirmation=student.student_number, reason="left"
    )
    db.session.commit()
    assert db.session.scalars(select(LoginSession)).all() == []


def test_an_unknown_account_still_costs_a_password_hash(db, student, monkeypatch):
    checked = []
    original = services.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return original(hashed, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    with pytest.raises(services.InvalidInput):
        services.authenticate("2099999999", "whatever-password")
    with pytest.raises(services.InvalidInput):
        services.authenticate(student.student_number, "wrong-password")

    unknown, known = checked
    # The same method (and so the same work) as a real account's hash.
    assert unknown.split("$")[0] == known.split("$")[0]


def test_a_login_unused_for_longer_than_any_cookie_lives_is_gone(app, db, student):
    now = utcnow()
    lifetime = app.config["REMEMBER_COOKIE_DURATION"]
    token = sessions.start_session(student, user_agent=ANDROID_CHROME, now=now - lifetime)
    db.session.commit()

    assert sessions.live_sessions(student.id, now=now) == []
    assert sessions.user_of_token(token, now=now) is None
    assert sessions.user_of_token(token, now=now - timedelta(days=1)) == student
