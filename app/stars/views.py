"""Service star levels: the public list of new star volunteers (masked names)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.common.forms import ActionForm
from app.common.transaction import run_change
from app.stars import certificate, services

bp = Blueprint("stars", __name__, url_prefix="/stars")


@bp.route("/new")
def new_stars():
    return render_template(
        "stars/new.html", stars=services.new_stars(), thresholds=services.thresholds()
    )


@bp.route("/certificate", methods=["POST"])
@login_required
def issue_certificate():
    """Issue a certificate of the level held today, then download it like any certificate
    (the same verification page checks it)."""
    issued = None
    if ActionForm().validate_on_submit():
        issued = run_change(
            lambda: certificate.issue_star_certificate(current_user)[0],
            lambda row: _("Certificate %(number)s issued.", number=row.number),
        )
    if issued:
        return redirect(url_for("certificates.download", certificate_id=issued.value.id))
    return redirect(url_for("certificates.my_hours") + "#stars")
