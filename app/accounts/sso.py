"""Single sign-on through the campus CAS server or an OIDC provider: who a validated
identity is here (linked by student number, or created from the attributes when the
configuration allows), and the CAS server's single logout.

Settings: CAS_SERVER_URL (on when set), CAS_PROTOCOL ("3" or "2"), CAS_TIMEOUT seconds,
CAS_ATTRIBUTES (which attribute holds the student number, name, email, college); for OIDC
OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_CLAIMS; SSO_CREATE_PEOPLE (create
unknown people), SSO_ONLY (local passwords for admins only).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.accounts import cas, oidc
from app.accounts import services as accounts
from app.accounts.cas import CasIdentity
from app.accounts.models import College, SsoSession, User
from app.accounts.sessions import end_all_sessions
from app.audit import services as audit
from app.common.db import begin_write_transaction, insert_ignoring_conflicts
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db


@dataclass(frozen=True)
class Identity:
    """Who the campus identity provider says this is: its user name or subject, the
    attributes or claims it released, and which of them hold our fields."""

    user: str
    attributes: dict[str, str]
    mapping: dict[str, str]

    @classmethod
    def from_cas(cls, identity: CasIdentity) -> Identity:
        mapping = current_app.config.get("CAS_ATTRIBUTES") or {}
        return cls(identity.user, identity.attributes, mapping)

    @classmethod
    def from_oidc(cls, claims: dict) -> Identity:
        mapping = current_app.config.get("OIDC_CLAIMS") or {}
        released = {name: str(value) for name, value in claims.items() if value is not None}
        return cls(str(claims.get("sub", "")), released, mapping)


def cas_enabled() -> bool:
    return bool(current_app.config.get("CAS_SERVER_URL"))


def oidc_enabled() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def sso_only() -> bool:
    return (cas_enabled() or oidc_enabled()) and bool(current_app.config.get("SSO_ONLY"))


def _attribute(identity: Identity, field: str) -> str:
    name = identity.mapping.get(field, "")
    if field == "student_number" and not name:
        return identity.user
    return (identity.attributes.get(name) or "").strip() if name else ""


def _student_number(identity: Identity) -> str:
    number = _attribute(identity, "student_number")
    if not number or not re.fullmatch(current_app.config["STUDENT_NUMBER_PATTERN"], number):
        raise InvalidInput(
            _(
                "The campus login did not tell us your student or staff number, so we cannot "
                "find your account. Please contact the library."
            )
        )
    return number


def _college_id(name: str) -> int | None:
    if not name:
        return None
    return db.session.scalar(select(College.id).where(College.name == name))


def _create(identity: Identity, number: str, now: datetime) -> User:
    email = accounts.normalise_email(_attribute(identity, "email")) or None
    if email and accounts.find_by_login(email) is not None:
        email = None  # someone else here already uses it: the person can add theirs later
    fields = accounts.PersonFields(
        student_number=number,
        name=_attribute(identity, "name") or number,
        email=email,
        college_id=_college_id(_attribute(identity, "college")),
    )
    user = accounts.create_person(
        fields, password=secrets.token_urlsafe(24), must_change_password=False, now=now
    )
    audit.record(
        "accounts.sso_created",
        user,
        actor=None,
        after={"student_number": number, "name": user.name},
        now=now,
    )
    return user


def sign_in(identity: Identity, *, ticket: str | None = None, now: datetime | None = None) -> User:
    """The person a validated identity is, noted as logged in now; a CAS `ticket` is kept
    (as a digest) for the server's single logout."""
    now = now or utcnow()
    number = _student_number(identity)
    begin_write_transaction()  # SQLite: the write lock now, not a "locked" error midway
    user = accounts.find_by_login(number)
    if user is None:
        if not current_app.config.get("SSO_CREATE_PEOPLE"):
            raise Forbidden(
                _(
                    "There is no account for %(number)s here yet. Please ask the library to "
                    "add you.",
                    number=number,
                )
            )
        user = _create(identity, number, now)
    if not user.active:
        raise Forbidden(
            _("This account has been deactivated. Please contact the library if this is wrong.")
        )
    if ticket:
        _claim_ticket(ticket, user.id, now)
    user.last_login_at = now
    accounts.record_login_day(user.id, now=now)
    db.session.flush()
    return user


def _claim_ticket(ticket: str, user_id: int, now: datetime) -> None:
    """Note the session of `ticket`, once: a ticket that already opened a session here (a
    replay the CAS server did not catch, or the same callback twice at once) is refused."""
    claimed = db.session.scalar(
        insert_ignoring_conflicts(SsoSession, ["ticket_sha256"])
        .values(ticket_sha256=_digest(ticket), user_id=user_id, created_at=now)
        .returning(SsoSession.id)
    )
    if claimed is None:
        raise Conflict(_("This campus login has already been used. Please log in again."))


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


def single_logout(ticket: str | None, *, now: datetime | None = None) -> bool:
    """The CAS server says the login of `ticket` has ended: log that person out of every
    device (every login session ends, remembered phones included)."""
    if not ticket:
        return False
    found = db.session.scalar(select(SsoSession).where(SsoSession.ticket_sha256 == _digest(ticket)))
    if found is None:
        return False
    user = db.session.get(User, found.user_id)
    end_all_sessions(user.id, now=now)
    db.session.execute(delete(SsoSession).where(SsoSession.user_id == user.id))
    audit.record("accounts.sso_logout", user, actor=None, now=now)
    return True


def provider_logout_url(provider: str | None, back: str) -> str | None:
    """Where to end the campus login the person used, to come back to `back`."""
    config = current_app.config
    if provider == "cas" and cas_enabled():
        return cas.logout_url(config["CAS_SERVER_URL"], back)
    if provider == "oidc" and oidc_enabled():
        return oidc.logout_url(
            config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], back, config["OIDC_TIMEOUT"]
        )
    return None
