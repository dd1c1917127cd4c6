"""Service star levels: the public list of new star volunteers (masked names)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.stars import services

bp = Blueprint("stars", __name__, url_prefix="/stars")


@bp.route("/new")
def new_stars():
    return render_template(
        "stars/new.html", stars=services.new_stars(), thresholds=services.thresholds()
    )
