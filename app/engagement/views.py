"""Engagement pages for coordinators (dashboard, people at risk) and for each person (my
engagement). Thin: the dashboard, lists and sending live in services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.time import utcnow
from app.common.transaction import form_status, posted_change, run_change
from app.common.urls import safe_next_url
from app.engagement import aggregate_refresh, dashboard, mine, nudges
from app.engagement.forms import NudgeForm
from app.engagement.labels import SEGMENT_HINTS, SEGMENT_LABELS
from app.engagement.models import SEGMENTS
from app.engagement.settings import current as current_settings
from app.errors import NotFound
from app.recruitment.teams import services as team_services

bp = Blueprint("engagement", __name__, url_prefix="/engagement")


@bp.context_processor
def inject_labels():
    return {"segment_labels": SEGMENT_LABELS, "segment_hints": SEGMENT_HINTS}


@bp.route("/dashboard")
@role_required(*COORDINATOR_ROLES)
def dashboard_page():
    scope = dashboard.resolve_scope(current_user, request.args.get("scope"))
    shown = dashboard.build(current_user, scope)
    return render_template(
        "engagement/dashboard.html",
        refresh_form=ActionForm(),
        board=shown,
        scopes=dashboard.scopes_for(current_user),
        segments=SEGMENTS,
        settings=current_settings(),
    )


@bp.route("/dashboard/refresh", methods=["POST"])
@role_required("admin")
def refresh_figures():
    """Count the dashboards' and portraits' figures again now, then go back."""
    return posted_change(
        ActionForm(),
        lambda: aggregate_refresh.refresh_now(actor=current_user),
        _("The figures were counted again."),
        back=safe_next_url(request.args.get("back")) or url_for("engagement.dashboard_page"),
    )


@bp.route("/dashboard/<chart_id>.csv")
@role_required(*COORDINATOR_ROLES)
def dashboard_csv(chart_id: str):
    scope = dashboard.resolve_scope(current_user, request.args.get("scope"))
    chart = dashboard.build(current_user, scope).chart(chart_id)
    return chart.csv_response()


def _team_or_first(team_id: int | None) -> int:
    teams = team_services.teams_for(current_user)
    if team_id is None:
        if not teams:
            raise NotFound(_("You do not run any team yet."))
        return teams[0].id
    if team_id not in {team.id for team in teams}:
        raise NotFound(_("There is no such team among yours."))
    return team_id


@bp.route("/at-risk", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def at_risk():
    team_id = _team_or_first(request.args.get("team", type=int))
    team = team_services.get_team(team_id)
    people = nudges.at_risk_members(team_id, current_user)
    form = NudgeForm()
    form.people.choices = [(person.user_id, person.name) for person in people]
    if request.method == "GET":
        form.message.data = nudges.default_message(team.name)
    elif form.validate_on_submit():
        sent = run_change(
            lambda: nudges.send_nudges(
                team_id, form.people.data or [], form.message.data, actor=current_user
            ),
            lambda result: _("Message sent to %(sent)d people.", sent=result.sent),
            form=form,
        )
        if sent:
            result = sent.value
            if result.skipped:
                flash(
                    _(
                        "%(skipped)d chosen people were skipped: no longer at risk, or already "
                        "reminded in the last %(days)d days.",
                        skipped=result.skipped,
                        days=nudges.NUDGE_COOLDOWN.days,
                    ),
                    "warning",
                )
            return redirect(url_for("engagement.at_risk", team=team_id))
    return render_template(
        "engagement/at_risk.html",
        team=team,
        teams=team_services.teams_for(current_user),
        people=people,
        form=form,
        now=utcnow(),
    ), form_status(form)


@bp.route("/me")
@login_required
def me():
    return render_template(
        "engagement/me.html",
        mine=mine.my_engagement(current_user.id),
        settings=current_settings(),
    )


@bp.route("/me/<chart_id>.csv")
@login_required
def my_csv(chart_id: str):
    chart = mine.my_engagement(current_user.id).chart(chart_id)
    return chart.csv_response()
