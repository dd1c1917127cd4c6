"""Announcement pages: write one, see its receipts, read one told to you."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES, User
from app.announcements import attachments, editing, picker, services
from app.announcements.audiences import AUDIENCE_LABELS, SIGNUP_LABELS
from app.announcements.forms import AnnouncementForm, EditForm
from app.announcements.models import Announcement
from app.common.access import role_required
from app.common.forms import ActionForm, show_domain_error
from app.common.markdown import render_markdown
from app.common.time import utcnow
from app.common.transaction import form_page, posted_change, transaction
from app.common.uploads import send_stored
from app.errors import DomainError

bp = Blueprint("announcements", __name__, url_prefix="/announcements")


@bp.route("/")
@login_required
def index():
    manages = current_user.has_any_role(COORDINATOR_ROLES)
    return render_template(
        "announcements/index.html",
        received=services.received_by(current_user),
        written=services.written_by(current_user) if manages else [],
        audience_labels=AUDIENCE_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def new():
    target = request.args.get("target", type=int)
    form = AnnouncementForm(
        target_id=picker.value(request.args.get("audience", "team"), target) if target else ""
    )
    form.file.description = _(
        "A PDF or an image (JPEG, PNG or WebP), at most %(mb)s MB.",
        mb=current_app.config["ANNOUNCEMENT_ATTACHMENT_MAX_MB"],
    )
    options = picker.options(current_user, now=utcnow())
    if request.method == "POST" and request.form.get("count"):
        return _with_count(form, options)
    return form_page(
        form,
        lambda: services.write(current_user, form.draft(), attachment=form.file.data),
        _("The announcement will be sent in a minute or at the time you chose."),
        then=lambda announcement: url_for("announcements.manage", announcement_id=announcement.id),
        template="announcements/new.html",
        picker_options=options,
    )


def _with_count(form: AnnouncementForm, options: picker.Options) -> str:
    """The form again, with how many people the chosen audience reaches now (nothing is
    written; the button is part of the form, so it works without JavaScript)."""
    draft = form.draft()
    try:
        count = picker.count_now(
            current_user, draft.audience, draft.target_id, draft.signups, draft.among
        )
    except DomainError as error:
        show_domain_error(form, error)
        count = None
    return render_template(
        "announcements/new.html", form=form, picker_options=options, reach_count=count
    )


@bp.route("/<int:announcement_id>")
@login_required
def show(announcement_id: int):
    announcement = services.get(announcement_id)
    if services.may_manage(current_user, announcement):
        return manage(announcement_id)
    with transaction():  # reading it marks it read; anyone else gets NotFound (404)
        announcement = services.read(current_user, announcement_id)
    return render_template(
        "announcements/show.html",
        announcement=announcement,
        body=render_markdown(announcement.body),
    )


@bp.route("/<int:announcement_id>/receipts")
@role_required(*COORDINATOR_ROLES)
def manage(announcement_id: int):
    announcement = services.managed(current_user, announcement_id)
    return render_template(
        "announcements/manage.html",
        announcement=announcement,
        body=render_markdown(announcement.body),
        receipts=services.receipts(announcement),
        versions=editing.versions(announcement),
        may_edit=editing.may_edit(current_user, announcement),
        audience_labels=AUDIENCE_LABELS,
        signup_labels=SIGNUP_LABELS,
        action_form=ActionForm(),
    )


@bp.route("/<int:announcement_id>/remind", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def remind(announcement_id: int):
    return _managed_change(
        announcement_id,
        services.ask_reminder,
        _("The reminder to those who have not read it will go out in a minute."),
    )


@bp.route("/<int:announcement_id>/withdraw", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def withdraw(announcement_id: int):
    return _managed_change(
        announcement_id, services.withdraw, _("The announcement has been withdrawn.")
    )


def _managed_change(
    announcement_id: int, change: Callable[[User, Announcement], object], message: str
) -> Response:
    """A button on an announcement's page that a coordinator of its team presses: the change,
    then back to the page."""
    announcement = services.managed(current_user, announcement_id)
    return posted_change(
        ActionForm(),
        lambda: change(current_user, announcement),
        message,
        back=url_for("announcements.manage", announcement_id=announcement.id),
    )


@bp.route("/<int:announcement_id>/edit", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit(announcement_id: int):
    announcement = editing.editable(current_user, announcement_id)
    form = EditForm(obj=announcement)
    return form_page(
        form,
        lambda: editing.edit(
            current_user, announcement, title=form.title.data, body=form.body.data
        ),
        _("The announcement has been changed."),
        then=url_for("announcements.manage", announcement_id=announcement.id),
        template="announcements/edit.html",
        announcement=announcement,
    )


@bp.route("/<int:announcement_id>/attachment")
@login_required
def attachment(announcement_id: int):
    """Its attachment, for its recipients and the team's coordinators; 404 for anyone else."""
    announcement = services.visible_to(current_user, announcement_id)
    return send_stored(
        attachments.path(announcement), announcement.attachment_type, announcement.attachment_name
    )
