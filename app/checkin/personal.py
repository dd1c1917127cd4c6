"""What check-in keeps about a person, for their personal data export: attendance and
hours, every scan of them (with device and address), and certificates."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.checkin.attendance import reason_label
from app.checkin.models import Attendance, Certificate, ScanLog, ScannerDevice
from app.common.rows import fields_of
from app.extensions import db
from app.shifts.models import Shift
from app.shifts.personal import shift_of


def _attendance(row: Attendance) -> dict[str, Any]:
    return {
        **shift_of(row.shift),
        **fields_of(
            row,
            "status",
            "checked_in_at",
            "checked_out_at",
            "late",
            "scan_minutes",
            "added_minutes",
            "verified_at",
            "from_paper",
            "place_check",
            "place_distance_m",
        ),
    }


def _scan(row: ScanLog) -> dict[str, Any]:
    shift = db.session.get(Shift, row.shift_id) if row.shift_id else None
    return {
        "time": row.at,
        **shift_of(shift),
        "method": row.method,
        "action": row.action,
        "outcome": row.outcome,
        "reason": reason_label(row.reason) if row.reason else None,
        "device": row.device,
        "address": row.ip,
    }


def _certificate(row: Certificate) -> dict[str, Any]:
    return {
        "number": row.number,
        "period_start": row.period_start.isoformat(),
        "period_end": row.period_end.isoformat(),
        **fields_of(row, "total_minutes", "issued_at", "revoked_at"),
    }


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "checkin",
        _l("Attendance and hours"),
        {
            "attendance": Rows(Attendance.user_id, _attendance),
            "scans": Rows(ScanLog.user_id, _scan),
            "certificates": Rows(Certificate.user_id, _certificate),
            "attendance_verified": Rows(
                Attendance.verified_by_id, lambda row: {"time": row.verified_at}, staff=True
            ),
            "scans_made": Rows(ScanLog.actor_id, lambda row: {"time": row.at}, staff=True),
            "scanner_devices": Rows(
                ScannerDevice.user_id,
                lambda row: fields_of(row, "created_at", "expires_at", "revoked_at"),
                staff=True,
            ),
        },
        audited={"attendance": Attendance.user_id, "certificate": Certificate.user_id},
        labels={
            "attendance": _l("Attendance"),
            "scans": _l("Scans of my codes and check-ins"),
            "certificates": _l("Service certificates"),
            "attendance_verified": _l("Attendance I verified"),
            "scans_made": _l("Scans I made for volunteers"),
            "scanner_devices": _l("Devices I opened the offline scanner on"),
            "created_at": _l("Opened"),
            "expires_at": _l("Expires"),
            "revoked_at": _l("Revoked"),
            "checked_in_at": _l("Checked in"),
            "checked_out_at": _l("Checked out"),
            "late": _l("Late"),
            "scan_minutes": _l("Minutes from scans"),
            "added_minutes": _l("Minutes added by a coordinator"),
            "verified_at": _l("Verified"),
            "from_paper": _l("Entered from the paper sheet"),
            "place_check": _l("Where the phone was at check-in"),
            "place_distance_m": _l("Distance from the task's place (m)"),
            "method": _l("Method"),
            "outcome": _l("Outcome"),
            "device": _l("Device"),
            "number": _l("Number"),
            "period_start": _l("From"),
            "period_end": _l("To"),
            "total_minutes": _l("Minutes"),
            "issued_at": _l("Issued"),
        },
    )
