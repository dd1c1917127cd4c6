"""A volunteer's identity for the national volunteer record: their national volunteer
number (志愿者编号) and, where the library's export needs it and only with a consent of its
own, their ID-card number (居民身份证号码).

The national number is checked as digits only, 8 to 20 of them (`NATIONAL_NUMBER`): the
national system (全国志愿服务信息系统) publishes no format, and the numbers seen in its
certificates are runs of digits; a typing slip (letters, spaces, a short number) is what
this catches. The ID number is checked against GB 11643-1999: 17 digits, a real birth date
and the ISO 7064 MOD 11-2 check character. It is stored encrypted (see crypto.py), shown as
its last four characters only, and every read of the full number is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import add_once
from app.common.time import utcnow
from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.natrecord import crypto
from app.natrecord.models import VolunteerIdentity

NATIONAL_NUMBER = re.compile(r"[0-9]{8,20}")
ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
MASK = "*"


def id_number_offered() -> bool:
    """The ID number is asked for only when the export needs it and a key is configured."""
    return bool(current_app.config.get("NATIONAL_EXPORT_ID_NUMBER")) and crypto.is_configured()


def identity_of(user_id: int) -> VolunteerIdentity | None:
    return db.session.scalar(select(VolunteerIdentity).where(VolunteerIdentity.user_id == user_id))


def masked(last4: str | None) -> str:
    """An ID number as others may see it: only its last four characters."""
    return MASK * 14 + last4 if last4 else ""


def clean_national_number(value: str | None) -> str | None:
    """The number without spaces, None when empty; InvalidInput when it is not 8-20 digits."""
    value = "".join((value or "").split())
    if not value:
        return None
    if not NATIONAL_NUMBER.fullmatch(value):
        raise InvalidInput(
            _("A national volunteer number is 8 to 20 digits; please check it."),
            field="national_number",
        )
    return value


def clean_id_number(value: str | None) -> str:
    """An 18-character ID-card number (GB 11643) in capitals, or InvalidInput saying why."""
    value = "".join((value or "").split()).upper()
    if not ID_NUMBER.fullmatch(value):
        raise InvalidInput(
            _("An ID-card number has 18 characters: 17 digits and a digit or X."),
            field="id_number",
        )
    if not _real_birthday(value[6:14]):
        raise InvalidInput(
            _("The birth date in this ID-card number is not real."), field="id_number"
        )
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK_CHARACTERS[total % 11] != value[17]:
        raise InvalidInput(
            _("This ID-card number fails its check character; please check each digit."),
            field="id_number",
        )
    return value


def save_national_number(user: User, value: str | None, *, now: datetime | None = None) -> None:
    """Set (or, with an empty value, remove) the person's national volunteer number."""
    now = now or utcnow()
    number = clean_national_number(value)
    identity = _identity_for_change(user, now)
    if identity.national_number == number:
        return
    before = {"national_number": identity.national_number}
    identity.national_number = number
    identity.updated_at = now
    audit.record(
        "natrecord.number_saved",
        identity,
        actor=user,
        before=before,
        after={"national_number": number},
        now=now,
    )


def save_id_number(
    user: User, value: str | None, *, consent: bool, now: datetime | None = None
) -> None:
    """Store the person's ID number, encrypted, with the time of their explicit consent."""
    if not id_number_offered():
        raise NotFound(_("The ID-card number is not collected here."))
    if not consent:
        raise InvalidInput(
            _("Tick the consent box to let the library keep your ID-card number."),
            field="consent",
        )
    now = now or utcnow()
    number = clean_id_number(value)
    identity = _identity_for_change(user, now)
    identity.id_number_cipher = crypto.encrypt(number)
    identity.id_number_last4 = number[-4:]
    identity.id_consent_at = now
    identity.updated_at = now
    audit.record(
        "natrecord.id_number_saved",
        identity,
        actor=user,
        after={"id_number": masked(number[-4:]), "consent_at": now.isoformat()},
        now=now,
    )


def withdraw_id_consent(user: User, *, now: datetime | None = None) -> None:
    """Withdraw the consent: the ID number is erased, not just hidden."""
    now = now or utcnow()
    identity = identity_of(user.id)
    if identity is None or identity.id_consent_at is None:
        return
    before = {"id_number": masked(identity.id_number_last4)}
    identity.id_number_cipher = None
    identity.id_number_last4 = None
    identity.id_consent_at = None
    identity.updated_at = now
    audit.record("natrecord.id_consent_withdrawn", identity, actor=user, before=before, now=now)


def reveal_id_numbers(
    user_ids: Iterable[int], *, actor: User | None, purpose: str, now: datetime | None = None
) -> dict[int, str]:
    """The full ID numbers of these people (who gave one), for an export file only; each
    read is written to the audit log with its purpose."""
    now = now or utcnow()
    ids = sorted(set(user_ids))
    if not ids or not crypto.is_configured():
        return {}
    found = {}
    rows = db.session.scalars(
        select(VolunteerIdentity).where(
            VolunteerIdentity.user_id.in_(ids), VolunteerIdentity.id_number_cipher.is_not(None)
        )
    )
    for identity in rows:
        number = crypto.decrypt(identity.id_number_cipher)
        if number is None:
            continue
        found[identity.user_id] = number
        audit.record("natrecord.id_number_read", identity, actor=actor, note=purpose, now=now)
    return found


def forget_person(user: User) -> None:
    """Anonymisation: nothing of the identity stays."""
    db.session.execute(delete(VolunteerIdentity).where(VolunteerIdentity.user_id == user.id))


def _identity_for_change(user: User, now: datetime) -> VolunteerIdentity:
    identity = identity_of(user.id)
    if identity is not None:
        return identity
    row = VolunteerIdentity(user_id=user.id, updated_at=now)
    return add_once(row, existing=lambda: identity_of(user.id)) or row


def _real_birthday(digits: str) -> bool:
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()
