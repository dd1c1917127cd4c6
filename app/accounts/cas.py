"""A CAS 2.0/3.0 client (统一身份认证): the login and logout addresses, and the check of a
service ticket with the CAS server, server to server.

Only the server's own answer is believed: a ticket is never trusted because it arrived, it
is sent back to the server together with the exact service address it was issued for. The
answer is read with a size cap and without any DOCTYPE (no entity tricks).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask_babel import gettext as _

from app.common import http
from app.errors import DomainError, InvalidInput

NS = "{http://www.yale.edu/tp/cas}"
MAX_ANSWER_BYTES = 64 * 1024
TICKET = re.compile(r"^ST-[A-Za-z0-9._-]{1,250}$")


class ProviderUnavailable(DomainError):
    """The identity provider did not answer, or answered something unreadable."""

    status = 503
    code = "provider_unavailable"


@dataclass(frozen=True)
class CasIdentity:
    user: str
    attributes: dict[str, str] = field(default_factory=dict)


def login_url(server: str, service: str) -> str:
    return f"{server.rstrip('/')}/login?{urlencode({'service': service})}"


def logout_url(server: str, service: str) -> str:
    return f"{server.rstrip('/')}/logout?{urlencode({'service': service})}"


def _unavailable() -> ProviderUnavailable:
    return ProviderUnavailable(
        _("The campus login (统一身份认证) is not answering right now. Please try again later.")
    )


def _fetch(url: str, params: dict[str, str], timeout: float) -> bytes:
    try:
        body = http.fetch(
            "GET", url, params=params, timeout=timeout, max_bytes=MAX_ANSWER_BYTES
        ).body
    except http.FetchFailed:
        raise _unavailable() from None
    if b"<!DOCTYPE" in body.upper():
        raise _unavailable()
    return body


def validate(
    server: str, service: str, ticket: str | None, *, protocol: str = "3", timeout: float = 5
) -> CasIdentity:
    """Who the CAS server says `ticket` (issued for `service`) belongs to, with the
    attributes it releases (CAS 3.0; CAS 2.0 releases none)."""
    if not TICKET.fullmatch(ticket or ""):
        raise InvalidInput(_("The campus login sent no valid ticket. Please log in again."))
    path = "/p3/serviceValidate" if protocol == "3" else "/serviceValidate"
    body = _fetch(f"{server.rstrip('/')}{path}", {"service": service, "ticket": ticket}, timeout)
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise _unavailable() from None
    success = root.find(f"{NS}authenticationSuccess")
    if success is None:
        failure = root.find(f"{NS}authenticationFailure")
        if failure is None:
            raise _unavailable()
        raise InvalidInput(
            _(
                "The campus login did not accept this sign-in (%(code)s). Please log in again.",
                code=failure.get("code", "?"),
            )
        )
    user = (success.findtext(f"{NS}user") or "").strip()
    attributes = {}
    found = success.find(f"{NS}attributes")
    for item in found if found is not None else []:
        name = item.tag.removeprefix(NS)
        attributes.setdefault(name, (item.text or "").strip())
    return CasIdentity(user=user, attributes=attributes)


def session_index(logout_request: str | None) -> str | None:
    """The ticket a CAS single-logout request names (its SessionIndex), if readable."""
    text = (logout_request or "").encode()
    if not text or len(text) > MAX_ANSWER_BYTES or b"<!DOCTYPE" in text.upper():
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    for element in root.iter():
        if element.tag.endswith("SessionIndex") and element.text:
            return element.text.strip()
    return None
