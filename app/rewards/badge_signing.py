"""Signing Open Badges credentials: an Open Badges 3.0 VC-JWT (§8.2 of the specification:
the JWT's payload is the credential itself, with the registered claims `iss`, `jti`, `nbf`
and `sub` beside it), signed RS256 (the algorithm every OB 3.0 verifier supports) or ES256.

The issuer's key: OPEN_BADGES_SIGNING_KEY (PEM) when set; otherwise one RSA key generated
on first use and kept in `issuer_keys` under the unique slot "current" (two workers
generating at once: the first insert stands, the other one's key is dropped and it signs
with the stored one). Each key's public part is published at /badges/issuer/jwks.json with
its RFC 7638 thumbprint as `kid`, which the JWT's header names. A key taken from the
environment is recorded too (public part only), so after the setting changes to a new key
the old one stays published and credentials signed with it still verify (key rotation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from flask import current_app
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import select

from app.common.db import begin_write_transaction, insert_ignoring_conflicts
from app.common.time import utcnow
from app.common.urls import external_url
from app.extensions import db
from app.rewards.models import IssuerKey

CURRENT = "current"
RSA_BITS = 2048
MEDIA_TYPE = "application/vc+jwt"

SigningKey = RSAKey | ECKey


class SigningKeyError(RuntimeError):
    """OPEN_BADGES_SIGNING_KEY is set but is not a usable private key."""


def _configured_key() -> SigningKey | None:
    pem = (current_app.config.get("OPEN_BADGES_SIGNING_KEY") or "").replace("\\n", "\n")
    if not pem.strip():
        return None
    try:
        private = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError("OPEN_BADGES_SIGNING_KEY is not a PEM private key") from error
    if isinstance(private, rsa.RSAPrivateKey) and private.key_size >= RSA_BITS:
        return RSAKey.import_key(private)
    if isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name == "secp256r1":
        return ECKey.import_key(private)
    raise SigningKeyError("OPEN_BADGES_SIGNING_KEY must be RSA (2048 bits or more) or EC P-256")


def algorithm(key: SigningKey) -> str:
    return "RS256" if isinstance(key, RSAKey) else "ES256"


def key_id(key: SigningKey) -> str:
    """The key's `kid`: the address of its public JWK (OB 3.0 §8.2.3 asks for a URI that
    dereferences to the key), ending in its RFC 7638 thumbprint."""
    return external_url("badges.issuer_key", thumbprint=key.thumbprint())


def public_jwk(key: SigningKey) -> dict[str, Any]:
    """The key's public JWK as stored; its `kid` is added when published, from the
    thumbprint, so it follows the site's address."""
    return {**key.as_dict(private=False), "alg": algorithm(key), "use": "sig"}


def _current() -> IssuerKey | None:
    return db.session.scalar(select(IssuerKey).where(IssuerKey.slot == CURRENT))


def _insert(key: SigningKey, *, slot: str | None, private_pem: str, conflict: str) -> None:
    """Insert the key's row unless one with the same `conflict` column exists (a concurrent
    worker's stands). On SQLite the write lock is taken first, so the row is looked for
    again under it by the caller."""
    begin_write_transaction()
    row = {
        "kid": key.thumbprint(),
        "slot": slot,
        "public_jwk": public_jwk(key),
        "private_pem": private_pem,
        "created_at": utcnow(),
    }
    db.session.execute(insert_ignoring_conflicts(IssuerKey, [conflict]).values(row))


def _stored_key() -> SigningKey:
    """The generated key in the "current" slot, generated and stored when there is none."""
    found = _current()
    if found is None:
        generated = RSAKey.generate_key(RSA_BITS, private=True)
        pem = generated.as_pem(private=True).decode()
        _insert(generated, slot=CURRENT, private_pem=pem, conflict="slot")
        found = _current()
    return RSAKey.import_key(found.private_pem)


def _remember(key: SigningKey) -> None:
    """Record a configured key's public part once, so it stays published after a change."""
    known = db.session.scalar(select(IssuerKey.id).where(IssuerKey.kid == key.thumbprint()))
    if known is None:
        _insert(key, slot=None, private_pem="", conflict="kid")


def signing_key() -> SigningKey:
    """The key credentials are signed with now (its public part recorded for the JWKS)."""
    configured = _configured_key()
    if configured is None:
        return _stored_key()
    _remember(configured)
    return configured


def _published() -> dict[str, dict[str, Any]]:
    """Every key that ever signed a credential here, public parts only, by thumbprint."""
    keys = {row.kid: row.public_jwk for row in db.session.scalars(select(IssuerKey))}
    configured = _configured_key()
    if configured is not None:
        keys.setdefault(configured.thumbprint(), public_jwk(configured))
    return {
        thumbprint: {
            **jwk,
            "kid": external_url("badges.issuer_key", thumbprint=thumbprint),
        }
        for thumbprint, jwk in keys.items()
    }


def published_keys() -> dict[str, Any]:
    """The JWKS (RFC 7517 key set) of the issuer."""
    return {"keys": list(_published().values())}


def published_key(thumbprint: str) -> dict[str, Any] | None:
    return _published().get(thumbprint)


def sign(credential: dict[str, Any], *, valid_from: datetime) -> str:
    """The credential as a compact VC-JWT. `sub` is left out: the subject has no `id`, it
    is named by a hashed identifier instead."""
    key = signing_key()
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int((valid_from - datetime(1970, 1, 1)).total_seconds()),
    }
    header = {"alg": algorithm(key), "typ": "vc+jwt", "kid": key_id(key)}
    return jwt.encode(header, claims, key, algorithms=[algorithm(key)])
