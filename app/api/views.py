"""The JSON API at /api/v1: the OpenAPI document and its page, and every resource's routes.

Resources live one per module in `app.api.resources` (a feature with its own API adds an
`api.py` that does the same), each adding its routes to the blueprint of `app.api.blueprint`;
importing them here registers them once.
"""

from __future__ import annotations

from flask import jsonify, render_template

from app.api import openapi
from app.api.blueprint import bp
from app.api.resources import (  # noqa: F401  (their routes)
    checkin,
    columns,
    coordination,
    credit_batches,
    handovers,
    hours,
    hub,
    me,
    notifications,
    rewards,
    shifts,
    teams,
    tokens,
)

# Endpoints that describe the API rather than belong to it: not in the document's paths.
DOCUMENTATION_ENDPOINTS = ("api.openapi_document", "api.docs")


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")
