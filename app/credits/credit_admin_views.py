"""Admin pages of the credits feature: conversion rules and export templates."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.common.access import role_required
from app.common.forms import add_field_error, show_domain_error
from app.common.transaction import run_change
from app.credits import export_templates, rules
from app.credits.forms import FILE_TYPE_LABELS, CategoryForm, RuleForm, TemplateForm
from app.credits.models import TEMPLATE_FIELDS, CreditRule, CreditTemplate, hundredths
from app.errors import DomainError
from app.extensions import db

bp = Blueprint("credit_admin", __name__, url_prefix="/admin/credits")

# What each template field writes, for the admin choosing columns.
FIELD_LABELS = {
    "student_number": _l("Student number"),
    "name": _l("Name"),
    "college": _l("College"),
    "class_name": _l("Class (not kept here: empty)"),
    "activity_name": _l("Activity"),
    "category": _l("Category (module)"),
    "level": _l("Level"),
    "role": _l("Role"),
    "started_on": _l("Start date"),
    "ended_on": _l("End date"),
    "hours": _l("Hours"),
    "credits": _l("Credits"),
    "recognised_on": _l("Recognition date (the export day)"),
    "organiser": _l("Recognising unit"),
    "line_number": _l("Record number"),
    "note": _l("Note (adjustments and withdrawals)"),
    "major": _l("Major"),
    "enrolment_year": _l("Year of enrolment"),
    "kind": _l("Kind of line: new, adjustment or withdrawal"),
    "national_number": _l("National volunteer number (makes it a national record template)"),
    "id_number": _l("ID-card number, in full (read and audited at export; empty without consent)"),
}


# Rules ------------------------------------------------------------------------------------


def _rule_form(rule: CreditRule, *, filled: bool = False) -> RuleForm:
    """Each rule's form has its own field names, as they share one page."""
    prefix = f"rule{rule.id}"
    return RuleForm(prefix=prefix) if filled else RuleForm.for_rule(rule, prefix=prefix)


def _rules_page(
    forms: dict[int, RuleForm] | None = None,
    *,
    new_form: CategoryForm | None = None,
    preview: tuple[int, rules.RulePreview] | None = None,
    status: int = 200,
):
    by_category = rules.rules_by_category()
    forms = dict(forms or {})
    for rule in by_category.values():
        forms.setdefault(rule.id, _rule_form(rule))
    return (
        render_template(
            "credits/admin/rules.html",
            rules=list(by_category.values()),
            forms=forms,
            new_form=new_form or CategoryForm(formdata=None),
            preview=preview,
            hundredths=hundredths,
        ),
        status,
    )


@bp.route("/rules", endpoint="rules")
@role_required("admin")
def rules_page():
    return _rules_page()


def _rule(rule_id: int) -> CreditRule:
    found = next((r for r in rules.rules_by_category().values() if r.id == rule_id), None)
    if found is None:
        abort(404)
    return found


@bp.route("/rules/<int:rule_id>", methods=["POST"])
@role_required("admin")
def edit_rule(rule_id: int):
    rule = _rule(rule_id)
    form = _rule_form(rule, filled=True)
    if not form.validate_on_submit():
        return _rules_page({rule.id: form}, status=400)
    try:
        if form.preview.data:
            shown = rules.preview(rule.category, form.values())
            db.session.rollback()
            return _rules_page({rule.id: form}, preview=(rule.id, shown))
        rules.update_rule(current_user, rule.category, form.values())
    except DomainError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _rules_page({rule.id: form}, status=error.status)
    db.session.commit()
    flash(_("The rule was saved. Credit records are recomputed at the next sync."), "success")
    return redirect(url_for("credit_admin.rules"))


@bp.route("/rules/new", methods=["POST"])
@role_required("admin")
def new_category():
    form = CategoryForm()
    if form.validate_on_submit() and run_change(
        lambda: rules.update_rule(current_user, form.category.data.strip(), form.values()),
        _("The category was added."),
        form=form,
    ):
        return redirect(url_for("credit_admin.rules"))
    return _rules_page(new_form=form, status=400)


# Export templates -------------------------------------------------------------------------


@bp.route("/templates")
@role_required("admin")
def templates():
    return render_template(
        "credits/admin/templates.html",
        templates=export_templates.all_templates(),
        file_type_labels=FILE_TYPE_LABELS,
    )


def _template_page(form: TemplateForm, template: CreditTemplate | None, status: int = 200):
    return (
        render_template(
            "credits/admin/template_form.html",
            form=form,
            template=template,
            fields=[(name, FIELD_LABELS.get(name, name)) for name in TEMPLATE_FIELDS],
        ),
        status,
    )


def _default_columns() -> list[dict]:
    """A new template starts from the default one's columns."""
    try:
        return export_templates.default_template().columns
    except DomainError:
        return []


def _template_data(template: CreditTemplate | None) -> dict:
    if template is None:
        return {"columns": export_templates.columns_text(_default_columns())}
    return {
        "name": template.name,
        "file_type": template.file_type,
        "date_format": template.date_format,
        "columns": export_templates.columns_text(template.columns),
        "is_default": template.is_default,
    }


def _template_form(template: CreditTemplate | None):
    """Show the form, or save it: the page again with the errors on the form when not."""
    form = TemplateForm(data=_template_data(template))
    if not form.validate_on_submit():
        return _template_page(form, template, status=400 if request.method == "POST" else 200)
    try:
        columns = export_templates.parse_columns(form.columns.data)
    except DomainError as error:
        add_field_error(form.columns, error)
        return _template_page(form, template, status=error.status)
    if not run_change(
        lambda: export_templates.save_template(
            current_user,
            template.id if template else None,
            name=form.name.data.strip(),
            file_type=form.file_type.data,
            date_format=form.date_format.data.strip(),
            columns=columns,
            is_default=form.is_default.data,
        ),
        _("The template was saved."),
        form=form,
    ):
        return _template_page(form, template, status=400)
    return redirect(url_for("credit_admin.templates"))


@bp.route("/templates/new", methods=["GET", "POST"])
@role_required("admin")
def new_template():
    return _template_form(None)


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_template(template_id: int):
    return _template_form(export_templates.get_template(template_id))
