"""The one way the application asks another server something (the campus login, the data
hub): `requests` with a timeout, an answer read in pieces and abandoned past a size cap,
and every failure turned into one `FetchFailed` with a reason the caller words for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

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
) -> Answer:
    """The answer of `method url`, its body at most `max_bytes` long; raises FetchFailed
    when there is no answer within `timeout` seconds (per wait, as sockets count it), the
    server cannot be reached, the answer is larger, or its status is not a success.
    Without `allow_redirects` a redirect is not followed and counts as a bad status (a
    webhook must not be sent on to an address nobody checked)."""
    try:
        with requests.request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            timeout=timeout,
            stream=True,
            allow_redirects=allow_redirects,
        ) as response:
            body = _capped_body(response, max_bytes)
    except requests.Timeout:
        raise FetchFailed(FetchFailed.TIMEOUT) from None
    except (requests.RequestException, ValueError, OSError):
        raise FetchFailed(FetchFailed.UNREACHABLE) from None
    if not response.ok or response.is_redirect:
        raise FetchFailed(FetchFailed.BAD_STATUS, status=response.status_code, body=body)
    return Answer(response.status_code, body, response.headers)


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
