"""Business rules for personal access tokens: scopes, creating, revoking, checking.

A token is "gc_" and 43 random URL-safe characters (256 bits). Only its SHA-256 is stored,
so a leaked database gives no working token; looking a token up by its hash is safe because
the secret has far too much entropy to be guessed from the hash.

Services only flush; the caller commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from app.accounts.models import User
from app.api.models import ApiToken
from app.audit import services as audit
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db

TOKEN_PREFIX = "gc_"
PREFIX_LENGTH = 8  # "gc_" and five characters of the secret, shown in lists
LIFETIME_DAYS = (7, 30, 90, 365)
DEFAULT_LIFETIME_DAYS = 90
MAX_ACTIVE_TOKENS = 20
NAME_MAX_LENGTH = 100
# last_used_at is written at most this often per token, so a busy client causes no write storm.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# What a token may do: every scope of the API, in the order the token form lists them. A
# resource names the scopes it needs in `token_required`, which refuses unknown ones at start-up.
SCOPES: dict[str, Any] = {
    "profile:read": _l("Read your profile and your list of API tokens"),
    "credits:read": _l("Read the exported Second Classroom credit batches you may see"),
    "shifts:read": _l("See the open shifts of your teams and your sign-ups"),
    "shifts:write": _l("Sign up for shifts, cancel, and answer offered places"),
    "checkin:write": _l("Check in and out of your shifts with the kiosk's code"),
    "teams:read": _l("See your teams, memberships, open campaigns and your applications"),
    "teams:write": _l("Apply to join a team through an open campaign"),
    "hours:read": _l("Read your attendance, hours, star level and certificates"),
    "rewards:read": _l("Read your points, badges, level and the leaderboards"),
    "notifications:read": _l("Read your notifications and the announcements told to you"),
    "notifications:write": _l("Mark your notifications read"),
    "coordination:read": _l("See the tasks, shifts, attendance and applications of teams you run"),
    "coordination:write": _l("Verify attendance and decide applications for teams you run"),
    "columns:read": _l("Read the columns' published contributions and your own contributions"),
    "columns:write": _l("Write contributions to the columns and send them for review"),
    "hub:read": _l("Read students' volunteer summaries (campus data hub; systems only)"),
}
# Scopes only systems' application tokens may hold; a person's own token may hold the rest.
SYSTEM_SCOPES = ("hub:read",)
PERSONAL_SCOPES = tuple(scope for scope in SCOPES if scope not in SYSTEM_SCOPES)


class TokenRejected(DomainError):
    """The request carries no usable token: 401."""

    status = 401
    code = "invalid_token"


class TokenMissing(TokenRejected):
    code = "unauthorized"


class TokenRevoked(TokenRejected):
    code = "token_revoked"


class TokenExpired(TokenRejected):
    code = "token_expired"


class AccountDeactivated(TokenRejected):
    code = "account_deactivated"


class InsufficientScope(Forbidden):
    code = "insufficient_scope"


@dataclass
class NewToken:
    """A token just made, with its secret: the only moment the secret is known."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _active(query: Select, now: datetime) -> Select:
    return query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)


def count_active_tokens(user: User, *, now: datetime | None = None) -> int:
    query = select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id)
    return db.session.scalar(_active(query, now or utcnow())) or 0


def tokens_query(user: User) -> Select:
    """A person's tokens, newest first, revoked and expired ones included."""
    return (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def tokens_for(user: User) -> list[ApiToken]:
    return list(db.session.scalars(tokens_query(user)))


def personal_scope_labels() -> dict[str, Any]:
    return {scope: SCOPES[scope] for scope in PERSONAL_SCOPES}


def _check_scopes(scopes: list[str] | tuple[str, ...]) -> list[str]:
    wanted = set(scopes or ())
    if not wanted:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    unknown = wanted - set(PERSONAL_SCOPES)
    if unknown:
        raise InvalidInput(
            _("Unknown scope: %(scope)s", scope=", ".join(sorted(unknown))), field="scopes"
        )
    return [scope for scope in PERSONAL_SCOPES if scope in wanted]


def create_token(
    user: User,
    *,
    name: str,
    scopes: list[str] | tuple[str, ...],
    days: int,
    now: datetime | None = None,
) -> NewToken:
    """Make a token for `user` valid for `days` days from `now`; the secret is returned once."""
    now = now or utcnow()
    name = clean_text(
        name,
        field="name",
        limit=NAME_MAX_LENGTH,
        missing=_l("Please say what the token is for."),
        too_long=_l("The name can be at most %(n)d characters long.", n=NAME_MAX_LENGTH),
    )
    scope_names = _check_scopes(scopes)
    if days not in LIFETIME_DAYS:
        raise InvalidInput(_("Choose one of the offered lifetimes."), field="expires_in")
    if count_active_tokens(user, now=now) >= MAX_ACTIVE_TOKENS:
        raise Conflict(
            _(
                "You already have %(n)d active tokens. Revoke one you no longer need first.",
                n=MAX_ACTIVE_TOKENS,
            )
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_secret(secret),
        scopes=" ".join(scope_names),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    audit.record(
        "api.token_created",
        token,
        actor=user,
        after={
            "name": token.name,
            "prefix": token.token_prefix,
            "scopes": scope_names,
            "expires_at": token.expires_at.isoformat(timespec="seconds"),
        },
        now=now,
    )
    return NewToken(token=token, secret=secret)


def revoke_token(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke one of `user`'s own tokens; someone else's token is "not found". Revoking a
    revoked token changes nothing."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is not None:
        return token
    now = now or utcnow()
    token.revoked_at = now
    audit.record(
        "api.token_revoked",
        token,
        actor=user,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat(timespec="seconds")},
        now=now,
    )
    return token


def authenticate(
    secret: str, *, scopes: tuple[str, ...] | list[str] = (), now: datetime | None = None
) -> ApiToken:
    """The token whose secret this is, if it may be used now for `scopes`; else a
    `TokenRejected` (401) or `InsufficientScope` (403). Notes the time of use."""
    now = now or utcnow()
    token_hash = hash_secret(secret or "")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
    if token is None or not hmac.compare_digest(token.token_hash, token_hash):
        raise TokenRejected(_("The token is not valid."))
    if token.revoked_at is not None:
        raise TokenRevoked(_("This token has been revoked."))
    if token.expires_at <= now:
        raise TokenExpired(_("This token has expired. Create a new one on your profile page."))
    if not token.user.active:
        raise AccountDeactivated(_("The account this token belongs to has been deactivated."))
    missing = [scope for scope in scopes if scope not in token.scope_list]
    if missing:
        raise InsufficientScope(
            _("This token does not have the scope %(scope)s.", scope=", ".join(missing))
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.flush()
    return token
