"""An earned badge as an Open Badges 3.0 credential (an `OpenBadgeCredential`, a W3C
Verifiable Credential 2.0), for people to keep in a wallet or show elsewhere.

The JSON download is the credential unsigned, for reading; the `.jwt` download is the same
credential signed as a VC-JWT (app/rewards/badge_signing.py), which a wallet or a third party
verifies with the issuer's published keys.

The earner is named by a salted SHA-256 hash of their student number (an
`IdentityObject`), never in plain text, as the specification recommends for identifiers
that would leak personal data.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app

from app.common.urls import external_url
from app.rewards import badge_texts
from app.rewards.models import BadgeAward

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]


def _timestamp(award: BadgeAward) -> str:
    return f"{award.awarded_at:%Y-%m-%dT%H:%M:%SZ}"


def _identity(award: BadgeAward) -> dict[str, Any]:
    salt = award.public_id
    digest = hashlib.sha256((award.user.student_number + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "identifier",
        "hashed": True,
        "salt": salt,
    }


def _image_url(badge) -> str:
    if badge.image:
        return external_url("badges.image", name=badge.image)
    return external_url("static", filename=f"badges/{badge.icon}")


def achievement(award: BadgeAward) -> dict[str, Any]:
    badge = award.badge
    return {
        "id": external_url("badges.catalogue", _anchor=f"badge-{badge.code}"),
        "type": ["Achievement"],
        "name": badge_texts.badge_text(badge, "name"),
        "description": badge_texts.badge_text(badge, "description")
        or badge_texts.criteria_text(badge),
        "criteria": {"narrative": badge_texts.criteria_text(badge)},
        "image": {"id": _image_url(badge), "type": "Image"},
    }


def credential(award: BadgeAward) -> dict[str, Any]:
    """The award as an OpenBadgeCredential, in the reader's language."""
    name = badge_texts.badge_text(award.badge, "name")
    if award.period:
        name = f"{name} · {award.period}"
    return {
        "@context": CONTEXT,
        "id": external_url("badges.credential", public_id=award.public_id),
        "type": CREDENTIAL_TYPE,
        "issuer": {
            "id": external_url("home.index"),
            "type": ["Profile"],
            "name": current_app.config.get("CERTIFICATE_ISSUER") or "",
        },
        "validFrom": _timestamp(award),
        "name": name,
        "description": badge_texts.award_reason(award),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity(award)],
            "achievement": achievement(award),
        },
    }


def filename(award: BadgeAward, extension: str = "json") -> str:
    return f"badge-{award.badge.code}-{award.public_id}.{extension}"
