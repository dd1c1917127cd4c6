"""What hours served elsewhere keeps about a person, for their personal data export (their
claims, and the claims they decided as a coordinator), and what anonymising removes."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.extensions import db
from app.outside import evidence
from app.outside.models import OutsideClaim

FIELDS = (
    "organiser",
    "served_on",
    "claimed_minutes",
    "description",
    "evidence_link",
    "evidence_name",
    "status",
    "approved_minutes",
    "reason",
    "created_at",
    "decided_at",
)


def _claim(row: OutsideClaim) -> dict[str, Any]:
    return fields_of(row, *FIELDS)


def _decided(row: OutsideClaim) -> dict[str, Any]:
    return fields_of(row, "organiser", "served_on", "status", "approved_minutes", "decided_at")


def forget_person(user) -> None:
    """Anonymising keeps the hours (they were served) but removes what names the person:
    the evidence file, its name, the link and the description."""
    for claim in db.session.scalars(select(OutsideClaim).where(OutsideClaim.user_id == user.id)):
        evidence.discard({"evidence_file": claim.evidence_file})
        claim.evidence_file = None
        claim.evidence_name = ""
        claim.evidence_link = ""
        claim.description = ""
    db.session.flush()


def connect_hooks() -> None:
    personal_data.register_rows(
        "outside",
        _l("Hours served elsewhere"),
        {
            "outside_claims": Rows(OutsideClaim.user_id, _claim),
            "outside_decided": Rows(OutsideClaim.decided_by_id, _decided, staff=True),
        },
        audited={"outside_claim": OutsideClaim.user_id},
        labels={
            "outside_claims": _l("My claims of hours served elsewhere"),
            "outside_decided": _l("Claims of hours served elsewhere I decided"),
            "organiser": _l("Organiser"),
            "served_on": _l("Day of the service"),
            "claimed_minutes": _l("Minutes claimed"),
            "approved_minutes": _l("Minutes approved"),
            "evidence_link": _l("Evidence link"),
            "evidence_name": _l("Evidence file"),
        },
        forget=forget_person,
    )
