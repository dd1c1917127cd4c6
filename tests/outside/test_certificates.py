"""Service certificates list approved hours served elsewhere in a section of their own,
never in the library's hours."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.checkin import certificates
from app.common.time import local_today, utcnow
from app.outside import services
from tests.feedback import feedback_data


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def _claim(person, boss, hours: str, decision: str):
    claim = services.claim(
        person,
        services.ClaimFields(
            "望江社区", local_today(), hours, evidence_link="https://example.org/proof"
        ),
    )
    if decision != "pending":
        services.decide(claim, decision, actor=boss, reason="证明不全")
    return claim


def test_a_certificate_lists_approved_outside_hours_apart(db):
    world, records = feedback_data.verified(people=1)
    person = world.people[0]
    _claim(person, world.boss, "3", "approve")
    _claim(person, world.boss, "2", "reject")
    _claim(person, world.boss, "1", "pending")
    today = local_today()
    period = certificates.period_from(None, today - timedelta(days=30), today, now=utcnow())
    certificate, pdf = certificates.issue_certificate(person, period)
    content = certificate.content
    assert content["total_minutes"] == records[0].total_minutes  # library hours only
    assert content["outside_minutes"] == 180
    assert [line["hours"] for line in content["outside_lines"]] == ["3"]
    assert pdf.startswith(b"%PDF-")
    assert certificates.certificate_pdf(certificate) == pdf
    assert certificates.public_view(certificate).outside_hours == "3"  # the verification page


def test_a_certificate_without_outside_hours_has_no_such_section(db):
    world, _records = feedback_data.verified(people=1)
    today = local_today()
    period = certificates.period_from(None, today - timedelta(days=30), today, now=utcnow())
    certificate, _pdf = certificates.issue_certificate(world.people[0], period)
    assert "outside_lines" not in certificate.content
