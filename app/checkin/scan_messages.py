"""What a scan answers people, in their language: the success and refusal messages."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.checkin.models import Attendance
from app.checkin.windows import checkout_closes_at, opens_at
from app.common.time import to_local
from app.shifts.models import Shift

# Messages ------------------------------------------------------------------------------------


def _clock(moment: datetime | None) -> str:
    return f"{to_local(moment):%H:%M}" if moment else ""


def _day_and_clock(moment: datetime) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}"


def hours_text(minutes: int) -> str:
    """Minutes as hours for people: 150 → "2.5"."""
    return format_decimal(minutes / 60, format="0.##")


def success_message(outcome: str, attendance: Attendance) -> str:
    if outcome == "checked_out":
        return _(
            "Checked out at %(time)s: %(hours)s hours credited.",
            time=_clock(attendance.checked_out_at),
            hours=hours_text(attendance.scan_minutes or 0),
        )
    if outcome == "already_in":
        return _("Already checked in at %(time)s.", time=_clock(attendance.checked_in_at))
    if attendance.late:
        return _("Checked in at %(time)s, late.", time=_clock(attendance.checked_in_at))
    return _("Checked in at %(time)s.", time=_clock(attendance.checked_in_at))


def refusal_message(
    reason: str, shift: Shift | None, attendance: Attendance | None, tried: str
) -> str:
    if reason == "outside_window" and shift is not None:
        if tried == "check_out":
            return _(
                "Check-out closed at %(time)s: ask the coordinator to correct the record.",
                time=_day_and_clock(checkout_closes_at(shift)),
            )
        return _(
            "Check-in for this shift is open from %(opens)s to %(closes)s.",
            opens=_day_and_clock(opens_at(shift)),
            closes=_clock(shift.ends_at),
        )
    if reason == "already_out" and attendance is not None and attendance.checked_out_at:
        return _("Already checked out at %(time)s.", time=_clock(attendance.checked_out_at))
    return str(_REFUSALS.get(reason, _REFUSALS["malformed"]))


_REFUSALS = {
    "expired": _l("This code has expired. Scan the code on the screen again."),
    "forged": _l("This code is not valid. Scan the code on the screen again."),
    "malformed": _l("This is not a check-in code."),
    "wrong_shift": _l("This code belongs to another shift."),
    "not_signed_up": _l("Not signed up for this shift, and it takes no walk-ins."),
    "outside_window": _l("Check-in for this shift is not open."),
    "cancelled": _l("This shift has been cancelled."),
    "not_checked_in": _l("Not checked in to this shift yet."),
    "already_out": _l("Already checked out of this shift."),
    "not_eligible": _l("This account cannot check in to this shift."),
    "full": _l("The shift is full: walk-ins are only taken while there is room."),
    "wrong_code": _l("This code does not match a shift you can check in to now."),
    "too_many_guesses": _l(
        "Too many wrong codes. Please scan the code on the screen or ask the coordinator."
    ),
    "no_shift_open": _l("You have no shift open for check-in now."),
}
