"""One-tap "I can't make it": a signed link without login that cancels before the deadline
and asks the coordinators after it; bad, reused and expired links get a clear page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.errors import Conflict, NotFound
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.shifts import release, signups
from app.shifts.models import ShiftSignup
from tests.helpers import page
from tests.recruitment import recruiting
from tests.shifts import signup_data as data

NOW = datetime(2026, 10, 12, 2, 0)


@pytest.fixture
def world(db):
    team = data.team(name="阅览室志愿者队")
    boss = recruiting.coordinator(team, name="A队老师")
    task = data.task(team, title="总服务台值班", cancel_deadline_hours=12)
    db.session.commit()
    return {"team": team, "boss": boss, "task": task}


def full_shift(world, *, starts_in: timedelta, now: datetime = NOW):
    """A shift of one place: one person confirmed, one waiting."""
    shift = data.shift(world["task"], starts_in=starts_in, capacity=1, now=now)
    holder = signups.sign_up(shift, data.member(world["team"], name="张三"), now=now)
    waiting = signups.sign_up(shift, data.member(world["team"], name="李四"), now=now)
    return shift, holder, waiting


def kinds_of(db, person) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == person.id))
    )


# --- Services (injected clock) ---------------------------------------------------------------


def test_the_link_is_a_relative_path_that_opens_its_sign_up(db, world):
    _shift, holder, _waiting = full_shift(world, starts_in=timedelta(days=2))

    url = release.cant_make_it_url(holder)

    assert url.startswith("/reliability/cant-make-it/")
    assert release.signup_for_token(url.rsplit("/", 1)[1], now=NOW) == holder


def test_a_reminder_can_carry_the_link(db, world):
    _shift, holder, _waiting = full_shift(world, starts_in=timedelta(days=2))

    sent = notifications.notify(
        holder.user, "shifts.reminder", context={}, link=release.cant_make_it_url(holder), now=NOW
    )

    assert sent.link == release.cant_make_it_url(holder)


def test_before_the_deadline_the_tap_cancels_and_the_waitlist_moves_up(db, world):
    _shift, holder, waiting = full_shift(world, starts_in=timedelta(days=2))

    outcome = release.release(release.release_token(holder), now=NOW)

    assert outcome == release.CANCELLED
    assert holder.status == "cancelled"
    assert not holder.late_cancellation
    assert waiting.status == "confirmed"
    assert "shifts.promoted" in kinds_of(db, waiting.user)


def test_past_the_deadline_the_tap_asks_the_coordinators(db, world):
    _shift, holder, waiting = full_shift(world, starts_in=timedelta(hours=3))
    token = release.release_token(holder)

    assert release.release(token, now=NOW) == release.REQUESTED

    assert holder.status == "confirmed"
    assert holder.release_requested_at == NOW
    assert waiting.status == "waitlisted"
    assert kinds_of(db, world["boss"]) == ["shifts.release_requested"]
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "shifts.release_requested")
    )
    assert entry.actor_id == holder.user_id
    # A second tap only says so, and tells nobody again.
    assert release.release(token, now=NOW + timedelta(minutes=1)) == release.ALREADY_REQUESTED
    assert kinds_of(db, world["boss"]) == ["shifts.release_requested"]
    # The coordinator releases them: a late cancellation, and the place moves on.
    signups.cancel(holder, actor=world["boss"], now=NOW + timedelta(minutes=5))
    assert holder.late_cancellation
    assert waiting.status == "confirmed"


def test_leaving_the_waitlist_is_always_immediate(db, world):
    _shift, _holder, waiting = full_shift(world, starts_in=timedelta(hours=1))

    assert release.release(release.release_token(waiting), now=NOW) == release.CANCELLED
    assert waiting.status == "cancelled"


@pytest.mark.parametrize("token", ["", "abc", "a" * 300, "eyJzIjoxLCJ0IjoxfQ.forged"])
def test_bad_tokens_are_refused(db, world, token):
    with pytest.raises(NotFound):
        release.signup_for_token(token, now=NOW)


def test_a_token_stops_working_once_used_re_signed_up_or_the_shift_is_over(db, world):
    shift, holder, _waiting = full_shift(world, starts_in=timedelta(days=2))
    token = release.release_token(holder)
    release.release(token, now=NOW)

    with pytest.raises(Conflict):
        release.release(token, now=NOW)
    signups.cancel(signups.sign_up(shift, holder.user, now=NOW), actor=holder.user, now=NOW)
    with pytest.raises(NotFound):  # a new ticket since
        release.signup_for_token(token, now=NOW)

    other = data.shift(world["task"], starts_in=timedelta(days=5), now=NOW)
    signup = signups.sign_up(other, data.member(world["team"]), now=NOW)
    with pytest.raises(Conflict):
        release.signup_for_token(release.release_token(signup), now=other.ends_at)


def test_a_token_of_another_app_secret_does_not_open_anything(db, world, app, monkeypatch):
    _shift, holder, _waiting = full_shift(world, starts_in=timedelta(days=2))
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    foreign = release.release_token(holder)
    monkeypatch.setitem(app.config, "SECRET_KEY", "test-secret")

    with pytest.raises(NotFound):
        release.signup_for_token(foreign, now=NOW)


# --- Pages (real clock, no login) ------------------------------------------------------------


def test_the_page_works_without_login_and_cancels(client, db, world):
    _shift, holder, waiting = full_shift(world, starts_in=timedelta(days=2), now=utcnow())
    db.session.commit()
    url = release.cant_make_it_url(holder)

    shown = client.get(url)
    assert shown.status_code == 200
    assert 'data-testid="release-button"' in page(shown)
    assert "总服务台值班" in page(shown)

    done = client.post(url)
    assert done.status_code == 200
    assert 'data-testid="release-cancelled"' in page(done)
    db.session.expire_all()
    assert db.session.get(ShiftSignup, holder.id).status == "cancelled"
    assert db.session.get(ShiftSignup, waiting.id).status == "confirmed"

    again = client.get(url)
    assert again.status_code == 409
    assert 'data-testid="release-invalid"' in page(again)


def test_past_the_deadline_the_page_asks_and_the_shift_page_offers_release(
    client, login, db, world
):
    shift, holder, _waiting = full_shift(world, starts_in=timedelta(hours=2), now=utcnow())
    db.session.commit()
    url = release.cant_make_it_url(holder)

    assert 'data-testid="release-requested"' in page(client.post(url))
    assert 'data-testid="release-already"' in page(client.get(url))

    login(world["boss"])
    roster = page(client.get(f"/tasks/shifts/{shift.id}"))
    assert 'data-testid="release-requests"' in roster
    response = client.post(f"/tasks/shifts/{shift.id}/signups/{holder.id}/release")
    assert response.status_code == 302
    db.session.expire_all()
    released = db.session.get(ShiftSignup, holder.id)
    assert (released.status, released.late_cancellation) == ("cancelled", True)


@pytest.mark.parametrize("token", ["1", "not-a-token", "x" * 500])
def test_bad_links_get_a_clear_page(client, db, token):
    for response in (
        client.get(f"/reliability/cant-make-it/{token}"),
        client.post(f"/reliability/cant-make-it/{token}"),
    ):
        assert response.status_code == 404
        assert 'data-testid="release-invalid"' in page(response)
