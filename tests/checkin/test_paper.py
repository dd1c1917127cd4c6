"""Paper, when all else fails: the printable sign-in sheet, and entering it afterwards in
one screen (all or nothing, scanned records replaced only on request, exactly once)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.checkin.models import Attendance
from app.common.time import to_local, utcnow
from app.extensions import db
from tests.checkin import attendance_data, checkin_data
from tests.checkin.test_certificates import pdf_text
from tests.helpers import page


@pytest.fixture
def world(db):
    """A shift that started three hours ago and lasted two; the second person scanned."""
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=3)
    built = attendance_data.world(start=start, hours_long=2)
    built.start = start
    built.scanned = attendance_data.record(
        built.shift, built.people[1], checked_out_at=start + timedelta(minutes=90)
    )
    db.session.commit()
    return built


def hhmm(moment) -> str:
    return f"{to_local(moment):%H:%M}"


def test_the_signin_sheet_pdf_lists_the_people_their_numbers_and_the_shift(client, login, world):
    waiting = checkin_data.member(world.team, name="候补同学")
    assert checkin_data.signed_up(world.shift, waiting).status == "waitlisted"  # the shift is full
    db.session.commit()
    login(world.boss)

    response = client.get(f"/attendance/shifts/{world.shift.id}/signin-sheet.pdf")

    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    text = pdf_text(response.data)
    for person in [*world.people, waiting]:
        assert person.name in text
        assert person.student_number in text
    assert text.index(world.people[2].name) < text.index("候补同学")
    assert world.task.title in text
    assert hhmm(world.shift.starts_at) in text and hhmm(world.shift.ends_at) in text
    assert world.boss.name in text
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "checkin.signin_sheet_printed"
            )
        )
        == 1
    )


def test_a_long_sheet_repeats_the_shift_on_every_page(client, login, world):
    for n in range(40):
        checkin_data.signed_up(world.shift, checkin_data.member(world.team, name=f"同学{n}"))
    db.session.commit()
    login(world.boss)

    data = client.get(f"/attendance/shifts/{world.shift.id}/signin-sheet.pdf").data

    pages = [sheet.extract_text() for sheet in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 2
    assert all(world.task.title in page_text for page_text in pages)


def _post(client, world, data: dict):
    return client.post(f"/attendance/shifts/{world.shift.id}/paper", data=data)


def _record(world, person) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Attendance).where(
            Attendance.shift_id == world.shift.id, Attendance.user_id == person.id
        )
    )


def test_paper_entry_creates_audited_records_once(client, login, world):
    walker = checkin_data.member(world.team, name="路过同学")
    db.session.commit()
    login(world.boss)
    first = f"p{world.people[0].id}"
    data = {
        f"{first}-present": "1",
        f"{first}-in": hhmm(world.start + timedelta(minutes=10)),
        f"{first}-out": hhmm(world.start + timedelta(minutes=100)),
        "w0-present": "1",
        "w0-number": walker.student_number,
        "w0-in": hhmm(world.start),
    }

    assert _post(client, world, data).status_code == 302
    assert _post(client, world, data).status_code == 302  # a double submit

    record = _record(world, world.people[0])
    assert record.from_paper and record.status == "out" and record.late
    assert record.scan_minutes == 90
    assert _record(world, walker).walk_in
    assert _record(world, world.people[2]) is None
    audited = db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "checkin.paper_entered")
    )
    assert audited == 2
    assert db.session.scalar(select(func.count(Attendance.id))) == 3


def test_bad_lines_are_shown_each_and_nothing_is_saved(client, login, world):
    login(world.boss)
    first, third = f"p{world.people[0].id}", f"p{world.people[2].id}"
    response = _post(
        client,
        world,
        {
            f"{first}-present": "1",
            f"{first}-in": hhmm(world.start + timedelta(minutes=60)),
            f"{first}-out": hhmm(world.start + timedelta(minutes=30)),  # before the check-in
            f"{third}-present": "1",
            f"{third}-in": hhmm(world.start),  # fine, but the save is all or nothing
            "w0-present": "1",
            "w0-number": "no-such-number",
            "w0-in": hhmm(world.start),
            "w1-present": "1",
            "w1-number": world.people[2].student_number,
            "w1-in": "25:99",
            "w2-present": "1",
            "w2-in": hhmm(world.start),  # times without a number
        },
    )

    assert response.status_code == 400
    body = page(response)
    for key in (first, "w0", "w1", "w2"):
        assert f'data-testid="{key}-error"' in body, key
    assert f'data-testid="{third}-error"' not in body
    assert _record(world, world.people[0]) is None
    assert _record(world, world.people[2]) is None


def test_a_scanned_record_is_replaced_only_when_chosen(client, login, world):
    login(world.boss)
    key = f"p{world.people[1].id}"
    times = {
        f"{key}-present": "1",
        f"{key}-in": hhmm(world.start),
        f"{key}-out": hhmm(world.start + timedelta(minutes=120)),
    }

    refused = _post(client, world, times)
    assert refused.status_code == 400
    assert f'data-testid="{key}-error"' in page(refused)
    assert _record(world, world.people[1]).checked_out_at == world.start + timedelta(minutes=90)

    assert _post(client, world, {**times, f"{key}-replace": "1"}).status_code == 302
    record = _record(world, world.people[1])
    assert record.from_paper and record.corrected
    assert record.checked_out_at == world.start + timedelta(minutes=120)


def test_the_entry_page_shows_the_scanned_records(client, login, world):
    login(world.boss)
    body = page(client.get(f"/attendance/shifts/{world.shift.id}/paper"))
    assert f'data-testid="p{world.people[1].id}-scanned"' in body
    assert f'data-testid="p{world.people[0].id}-present"' in body
