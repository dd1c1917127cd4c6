"""The hours page, issuing and downloading certificates, and the public verification page."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest

from app.checkin.models import Certificate
from app.common.semesters import semester_of
from app.common.time import to_local, utcnow
from app.extensions import db, limiter
from tests.checkin.test_certificates import pdf_text, served, volunteer
from tests.helpers import choose_english
from tests.shifts import signup_data


@pytest.fixture
def setup(db):
    """A volunteer with two verified shifts (3 h, 2 h) and one awaiting verification."""
    team = signup_data.team(name="总服务台志愿队")
    task = signup_data.task(team, title="总服务台值班")
    person = volunteer(team, student_number="2023141001", email="zhangsan@example.edu.cn")
    now = utcnow().replace(microsecond=0)
    served(person, task, now - timedelta(days=3), hours=3)
    served(person, task, now - timedelta(days=2), hours=2)
    served(person, task, now - timedelta(days=1), hours=4, verified=False)
    db.session.commit()
    return person, task


def issue(client, **data):
    today = to_local(utcnow()).date()
    form = {
        "semester": "",
        "start": (today - timedelta(days=7)).isoformat(),
        "end": today.isoformat(),
    }
    form.update(data)
    return client.post("/hours/certificates", data=form)


def test_hours_page_shows_verified_hours_and_pending_apart(client, login, setup):
    person, _task = setup
    login(person)

    page = client.get("/hours").get_data(as_text=True)

    assert 'data-testid="verified-hours">5<' in page
    assert 'data-testid="pending-hours">4<' in page
    shown = to_local(utcnow() - timedelta(days=3))
    assert f'data-testid="month-{shown:%Y-%m}"' in page
    assert f'data-testid="semester-{semester_of(shown.date()).code}"' in page
    assert "总服务台值班" in page


def test_issue_downloads_a_pdf_that_downloads_again_identically(client, login, setup):
    person, _task = setup
    login(person)

    response = issue(client)
    assert response.status_code == 302
    first = client.get(response.headers["Location"])
    again = client.get(response.headers["Location"])

    certificate = db.session.query(Certificate).one()
    assert first.mimetype == "application/pdf"
    assert first.data == again.data
    assert hashlib.sha256(first.data).hexdigest() == certificate.pdf_sha256
    text = pdf_text(first.data)
    assert "2023141001" in text and "张三" in text and certificate.number in text
    assert certificate.total_minutes == 300
    assert certificate.number in client.get("/hours").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2026-03-02", "end": "2026-03-01"}, "must not be after the last day"),
        ({"end": "2999-01-01"}, "must not be in the future"),
        ({"start": "2000-01-01"}, "at most 5 years"),
    ],
)
def test_bad_periods_are_explained(client, login, setup, data, message):
    person, _task = setup
    login(person)
    choose_english(client)

    response = issue(client, **data)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(Certificate).count() == 0


def test_a_period_without_verified_hours_is_refused(client, login, setup):
    person, _task = setup
    login(person)
    choose_english(client)
    today = to_local(utcnow()).date()

    response = issue(client, start=today.isoformat(), end=today.isoformat())

    assert response.status_code == 400
    assert "You have no verified hours" in response.get_data(as_text=True)
    assert db.session.query(Certificate).count() == 0


def issued(client, login, person) -> Certificate:
    login(person)
    issue(client)
    client.post("/logout")
    return db.session.query(Certificate).one()


def test_someone_elses_certificate_is_not_found(client, login, setup):
    person, _task = setup
    certificate = issued(client, login, person)
    other = volunteer(name="李四")
    db.session.commit()
    login(other)

    assert client.get(f"/hours/certificates/{certificate.id}.pdf").status_code == 404


def test_verify_page_shows_what_the_certificate_states_and_nothing_more(client, login, setup):
    person, _task = setup
    certificate = issued(client, login, person)

    response = client.get(f"/certificates/verify/{certificate.number}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'data-status="valid"' in page
    assert "张三" in page and certificate.number in page
    assert "2023****01" in page
    assert 'data-testid="certificate-hours">5<' in page
    for private in ("2023141001", "zhangsan@example.edu.cn", "13800001111", "总服务台值班"):
        assert private not in page


def test_unknown_certificate_number_is_not_found(client):
    assert client.get("/certificates/verify/GC2026-999999").status_code == 404
    assert client.get("/certificates/verify/GC2026-7KQX-M4PD-2WHT").status_code == 404


def test_a_number_typed_in_small_letters_is_found(client, login, setup):
    person, _task = setup
    certificate = issued(client, login, person)

    response = client.get(f"/certificates/verify/{certificate.number.lower()}")

    assert response.status_code == 200 and certificate.number in response.get_data(as_text=True)


def test_trying_numbers_is_stopped_with_a_clear_message(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "3 per hour")
    limiter.reset()
    try:
        answers = [
            client.get(f"/certificates/verify/GC2026-0000-0000-000{n}").status_code
            for n in range(3)
        ]
        blocked = client.get("/certificates/verify/GC2026-0000-0000-0009")
        picture = client.get("/certificates/verify/GC2026-0000-0000-0009/share.png")
    finally:
        limiter.reset()

    assert answers == [404, 404, 404]
    assert blocked.status_code == 429 and picture.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)


def test_revoked_certificate_is_shown_as_revoked(client, login, setup):
    person, _task = setup
    certificate = issued(client, login, person)
    certificate.revoked_at = utcnow()
    db.session.commit()

    page = client.get(f"/certificates/verify/{certificate.number}").get_data(as_text=True)

    assert 'data-status="revoked"' in page


def upload(client, number: str, data: bytes, filename: str = "certificate.pdf"):
    return client.post(
        f"/certificates/verify/{number}",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_uploaded_pdf_is_genuine_only_when_byte_identical(client, login, setup):
    person, _task = setup
    login(person)
    issue(client)
    certificate = db.session.query(Certificate).one()
    pdf = client.get(f"/hours/certificates/{certificate.id}.pdf").data
    client.post("/logout")
    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]

    genuine = upload(client, certificate.number, pdf).get_data(as_text=True)
    altered = upload(client, certificate.number, tampered).get_data(as_text=True)

    assert 'data-result="match"' in genuine
    assert 'data-result="mismatch"' in altered


def test_a_file_that_is_no_pdf_is_refused_clearly(client, login, setup):
    person, _task = setup
    certificate = issued(client, login, person)
    choose_english(client)

    response = upload(client, certificate.number, b"\x89PNG not a pdf", "photo.png")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This file is not a PDF." in page
    assert "data-result" not in page
