"""My hours and service certificates: grouping, periods, the PDF's content, verification."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader

from app.checkin import certificates
from app.checkin.certificate_pdf import render_pdf
from app.checkin.certificates import Period
from app.checkin.models import Attendance, Certificate
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.recruitment import membership as members
from tests import factories
from tests.shifts import signup_data

# 12:00 in Shanghai, in the second semester of 2025–2026 (which began on 20 February).
NOW = datetime(2026, 3, 20, 4, 0)


def volunteer(team=None, *, name: str = "张三", **fields):
    """A volunteer of a college, member of `team`."""
    college = factories.college()
    person = factories.person(
        roles=["volunteer"], name=name, college_id=college.id, phone="13800001111", **fields
    )
    if team is not None:
        members.join_team(team.id, person.id)
    return person


def served(
    person,
    task,
    start: datetime,
    *,
    hours: float = 3,
    scan_minutes: int | None = None,
    added_minutes: int = 0,
    verified: bool = True,
    status: str = "out",
) -> Attendance:
    """An attendance of `person` on a new shift of `task` starting at `start` (UTC)."""
    shift = signup_data.shift(task, starts_in=timedelta(0), hours=hours, now=start)
    attendance = Attendance(
        shift_id=shift.id,
        user_id=person.id,
        status=status,
        checked_in_at=shift.starts_at,
        checked_out_at=shift.ends_at if status == "out" else None,
        check_in_method="kiosk",
        scan_minutes=int(hours * 60) if scan_minutes is None and status == "out" else scan_minutes,
        added_minutes=added_minutes,
        verified_at=shift.ends_at + timedelta(days=1) if verified else None,
    )
    db.session.add(attendance)
    db.session.flush()
    return attendance


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture
def desk(db):
    team = signup_data.team(name="总服务台志愿队")
    return team, signup_data.task(team, title="总服务台值班")


def test_my_hours_groups_verified_hours_by_month_and_semester(desk):
    team, task = desk
    person = volunteer(team)
    served(person, task, datetime(2026, 2, 10, 1, 0), hours=2)  # semester 1, February
    served(person, task, datetime(2026, 2, 25, 1, 0), hours=3)  # semester 2, February
    served(person, task, datetime(2026, 3, 5, 1, 0), hours=1.5, added_minutes=30)
    served(person, task, datetime(2026, 3, 12, 1, 0), hours=4, verified=False)
    served(person, task, datetime(2026, 3, 13, 1, 0), status="undone", verified=False)

    hours = certificates.my_hours(person.id)

    assert [(g.key, g.minutes) for g in hours.by_month] == [("2026-03", 120), ("2026-02", 300)]
    assert [(g.key, g.minutes) for g in hours.by_semester] == [
        ("2025-2026-2", 300),
        ("2025-2026-1", 120),
    ]
    assert hours.verified_minutes == 420
    assert [line.minutes for line in hours.pending] == [240]
    march = hours.by_month[0].lines[0]
    assert (march.scan_minutes, march.added_minutes) == (90, 30)
    assert march.starts_at.strftime("%Y-%m-%d %H:%M") == "2026-03-05 09:00"  # local time


def test_semester_period_ends_today_and_dates_are_checked(app):
    with app.app_context():
        current = certificates.period_from("2025-2026-2", None, None, now=NOW)
        assert current == Period(date(2026, 2, 20), date(2026, 3, 20))
        past = certificates.period_from("2025-2026-1", None, None, now=NOW)
        assert past == Period(date(2025, 9, 1), date(2026, 2, 19))
        chosen = certificates.period_from("", date(2026, 1, 1), date(2026, 3, 1), now=NOW)
        assert chosen == Period(date(2026, 1, 1), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("semester", "start", "end", "field"),
    [
        ("", date(2026, 3, 2), date(2026, 3, 1), "end"),
        ("", date(2026, 3, 1), date(2026, 3, 21), "end"),
        ("", date(2019, 1, 1), date(2026, 3, 1), "start"),
        ("", None, date(2026, 3, 1), "start"),
        ("2026-2027-1", None, None, "semester"),
        ("not-a-semester", None, None, "semester"),
    ],
)
def test_bad_periods_are_refused_on_their_field(app, semester, start, end, field):
    with app.app_context(), pytest.raises(InvalidInput) as refused:
        certificates.period_from(semester, start, end, now=NOW)
    assert refused.value.field == field


def test_certificate_pdf_states_the_person_hours_and_service(app, desk, request_context):
    team, task = desk
    app.config.update(CERTIFICATE_SIGNATORY="李老师", CERTIFICATE_CONTACT="028-85412345")
    person = volunteer(team, student_number="2023141001")
    served(person, task, datetime(2026, 3, 1, 1, 0), hours=3)
    served(person, task, datetime(2026, 3, 8, 1, 0), hours=2.5)
    served(person, task, datetime(2026, 3, 9, 1, 0), hours=8, verified=False)
    other = signup_data.task(team, title="古籍修复助理")
    served(person, other, datetime(2025, 12, 1, 1, 0), hours=4)  # before the period

    try:
        certificate, pdf = certificates.issue_certificate(
            person, Period(date(2026, 2, 20), date(2026, 3, 20)), now=NOW
        )
    finally:
        app.config.update(CERTIFICATE_SIGNATORY="", CERTIFICATE_CONTACT="")

    text = pdf_text(pdf)
    assert re.fullmatch(r"GC2026(-[0-9A-HJKMNP-TV-Z]{4}){3}", certificate.number)
    assert certificate.total_minutes == 330
    for expected in (
        "张三",
        "2023141001",
        "计算机学院",
        "总服务台志愿队",
        "5.5",
        certificate.number,
        "图书馆志愿服务中心",
        "李老师",
        "028-85412345",
        "2026-03-01",
        "2026-03-08",
        "总服务台值班",
        "2026-03-20",  # issue date
    ):
        assert expected in text, expected
    assert "古籍修复助理" not in text
    assert "2026-03-09" not in text  # not verified
    assert certificate.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert (
        certificate.content["verify_url"]
        == f"http://localhost/certificates/verify/{certificate.number}"
    )


def test_a_long_service_list_continues_on_the_next_pages(desk, request_context):
    team, task = desk
    person = volunteer(team)
    for day in range(60):
        served(person, task, datetime(2025, 9, 1, 1, 0) + timedelta(days=day), hours=1)

    _certificate, pdf = certificates.issue_certificate(
        person, Period(date(2025, 9, 1), date(2026, 3, 1)), now=NOW
    )

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    assert "2025-10-30" in pages[-1].extract_text()  # the 60th shift
    assert "60" in pdf_text(pdf)


def test_no_verified_hours_in_the_period_is_refused(desk, request_context):
    team, task = desk
    person = volunteer(team)
    served(person, task, datetime(2026, 3, 1, 1, 0), verified=False)
    served(person, task, datetime(2025, 3, 1, 1, 0))

    with pytest.raises(InvalidInput):
        certificates.issue_certificate(
            person, Period(date(2026, 2, 20), date(2026, 3, 20)), now=NOW
        )
    assert db.session.query(Certificate).count() == 0


def test_download_again_renders_the_issued_bytes_even_after_the_profile_changed(
    desk, request_context
):
    team, task = desk
    person = volunteer(team)
    served(person, task, datetime(2026, 3, 1, 1, 0))
    certificate, pdf = certificates.issue_certificate(
        person, Period(date(2026, 3, 1), date(2026, 3, 1)), now=NOW
    )
    person.name = "张三丰"
    db.session.flush()

    again = certificates.certificate_pdf(certificates.own_certificate(certificate.id, person.id))

    assert again == pdf
    assert "张三丰" not in pdf_text(again)


def test_numbers_are_unique_and_readable(desk, request_context):
    team, task = desk
    person = volunteer(team)
    served(person, task, datetime(2026, 3, 1, 1, 0))
    period = Period(date(2026, 3, 1), date(2026, 3, 2))

    first, _ = certificates.issue_certificate(person, period, now=NOW)
    second, _ = certificates.issue_certificate(person, period, now=NOW)

    assert first.number != second.number
    # Nothing to count on: after the year, 12 random symbols (60 bits), and two numbers in a
    # row differ in most places, not in the last digit.
    randoms = [c.number.removeprefix("GC2026-").replace("-", "") for c in (first, second)]
    assert all(len(part) == 12 for part in randoms)
    assert sum(a != b for a, b in zip(*randoms, strict=True)) >= 6
    assert [c.number for c in certificates.certificates_of(person.id)] == [
        second.number,
        first.number,
    ]
    assert certificates.find_certificate(first.number) == first


def test_someone_elses_certificate_is_not_found(desk, request_context):
    team, task = desk
    person, other = volunteer(team), volunteer(team, name="李四")
    served(person, task, datetime(2026, 3, 1, 1, 0))
    certificate, _ = certificates.issue_certificate(
        person, Period(date(2026, 3, 1), date(2026, 3, 2)), now=NOW
    )

    with pytest.raises(NotFound):
        certificates.own_certificate(certificate.id, other.id)
    with pytest.raises(NotFound):
        certificates.find_certificate("GC2026-999999")


def test_only_the_issued_file_verifies(desk, request_context):
    team, task = desk
    person = volunteer(team)
    served(person, task, datetime(2026, 3, 1, 1, 0))
    certificate, pdf = certificates.issue_certificate(
        person, Period(date(2026, 3, 1), date(2026, 3, 2)), now=NOW
    )
    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :]

    assert certificates.matches_issued_pdf(certificate, pdf) is True
    assert certificates.matches_issued_pdf(certificate, tampered) is False
    with pytest.raises(InvalidInput):
        certificates.matches_issued_pdf(certificate, b"GIF89a not a pdf")
    with pytest.raises(InvalidInput):
        certificates.matches_issued_pdf(
            certificate, b"%PDF-" + b"0" * certificates.MAX_UPLOAD_BYTES
        )


def test_verification_address_uses_the_public_base_url(app, desk):
    app.config["APP_BASE_URL"] = "https://volunteer.lib.example.edu.cn/"
    try:
        with app.test_request_context():
            url = certificates.verification_url("GC2026-000007")
    finally:
        app.config["APP_BASE_URL"] = ""
    assert url == "https://volunteer.lib.example.edu.cn/certificates/verify/GC2026-000007"


def test_rendering_is_deterministic(desk, request_context):
    team, task = desk
    person = volunteer(team)
    served(person, task, datetime(2026, 3, 1, 1, 0))
    certificate, pdf = certificates.issue_certificate(
        person, Period(date(2026, 3, 1), date(2026, 3, 2)), now=NOW
    )

    assert render_pdf(dict(certificate.content)) == pdf


@pytest.mark.parametrize(
    ("number", "masked"),
    [("2023141001", "2023****01"), ("T0001", "T**01"), ("1234", "****")],
)
def test_public_student_numbers_are_masked(number, masked):
    assert certificates.mask_student_number(number) == masked
