"""A certificate of service star level (星级志愿者证明): a service certificate of its own
kind, issued, numbered, rendered and verified exactly as service certificates are (the same
table, PDF layout, QR code and public verification page), stating the level and the hours
it rests on, library and elsewhere apart."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts.models import User
from app.audit import services as audit
from app.checkin import certificates
from app.checkin.certificate_pdf import render_pdf
from app.checkin.models import Certificate
from app.common.time import local_day, utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.stars import services
from app.stars.services import Stars

KIND = "star_level"


def _text(data: dict) -> dict[str, str]:
    """The wording, in Chinese whatever the reader's language."""
    with force_locale("zh"):
        return {
            "title": _("Certificate of Service Star Level"),
            "statement": _(
                "This is to certify that %(name)s (student number %(student_number)s) is a "
                "%(level)d-star volunteer, with %(hours)s hours of volunteer service on "
                "%(day)s: verified library hours and hours served elsewhere approved by the "
                "library.",
                name=data["name"],
                student_number=data["student_number"],
                level=data["star_level"],
                hours=data["total_hours"],
                day=data["issued_on"],
            ),
            **certificates.person_and_issuer_labels(),
            "period": _("Date of the level"),
            "total_hours": _("Hours counted"),
            "star_level": _("Service star level"),
            "content": _("Hours counted"),
            "date": "",
            "time": "",
            "task": _("Service"),
            "hours": _("Hours"),
        }


def _lines(stars: Stars) -> list[dict]:
    with force_locale("zh"):
        return [
            {
                "date": "",
                "time": "",
                "task": _("Verified library volunteer service"),
                "hours": certificates.format_hours(stars.library_minutes),
            },
            {
                "date": "",
                "time": "",
                "task": _("Volunteer service elsewhere, approved by the library"),
                "hours": certificates.format_hours(stars.outside_minutes),
            },
        ]


def _content(user: User, stars: Stars, number: str, now: datetime) -> dict:
    config = current_app.config
    day = local_day(now).isoformat()
    data = {
        "version": certificates.CONTENT_VERSION,
        "kind": KIND,
        "number": number,
        "issued_on": day,
        "name": user.name,
        "student_number": user.student_number,
        "college": user.college.name if user.college else "",
        "teams": [],
        "period_start": day,
        "period_end": day,
        "total_minutes": stars.minutes,
        "total_hours": certificates.format_hours(stars.minutes),
        "star_level": stars.level,
        "lines": _lines(stars),
        "issuer": config.get("CERTIFICATE_ISSUER") or "",
        "signatory": config.get("CERTIFICATE_SIGNATORY") or "",
        "contact": config.get("CERTIFICATE_CONTACT") or "",
        "verify_url": certificates.verification_url(number),
        "font": certificates.embedded_font(),
    }
    data["text"] = _text(data)
    return data


def issue_star_certificate(user: User, *, now: datetime | None = None) -> tuple[Certificate, bytes]:
    """A certificate of the level the person holds today; refused below one star."""
    now = now or utcnow()
    stars = services.stars_of(user.id)
    if stars.level == 0:
        raise InvalidInput(
            _(
                "A star level certificate needs at least one star (%(hours)d hours).",
                hours=services.thresholds()[0],
            )
        )
    day = local_day(now)
    certificate = Certificate(
        number=certificates.new_number(now),
        user_id=user.id,
        period_start=day,
        period_end=day,
        total_minutes=stars.minutes,
        content={},
        pdf_sha256="",
        issued_at=now,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate.content = _content(user, stars, certificate.number, now)
    pdf = render_pdf(certificate.content)
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    audit.record(
        "certificates.issued",
        certificate,
        actor=user,
        after={"star_level": stars.level, "minutes": stars.minutes},
        now=now,
    )
    return certificate, pdf
