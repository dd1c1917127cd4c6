"""The one way the application asks another server something (the campus login, the data
hub, webhooks): `requests` with a timeout, an answer read in pieces and abandoned past a
size cap, and every failure turned into one `FetchFailed` with a reason the caller words
for people.

`connect_to` pins the connection to one IP address the caller resolved and checked (a
webhook's host, judged public): the socket goes to that address and nowhere else, while
the Host header, TLS SNI and the certificate check keep the URL's name. A name that
resolves to a public address when checked and to an internal one a moment later (DNS
rebinding) so reaches nothing internal. Pinned requests ignore proxy settings of the
environment, which would otherwise choose the address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK_BYTES = 64 * 1024


class FetchFailed(Exception):
    """The other server could not be asked or gave no usable answer.

    `reason` is one of TIMEOUT, UNREACHABLE, TOO_LARGE, BAD_STATUS; for BAD_STATUS,
    `status` and `body` (capped) hold the error answer, which may say why."""

    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    TOO_LARGE = "too_large"
    BAD_STATUS = "bad_status"

    def __init__(self, reason: str, *, status: int | None = None, body: bytes = b"") -> None:
        super().__init__(f"{reason} {status or ''}".strip())
        self.reason = reason
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


def fetch(
    method: str,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    allow_redirects: bool = True,
    connect_to: str | None = None,
) -> Answer:
    """The answer of `method url`, its body at most `max_bytes` long; raises FetchFailed
    when there is no answer within `timeout` seconds (per wait, as sockets count it), the
    server cannot be reached, the answer is larger, or its status is not a success.
    Without `allow_redirects` a redirect is not followed and counts as a bad status (a
    webhook must not be sent on to an address nobody checked). With `connect_to` the
    connection goes to that IP address only (see the module's docstring)."""
    try:
        with (
            _session(connect_to) as session,
            session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=timeout,
                stream=True,
                allow_redirects=allow_redirects,
            ) as response,
        ):
            body = _capped_body(response, max_bytes)
    except requests.Timeout:
        raise FetchFailed(FetchFailed.TIMEOUT) from None
    except (requests.RequestException, ValueError, OSError):
        raise FetchFailed(FetchFailed.UNREACHABLE) from None
    if not response.ok or response.is_redirect:
        raise FetchFailed(FetchFailed.BAD_STATUS, status=response.status_code, body=body)
    return Answer(response.status_code, body, response.headers)


def _session(connect_to: str | None) -> requests.Session:
    session = requests.Session()
    if connect_to is not None:
        session.trust_env = False
        adapter = PinnedAdapter(connect_to)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def _pinned(connection_class: type[HTTPConnection], address: str) -> type[HTTPConnection]:
    class Pinned(connection_class):
        def _new_conn(self):
            # urllib3 opens the socket to `_dns_host` and names the server (Host, SNI,
            # certificate) by `host`, which reads `_dns_host` too: swapped for the opening only.
            name = self._dns_host
            self._dns_host = address
            try:
                return super()._new_conn()
            finally:
                self._dns_host = name

    return Pinned


class PinnedAdapter(HTTPAdapter):
    """A transport whose every connection opens to one IP address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)

        class PinnedHTTPPool(HTTPConnectionPool):
            ConnectionCls = _pinned(HTTPConnection, self.address)

        class PinnedHTTPSPool(HTTPSConnectionPool):
            ConnectionCls = _pinned(HTTPSConnection, self.address)

        self.poolmanager.pool_classes_by_scheme = {"http": PinnedHTTPPool, "https": PinnedHTTPSPool}


def _capped_body(response: requests.Response, max_bytes: int) -> bytes:
    """The body, read no further than one piece past `max_bytes`."""
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > max_bytes:
            if response.ok:
                raise FetchFailed(FetchFailed.TOO_LARGE)
            break
    return bytes(body[:max_bytes])
