"""Logging in through the campus CAS server (off to its login page, back with a ticket that
the server confirms, and its single-logout call) or an OpenID Connect provider."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.accounts import cas, oidc, sso
from app.accounts.views import start_login
from app.common.transaction import transaction
from app.common.urls import external_url, safe_next_url
from app.errors import DomainError
from app.extensions import csrf, db

bp = Blueprint("sso", __name__, url_prefix="/sso")


def _service_url(next_url: str | None) -> str:
    """Our callback address, exactly as sent to the CAS server and checked with it."""
    return external_url("sso.cas_callback", next=next_url or None)


def _logged_in(user, provider: str, next_url: str | None):
    """Commit the sign-in, remember the phone, and go where the person was going."""
    start_login(user, remember=True)
    session["sso"] = provider
    return redirect(next_url or url_for("home.index"))


@bp.route("/cas/login")
def cas_login():
    if not sso.cas_enabled():
        abort(404)
    next_url = safe_next_url(request.args.get("next"))
    server = current_app.config["CAS_SERVER_URL"]
    return redirect(cas.login_url(server, _service_url(next_url)))


@bp.route("/cas/callback", methods=["GET"])
def cas_callback():
    if not sso.cas_enabled():
        abort(404)
    next_url = safe_next_url(request.args.get("next"))
    config = current_app.config
    ticket = request.args.get("ticket")
    try:
        identity = cas.validate(
            config["CAS_SERVER_URL"],
            _service_url(next_url),
            ticket,
            protocol=config["CAS_PROTOCOL"],
            timeout=config["CAS_TIMEOUT"],
        )
        user = sso.sign_in(sso.Identity.from_cas(identity), ticket=ticket)
    except DomainError as error:
        return _error_page(error)
    return _logged_in(user, "cas", next_url)


@bp.route("/cas/callback", methods=["POST"])
@csrf.exempt
def cas_single_logout():
    """The CAS server's back-channel logout: a SAML LogoutRequest naming the ticket."""
    if not sso.cas_enabled():
        abort(404)
    ticket = cas.session_index(request.form.get("logoutRequest"))
    with transaction():
        sso.single_logout(ticket)
    return "", 200


def _oidc_redirect_uri() -> str:
    return external_url("sso.oidc_callback")


def _error_page(error: DomainError):
    db.session.rollback()
    retry_url = url_for("sso.cas_login" if sso.cas_enabled() else "sso.oidc_login")
    page = render_template("accounts/sso_error.html", message=error.message, retry_url=retry_url)
    return page, error.status


@bp.route("/oidc/login")
def oidc_login():
    if not sso.oidc_enabled():
        abort(404)
    config = current_app.config
    try:
        url, pending = oidc.begin(
            config["OIDC_ISSUER"],
            config["OIDC_CLIENT_ID"],
            _oidc_redirect_uri(),
            scopes=config["OIDC_SCOPES"],
            next_url=safe_next_url(request.args.get("next")),
            timeout=config["OIDC_TIMEOUT"],
        )
    except DomainError as error:
        return _error_page(error)
    session["oidc"] = pending.as_dict()
    return redirect(url)


@bp.route("/oidc/callback")
def oidc_callback():
    if not sso.oidc_enabled():
        abort(404)
    config = current_app.config
    pending = oidc.Pending.from_dict(session.pop("oidc", None))  # used once, whatever happens
    try:
        claims = oidc.finish(
            config["OIDC_ISSUER"],
            config["OIDC_CLIENT_ID"],
            config["OIDC_CLIENT_SECRET"],
            _oidc_redirect_uri(),
            answer=request.args.to_dict(),
            pending=pending,
            timeout=config["OIDC_TIMEOUT"],
        )
        user = sso.sign_in(sso.Identity.from_oidc(claims))
    except DomainError as error:
        return _error_page(error)
    return _logged_in(user, "oidc", safe_next_url(pending.next_url))
