"""The JSON API's blueprint, /api/v1: the resources in `app.api.resources` add their routes
to it, and `app.api.views` (the OpenAPI document and its page) imports them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
