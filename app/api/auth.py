"""Token authentication for API views: `Authorization: Bearer <token>`, never the session
cookie, never a redirect to the login page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.accounts.models import User
from app.api import envelope, services
from app.api.models import ApiToken
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
    elif not isinstance(error, services.TokenMissing):
        parts.append('error="invalid_token"')
    return ", ".join(parts)


def token_required(*scopes: str) -> Callable:
    """Let a request through only with a valid token holding all of `scopes`; the view
    then finds it with `current_token()`. The request's one commit happens here, after the
    view, so noting the token's last use and the view's changes are one transaction."""
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
                g.api_token = services.authenticate(secret, scopes=scopes)
            except (services.TokenRejected, services.InsufficientScope) as error:
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
        return wrapped

    return decorator


def current_token() -> ApiToken:
    return g.api_token


def current_person() -> User:
    return g.api_token.user
