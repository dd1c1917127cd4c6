"""Attendance, hours, certificates through the API: the numbers are the My hours page's,
the PDF is the page's PDF, other people's certificates are not found."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.checkin import certificates
from app.common.time import local_day, utcnow
from app.outside import services as outside
from tests import factories
from tests.api.conftest import bearer
from tests.checkin.test_certificates import served, volunteer
from tests.shifts import signup_data

READ = ("hours:read",)


@pytest.fixture
def world(app, db, make_token, admin):
    """A volunteer with two verified shifts (3 h, 2 h), one awaiting verification (4 h),
    1.5 approved outside hours and a certificate; a neighbour with a certificate."""
    team = signup_data.team(name="总服务台志愿队")
    task = signup_data.task(team, title="总服务台值班")
    person = volunteer(team, student_number="2023141001")
    now = utcnow().replace(microsecond=0)
    records = [
        served(person, task, now - timedelta(days=3), hours=3),
        served(person, task, now - timedelta(days=2), hours=2),
        served(person, task, now - timedelta(days=1), hours=4, verified=False),
    ]
    fields = outside.ClaimFields(
        "望江社区", local_day(now) - timedelta(days=4), "1.5", evidence_link="https://x.cn/a"
    )
    outside.decide(outside.claim(person, fields, now=now), "approve", actor=admin, now=now)
    period = certificates.Period(local_day(now) - timedelta(days=7), local_day(now))
    neighbour = volunteer(team, name="李四", student_number="2023141002")
    served(neighbour, task, now - timedelta(days=3), hours=1)
    with app.test_request_context():
        certificate, _pdf = certificates.issue_certificate(person, period, now=now)
        theirs, _pdf = certificates.issue_certificate(neighbour, period, now=now)
    db.session.commit()
    return {
        "person": person,
        "records": records,
        "certificate": certificate,
        "theirs": theirs,
        "headers": bearer(make_token(person, scopes=READ)),
    }


def test_attendance_newest_first_by_cursor_with_verified_state(client, world):
    first = client.get("/api/v1/me/attendance?limit=2", headers=world["headers"])
    cursor = first.json["meta"]["next_cursor"]
    rest = client.get(f"/api/v1/me/attendance?limit=2&cursor={cursor}", headers=world["headers"])
    rows = first.json["data"] + rest.json["data"]
    assert [row["id"] for row in rows] == [record.id for record in reversed(world["records"])]
    assert [row["verified"] for row in rows] == [False, True, True]
    assert [row["minutes"] for row in rows] == [240, 120, 180]
    assert rows[0]["shift"]["task"]["title"] == "总服务台值班"
    day = local_day(world["records"][1].shift.starts_at).isoformat()
    one_day = client.get(f"/api/v1/me/attendance?from={day}&to={day}", headers=world["headers"])
    assert [row["id"] for row in one_day.json["data"]] == [world["records"][1].id]


def test_hours_are_the_pages_numbers(client, login, world):
    answer = client.get("/api/v1/me/hours", headers=world["headers"])
    assert answer.status_code == 200
    data = answer.json["data"]
    assert (data["verified"]["minutes"], data["pending"]["minutes"]) == (300, 240)
    assert data["outside"]["minutes"] == 90
    assert data["stars"]["minutes"] == 390
    login(world["person"])
    page = client.get("/hours").get_data(as_text=True)
    assert f'data-testid="verified-hours">{data["verified"]["hours"]}<' in page
    assert f'data-testid="pending-hours">{data["pending"]["hours"]}<' in page
    level = re.search(r'data-testid="star-level" data-level="(\d+)"', page)
    assert level is not None and int(level.group(1)) == data["stars"]["level"]
    assert Decimal(data["outside"]["hours"]) == Decimal("1.5")
    tag = answer.headers["ETag"]
    again = client.get("/api/v1/me/hours", headers={**world["headers"], "If-None-Match": tag})
    assert again.status_code == 304


def test_certificates_and_the_same_pdf_as_the_page(client, login, world):
    listed = client.get("/api/v1/me/certificates", headers=world["headers"])
    assert [c["number"] for c in listed.json["data"]] == [world["certificate"].number]
    assert listed.json["data"][0]["minutes"] == world["certificate"].total_minutes
    pdf = client.get(listed.json["data"][0]["pdf"], headers=world["headers"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == world["certificate"].pdf_sha256
    login(world["person"])
    page = client.get(f"/hours/certificates/{world['certificate'].id}.pdf")
    assert page.data == pdf.data


def test_someone_elses_certificate_is_not_found(client, world):
    answer = client.get(
        f"/api/v1/me/certificates/{world['theirs'].id}.pdf", headers=world["headers"]
    )
    assert answer.status_code == 404 and answer.json["code"] == "not_found"


OPERATIONS = [
    "/api/v1/me/attendance",
    "/api/v1/me/hours",
    "/api/v1/me/certificates",
    "/api/v1/me/certificates/{certificate}.pdf",
]


@pytest.mark.parametrize("path", OPERATIONS)
def test_each_operation_needs_a_token_with_its_scope(client, world, make_token, admin, path):
    url = path.format(certificate=world["certificate"].id)
    assert client.get(url).status_code == 401
    lacking = client.get(url, headers=bearer(make_token(world["person"], scopes=["profile:read"])))
    assert lacking.status_code == 403 and lacking.json["code"] == "insufficient_scope"
    assert client.get(url, headers=world["headers"]).status_code == 200
    for other in (admin, factories.person(roles=["coordinator"], name="陈老师")):
        as_other = client.get(url, headers=bearer(make_token(other, scopes=READ)))
        assert as_other.status_code == (404 if "{" in path else 200)
        if as_other.status_code == 200 and isinstance(as_other.json["data"], list):
            assert as_other.json["data"] == []
