"""Recruitment pages for applicants (open campaigns, applying, my applications) and for
coordinators (their campaigns, the campaign editor, reviewing applications, the lottery)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.accounts import services as accounts
from app.accounts.models import COORDINATOR_ROLES
from app.common import share
from app.common.access import role_required
from app.common.forms import ActionForm, show_domain_error
from app.common.markdown import render_markdown
from app.common.pagination import ListPage
from app.common.time import utcnow
from app.common.transaction import form_status, posted_change, run_change, transaction
from app.common.urls import external_url
from app.errors import DomainError
from app.recruitment import applying, eligibility, labels, review
from app.recruitment import campaigns as campaign_rules
from app.recruitment.access import can_manage_team, require_team_manager
from app.recruitment.answers import AnswersInvalid
from app.recruitment.forms import (
    ANSWER_LIMITS,
    GRID,
    ApplyForm,
    CampaignForm,
    DecisionForm,
    NoteForm,
    answer_name,
    answers_from_form,
    question_template_form,
)
from app.recruitment.models import APPLICATION_STATUSES, Campaign
from app.recruitment.teams import services as team_services

bp = Blueprint("recruitment", __name__, url_prefix="/recruitment")

REVIEW_PAGE_SIZE = 50


@bp.app_template_filter("markdown")
def markdown_filter(text: str | None):
    return render_markdown(text)


@bp.context_processor
def inject_labels():
    return {
        "status_labels": labels.STATUS_LABELS,
        "decision_labels": labels.DECISION_LABELS,
        "mode_labels": labels.SELECTION_MODE_LABELS,
        "kind_labels": labels.QUESTION_KIND_LABELS,
        "weekday_labels": labels.WEEKDAY_LABELS,
        "day_part_labels": labels.DAY_PART_LABELS,
        "grid": GRID,
        "answer_name": answer_name,
        "answer_limits": ANSWER_LIMITS,
    }


def _managed_campaign(campaign_id: int) -> Campaign:
    campaign = campaign_rules.get_campaign(campaign_id)
    require_team_manager(current_user, campaign.team_id)
    return campaign


# --- Applicants ----------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    now = utcnow()
    campaigns = campaign_rules.open_campaigns(now=now)
    applied = {a.campaign_id: a for a in applying.applications_of(current_user)}
    verdicts = {
        c.id: eligibility.eligibility(c, current_user, now=now, application=applied.get(c.id))
        for c in campaigns
    }
    return render_template(
        "recruitment/index.html",
        campaigns=campaigns,
        verdicts=verdicts,
        upcoming=campaign_rules.upcoming_campaigns(now=now),
    )


def _render_campaign(campaign: Campaign, form: ApplyForm, *, values=None, errors=None):
    now = utcnow()
    application = verdict = None
    if current_user.is_authenticated:
        application = eligibility.find_application(campaign, current_user)
        verdict = eligibility.eligibility(campaign, current_user, now=now)
    return render_template(
        "recruitment/campaign.html",
        campaign=campaign,
        form=form,
        verdict=verdict,
        application=application,
        can_edit=application is not None and applying.can_edit(application, now=now),
        can_withdraw=application is not None and applying.can_withdraw(application, now=now),
        is_open=campaign_rules.is_open(campaign, now),
        places_left=eligibility.places_left(campaign),
        values=values if values is not None else {},
        errors=errors or {},
        manager=current_user.is_authenticated and can_manage_team(current_user, campaign.team_id),
        withdraw_form=ActionForm(),
    )


def _readable_campaign(campaign_id: int) -> Campaign:
    """Anyone may read a published campaign; its team's coordinators also a draft."""
    campaign = campaign_rules.get_campaign(campaign_id)
    if not campaign.published and not (
        current_user.is_authenticated and can_manage_team(current_user, campaign.team_id)
    ):
        abort(404)
    return campaign


@bp.route("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    """The page a poster's QR code opens; applying needs a login."""
    return _render_campaign(_readable_campaign(campaign_id), ApplyForm())


@bp.route("/campaigns/<int:campaign_id>/share.png")
def campaign_poster(campaign_id: int):
    """The share poster (WeChat): the campaign's title and the QR code of its page."""
    campaign = _readable_campaign(campaign_id)
    return share.poster_response(
        title=campaign.title,
        subtitle=_("Volunteer recruitment · %(team)s", team=campaign.team.name),
        url=external_url("recruitment.campaign", campaign_id=campaign.id),
    )


@bp.route("/campaigns/<int:campaign_id>/apply", methods=["POST"])
@login_required
def apply(campaign_id: int):
    campaign = campaign_rules.get_campaign(campaign_id)
    if not campaign.published:
        abort(404)
    form = ApplyForm()
    if not form.validate_on_submit():
        return _render_campaign(campaign, form), 400
    answers = answers_from_form(campaign, request.form)
    try:
        with transaction():
            application = applying.apply(
                campaign, current_user, answers, consent=bool(form.consent.data)
            )
    except AnswersInvalid as error:
        flash(str(error.message), "danger")
        return _render_campaign(campaign, form, values=answers, errors=error.errors), 400
    except DomainError as error:
        show_domain_error(form, error)
        return _render_campaign(campaign, form, values=answers), error.status
    if application.status == "accepted":
        flash(_("You are in! Welcome to %(team)s.", team=campaign.team.name), "success")
    else:
        flash(_("Your application has been sent."), "success")
    return redirect(url_for("recruitment.campaign", campaign_id=campaign.id))


def _own_application(application_id: int):
    application = applying.get_application(application_id)
    if application.user_id != current_user.id:
        abort(404)
    return application


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id: int):
    application = _own_application(application_id)
    campaign = application.campaign
    form = ApplyForm()
    values, errors, status = application.answers, {}, 200
    if form.validate_on_submit():
        values = answers_from_form(campaign, request.form)
        try:
            with transaction():
                applying.update_application(
                    application, current_user, values, consent=bool(form.consent.data)
                )
        except AnswersInvalid as error:
            flash(str(error.message), "danger")
            errors, status = error.errors, 400
        except DomainError as error:
            show_domain_error(form, error)
            status = error.status
        else:
            flash(_("Your changes have been saved."), "success")
            return redirect(url_for("recruitment.campaign", campaign_id=campaign.id))
    elif request.method == "GET":
        form.consent.data = application.consented_at is not None
    return render_template(
        "recruitment/edit_application.html",
        campaign=campaign,
        application=application,
        form=form,
        values=values,
        errors=errors,
        can_edit=applying.can_edit(application, now=utcnow()),
    ), status


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw(application_id: int):
    application = _own_application(application_id)
    if ActionForm().validate_on_submit() and run_change(
        lambda: applying.withdraw_application(application, current_user)
    ):
        flash(_("Your application has been withdrawn."), "info")
    return redirect(url_for("recruitment.campaign", campaign_id=application.campaign_id))


@bp.route("/mine")
@login_required
def mine():
    return render_template(
        "recruitment/mine.html", applications=applying.applications_of(current_user)
    )


# --- Coordinators: campaigns ---------------------------------------------------------------


@bp.route("/manage")
@role_required(*COORDINATOR_ROLES)
def manage():
    campaigns = campaign_rules.managed_campaigns(current_user)
    return render_template(
        "recruitment/manage.html",
        campaigns=campaigns,
        counts=campaign_rules.status_counts([c.id for c in campaigns]),
        now=utcnow(),
        has_teams=bool(team_services.teams_for(current_user)),
    )


def _campaign_form() -> CampaignForm:
    form = CampaignForm()
    teams = [team for team in team_services.teams_for(current_user) if team.active]
    form.set_choices(teams, accounts.colleges())
    return form


def _render_campaign_form(form: CampaignForm, campaign: Campaign | None, status: int = 200):
    return render_template(
        "recruitment/campaign_form.html",
        form=form,
        campaign=campaign,
        question_template=question_template_form(),
    ), status


@bp.route("/manage/new", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def new_campaign():
    form = _campaign_form()
    if not form.team_id.choices:
        flash(_("You coordinate no team yet; ask an administrator to add you to one."), "warning")
        return redirect(url_for("recruitment.manage"))
    if request.method == "GET" and request.args.get("team", type=int):
        form.team_id.data = request.args.get("team", type=int)
    if form.validate_on_submit():
        created = run_change(
            lambda: campaign_rules.create_campaign(
                form.fields(), form.question_fields(), actor=current_user
            ),
            _("The campaign has been created."),
            form=form,
        )
        if created:
            campaign_id = created.value.id
            return redirect(url_for("recruitment.review_applications", campaign_id=campaign_id))
    if request.method == "GET":
        form.add_blank_rows(3)
    return _render_campaign_form(form, None, form_status(form))


@bp.route("/manage/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit_campaign(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    form = _campaign_form()
    if campaign.team_id not in dict(form.team_id.choices):
        form.team_id.choices.insert(0, (campaign.team_id, campaign.team.name))
    if form.validate_on_submit():
        if run_change(
            lambda: campaign_rules.update_campaign(
                campaign, form.fields(), form.question_fields(), actor=current_user
            ),
            _("The campaign has been saved."),
            form=form,
        ):
            return redirect(url_for("recruitment.review_applications", campaign_id=campaign.id))
    elif request.method == "GET":
        form.load(campaign)
        form.add_blank_rows()
    return _render_campaign_form(form, campaign, form_status(form))


# --- Coordinators: review ------------------------------------------------------------------


def _review_filter() -> review.ReviewFilter:
    status = request.args.get("status", "")
    return review.ReviewFilter(
        status=status if status in APPLICATION_STATUSES else "",
        college_id=request.args.get("college", type=int),
        year=request.args.get("year", type=int),
        text=request.args.get("q", "")[:100],
    )


@bp.route("/manage/<int:campaign_id>")
@role_required(*COORDINATOR_ROLES)
def review_applications(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    filters = _review_filter()
    matching = review.review_list(campaign, filters)
    page = ListPage.of(matching, request.args.get("page", 1, type=int), per_page=REVIEW_PAGE_SIZE)
    return render_template(
        "recruitment/review.html",
        campaign=campaign,
        filters=filters,
        page=page,
        counts=campaign_rules.status_counts([campaign.id])[campaign.id],
        colleges=accounts.colleges(),
        years=review.applicant_years(campaign),
        bulk_statuses=["shortlisted", "accepted", "waitlisted", "rejected"],
        awaits_lottery=campaign.selection_mode == "lottery" and not campaign.lottery_drawn_at,
        can_draw=campaign.selection_mode == "lottery"
        and not campaign.lottery_drawn_at
        and utcnow() >= campaign.closes_at,
        action_form=ActionForm(),
    )


@bp.route("/manage/<int:campaign_id>/bulk", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def bulk_decide(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    back = url_for("recruitment.review_applications", campaign_id=campaign.id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired or was sent from another page. Please try again."), "danger")
        return redirect(back)
    ids = [int(i) for i in request.form.getlist("application_ids") if i.isdigit()]
    decided = run_change(
        lambda: review.decide_many(
            campaign, ids, request.form.get("status", ""), actor=current_user
        )
    )
    if not decided:
        return redirect(back)
    results = decided.value
    done = sum(1 for result in results if result.ok)
    if done:
        flash(
            ngettext("%(num)d application changed.", "%(num)d applications changed.", done),
            "success",
        )
    failed: dict[str, list[str]] = {}
    for result in results:
        if not result.ok:
            failed.setdefault(result.message, []).append(result.name or str(result.application_id))
    for message, names in failed.items():
        shown = "、".join(names[:10]) + ("…" if len(names) > 10 else "")
        flash(
            _(
                "Not changed (%(n)d): %(names)s. %(reason)s",
                n=len(names),
                names=shown,
                reason=message,
            ),
            "warning",
        )
    return redirect(back)


@bp.route("/manage/<int:campaign_id>/draw", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def draw(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    if ActionForm().validate_on_submit():
        run_change(
            lambda: review.draw_lottery(campaign, actor=current_user),
            lambda result: _(
                "The lottery has been drawn: %(accepted)d accepted, %(waitlisted)d waitlisted.",
                accepted=result.accepted,
                waitlisted=result.waitlisted,
            ),
        )
    if campaign.selection_mode != "lottery":
        return redirect(url_for("recruitment.review_applications", campaign_id=campaign.id))
    return redirect(url_for("recruitment.lottery", campaign_id=campaign.id))


@bp.route("/manage/<int:campaign_id>/lottery")
@role_required(*COORDINATOR_ROLES)
def lottery(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    if campaign.selection_mode != "lottery":
        abort(404)
    drawn = campaign.lottery_drawn_at is not None
    return render_template(
        "recruitment/lottery.html",
        campaign=campaign,
        entrants=review.ranked_entrants(campaign) if drawn else [],
        verified=review.verify_lottery(campaign) if drawn else None,
        lottery_key=review.lottery_key,
        can_draw=not drawn and utcnow() >= campaign.closes_at,
        action_form=ActionForm(),
    )


def _managed_application(application_id: int):
    application = applying.get_application(application_id)
    require_team_manager(current_user, application.campaign.team_id)
    return application


@bp.route("/manage/applications/<int:application_id>")
@role_required(*COORDINATOR_ROLES)
def application_detail(application_id: int):
    application = _managed_application(application_id)
    return render_template(
        "recruitment/application.html",
        application=application,
        campaign=application.campaign,
        applicant=application.user,
        transitions=review.allowed_transitions(application),
        decision_form=DecisionForm(),
        note_form=NoteForm(),
    )


@bp.route("/manage/applications/<int:application_id>/decide", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def decide(application_id: int):
    application = _managed_application(application_id)
    form = DecisionForm()
    return posted_change(
        form,
        lambda: review.decide(application, form.status.data, actor=current_user),
        lambda _result: _(
            "%(name)s: %(status)s.",
            name=application.user.name,
            status=labels.STATUS_LABELS[application.status],
        ),
        back=url_for("recruitment.application_detail", application_id=application.id),
    )


@bp.route("/manage/applications/<int:application_id>/notes", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def add_note(application_id: int):
    application = _managed_application(application_id)
    form = NoteForm()
    return posted_change(
        form,
        lambda: review.add_note(application, form.body.data, actor=current_user),
        _("The note has been added."),
        back=url_for("recruitment.application_detail", application_id=application.id),
    )
