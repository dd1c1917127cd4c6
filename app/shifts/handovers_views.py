"""Handover pages: places offered by other volunteers, offering and withdrawing one's own,
taking one over, and the coordinators' list of takeovers waiting for approval."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.time import utcnow
from app.common.transaction import form_page, run_change
from app.extensions import db
from app.shifts import handovers
from app.shifts.forms import OfferPlaceForm
from app.shifts.models import ShiftHandover, ShiftSignup

bp = Blueprint("handovers", __name__, url_prefix="/shifts/handovers")

BACK_TARGETS = {"index": "handovers.index", "shifts": "shifts.index", "mine": "shifts.mine"}


def _back(default: str):
    """Back to the page the button was on (only our own pages)."""
    return redirect(url_for(BACK_TARGETS.get(request.form.get("back", ""), default)))


def _require_action() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


def _run(change, *args, done: str, **kwargs) -> bool:
    """Call the service at this moment; commit and flash `done`, or say why not."""
    return bool(run_change(lambda: change(*args, now=utcnow(), **kwargs), done))


@bp.route("/")
@login_required
def index():
    now = utcnow()
    return render_template(
        "handovers/index.html",
        available=handovers.available_handovers(current_user, now=now),
        mine=handovers.offers_of(current_user, now=now),
        labels=handovers.HANDOVER_STATUS_LABELS,
        action=ActionForm(),
    )


@bp.route("/signups/<int:signup_id>/offer", methods=["GET", "POST"])
@login_required
def offer(signup_id: int):
    signup = db.get_or_404(ShiftSignup, signup_id)
    if signup.user_id != current_user.id:
        abort(404)
    form = OfferPlaceForm()
    return form_page(
        form,
        lambda: handovers.offer_place(
            signup, actor=current_user, note=form.note.data, now=utcnow()
        ),
        _("Your place is offered to the other volunteers of the team."),
        then=url_for("shifts.mine"),
        template="handovers/offer.html",
        signup=signup,
    )


@bp.route("/<int:handover_id>/withdraw", methods=["POST"])
@login_required
def withdraw(handover_id: int):
    _require_action()
    handover = db.get_or_404(ShiftHandover, handover_id)
    if handover.from_user_id != current_user.id:
        abort(404)
    _run(handovers.withdraw, handover, actor=current_user, done=_("Your offer is withdrawn."))
    return _back("shifts.mine")


@bp.route("/<int:handover_id>/take", methods=["POST"])
@login_required
def take(handover_id: int):
    _require_action()
    handover = db.get_or_404(ShiftHandover, handover_id)
    needs_approval = handover.shift.task.swap_needs_approval
    done = (
        _("You asked to take over this place; a coordinator will decide.")
        if needs_approval
        else _("You took over this place: you are confirmed for the shift.")
    )
    if _run(handovers.take_over, handover, current_user, done=done) and not needs_approval:
        return redirect(url_for("shifts.mine"))
    return _back("handovers.index")


@bp.route("/pending")
@role_required(*COORDINATOR_ROLES)
def pending():
    return render_template(
        "handovers/pending.html",
        pending=handovers.pending_handovers(current_user, now=utcnow()),
        action=ActionForm(),
    )


@bp.route("/<int:handover_id>/approve", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def approve(handover_id: int):
    _require_action()
    handover = handovers.get_managed_handover(handover_id, current_user)
    _run(handovers.approve, handover, actor=current_user, done=_("The takeover is approved."))
    return redirect(url_for("handovers.pending"))


@bp.route("/<int:handover_id>/refuse", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def refuse(handover_id: int):
    _require_action()
    handover = handovers.get_managed_handover(handover_id, current_user)
    _run(
        handovers.refuse,
        handover,
        actor=current_user,
        done=_("The takeover is refused; the place is offered to others again."),
    )
    return redirect(url_for("handovers.pending"))
