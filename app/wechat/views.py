"""Logging in from the Official Account's menu: inside WeChat's browser a visitor who is not
logged in goes once through WeChat's silent web authorisation; a bound WeChat logs its person
in, an unbound one goes on to the page it asked for and is bound when the person next logs in
on this device. The profile's unbind button."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import hooks
from app.accounts.forms import ConfirmForm
from app.accounts.models import User
from app.accounts.views import start_login
from app.common.transaction import run_change
from app.common.urls import base_url, external_url, safe_next_url
from app.errors import DomainError
from app.extensions import db
from app.wechat import bindings, client, jssdk, oauth

bp = Blueprint("wechat", __name__, url_prefix="/wechat")

# Session keys: the authorisation under way, "already went through it on this device", and
# the WeChat to bind at the next login.
PENDING_AUTHORISATION = "wechat_oauth"
TRIED = "wechat_tried"
TO_BIND = "wechat_openid"


def in_wechat() -> bool:
    return "MicroMessenger" in (request.headers.get("User-Agent") or "")


def _wanted_page() -> str | None:
    """Where the visitor was going: the login page's own `next`, else this page."""
    if request.endpoint == "accounts.login":
        return safe_next_url(request.args.get("next"))
    return safe_next_url(request.full_path.rstrip("?"))


def _authorise(next_url: str | None):
    """Off to WeChat's silent authorisation, with a fresh state kept in the session."""
    state = secrets.token_urlsafe(16)
    session[TRIED] = True
    session[PENDING_AUTHORISATION] = {"state": state, "next": next_url}
    return redirect(oauth.authorize_url(external_url("wechat.callback"), state))


@bp.before_app_request
def authorise_in_wechat():
    """Once per device (not again after logging out), a WeChat visitor who is not logged in
    goes through the authorisation. Nothing happens outside WeChat or without its settings."""
    endpoint = request.endpoint or ""
    if (
        request.method != "GET"
        or not in_wechat()
        or endpoint in ("", "static")
        or endpoint.startswith("wechat.")
        or request.path.startswith("/api/")
        or session.get(TRIED)
        or not client.enabled()
        or current_user.is_authenticated
    ):
        return None
    return _authorise(_wanted_page())


@bp.app_context_processor
def wechat_context() -> dict:
    return {
        "wechat_enabled": client.enabled(),
        "wechat_will_bind": bool(session.get(TO_BIND)) and client.enabled(),
        "wechat_binding_of": bindings.binding_of,
        "wechat_jssdk": jssdk_for_this_page,
    }


def jssdk_for_this_page() -> dict[str, object] | None:
    """The JS-SDK configuration for this page, once per request: only inside WeChat with its
    settings. Signed for the address the browser shows, under `APP_BASE_URL`."""
    if "wechat_jssdk" not in g:
        g.wechat_jssdk = None
        if in_wechat() and client.enabled():
            g.wechat_jssdk = jssdk.page_config(_address_shown())
    return g.wechat_jssdk


def _address_shown() -> str:
    base = base_url()
    if not base:
        return request.url
    shown = urlsplit(request.url)
    site = urlsplit(base)
    return shown._replace(scheme=site.scheme, netloc=site.netloc).geturl()


@bp.route("/login")
def login():
    """Start the authorisation again (the error page's "try again")."""
    if not client.enabled():
        abort(404)
    return _authorise(safe_next_url(request.args.get("next")))


@bp.route("/callback")
def callback():
    if not client.enabled():
        abort(404)
    pending = session.pop(PENDING_AUTHORISATION, None)  # used once, whatever happens
    if not isinstance(pending, dict) or not _same_state(pending.get("state"), request):
        return _error_page(
            DomainError(_("This WeChat login did not start on this page. Please open it again.")),
            None,
        )
    next_url = safe_next_url(pending.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    try:
        openid = oauth.openid_for(request.args.get("code"), external_url("wechat.callback"))
    except DomainError as error:
        return _error_page(error, next_url)
    user = bindings.person_for(openid)
    if user is None:
        # Remembered for the next login here; a public page (a poster's campaign) is shown
        # as it is, a page that needs a login asks for one with a line about the binding.
        session[TO_BIND] = openid
        return redirect(next_url or url_for("accounts.login"))
    start_login(user, remember=True)
    return redirect(next_url or url_for("home.index"))


def _same_state(expected: object, answer) -> bool:
    given = answer.args.get("state") or ""
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), given.encode())


def _error_page(error: DomainError, next_url: str | None):
    db.session.rollback()
    page = render_template("wechat/error.html", message=error.message, next_url=next_url)
    return page, error.status


@bp.route("/unbind", methods=["POST"])
@login_required
def unbind():
    if not client.enabled():
        abort(404)
    if ConfirmForm().validate_on_submit():
        session.pop(TO_BIND, None)
        run_change(lambda: bindings.unbind(current_user), _("Your WeChat has been unbound."))
    return redirect(url_for("accounts.profile"))


def bind_at_login(user: User) -> None:
    """The WeChat this device came from is bound to the person who just logged in on it. A
    refusal (bound to someone else) leaves the login as it is and says why."""
    openid = session.pop(TO_BIND, None)
    if not openid or not client.enabled():
        return
    try:
        bindings.bind(user, openid)
    except DomainError as error:
        flash(str(error.message), "warning")
    else:
        flash(_("Your WeChat is now bound: next time WeChat logs you in."), "success")


def connect_hooks() -> None:
    hooks.LOGGED_IN.connect(bind_at_login)
