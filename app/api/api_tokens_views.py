"""The profile's API token pages: list, create (the secret shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import services
from app.api.forms import RevokeForm, TokenForm
from app.common.time import utcnow
from app.common.transaction import form_status, run_change, transaction
from app.extensions import db

tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/profile/tokens")


@tokens_bp.route("", methods=["GET", "POST"])
@login_required
def index():
    form = TokenForm()
    form.set_scope_choices(services.personal_scope_labels())
    if form.validate_on_submit():
        created = run_change(
            lambda: services.create_token(
                current_user,
                name=form.name.data,
                scopes=form.scopes.data,
                days=form.expires_in.data,
            ),
            form=form,
        )
        if created:
            new = created.value
            page = render_template("api/token_created.html", token=new.token, secret=new.secret)
            response = make_response(page)
            # The secret must not come back from the browser's cache or history.
            response.headers["Cache-Control"] = "no-store"
            return response
    page = db.paginate(
        services.tokens_query(current_user),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    now = utcnow()
    return render_template(
        "api/tokens.html",
        form=form,
        page=page,
        now=now,
        active_count=services.count_active_tokens(current_user, now=now),
        max_active=services.MAX_ACTIVE_TOKENS,
        scope_labels=services.SCOPES,
        revoke_form=RevokeForm(),
    ), form_status(form)


@tokens_bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if RevokeForm().validate_on_submit():
        with transaction():
            token = services.revoke_token(current_user, token_id)
        flash(_("The token “%(name)s” has been revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
