"""Open-redirect-safe handling of `next` parameters."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """Return `target` only when it is a path on this site, else None.

    Rejects absolute URLs, scheme-relative `//host` URLs, backslash tricks and control
    characters, which browsers may read as another host.
    """
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
