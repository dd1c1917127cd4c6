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


def _fernet() -> Fernet:
    key = current_app.config["IDENTITY_ENCRYPTION_KEY"]
    try:
        return Fernet(key)
    except (ValueError, TypeError):
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


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
