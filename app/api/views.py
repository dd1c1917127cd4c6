"""The JSON API at /api/v1: the blueprint, the OpenAPI document and its page.

Resources live one per module in `app.api.resources` (a feature with its own API adds an
`api.py` that does the same) and are imported at the end of this module, after `bp` exists.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from app.api import openapi

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Endpoints that describe the API rather than belong to it: not in the document's paths.
DOCUMENTATION_ENDPOINTS = ("api.openapi_document", "api.docs")


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")


from app.api.resources import credit_batches, me, tokens  # noqa: E402, F401  (routes register on bp)
