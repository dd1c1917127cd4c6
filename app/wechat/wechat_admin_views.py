"""WeChat admin pages: the overview (bound people, today's messages, failures, a test
message) and the template of each notification kind."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.common.access import role_required
from app.common.time import utcnow
from app.common.transaction import form_page, run_change
from app.notifications import kinds
from app.wechat import admin, client
from app.wechat.admin import SOURCE_LABELS
from app.wechat.wechat_admin_forms import TemplateForm, TestMessageForm

bp = Blueprint("wechat_admin", __name__, url_prefix="/admin/wechat")


def _test_form(templates: dict) -> TestMessageForm:
    form = TestMessageForm()
    form.kind.choices = [(kind, kinds.get(kind).label) for kind in sorted(templates)]
    return form


@bp.route("/")
@role_required("admin")
def index():
    templates = admin.templates_by_kind()
    return render_template(
        "wechat/admin.html",
        enabled=client.enabled(),
        status=admin.status(now=utcnow()),
        templates=templates,
        all_kinds=kinds.all_kinds(),
        kind_labels={kind.id: kind.label for kind in kinds.all_kinds()},
        test_form=_test_form(templates),
    )


@bp.route("/test", methods=["POST"])
@role_required("admin")
def send_test():
    form = _test_form(admin.templates_by_kind())
    if form.validate_on_submit():
        run_change(
            lambda: admin.queue_test_message(current_user, form.kind.data, now=utcnow()),
            _("The test message is queued: it reaches your WeChat within a minute."),
        )
    return redirect(url_for("wechat_admin.index"))


@bp.route("/templates/<kind>", methods=["GET", "POST"])
@role_required("admin")
def edit_template(kind: str):
    if kind not in kinds.KINDS:
        abort(404)
    row = admin.templates_by_kind().get(kind)
    form = TemplateForm(obj=row)
    if row is not None and not form.is_submitted():
        form.fields.data = admin.fields_text(row.fields)
    return form_page(
        form,
        lambda: admin.save_template(
            kind,
            form.template_id.data,
            form.fields.data,
            active=bool(form.active.data),
            actor=current_user,
            now=utcnow(),
        ),
        _("The template is saved."),
        then=url_for("wechat_admin.index"),
        template="wechat/template.html",
        kind=kinds.get(kind),
        source_labels=SOURCE_LABELS,
    )
