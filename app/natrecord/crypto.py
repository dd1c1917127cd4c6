"""Encryption of ID-card numbers at rest, with `IDENTITY_ENCRYPTION_KEY` from the environment.

The key is a Fernet key (`Fernet.generate_key()`); any other non-empty string is turned into
one by SHA-256, so an operator may also give a long random passphrase. Without a key the
ID number is not offered anywhere.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def is_configured() -> bool:
    return bool(current_app.config.get("IDENTITY_ENCRYPTION_KEY"))


def fernet_for(key: str | bytes) -> Fernet:
    """A Fernet key as it is; any other non-empty string (or 32 raw bytes, as a KDF gives
    them) turned into one: a passphrase by SHA-256, raw bytes by base64."""
    if isinstance(key, bytes) and len(key) == 32:
        return Fernet(base64.urlsafe_b64encode(key))
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        text = key.decode() if isinstance(key, bytes) else key
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()))


def _fernet() -> Fernet:
    return fernet_for(current_app.config["IDENTITY_ENCRYPTION_KEY"])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str | None:
    """The plain value, or None when the token was made with another key."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        return None


def encrypt_bytes(value: bytes) -> bytes:
    return _fernet().encrypt(value)


def decrypt_bytes(token: bytes) -> bytes | None:
    """The plain bytes, or None when the key changed since they were encrypted."""
    try:
        return _fernet().decrypt(token)
    except InvalidToken:
        return None
