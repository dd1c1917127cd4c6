"""The national-record identity in a person's personal data export: the number, and the
ID-card number masked (the export is a file that travels; the full number stays encrypted)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.natrecord import identity
from app.natrecord.models import VolunteerIdentity


def _identity(row: VolunteerIdentity) -> dict[str, Any]:
    return {
        "national_number": row.national_number,
        "id_number": identity.masked(row.id_number_last4),
        "id_consent_at": row.id_consent_at,
    }


def connect_hooks() -> None:
    personal_data.register_rows(
        "natrecord",
        _l("National volunteer record"),
        {"identity": Rows(VolunteerIdentity.user_id, _identity)},
        audited={"volunteer_identity": VolunteerIdentity.user_id},
        labels={
            "identity": _l("My identity for the national record"),
            "national_number": _l("National volunteer number"),
            "id_number": _l("ID-card number (masked)"),
            "id_consent_at": _l("Consent given"),
        },
        forget=identity.forget_person,
    )
