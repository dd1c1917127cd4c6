"""The achievements page, and the admins' points pages: adjusting and reversing a person's
points, and editing the points rules."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.checkin.certificates import format_hours
from app.common.access import role_required
from app.common.transaction import posted_change, run_change, transaction
from app.extensions import db
from app.rewards import achievements as achievements_reads
from app.rewards import badge_texts, badges, defaults, levels, points
from app.rewards.forms import AdjustForm, PersonSearchForm, ReverseForm, RuleForm
from app.stars import services as stars

bp = Blueprint("rewards", __name__)

# Where an entry's "source" link goes, by its source type.
SOURCE_ENDPOINTS = {
    "attendance": "certificates.my_hours",
    "shift_signup": "reliability.me",
    "training_record": "shifts.mine",
}


def _history(user_id: int):
    page = db.paginate(
        points.history_query(user_id), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    return page, points.reversed_ids([entry.id for entry in page.items])


def _standing(user_id: int, balance: int | None = None) -> dict:
    """Balance and level, as both the achievements page and the admin page show them
    (`balance`: when the page read it already)."""
    if balance is None:
        balance = points.balance(user_id)
    level, upcoming, missing = levels.level_for(balance)
    return {
        "balance": balance,
        "level": level,
        "upcoming": upcoming,
        "missing": missing,
        "progress": levels.progress_percent(balance, level, upcoming),
    }


PAGE_HELPERS = {
    "entry_label": points.entry_label,
    "source_endpoints": SOURCE_ENDPOINTS,
    "level_name": levels.level_name,
    "format_hours": format_hours,
}


@bp.route("/achievements")
@login_required
def achievements():
    page, reversed_ids = _history(current_user.id)
    figures = achievements_reads.figures_of(current_user.id)
    earned = badges.badges_of(current_user.id)
    return render_template(
        "rewards/achievements.html",
        standing=_standing(current_user.id, figures.balance),
        minutes=figures.library_minutes,
        page=page,
        reversed_ids=reversed_ids,
        earned=earned,
        next_badges=badges.next_badges(current_user.id, earned=earned),
        badge_text=badge_texts.badge_text,
        stars=stars.stars_of(
            current_user.id, known=(figures.library_minutes, figures.outside_minutes)
        ),
        **PAGE_HELPERS,
    )


# Admins: adjustments ---------------------------------------------------------------------------


@bp.route("/admin/points")
@role_required("admin")
def admin_points():
    form = PersonSearchForm(request.args)
    found = points.find_people(form.q.data) if form.validate() else []
    return render_template("rewards/admin_points.html", form=form, people=found)


def _person_page(person, *, adjust_form: AdjustForm, status: int = 200):
    page, reversed_ids = _history(person.id)
    return (
        render_template(
            "rewards/admin_person.html",
            person=person,
            standing=_standing(person.id),
            page=page,
            reversed_ids=reversed_ids,
            adjust_form=adjust_form,
            reverse_form=ReverseForm(),
            **PAGE_HELPERS,
        ),
        status,
    )


@bp.route("/admin/points/people/<int:user_id>")
@role_required("admin")
def admin_person(user_id: int):
    return _person_page(points.get_person(user_id), adjust_form=AdjustForm())


@bp.route("/admin/points/people/<int:user_id>/adjust", methods=["POST"])
@role_required("admin")
def adjust(user_id: int):
    person = points.get_person(user_id)
    form = AdjustForm()
    if not form.validate_on_submit():
        return _person_page(person, adjust_form=form, status=400)
    adjusted = run_change(
        lambda: points.adjust(
            person, form.points.data, reason=form.reason.data, actor=current_user
        ),
        _("The points were adjusted."),
        form=form,
    )
    if not adjusted:
        return _person_page(person, adjust_form=form, status=adjusted.error.status)
    return redirect(url_for("rewards.admin_person", user_id=person.id))


@bp.route("/admin/points/entries/<int:entry_id>/reverse", methods=["POST"])
@role_required("admin")
def reverse_entry(entry_id: int):
    entry = points.get_entry(entry_id)
    form = ReverseForm()
    return posted_change(
        form,
        lambda: points.reverse_by_admin(entry, reason=form.reason.data, actor=current_user),
        _("The entry was reversed."),
        back=url_for("rewards.admin_person", user_id=entry.user_id),
    )


# Admins: rules ---------------------------------------------------------------------------------


def _rule_form(rule, **kwargs) -> RuleForm:
    """Each rule's form has its own field names, as they share one page."""
    return RuleForm(prefix=f"rule{rule.id}", **kwargs)


def _rules_page(forms: dict[int, RuleForm], status: int = 200):
    rules = points.all_rules()
    for rule in rules:
        forms.setdefault(rule.id, _rule_form(rule, obj=rule, formdata=None))
    return (
        render_template(
            "rewards/rules.html", rules=rules, forms=forms, rule_labels=points.RULE_LABELS
        ),
        status,
    )


@bp.route("/admin/points/rules")
@role_required("admin")
def rules():
    # As for badges: on a fresh site the default rules exist before any job has run.
    with transaction():
        defaults.seed_defaults()
    return _rules_page({})


@bp.route("/admin/points/rules/<int:rule_id>", methods=["POST"])
@role_required("admin")
def edit_rule(rule_id: int):
    rule = points.get_rule(rule_id)
    form = _rule_form(rule)
    if not form.validate_on_submit():
        return _rules_page({rule.id: form}, status=400)
    saved = run_change(
        lambda: points.update_rule(
            rule, points=form.points.data, active=form.active.data, actor=current_user
        ),
        _("The rule was saved. It applies to points awarded from now on."),
        form=form,
    )
    if not saved:
        return _rules_page({rule.id: form}, status=saved.error.status)
    return redirect(url_for("rewards.rules"))
