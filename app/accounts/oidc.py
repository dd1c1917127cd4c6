"""An OpenID Connect client for the campus identity provider: the authorisation code flow
with PKCE (S256), state and nonce, and the ID token checked against the provider's keys
(signature, issuer, audience, expiry, nonce) before anyone is believed.

The provider's discovery document is read from `<issuer>/.well-known/openid-configuration`
and kept for a few minutes. HTTP answers are read with a size cap.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.accounts.cas import ProviderUnavailable
from app.common import http
from app.errors import DomainError, InvalidInput

MAX_ANSWER_BYTES = 256 * 1024
DISCOVERY_SECONDS = 300
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pending:
    """What the login start keeps in the session until the provider sends the person
    back: compared with what comes back, used once."""

    state: str
    nonce: str
    verifier: str
    next_url: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "nonce": self.nonce,
            "verifier": self.verifier,
            "next": self.next_url,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Pending | None:
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) for key in ("state", "nonce", "verifier")
        ):
            return None
        return cls(data["state"], data["nonce"], data["verifier"], data.get("next"))


def _unavailable() -> ProviderUnavailable:
    return ProviderUnavailable(
        _("The campus login (统一身份认证) is not answering right now. Please try again later.")
    )


def _json(url: str, timeout: float, *, form: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON object at `url` (posted `form`, if any); the provider's own error answer
    (an OAuth `error`) is shown to the person, anything else unreadable means it is down."""
    try:
        answer = http.fetch(
            "POST" if form else "GET",
            url,
            data=form,
            headers={"Accept": "application/json"},
            timeout=timeout,
            max_bytes=MAX_ANSWER_BYTES,
        )
    except http.FetchFailed as error:
        if error.reason != http.FetchFailed.BAD_STATUS:
            raise _unavailable() from None
        raise _refusal(error) from None
    try:
        data = json.loads(answer.body)
    except ValueError:
        raise _unavailable() from None
    if not isinstance(data, dict):
        raise _unavailable()
    return data


def _refusal(error: http.FetchFailed) -> DomainError:
    try:
        detail = json.loads(error.body)
    except ValueError:
        return _unavailable()
    if not isinstance(detail, dict):
        return _unavailable()
    return InvalidInput(
        _(
            "The campus login did not accept this sign-in (%(code)s). Please log in again.",
            code=str(detail.get("error", error.status))[:60],
        )
    )


def discover(issuer: str, timeout: float) -> dict[str, Any]:
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    document = _json(f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout)
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not all(isinstance(document.get(key), str) for key in needed):
        raise _unavailable()
    if document["issuer"].rstrip("/") != issuer.rstrip("/"):
        # Whoever answers at OIDC_ISSUER speaks for another issuer: believe none of it.
        logger.warning("OIDC discovery names issuer %r, not OIDC_ISSUER", document["issuer"])
        raise _unavailable()
    _discovered[issuer] = (time.monotonic(), document)
    return document


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def begin(
    issuer: str,
    client_id: str,
    redirect_uri: str,
    *,
    scopes: str,
    next_url: str | None,
    timeout: float,
) -> tuple[str, Pending]:
    """The provider's authorisation address, and what to keep until the person returns."""
    document = discover(issuer, timeout)
    pending = Pending(
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        next_url=next_url,
    )
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scopes,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": _challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    return f"{document['authorization_endpoint']}?{urlencode(query)}", pending


def finish(
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    *,
    answer: dict[str, str],
    pending: Pending | None,
    timeout: float,
) -> dict[str, Any]:
    """The checked ID token claims of the person the provider sent back with `answer`
    (the callback's query: code and state, or an error)."""
    if pending is None or not secrets.compare_digest(answer.get("state") or "", pending.state):
        raise InvalidInput(
            _("This campus login has expired or was not started here. Please log in again.")
        )
    if answer.get("error"):
        raise InvalidInput(
            _(
                "The campus login did not accept this sign-in (%(code)s). Please log in again.",
                code=answer["error"][:60],
            )
        )
    code = answer.get("code") or ""
    if not code or len(code) > 2048:
        raise InvalidInput(_("The campus login sent no valid ticket. Please log in again."))
    document = discover(issuer, timeout)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
        "code_verifier": pending.verifier,
    }
    tokens = _json(document["token_endpoint"], timeout, form=form)
    return _checked_claims(tokens.get("id_token"), document, issuer, client_id, pending, timeout)


def _checked_claims(
    id_token: Any, document: dict, issuer: str, client_id: str, pending: Pending, timeout: float
) -> dict[str, Any]:
    refused = InvalidInput(
        _("The campus login's answer could not be verified. Please log in again.")
    )
    if not isinstance(id_token, str):
        raise refused
    keys = _json(document["jwks_uri"], timeout)
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=["RS256", "ES256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": document["issuer"]},
            aud={"essential": True, "value": client_id},
            nonce={"essential": True, "value": pending.nonce},
            exp={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError, KeyError):
        raise refused from None
    if not _authorised_for(token.claims, client_id):
        raise refused
    return dict(token.claims)


def _authorised_for(claims: dict[str, Any], client_id: str) -> bool:
    """A token meant for several audiences counts only when it was issued to us (`azp`);
    an `azp` naming another client never counts (OpenID Connect Core 3.1.3.7)."""
    audiences = claims.get("aud")
    several = isinstance(audiences, list) and len(audiences) > 1
    if several or "azp" in claims:
        return claims.get("azp") == client_id
    return True


def logout_url(issuer: str, client_id: str, back: str, timeout: float) -> str | None:
    """The provider's end-session address (RP-initiated logout), when it has one."""
    try:
        endpoint = discover(issuer, timeout).get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not isinstance(endpoint, str):
        return None
    return f"{endpoint}?{urlencode({'client_id': client_id, 'post_logout_redirect_uri': back})}"
