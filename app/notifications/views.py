"""Notification pages: the list, marking read, email choices; and the bell's count."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from app.common.forms import ActionForm
from app.common.transaction import form_page, transaction
from app.common.urls import safe_next_url
from app.extensions import db
from app.notifications import services
from app.notifications.forms import EmailChoicesForm
from app.wechat import client as wechat_client
from app.wechat import outbox as wechat_outbox

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def inject_unread_count() -> dict:
    """The bell's number: a function, so the COUNT query runs only on pages that show the
    bell (pages opened from a scan do not)."""
    return {"unread_notification_count": _unread_count}


def _unread_count() -> int | None:
    """Counted once a request: the bell and a page's own "mark all read" both ask."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return None
    kept = g.get("unread_notifications")
    if kept is not None and kept[0] == current_user.id:
        return kept[1]
    read_with_person = current_user.page_counts.get(services.UNREAD_LABEL)
    if read_with_person is not None:
        return read_with_person
    try:
        count = services.unread_count(current_user.id)
    except SQLAlchemyError:
        # An error page is being shown because the database failed: show it without the count.
        db.session.rollback()
        return None
    g.unread_notifications = (current_user.id, count)
    return count


@bp.route("/")
@login_required
def index():
    page = db.paginate(
        services.notifications_query(current_user.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("notifications/index.html", page=page, action_form=ActionForm())


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    notification = services.get_notification(current_user.id, notification_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    with transaction():
        services.mark_read(notification)
    return redirect(safe_next_url(notification.link) or url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    if ActionForm().validate_on_submit():
        with transaction():
            services.mark_all_read(current_user.id)
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    choices = services.email_choices(current_user.id)
    form = EmailChoicesForm()
    form.email.choices = [(choice.kind.id, choice.kind.label) for choice in choices]
    form.wechat.choices = form.email.choices
    # The WeChat column is there for a person whose WeChat is bound, while WeChat is on.
    by_wechat = wechat_client.enabled() and wechat_outbox.binding_of(current_user.id) is not None
    if not form.is_submitted():
        form.email.data = [choice.kind.id for choice in choices if choice.email]
        form.wechat.data = [choice.kind.id for choice in choices if choice.wechat]
    return form_page(
        form,
        lambda: services.set_email_choices(
            current_user.id,
            form.email.data or [],
            wechat=(form.wechat.data or []) if by_wechat else None,
        ),
        _("Your notification settings have been saved."),
        then=url_for("notifications.settings"),
        template="notifications/settings.html",
        mail_enabled=services.mail_enabled(),
        by_wechat=by_wechat,
    )
