"""The JSON API's blueprint, /api/v1: the resources in `app.api.resources` add their routes
to it, and `app.api.views` (the OpenAPI document and its page) imports them.

Every call counts against a rate limit (`API_RATE_LIMIT`, "300 per minute" unless set) per
token, or per address for calls without one; past it the answer is 429 `rate_limited` with
Retry-After."""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address

from app.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def api_caller() -> str:
    """Whose allowance a call uses: its token's (by a hash, never the secret itself), or
    its address's."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:32]
    return "api-address:" + get_remote_address()


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=api_caller)(bp)
