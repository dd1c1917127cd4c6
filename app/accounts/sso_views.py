"""Logging in through the campus CAS server: off to its login page, back with a ticket that
the server confirms, and its single-logout call."""

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
from flask_login import login_user

from app.accounts import cas, sso
from app.common.urls import safe_next_url
from app.errors import DomainError
from app.extensions import csrf, db

bp = Blueprint("sso", __name__, url_prefix="/sso")


def _service_url(next_url: str | None) -> str:
    """Our callback address, exactly as sent to the CAS server and checked with it."""
    return url_for("sso.cas_callback", next=next_url or None, _external=True)


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
        user = sso.sign_in(identity, ticket)
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/sso_error.html", message=error.message), error.status
    db.session.commit()
    session.permanent = True
    login_user(user, remember=True)
    session["locale"] = user.locale
    session["sso"] = "cas"
    return redirect(next_url or url_for("home.index"))


@bp.route("/cas/callback", methods=["POST"])
@csrf.exempt
def cas_single_logout():
    """The CAS server's back-channel logout: a SAML LogoutRequest naming the ticket."""
    if not sso.cas_enabled():
        abort(404)
    ticket = cas.session_index(request.form.get("logoutRequest"))
    if sso.single_logout(ticket):
        db.session.commit()
    return "", 200
