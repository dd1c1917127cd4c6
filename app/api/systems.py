"""Application tokens: a campus system an admin registers (第二课堂系统, 数据中台) calls the
API as itself, with scopes, an optional allow-list of addresses, and its calls counted per
day. The token is "gcs_" and 43 random characters; only its SHA-256 is stored (as for
personal tokens, `services.hash_secret`). Services only flush; the caller commits.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.api.models import ApiSystem, ApiSystemCalls
from app.api.services import (
    LAST_USED_RESOLUTION,
    SCOPES,
    InsufficientScope,
    TokenRejected,
    TokenRevoked,
    hash_secret,
)
from app.audit import services as audit
from app.common.db import flush_or_conflict, get_or_not_found, insert_ignoring_conflicts
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db

TOKEN_PREFIX = "gcs_"
PREFIX_LENGTH = 9  # "gcs_" and five characters of the secret
NAME_MAX_LENGTH = 100
MAX_ADDRESSES = 50
# The operations that make sense for a system rather than a person: reading the exported
# credit batches (第二课堂系统 imports them) and the students' volunteer summaries (数据中台
# pulls them). Personal operations (profile:read) refuse system tokens whatever their
# scopes; see `auth.token_required(systems_too=..., systems_only=...)`.
SYSTEM_SCOPES = ("credits:read", "hub:read")
CALL_DAYS_SHOWN = 30


class AddressNotAllowed(Forbidden):
    code = "address_not_allowed"


class NotForSystems(InsufficientScope):
    code = "person_only"


class OnlyForSystems(InsufficientScope):
    code = "system_only"


@dataclass
class NewSecret:
    system: ApiSystem
    secret: str


def _new_secret() -> tuple[str, str, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:PREFIX_LENGTH], hash_secret(secret)


def is_system_secret(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX)


def parse_addresses(text: str | None) -> list[str]:
    """The allow-list typed by the admin (one per line, or separated by commas or spaces),
    each checked and written in its normal form."""
    items = (text or "").replace(",", " ").split()
    if len(items) > MAX_ADDRESSES:
        raise InvalidInput(
            _("At most %(n)d addresses.", n=MAX_ADDRESSES), field="allowed_addresses"
        )
    networks = []
    for item in items:
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise InvalidInput(
                _("“%(item)s” is not an IP address or network.", item=item[:50]),
                field="allowed_addresses",
            ) from None
    return list(dict.fromkeys(networks))


def _check_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    wanted = set(scopes or ())
    if not wanted:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    if wanted - set(SYSTEM_SCOPES):
        raise InvalidInput(_("A system cannot have this scope."), field="scopes")
    return [scope for scope in SYSTEM_SCOPES if scope in wanted]


def system_scope_labels() -> dict[str, object]:
    return {scope: SCOPES[scope] for scope in SYSTEM_SCOPES}


def register_system(
    actor: User,
    *,
    name: str,
    scopes: list[str] | tuple[str, ...],
    addresses: str | None = None,
    now: datetime | None = None,
) -> NewSecret:
    """Register a system; its token's secret is returned this once."""
    now = now or utcnow()
    name = clean_text(
        name,
        field="name",
        limit=NAME_MAX_LENGTH,
        missing=_l("Please name the system."),
        too_long=_l("The name can be at most %(n)d characters long.", n=NAME_MAX_LENGTH),
    )
    scope_names = _check_scopes(scopes)
    networks = parse_addresses(addresses)
    if db.session.scalar(select(ApiSystem.id).where(ApiSystem.name == name)) is not None:
        raise Conflict(_("A system with this name is already registered."), field="name")
    secret, prefix, digest = _new_secret()
    system = ApiSystem(
        name=name,
        token_prefix=prefix,
        token_hash=digest,
        scopes=" ".join(scope_names),
        allowed_addresses="\n".join(networks),
        created_at=now,
    )
    db.session.add(system)
    flush_or_conflict(_("A system with this name is already registered."), field="name")
    audit.record(
        "api.system_registered",
        system,
        actor=actor,
        after={"name": name, "prefix": prefix, "scopes": scope_names, "addresses": networks},
        now=now,
    )
    return NewSecret(system, secret)


def get_system(system_id: int) -> ApiSystem:
    return get_or_not_found(ApiSystem, system_id, _("No such system."))


def systems() -> list[ApiSystem]:
    return list(db.session.scalars(select(ApiSystem).order_by(ApiSystem.name)))


def rotate_token(actor: User, system_id: int, *, now: datetime | None = None) -> NewSecret:
    """A new secret for the system, shown once; the old one stops working at once."""
    now = now or utcnow()
    system = get_system(system_id)
    if system.revoked_at is not None:
        raise Conflict(_("This system's token has been revoked."))
    before = system.token_prefix
    secret, system.token_prefix, system.token_hash = _new_secret()
    system.rotated_at = now
    audit.record(
        "api.system_rotated",
        system,
        actor=actor,
        before={"prefix": before},
        after={"prefix": system.token_prefix},
        now=now,
    )
    return NewSecret(system, secret)


def revoke_system(actor: User, system_id: int, *, now: datetime | None = None) -> ApiSystem:
    """Stop the system's token (and so its calls); revoking twice changes nothing."""
    system = get_system(system_id)
    if system.revoked_at is None:
        now = now or utcnow()
        system.revoked_at = now
        audit.record(
            "api.system_revoked",
            system,
            actor=actor,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat(timespec="seconds")},
            now=now,
        )
    return system


def address_allowed(system: ApiSystem, address: str | None) -> bool:
    if not system.address_list:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in system.address_list)


def authenticate_system(
    system: ApiSystem, scopes: tuple[str, ...], *, address: str | None, now: datetime
) -> ApiSystem:
    """Check a system's call from `address` (the request's, after the trusted proxies) for
    `scopes`; count it. The caller found `system` by the secret's hash and checked revoked."""
    if not address_allowed(system, address):
        raise AddressNotAllowed(_("This system may not call the API from this address."))
    missing = [scope for scope in scopes if scope not in system.scope_list]
    if missing:
        raise InsufficientScope(
            _("This token does not have the scope %(scope)s.", scope=", ".join(missing))
        )
    if system.last_used_at is None or now - system.last_used_at >= LAST_USED_RESOLUTION:
        system.last_used_at = now
    count_call(system.id, now.date())
    return system


def count_call(system_id: int, day: date) -> None:
    """One more call today: an upsert, so concurrent calls each count and none fails."""
    db.session.execute(
        insert_ignoring_conflicts(ApiSystemCalls, ["system_id", "day"]).values(
            system_id=system_id, day=day, calls=0
        )
    )
    db.session.execute(
        ApiSystemCalls.__table__.update()
        .where(ApiSystemCalls.system_id == system_id, ApiSystemCalls.day == day)
        .values(calls=ApiSystemCalls.calls + 1)
    )


def calls_per_day(system: ApiSystem, *, today: date) -> list[ApiSystemCalls]:
    """The system's counts of the last `CALL_DAYS_SHOWN` days that had calls, newest first."""
    return list(
        db.session.scalars(
            select(ApiSystemCalls)
            .where(
                ApiSystemCalls.system_id == system.id,
                ApiSystemCalls.day > today - timedelta(days=CALL_DAYS_SHOWN),
            )
            .order_by(ApiSystemCalls.day.desc())
        )
    )


def find_system(secret: str) -> ApiSystem:
    """The system whose token this is, if it has not been revoked or rotated away."""
    system = db.session.scalar(select(ApiSystem).where(ApiSystem.token_hash == hash_secret(secret)))
    if system is None:
        raise TokenRejected(_("The token is not valid."))
    if system.revoked_at is not None:
        raise TokenRevoked(_("This token has been revoked."))
    return system
