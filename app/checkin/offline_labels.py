"""What the offline scanner says for each reason it refuses a code or the server refuses an
uploaded scan (the live scanner's reasons and the offline ones)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.checkin.attendance import REASON_LABELS

OFFLINE_REASON_LABELS = {
    "not_on_list": _l("Not on this shift's list"),
    "already_in_here": _l("Already scanned on this device"),
    "no_bundle": _l("Open this page once with a connection to scan offline"),
    "tampered": _l("The queued scan was altered"),
    "future": _l("The scan time is in the future"),
    "unknown_device": _l("This device is not known"),
    "device_revoked": _l("This device was revoked"),
    "device_expired": _l("This device's key has expired"),
    "too_many": _l("Too many scans in one upload; sent again later"),
    "earlier_kept": _l("The earlier check-in time was kept"),
}


def offline_reason_labels() -> dict[str, str]:
    return {key: str(label) for key, label in {**REASON_LABELS, **OFFLINE_REASON_LABELS}.items()}


def offline_reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    return str(OFFLINE_REASON_LABELS.get(reason) or REASON_LABELS.get(reason) or reason)
