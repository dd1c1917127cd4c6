"""A person's service record through the API: attendance (each record with its shift,
times, minutes and whether it is verified), the totals of the My hours page (verified
library hours, hours waiting, outside hours, star level) and their certificates with the
same PDF as the page. Every number comes from the pages' own services.
"""

from __future__ import annotations

from typing import Any

from app.api import cursors, envelope, openapi
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.envelope import iso, shift_brief
from app.api.openapi import TIME, TIME_OR_NULL
from app.checkin import certificates, hours
from app.checkin.models import Attendance, Certificate
from app.common import tables
from app.outside import services as outside
from app.shifts.models import Shift
from app.stars import services as stars

READ = ("hours:read",)
LIST = {"window": cursors.CURSOR, "period": cursors.PERIOD}


def attendance_json(attendance: Attendance) -> dict[str, Any]:
    shift = attendance.shift
    minutes = (attendance.scan_minutes or 0) + (attendance.added_minutes or 0)
    return {
        "id": attendance.id,
        "shift": shift_brief(shift),
        "status": attendance.status,
        "checked_in_at": iso(attendance.checked_in_at),
        "checked_out_at": iso(attendance.checked_out_at),
        "late": attendance.late,
        "minutes": minutes,
        "hours": certificates.format_hours(minutes),
        "verified": attendance.verified_at is not None,
        "verified_at": iso(attendance.verified_at),
    }


@bp.get("/me/attendance")
@token_required(*READ)
@envelope.query_args(**LIST)
def my_attendance(window: cursors.Window, period: cursors.Period):
    query = hours.attendance_query(current_person().id).where(*period.within(Shift.starts_at))
    return cursors.page(
        query,
        (Shift.starts_at, Attendance.id),
        attendance_json,
        window,
        descending=True,
        key=lambda attendance: (attendance.shift.starts_at, attendance.id),
    )


def _hours(minutes: int) -> dict[str, Any]:
    return {"minutes": minutes, "hours": certificates.format_hours(minutes)}


@bp.get("/me/hours")
@token_required(*READ)
def my_hours():
    person_id = current_person().id
    mine = certificates.my_hours(person_id, shown=0)
    level = stars.stars_of(person_id)
    outside_minutes = outside.approved_minutes_by_user([person_id]).get(person_id, 0)
    return envelope.ok(
        {
            "verified": _hours(mine.verified_minutes),
            "pending": _hours(mine.pending_minutes),
            "outside": _hours(outside_minutes),
            "by_semester": [
                {"semester": group.key, "label": group.label, **_hours(group.minutes)}
                for group in mine.by_semester
            ],
            "stars": {
                "level": level.level,
                "next_hours": level.next_hours,
                "missing_hours": level.missing_hours,
                **_hours(level.minutes),
            },
        }
    )


def certificate_json(certificate: Certificate) -> dict[str, Any]:
    return {
        "id": certificate.id,
        "number": certificate.number,
        "period_start": certificate.period_start.isoformat(),
        "period_end": certificate.period_end.isoformat(),
        **_hours(certificate.total_minutes),
        "issued_at": iso(certificate.issued_at),
        "revoked": certificate.revoked_at is not None,
        "verification_url": certificates.verification_url(certificate.number),
        "pdf": f"/api/v1/me/certificates/{certificate.id}.pdf",
    }


@bp.get("/me/certificates")
@token_required(*READ)
def my_certificates():
    return envelope.ok(
        [certificate_json(c) for c in certificates.certificates_of(current_person().id)]
    )


@bp.get("/me/certificates/<int:certificate_id>.pdf")
@token_required(*READ)
def my_certificate_pdf(certificate_id: int):
    """The same bytes as the page's download (rendered again from the frozen content)."""
    certificate = certificates.own_certificate(certificate_id, current_person().id)
    pdf = certificates.certificate_pdf(certificate)
    response = tables.download(pdf, certificates.pdf_filename(certificate), "application/pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


HOURS = {
    "type": "object",
    "required": ["minutes", "hours"],
    "properties": {
        "minutes": {"type": "integer"},
        "hours": {"type": "string", "description": 'As the page shows: 150 minutes → "2.5".'},
    },
}
DAY = {"type": "string", "format": "date"}


def _pdf_operation() -> dict[str, Any]:
    """The PDF is bytes, not the JSON envelope: its own 200 response, no ETag."""
    result = openapi.operation(
        operation_id="getMyCertificatePdf",
        summary="A certificate's PDF",
        description="The same PDF as the My hours page downloads, byte for byte; someone "
        "else's certificate is 404; 409 when it can no longer be reproduced exactly.",
        tag="hours",
        scopes=READ,
        data={"type": "string"},
        path=(openapi.path_id("certificate_id", "The certificate's id, from the list."),),
        errors=(401, 403, 409, 429, 500),
    )
    del result["responses"]["304"]
    result["responses"]["200"] = {
        "description": "The certificate as a PDF attachment.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
    return result


openapi.add_paths(
    {
        "/me/attendance": {
            "get": openapi.operation(
                operation_id="listMyAttendance",
                summary="Your attendance",
                description="Every check-in of yours (undone ones left out), newest shift "
                "first, with its minutes and whether a coordinator verified it.",
                tag="hours",
                scopes=READ,
                data=openapi.ref("Attendance"),
                parameters=openapi.query_parameters(LIST),
                cursor=True,
            )
        },
        "/me/hours": {
            "get": openapi.operation(
                operation_id="getMyHours",
                summary="Your hours",
                description="The totals of the My hours page: verified library hours (and by "
                "semester), hours awaiting verification, approved outside hours, star level.",
                tag="hours",
                scopes=READ,
                data=openapi.ref("MyHours"),
            )
        },
        "/me/certificates": {
            "get": openapi.operation(
                operation_id="listMyCertificates",
                summary="Your service certificates",
                description="Newest first. Issue one on the My hours page.",
                tag="hours",
                scopes=READ,
                data={"type": "array", "items": openapi.ref("Certificate")},
            )
        },
        "/me/certificates/{certificate_id}.pdf": {"get": _pdf_operation()},
    },
    schemas={
        "Attendance": {
            "type": "object",
            "required": [
                "id",
                "shift",
                "status",
                "checked_in_at",
                "checked_out_at",
                "late",
                "minutes",
                "hours",
                "verified",
                "verified_at",
            ],
            "properties": {
                "id": {"type": "integer"},
                "shift": openapi.ref("ShiftBrief"),
                "status": {"type": "string", "description": "in (checked in) or out."},
                "checked_in_at": TIME,
                "checked_out_at": TIME_OR_NULL,
                "late": {"type": "boolean"},
                "minutes": {"type": "integer", "description": "Scanned plus added minutes."},
                "hours": {"type": "string"},
                "verified": {"type": "boolean"},
                "verified_at": TIME_OR_NULL,
            },
        },
        "Hours": HOURS,
        "MyHours": {
            "type": "object",
            "required": ["verified", "pending", "outside", "by_semester", "stars"],
            "properties": {
                "verified": openapi.ref("Hours"),
                "pending": openapi.ref("Hours"),
                "outside": openapi.ref("Hours"),
                "by_semester": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["semester", "label", "minutes", "hours"],
                        "properties": {
                            "semester": {"type": "string", "description": "Such as 2025-2026-2."},
                            "label": {"type": "string"},
                            **HOURS["properties"],
                        },
                    },
                },
                "stars": {
                    "type": "object",
                    "required": ["level", "next_hours", "missing_hours", "minutes", "hours"],
                    "properties": {
                        "level": {"type": "integer", "description": "0 below one star."},
                        "next_hours": {"type": ["integer", "null"]},
                        "missing_hours": {"type": "number"},
                        **HOURS["properties"],
                    },
                },
            },
        },
        "Certificate": {
            "type": "object",
            "required": [
                "id",
                "number",
                "period_start",
                "period_end",
                "minutes",
                "hours",
                "issued_at",
                "revoked",
                "verification_url",
                "pdf",
            ],
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "string"},
                "period_start": DAY,
                "period_end": DAY,
                **HOURS["properties"],
                "issued_at": TIME,
                "revoked": {"type": "boolean"},
                "verification_url": {"type": "string", "format": "uri"},
                "pdf": {"type": "string", "description": "This API's address of the PDF."},
            },
        },
    },
    tags={"hours": "Your attendance, hours, star level and certificates."},
)
