"""The page a phone opens when it scans the kiosk's code: log in and land back, checked in
at once; reloads replay; a second scan offers check-out, which shows the hours."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from app.checkin import services, tokens
from app.checkin.models import Attendance, ScanLog
from app.common.time import to_local, utcnow
from tests import factories
from tests.checkin import checkin_data as data
from tests.helpers import page


@pytest.fixture
def setting(db):
    """A shift starting in ten minutes (check-in open) and a volunteer on it."""
    team = data.team()
    task = data.task(team, title="总服务台值班", location="江安一楼")
    shift = data.shift(task, starts_in=timedelta(minutes=10), hours=3)
    person = data.member(team, name="李雷")
    data.signed_up(shift, person)
    db.session.commit()
    return shift, person


def url_of(shift) -> str:
    return f"/c/{tokens.kiosk_code(shift.id, now=utcnow())}"


def counts(db, model, **where) -> int:
    db.session.expire_all()
    query = select(func.count(model.id))
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


def test_a_scan_before_logging_in_lands_back_on_the_check_in(client, in_english, db, setting):
    shift, person = setting
    url = url_of(shift)

    response = client.get(url)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login") and unquote(location).endswith(f"next={url}")
    assert counts(db, Attendance) == 0

    logged_in = client.post(
        "/login",
        data={
            "identifier": person.student_number,
            "password": factories.PASSWORD,
            "remember": "y",
            "next": url,
        },
    )
    assert logged_in.headers["Location"] == url
    answer = page(client.get(url))
    assert 'data-outcome="checked_in"' in answer
    assert counts(db, Attendance, user_id=person.id, status="in") == 1


def test_the_answer_reads_at_arms_length(client, in_english, login, db, setting):
    shift, person = setting
    login(person)

    answer = page(client.get(url_of(shift)))

    assert "李雷" in answer and "总服务台值班" in answer and "江安一楼" in answer
    assert re.search(r'data-testid="scan-headline">\s*Checked in', answer)
    assert "Checked in at" in answer
    assert 'data-testid="check-out"' not in answer  # nothing to tap by mistake


def test_a_reload_replays_the_answer_and_acts_once(client, in_english, login, db, setting):
    shift, person = setting
    login(person)
    url = url_of(shift)
    client.get(url)

    again = page(client.get(url))

    assert 'data-outcome="checked_in"' in again and 'data-testid="scan-replayed"' in again
    assert counts(db, Attendance) == 1
    assert counts(db, ScanLog, user_id=person.id) == 1


def test_a_second_scan_offers_check_out_which_shows_the_hours(client, in_english, login, db):
    team = data.team()
    shift = data.shift(data.task(team), starts_in=timedelta(minutes=-80), hours=3)
    person = data.member(team, name="韩梅梅")
    data.signed_up(shift, person)
    earlier = utcnow() - timedelta(minutes=70)
    code = tokens.kiosk_code(shift.id, now=earlier)
    services.scan_kiosk_code(code, person, now=earlier)
    db.session.commit()
    login(person)
    url = url_of(shift)

    offered = page(client.get(url))

    assert 'data-outcome="already_in"' in offered
    assert f"Already checked in at {to_local(earlier):%H:%M}" in offered
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', offered).group(1)
    done = page(client.post(url, data={"nonce": nonce}))
    assert 'data-outcome="checked_out"' in done
    assert re.search(r'data-testid="scan-hours">\s*1.25 hours', done)  # 70 minutes → 75
    # Tapping again (a retry) replays instead of acting twice.
    retried = page(client.post(url, data={"nonce": nonce}))
    assert 'data-outcome="checked_out"' in retried and "scan-replayed" in retried
    assert counts(db, ScanLog, action="check_out") == 1
    assert counts(db, Attendance, status="out") == 1


def test_a_check_out_without_a_valid_nonce_is_a_bad_request(client, login, db, setting):
    shift, person = setting
    login(person)
    url = url_of(shift)
    assert client.post(url, data={"nonce": "not valid!"}).status_code == 400
    assert client.post(url, data={}).status_code == 400
    assert counts(db, ScanLog) == 0


@pytest.mark.parametrize(
    ("code", "reason", "words"),
    [
        ("nonsense", "malformed", "This is not a check-in code."),
        ("1.2.AAAAAAAAAAAAAAAA", "forged", "This code is not valid."),
    ],
)
def test_bad_codes_get_a_clear_page(client, in_english, login, db, setting, code, reason, words):
    _shift, person = setting
    login(person)
    response = client.get(f"/c/{code}")
    assert response.status_code == 200
    answer = page(response)
    assert f'data-reason="{reason}"' in answer and words in answer
    assert counts(db, ScanLog, reason=reason) == 1


def test_an_expired_code_and_a_stranger_are_refused_in_plain_words(client, in_english, login, db):
    team = data.team()
    shift = data.shift(data.task(team), starts_in=timedelta(minutes=-5))
    stranger = data.member(team, name="路人")
    db.session.commit()
    login(stranger)

    expired = tokens.kiosk_code(shift.id, now=utcnow() - timedelta(minutes=5))
    assert "This code has expired." in page(client.get(f"/c/{expired}"))
    answer = page(client.get(url_of(shift)))
    assert 'data-reason="not_signed_up"' in answer
    assert "Not signed up for this shift" in answer
    assert counts(db, Attendance) == 0
