"""Reliability pages: the volunteer's record and semester calendar, the coordinators' list of
paused people and recent no-shows, and the one-tap "I can't make it" link (no login: the
signed token in the address is the credential)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.time import utcnow
from app.common.transaction import posted_change, transaction
from app.errors import DomainError
from app.shifts import calendar, release, reliability, shift_edits, signups, tasks
from app.shifts.task_forms import ExcuseForm, LiftPauseForm

bp = Blueprint("reliability", __name__, url_prefix="/reliability")


@bp.route("/")
@role_required(*COORDINATOR_ROLES)
def index():
    now = utcnow()
    return render_template(
        "reliability/index.html",
        pauses=reliability.paused_people(current_user),
        no_shows=reliability.recent_no_shows(current_user, now=now),
        days=reliability.RECENT_NO_SHOW_DAYS,
        pause_after=reliability.pause_after(),
        lift_form=LiftPauseForm(),
        excuse_form=ExcuseForm(),
        format_span=shift_edits.format_span,
    )


@bp.route("/pauses/<int:pause_id>/lift", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def lift(pause_id: int):
    pause = reliability.get_managed_pause(pause_id, current_user)
    form = LiftPauseForm()
    return posted_change(
        form,
        lambda: reliability.lift_pause(pause, note=form.note.data, actor=current_user),
        _("%(name)s can sign up again.", name=pause.user.name),
        back=url_for("reliability.index"),
    )


@bp.route("/no-shows/<int:signup_id>/excuse", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def excuse(signup_id: int):
    signup = reliability.get_managed_no_show(signup_id, current_user)
    form = ExcuseForm()
    return posted_change(
        form,
        lambda: reliability.excuse_no_show(signup, reason=form.reason.data, actor=current_user),
        _("The no-show of %(name)s has been excused.", name=signup.user.name),
        back=url_for("reliability.index"),
    )


@bp.route("/me")
@login_required
def me():
    return render_template(
        "reliability/me.html",
        reliability=reliability.reliability_summary(current_user, now=utcnow()),
    )


@bp.route("/semester")
@login_required
def semester():
    now = utcnow()
    chosen = calendar.semester_for(request.args.get("semester"), now=now)
    return render_template(
        "reliability/semester.html",
        board=calendar.semester_calendar(current_user, chosen, now=now),
        labels=signups.SIGNUP_STATUS_LABELS,
        weekday_labels=tasks.WEEKDAY_LABELS,
    )


@bp.route("/cant-make-it/<token>", methods=["GET", "POST"])
def cant_make_it(token: str):
    now = utcnow()
    try:
        signup = release.signup_for_token(token, now=now)
    except DomainError as error:
        return render_template("release/invalid.html", message=error.message), error.status
    form = ActionForm()
    when = shift_edits.format_span(signup.shift)
    if form.validate_on_submit():
        try:
            with transaction():
                outcome = release.release(token, now=now)
        except DomainError as error:
            return render_template("release/invalid.html", message=error.message), error.status
        return render_template("release/done.html", outcome=outcome, signup=signup, when=when)
    return render_template(
        "release/confirm.html",
        form=form,
        signup=signup,
        when=when,
        past_deadline=release.past_deadline(signup, now=now),
        requested=release.release_requested(signup),
    )
