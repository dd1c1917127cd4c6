"""Token authentication for API views: `Authorization: Bearer <token>`, never the session
cookie, never a redirect to the login page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.accounts.models import User
from app.api import envelope, services, systems
from app.api.models import ApiSystem, ApiToken
from app.common.time import utcnow
from app.common.transaction import transaction
from app.errors import DomainError
from app.extensions import db

REALM = "gongchuang"
MAX_TOKEN_LENGTH = 200


def bearer_secret() -> str | None:
    """The token in the Authorization header, or None when it is missing or malformed."""
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or " " in value or len(value) > MAX_TOKEN_LENGTH:
        return None
    return value


def challenge(error: DomainError, scopes: tuple[str, ...]) -> str:
    """The WWW-Authenticate header for a refused request (RFC 6750, section 3)."""
    parts = [f'Bearer realm="{REALM}"']
    if isinstance(error, services.InsufficientScope):
        parts += ['error="insufficient_scope"', f'scope="{" ".join(scopes)}"']
    elif isinstance(error, services.TokenRejected) and not isinstance(error, services.TokenMissing):
        parts.append('error="invalid_token"')
    return ", ".join(parts)


def _authenticate(
    secret: str, scopes: tuple[str, ...], *, for_systems: bool, only_systems: bool = False
) -> None:
    """Find the personal token (`g.api_token`) or the system (`g.api_system`) of `secret`."""
    g.api_token = g.api_system = None
    if not systems.is_system_secret(secret):
        if only_systems:
            services.authenticate(secret, scopes=())  # an unknown token is still a 401
            raise systems.OnlyForSystems(
                _("This operation is for campus systems' application tokens, not people's.")
            )
        g.api_token = services.authenticate(secret, scopes=scopes)
        return
    system = systems.find_system(secret)
    if not for_systems:
        raise systems.NotForSystems(_("This operation is for people; a system cannot call it."))
    g.api_system = systems.authenticate_system(
        system, scopes, address=request.remote_addr, now=utcnow()
    )


def token_required(*scopes: str, systems_too: bool = False, systems_only: bool = False) -> Callable:
    """Let a request through only with a valid token holding all of `scopes`; the view
    then finds it with `current_token()`. With `systems_too` a system's application token
    may call it as well (`current_system()`; then there is no person); with `systems_only`
    only a system may (a person's token is refused, 403 system_only). The request's one
    commit happens here, after the view, so noting the token's use and the view's changes
    are one transaction."""
    unknown = set(scopes) - set(services.SCOPES)
    if unknown:
        raise ValueError(f"unregistered API scopes: {sorted(unknown)}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                secret = bearer_secret()
                if secret is None:
                    raise services.TokenMissing(
                        _("Send a personal access token: Authorization: Bearer <token>.")
                    )
                _authenticate(
                    secret,
                    scopes,
                    for_systems=systems_too or systems_only,
                    only_systems=systems_only,
                )
            except (
                services.TokenRejected,
                services.InsufficientScope,
                systems.AddressNotAllowed,
            ) as error:
                db.session.rollback()
                return envelope.error(
                    error.status,
                    str(error.message),
                    error.code,
                    headers={"WWW-Authenticate": challenge(error, scopes)},
                )
            with transaction():
                return view(*args, **kwargs)

        wrapped.api_scopes = scopes
        wrapped.api_systems_too = systems_too or systems_only
        wrapped.api_systems_only = systems_only
        return wrapped

    return decorator


def current_token() -> ApiToken:
    return g.api_token


def current_person() -> User:
    return g.api_token.user


def current_system() -> ApiSystem | None:
    """The system calling, or None for a person's token."""
    return g.get("api_system")
