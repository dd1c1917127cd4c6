"""The six digits under the kiosk's QR code, typed on a phone: they rotate with the QR code,
the previous window's digits still work, guessing is limited per person and per shift, and
the check-in goes through the kiosk scan's rules and scan log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.checkin import tokens, typed
from app.checkin.models import Attendance, ScanLog
from app.common.time import utcnow
from tests.checkin import checkin_data as data
from tests.checkin.test_scan_views import counts as count
from tests.helpers import page


@pytest.fixture
def setting(db):
    """A shift starting in ten minutes (check-in open) and a volunteer with a place on it."""
    team = data.team()
    shift = data.shift(data.task(team, title="总服务台值班"), starts_in=timedelta(minutes=10))
    person = data.member(team, name="李雷")
    data.signed_up(shift, person)
    db.session.commit()
    return shift, person


def period(app) -> timedelta:
    return timedelta(seconds=app.config["CHECKIN_CODE_SECONDS"])


def wrong(code: str) -> str:
    return str((int(code) + 1) % 10**6).zfill(6)


def test_the_code_rotates_with_the_window_and_the_previous_one_still_works(app, db, setting):
    shift, person = setting
    now = utcnow()
    shown = typed.current_typed_code(shift, now=now)
    later = now + period(app)

    assert len(shown) == 6 and shown.isdigit()
    assert typed.current_typed_code(shift, now=later) != shown

    result = typed.scan_typed_code(shown, person, nonce="a", now=later)

    assert result.outcome == "checked_in" and result.shift.id == shift.id
    assert count(db, Attendance, user_id=person.id, status="in") == 1
    assert count(db, ScanLog, user_id=person.id, method="kiosk", outcome="ok") == 1


def test_an_older_code_is_refused_and_logged(app, db, setting):
    shift, person = setting
    now = utcnow()
    shown = typed.current_typed_code(shift, now=now)

    result = typed.scan_typed_code(shown, person, nonce="a", now=now + 2 * period(app))

    assert result.outcome == "refused" and result.reason == "wrong_code"
    assert count(db, Attendance) == 0
    assert count(db, ScanLog, user_id=person.id, reason="wrong_code") == 1


def test_the_code_names_a_shift_only_for_people_who_could_check_in(db, setting):
    shift, _person = setting
    stranger = data.member(data.team())  # no place, and the task takes no walk-ins
    code = typed.current_typed_code(shift, now=utcnow())

    result = typed.scan_typed_code(code, stranger, nonce="a")

    assert result.outcome == "refused" and result.reason == "no_shift_open"
    assert count(db, Attendance) == 0


def test_a_walk_in_checks_in_with_the_typed_code(db):
    team = data.team()
    shift = data.shift(data.task(team, walk_ins_allowed=True), starts_in=timedelta(minutes=5))
    person = data.member(team)
    db.session.commit()

    result = typed.scan_typed_code(typed.current_typed_code(shift, now=utcnow()), person, nonce="a")

    assert result.outcome == "checked_in" and result.reason == "walk_in"


def test_five_wrong_codes_stop_a_person_guessing_for_ten_minutes(app, db, setting):
    shift, person = setting
    now = utcnow()
    code = typed.current_typed_code(shift, now=now)
    for attempt in range(app.config["CHECKIN_TYPED_PERSON_LIMIT"]):
        miss = typed.scan_typed_code(wrong(code), person, nonce=f"w{attempt}", now=now)
        assert miss.reason == "wrong_code"

    blocked = typed.scan_typed_code(code, person, nonce="right", now=now)

    assert blocked.outcome == "refused" and blocked.reason == "too_many_guesses"
    assert count(db, Attendance) == 0
    later = now + timedelta(minutes=app.config["CHECKIN_TYPED_PERSON_MINUTES"], seconds=1)
    fresh = typed.current_typed_code(shift, now=later)
    assert typed.scan_typed_code(fresh, person, nonce="later", now=later).outcome == "checked_in"


def test_wrong_codes_from_many_people_stop_guessing_at_a_shift(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "CHECKIN_TYPED_SHIFT_LIMIT", 3)
    team = data.team()
    shift = data.shift(data.task(team), starts_in=timedelta(minutes=10), capacity=5)
    person = data.member(team)
    data.signed_up(shift, person)
    guessers = []
    for _ in range(3):
        guesser = data.member(shift.task.team)
        data.signed_up(shift, guesser)
        guessers.append(guesser)
    db.session.commit()
    now = utcnow()
    code = typed.current_typed_code(shift, now=now)
    for guesser in guessers:
        assert typed.scan_typed_code(wrong(code), guesser, nonce="w", now=now).reason == (
            "wrong_code"
        )

    blocked = typed.scan_typed_code(code, person, nonce="right", now=now)

    assert blocked.reason == "too_many_guesses"
    later = now + period(app)
    fresh = typed.current_typed_code(shift, now=later)
    assert typed.scan_typed_code(fresh, person, nonce="next", now=later).outcome == "checked_in"


def test_a_wrong_code_counts_against_every_shift_it_could_be_for(db, setting):
    shift, person = setting
    walk_in_task = data.task(shift.task.team, walk_ins_allowed=True)
    other = data.shift(walk_in_task, starts_in=timedelta(minutes=5))
    db.session.commit()
    now = utcnow()
    shown = {typed.current_typed_code(s, now=now) for s in (shift, other)}
    miss = next(c for c in ("000000", "111111", "222222") if c not in shown)

    typed.scan_typed_code(miss, person, nonce="w", now=now)

    assert count(db, ScanLog, shift_id=shift.id, reason="wrong_code") == 1
    assert count(db, ScanLog, shift_id=other.id, reason="wrong_code") == 1
    assert count(db, ScanLog, nonce="w") == 1


def test_a_retry_with_the_same_nonce_replays(db, setting):
    shift, person = setting
    code = typed.current_typed_code(shift, now=utcnow())
    typed.scan_typed_code(code, person, nonce="a")

    again = typed.scan_typed_code(code, person, nonce="a")

    assert again.replayed and again.outcome == "checked_in"
    assert count(db, ScanLog, user_id=person.id) == 1


# The pages -----------------------------------------------------------------------------------


def test_the_kiosk_shows_the_code_a_phone_can_type(client, login, db, setting):
    shift, _person = setting
    coordinator = data.coordinator(shift.task.team)
    db.session.commit()
    login(coordinator)

    kiosk = page(client.get(f"/checkin/shifts/{shift.id}/kiosk"))
    state = client.get(f"/checkin/shifts/{shift.id}/kiosk.json").get_json()

    code = typed.current_typed_code(shift, now=utcnow())
    assert 'data-testid="kiosk-typed-code"' in kiosk
    assert state["typed_code"] in (code, typed.typed_code(shift, tokens.window_of(utcnow()) - 1))


def test_a_volunteer_types_the_code_and_is_checked_in(client, login, db, setting):
    shift, person = setting
    login(person)

    form = page(client.get("/checkin/code"))
    assert 'inputmode="numeric"' in form and 'data-testid="typed-code-input"' in form
    answer = page(
        client.post(
            "/checkin/code",
            data={"code": typed.current_typed_code(shift, now=utcnow()), "nonce": "n1"},
        )
    )

    assert 'data-outcome="checked_in"' in answer
    assert count(db, Attendance, user_id=person.id, status="in") == 1


def test_a_wrong_or_malformed_code_gets_a_clear_answer(client, login, db, setting):
    shift, person = setting
    login(person)
    code = typed.current_typed_code(shift, now=utcnow())

    miss = client.post("/checkin/code", data={"code": wrong(code), "nonce": "n1"})
    malformed = client.post("/checkin/code", data={"code": "12ab", "nonce": "n2"})

    assert miss.status_code == 200 and 'data-reason="wrong_code"' in page(miss)
    assert malformed.status_code == 400 and 'data-testid="typed-code-error"' in page(malformed)
    assert count(db, Attendance) == 0


def test_home_offers_the_typed_code_next_to_the_scan_button(client, login, db, setting):
    _shift, person = setting
    login(person)

    home = page(client.get("/"))

    assert 'data-testid="home-typed-code"' in home and "/checkin/code" in home


def test_a_kiosk_key_makes_codes_for_its_own_shift_only(db, setting):
    shift, _person = setting
    other = data.shift(data.task(shift.task.team), starts_in=timedelta(minutes=5))
    db.session.commit()
    now = utcnow()
    window = tokens.window_of(now)
    leaked = tokens.kiosk_key_of(shift.id)

    own = f"{shift.id}.{window}.{tokens.kiosk_signature(leaked, window)}"
    borrowed = f"{other.id}.{window}.{tokens.kiosk_signature(leaked, window)}"

    assert tokens.read_kiosk_code(own, now=now).subject_id == shift.id
    with pytest.raises(tokens.CodeError) as refused:
        tokens.read_kiosk_code(borrowed, now=now)
    assert refused.value.reason == "forged"


def test_moving_the_shift_changes_its_key(db, setting):
    shift, _person = setting
    before = tokens.kiosk_key_of(shift.id)

    shift.ends_at += timedelta(hours=1)
    db.session.flush()

    assert tokens.kiosk_key_of(shift.id) != before
