"""The admin's pages of campus systems: register one (its application token shown once),
rotate or revoke its token, see its calls per day, and subscribe it to webhooks, whose
deliveries (with the last answer) and "send again" buttons are on the webhook's page."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.api import systems, webhooks
from app.api.api_systems_forms import SystemForm, WebhookForm
from app.api.models import ApiSystem, WebhookSubscription
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.time import utcnow
from app.common.transaction import form_status, posted_change, run_change

bp = Blueprint("api_systems", __name__, url_prefix="/admin/systems")


def _shown_once(template: str, **context) -> object:
    """A page with a secret: never kept in the browser's cache or history."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = SystemForm()
    if form.validate_on_submit():
        done = run_change(
            lambda: systems.register_system(
                current_user,
                name=form.name.data,
                scopes=form.scopes.data,
                addresses=form.allowed_addresses.data,
            ),
            form=form,
        )
        if done:
            new = done.value
            return _shown_once("api/system_secret.html", system=new.system, secret=new.secret)
    return render_template(
        "api/systems.html", form=form, systems=systems.systems(), action=ActionForm()
    ), form_status(form)


def _system(system_id: int) -> ApiSystem:
    return systems.get_system(system_id)


@bp.get("/<int:system_id>")
@role_required("admin")
def show(system_id: int):
    system = _system(system_id)
    return render_template(
        "api/system.html",
        system=system,
        calls=systems.calls_per_day(system, today=utcnow().date()),
        subscriptions=webhooks.subscriptions_of(system.id),
        scope_labels=systems.SCOPES,
        event_labels=webhooks.EVENT_LABELS,
        action=ActionForm(),
    )


@bp.post("/<int:system_id>/rotate")
@role_required("admin")
def rotate(system_id: int):
    _system(system_id)
    form = ActionForm()
    if form.validate_on_submit():
        done = run_change(lambda: systems.rotate_token(current_user, system_id))
        if done:
            new = done.value
            return _shown_once("api/system_secret.html", system=new.system, secret=new.secret)
    return redirect(url_for("api_systems.show", system_id=system_id))


@bp.post("/<int:system_id>/revoke")
@role_required("admin")
def revoke(system_id: int):
    _system(system_id)
    return posted_change(
        ActionForm(),
        lambda: systems.revoke_system(current_user, system_id),
        _("The system's token has been revoked: its calls are refused from now on."),
        back=url_for("api_systems.show", system_id=system_id),
    )


@bp.route("/<int:system_id>/webhooks/new", methods=["GET", "POST"])
@role_required("admin")
def subscribe(system_id: int):
    system = _system(system_id)
    form = WebhookForm()
    if form.validate_on_submit():
        done = run_change(
            lambda: webhooks.subscribe(
                current_user, system_id, url=form.url.data, events=form.events.data
            ),
            form=form,
        )
        if done:
            subscription, secret = done.value
            return _shown_once(
                "api/webhook_secret.html", system=system, subscription=subscription, secret=secret
            )
    return render_template("api/webhook_new.html", form=form, system=system), form_status(form)


def _subscription(system_id: int, subscription_id: int) -> WebhookSubscription:
    subscription = webhooks.get_subscription(subscription_id)
    if subscription.system_id != system_id:
        abort(404)
    return subscription


@bp.get("/<int:system_id>/webhooks/<int:subscription_id>")
@role_required("admin")
def webhook(system_id: int, subscription_id: int):
    subscription = _subscription(system_id, subscription_id)
    return render_template(
        "api/webhook.html",
        system=subscription.system,
        subscription=subscription,
        deliveries=webhooks.deliveries_of(subscription),
        event_labels=webhooks.EVENT_LABELS,
        action=ActionForm(),
    )


@bp.post("/<int:system_id>/webhooks/<int:subscription_id>/stop")
@role_required("admin")
def stop_webhook(system_id: int, subscription_id: int):
    _subscription(system_id, subscription_id)
    return posted_change(
        ActionForm(),
        lambda: webhooks.stop(current_user, subscription_id),
        _("The webhook is stopped: no new events are queued for it."),
        back=url_for("api_systems.webhook", system_id=system_id, subscription_id=subscription_id),
    )


@bp.post("/<int:system_id>/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/resend")
@role_required("admin")
def send_again(system_id: int, subscription_id: int, delivery_id: int):
    _subscription(system_id, subscription_id)
    return posted_change(
        ActionForm(),
        lambda: webhooks.send_again(current_user, subscription_id, delivery_id),
        _("The event is queued again: it goes out within a minute."),
        back=url_for("api_systems.webhook", system_id=system_id, subscription_id=subscription_id),
    )
