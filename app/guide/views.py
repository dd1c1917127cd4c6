"""The help page: the user guide in the reader's language, for everyone."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import get_locale

from app.guide.services import load_guide

bp = Blueprint("guide", __name__)


@bp.route("/help")
def index():
    guide = load_guide(str(get_locale()), url_for("static", filename="guide/"))
    return render_template("guide/index.html", guide=guide)
