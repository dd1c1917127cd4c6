"""Addresses: open-redirect-safe `next` parameters, and the absolute addresses we hand out,
built from `APP_BASE_URL`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for


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


def base_url() -> str:
    """`APP_BASE_URL` without its trailing slash ("" when not set)."""
    return (current_app.config.get("APP_BASE_URL") or "").rstrip("/")


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute address we hand out (QR codes, emails, feeds, share links, callbacks):
    under `APP_BASE_URL`, never the request's Host header. Without the setting (development
    and tests only; production refuses to start) it is this request's host, which
    `TRUSTED_HOSTS` limits."""
    base = base_url()
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def external_path(path: str | None) -> str | None:
    """A local path as a full address where no request is at hand (emails sent by jobs):
    None when `APP_BASE_URL` is not set."""
    base = base_url()
    if not path or not base:
        return None
    return base + path


def site_host() -> str:
    """Our host name, for identifiers that name the site (calendar event ids)."""
    return urlsplit(base_url()).netloc or request.host


def trusted_hosts(base: str, *, production: bool) -> list[str] | None:
    """The default `TRUSTED_HOSTS`: the host of `base`, plus the loopback names outside
    production; None (any host) only in production without a base, which never starts."""
    hosts = [urlsplit(base).hostname] if base and urlsplit(base).hostname else []
    if not production:
        hosts += ["localhost", "127.0.0.1"]
    return hosts or None


def valid_base_url(base: str) -> bool:
    parts = urlsplit(base or "")
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def id_url(endpoint: str, key: str) -> Callable[[int], str]:
    """The address of `endpoint` for any id, from one `url_for`: for a list page that links
    every row (forty cards, one address building instead of forty)."""
    marker = 918273645
    head, _, tail = url_for(endpoint, **{key: marker}).partition(str(marker))
    return lambda value: f"{head}{value}{tail}"
