"""Hours served elsewhere: the volunteer's claim form, the claims waiting for coordinators,
the decision, and the evidence file for those who may see it."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.transaction import form_page, posted_change
from app.common.uploads import send_stored
from app.outside import evidence, services
from app.outside.forms import ClaimForm, DecisionForm

bp = Blueprint("outside", __name__, url_prefix="/hours/elsewhere")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = ClaimForm()
    return form_page(
        form,
        lambda: services.claim(
            current_user,
            services.ClaimFields(
                organiser=form.organiser.data,
                served_on=form.served_on.data,
                hours=form.hours.data,
                description=form.description.data,
                evidence_link=form.evidence_link.data,
            ),
            upload=form.evidence.data,
        ),
        _("Your claim was sent to your team's coordinators."),
        then=url_for("certificates.my_hours") + "#elsewhere",
        template="outside/new.html",
        max_hours=services.max_claim_minutes() // 60,
        max_mb=evidence.max_bytes() // evidence.MB,
    )


@bp.route("/review")
@role_required(*COORDINATOR_ROLES)
def review():
    return render_template(
        "outside/review.html",
        claims=services.pending_for(current_user),
        form=DecisionForm(),
        format_hours=services.format_hours,
    )


@bp.route("/<int:claim_id>/decide", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def decide(claim_id: int):
    claim = services.claim_for_decider(current_user, claim_id)
    form = DecisionForm()
    return posted_change(
        form,
        lambda: services.decide(
            claim,
            form.decision.data,
            actor=current_user,
            hours=form.hours.data,
            reason=form.reason.data,
        ),
        _("The claim has been decided; the volunteer is told."),
        back=url_for("outside.review"),
    )


@bp.route("/<int:claim_id>/evidence")
@login_required
def evidence_file(claim_id: int):
    """The evidence file, for the claimant and the coordinators who may decide; 404 else."""
    claim = services.claim_for_viewer(current_user, claim_id)
    return send_stored(evidence.path(claim), claim.evidence_type, claim.evidence_name)
