"""Team pages: teams and their coordinators, the roster with member status actions and
export, volunteer profiles, and the printable campaign poster."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import services as accounts
from app.accounts.models import COORDINATOR_ROLES
from app.announcements import services as announcements
from app.common.access import role_required
from app.common.forms import ActionForm, show_domain_error
from app.common.tables import download
from app.common.time import utcnow
from app.common.transaction import (
    form_page,
    form_status,
    posted_change,
    run_change,
    transaction,
)
from app.errors import DomainError, NotFound
from app.extensions import db
from app.recruitment import campaigns, labels, member_notes, poster, profiles
from app.recruitment import membership as members
from app.recruitment.access import require_team_manager
from app.recruitment.models import DAY_PARTS, MEMBERSHIP_STATUSES, WEEKDAYS, Campaign, Membership
from app.recruitment.teams import services as team_services
from app.recruitment.teams.forms import (
    GrantCoordinatorForm,
    MemberNoteEditForm,
    MemberNoteForm,
    MemberStatusForm,
    TeamForm,
    VolunteerProfileForm,
)
from app.shifts import rush

bp = Blueprint("teams", __name__, url_prefix="/teams")


def _managed_team(team_id: int):
    team = team_services.get_team(team_id)
    require_team_manager(current_user, team)
    return team


def _labels() -> dict:
    return {
        "status_labels": members.MEMBER_STATUS_LABELS,
        "kind_labels": labels.TEAM_KIND_LABELS,
        "weekday_labels": labels.WEEKDAY_LABELS,
        "day_part_labels": labels.DAY_PART_LABELS,
        "weekdays": WEEKDAYS,
        "day_parts": DAY_PARTS,
    }


@bp.route("/")
@role_required(*COORDINATOR_ROLES)
def index():
    teams = team_services.teams_for(current_user)
    counts = members.member_counts(team.id for team in teams)
    return render_template("teams/index.html", teams=teams, counts=counts, **_labels())


@bp.route("/new", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def new_team():
    form = TeamForm()
    return form_page(
        form,
        lambda: team_services.create_team(
            name=form.name.data,
            kind=form.kind.data,
            description=form.description.data,
            requires_onboarding=form.requires_onboarding.data,
            actor=current_user,
        ),
        lambda team: _("The team %(name)s has been created.", name=team.name),
        then=lambda team: url_for("teams.team", team_id=team.id),
        template="teams/form.html",
        team=None,
    )


@bp.route("/<int:team_id>")
@role_required(*COORDINATOR_ROLES)
def team(team_id: int):
    team = _managed_team(team_id)
    status = request.args.get("status", "")
    status = status if status in MEMBERSHIP_STATUSES else ""
    text = request.args.get("q", "").strip()[:64]
    return render_template(
        "teams/team.html",
        team=team,
        rows=members.roster(team, status=status or None, text=text),
        counts=members.status_counts(team),
        campaigns=[c for c in campaigns.managed_campaigns(current_user) if c.team_id == team.id],
        filters={"status": status, "q": text},
        transitions=members.TRANSITIONS,
        action_form=MemberStatusForm(),
        is_admin=current_user.has_role("admin"),
        pinned_announcements=announcements.pinned_of_team(team.id),
        **_labels(),
    )


@bp.route("/<int:team_id>/edit", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit_team(team_id: int):
    team = _managed_team(team_id)
    form = TeamForm(obj=team)
    return form_page(
        form,
        lambda: _save_team(team, form),
        _("The changes have been saved."),
        then=url_for("teams.team", team_id=team.id),
        template="teams/form.html",
        team=team,
    )


def _save_team(team, form: TeamForm):
    """The team's fields and its limits per person, in the one transaction of the request."""
    team_services.update_team(
        team,
        name=form.name.data,
        kind=form.kind.data,
        description=form.description.data,
        requires_onboarding=form.requires_onboarding.data,
        active=form.active.data,
        actor=current_user,
    )
    limits = {name: getattr(form, name).data for name in rush.LIMIT_FIELDS}
    return rush.set_team_limits(team, limits, actor=current_user, now=utcnow())


@bp.route("/<int:team_id>/coordinators", methods=["GET", "POST"])
@role_required("admin")
def coordinators(team_id: int):
    team = team_services.get_team(team_id)
    form = GrantCoordinatorForm()
    if form.validate_on_submit():
        person = accounts.find_by_numbers([form.student_number.data.strip()]).get(
            form.student_number.data.strip().upper()
        )
        if person is None:
            form.student_number.errors = [_("Nobody has this student or staff number.")]
        else:
            try:
                with transaction():
                    team_services.grant_coordinator(team, person, actor=current_user)
            except DomainError as error:
                form.student_number.errors = [str(error.message)]
            else:
                flash(_("%(name)s now coordinates this team.", name=person.name), "success")
                return redirect(url_for("teams.coordinators", team_id=team.id))
    return render_template(
        "teams/coordinators.html", team=team, form=form, action_form=ActionForm()
    ), form_status(form)


@bp.route("/<int:team_id>/coordinators/<int:user_id>/remove", methods=["POST"])
@role_required("admin")
def remove_coordinator(team_id: int, user_id: int):
    team = team_services.get_team(team_id)
    person = accounts.get_person(user_id)
    if ActionForm().validate_on_submit():
        with transaction():
            team_services.revoke_coordinator(team, person, actor=current_user)
        flash(_("%(name)s no longer coordinates this team.", name=person.name), "success")
    return redirect(url_for("teams.coordinators", team_id=team.id))


@bp.route("/<int:team_id>/members/<int:membership_id>/status", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def member_status(team_id: int, membership_id: int):
    team = _managed_team(team_id)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.team_id != team.id:
        raise NotFound(_("This person is not a member of this team."))
    form = MemberStatusForm()
    return posted_change(
        form,
        lambda: members.set_member_status(membership, form.status.data, actor=current_user),
        lambda _result: _(
            "%(name)s is now “%(status)s”.",
            name=membership.user.name,
            status=members.MEMBER_STATUS_LABELS[membership.status],
        ),
        back=url_for("teams.team", team_id=team.id, **_safe_filters()),
    )


def _safe_filters() -> dict:
    """The roster filters the status button came from, so the list stays as it was."""
    filters = {}
    if request.form.get("filter_status") in MEMBERSHIP_STATUSES:
        filters["status"] = request.form["filter_status"]
    if request.form.get("filter_q"):
        filters["q"] = request.form["filter_q"][:64]
    return filters


@bp.route("/<int:team_id>/roster.<fmt>")
@role_required(*COORDINATOR_ROLES)
def export_roster(team_id: int, fmt: str):
    team = _managed_team(team_id)
    if fmt not in members.EXPORT_FORMATS:
        raise NotFound(_("Rosters can be downloaded as CSV or XLSX."))
    status = request.args.get("status", "")
    with transaction():
        data, filename, mimetype = members.export_roster(
            team,
            fmt,
            status=status if status in MEMBERSHIP_STATUSES else None,
            actor=current_user,
        )
    response = download(data, filename, mimetype)
    response.headers["Cache-Control"] = "no-store"
    return response


def _team_member(team_id: int, user_id: int):
    team = _managed_team(team_id)
    if not profiles.can_view_member(current_user, team.id, user_id):
        raise NotFound(_("This person is not a member of this team."))
    return team, accounts.get_person(user_id)


@bp.route("/<int:team_id>/members/<int:user_id>")
@role_required(*COORDINATOR_ROLES)
def member(team_id: int, user_id: int):
    team, person = _team_member(team_id, user_id)
    return _member_page(team, person, MemberNoteForm(formdata=None))


def _member_page(team, person, note_form: MemberNoteForm):
    """The member's team profile with the team's notes on them and the form to add one."""
    return render_template(
        "teams/member.html",
        team=team,
        view=profiles.overview(person, viewer=current_user),
        notes=member_notes.about_member(team, person.id),
        note_form=note_form,
        **_labels(),
    ), form_status(note_form)


@bp.route("/<int:team_id>/members/<int:user_id>/notes", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def add_member_note(team_id: int, user_id: int):
    team, person = _team_member(team_id, user_id)
    form = MemberNoteForm()
    if form.validate_on_submit():
        done = run_change(
            lambda: member_notes.add(
                team,
                person,
                kind=form.kind.data,
                body=form.body.data,
                award_points=form.award_points.data,
                actor=current_user,
                form_token=form.once.data or None,
            ),
            _saved_note_message,
            form=form,
        )
        if done:
            return redirect(url_for("teams.member", team_id=team.id, user_id=person.id))
    return _member_page(team, person, form)


def _saved_note_message(note) -> str:
    if note.kind == "note":
        return _("The note has been saved.")
    if note.points:
        return _("The commendation has been sent, with %(n)d points.", n=note.points)
    return _("The commendation has been sent.")


@bp.route("/<int:team_id>/members/<int:user_id>/notes/<int:note_id>/edit", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit_member_note(team_id: int, user_id: int, note_id: int):
    team, person = _team_member(team_id, user_id)
    note = member_notes.get_note(team, person.id, note_id)
    member_notes.require_author(note, current_user)
    form = MemberNoteEditForm(obj=note)
    return form_page(
        form,
        lambda: member_notes.edit(note, body=form.body.data, actor=current_user),
        _("The changes have been saved."),
        then=url_for("teams.member", team_id=team.id, user_id=person.id),
        template="teams/member_note.html",
        team=team,
        person=person,
        note=note,
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    view = profiles.overview(current_user)
    form = VolunteerProfileForm()
    if request.method == "GET":
        form.skills.data = ", ".join(view.profile.skills or [])
        form.introduction.data = view.profile.introduction or ""
    ticked = {
        f"{day}:{part}"
        for day, parts in (view.profile.availability or {}).items()
        for part in parts
    }
    grid_error = None
    if form.validate_on_submit():
        ticked = set(request.form.getlist("availability"))
        try:
            with transaction():
                profiles.update_profile(
                    current_user,
                    skills=profiles.parse_skills(form.skills.data),
                    availability=profiles.parse_availability(ticked),
                    introduction=form.introduction.data,
                )
        except DomainError as error:
            if error.field == "availability":
                grid_error = str(error.message)
            else:
                show_domain_error(form, error)
        else:
            flash(_("Your volunteer profile has been saved."), "success")
            return redirect(url_for("teams.profile"))
    elif request.method == "POST":
        ticked = set(request.form.getlist("availability"))
    return render_template(
        "teams/profile.html",
        form=form,
        view=view,
        commendations=member_notes.commendations_of(current_user.id),
        ticked=ticked,
        grid_error=grid_error,
        **_labels(),
    ), form_status(form)


@bp.route("/campaigns/<int:campaign_id>/poster")
@role_required(*COORDINATOR_ROLES)
def campaign_poster(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    return render_template(
        "recruitment/poster.html",
        campaign=campaign,
        campaign_url=poster.campaign_url(campaign.id),
        summary=poster.summary(campaign.description),
    )


@bp.route("/campaigns/<int:campaign_id>/qr.svg")
@role_required(*COORDINATOR_ROLES)
def campaign_qr(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    svg = poster.qr_svg(poster.campaign_url(campaign.id))
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _managed_campaign(campaign_id: int) -> Campaign:
    campaign = campaigns.get_campaign(campaign_id)
    require_team_manager(current_user, campaign.team_id)
    return campaign
