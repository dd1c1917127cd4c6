"""Badge pages: the catalogue, my badges (with hiding), an award's public page and its
Open Badges credential, and the admin's badge editor."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.common import share
from app.common.access import role_required
from app.common.names import mask_name
from app.common.tables import download
from app.common.transaction import form_page, form_status, run_change, transaction
from app.common.urls import external_url
from app.errors import error_response
from app.extensions import db
from app.rewards import (
    badge_admin,
    badge_creation,
    badge_images,
    badge_signing,
    badge_texts,
    badges,
    defaults,
    open_badges,
)
from app.rewards.badge_forms import BadgeForm, NewBadgeForm, VisibilityForm
from app.stars import services as stars

bp = Blueprint("badges", __name__)


@bp.app_template_global()
def badge_name(badge) -> str:
    return badge_texts.badge_text(badge, "name")


@bp.app_template_global()
def badge_description(badge) -> str:
    return badge_texts.badge_text(badge, "description")


@bp.app_template_global()
def badge_criteria(badge) -> str:
    return badge_texts.criteria_text(badge)


@bp.app_template_global()
def badge_reason(award) -> str:
    return badge_texts.award_reason(award)


@bp.app_template_global()
def badge_icon_url(badge) -> str:
    if badge.image:
        return url_for("badges.image", name=badge.image)
    return url_for("static", filename=f"badges/{badge.icon}")


def _viewer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


@bp.route("/badges")
def catalogue():
    badge_list = [badge for badge in badge_admin.all_badges() if badge.active]
    return render_template("rewards/badges/catalogue.html", badges=badge_list)


@bp.route("/badges/mine")
@login_required
def mine():
    return render_template(
        "rewards/badges/mine.html",
        awards=badges.badges_of(current_user.id, include_revoked=True),
        progress=badges.next_badges(current_user.id),
        form=VisibilityForm(),
        revoked_reason=badge_texts.revoked_reason_text,
    )


@bp.route("/badges/<public_id>/visibility", methods=["POST"])
@login_required
def set_visibility(public_id: str):
    form = VisibilityForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "warning")
        return redirect(url_for("badges.mine"))
    hidden = form.hidden.data == "1"
    with transaction():
        badges.set_hidden(public_id, current_user.id, hidden)
    if hidden:
        flash(_("The badge's page is now hidden from others."), "success")
    else:
        flash(_("The badge's page is visible to others again."), "success")
    return redirect(url_for("badges.mine"))


@bp.route("/badges/<public_id>")
def award(public_id: str):
    found = badges.public_award(public_id, _viewer_id())
    return render_template(
        "rewards/badges/award.html",
        award=found,
        holder=mask_name(found.user.name),
        own=found.user_id == _viewer_id(),
        revoked_reason=badge_texts.revoked_reason_text,
    )


@bp.route("/badges/<public_id>/share.png")
def award_poster(public_id: str):
    found = badges.public_award(public_id, _viewer_id())
    return share.poster_response(
        title=badge_texts.badge_text(found.badge, "name"),
        subtitle=badge_texts.award_reason(found) if not found.revoked_at else "",
        url=external_url("badges.award", public_id=public_id),
    )


@bp.route("/badges/<public_id>.json")
def credential(public_id: str):
    found = badges.credential_award(public_id, _viewer_id())
    body = json.dumps(open_badges.credential(found), ensure_ascii=False, indent=2)
    return download(body, open_badges.filename(found), "application/json")


@bp.errorhandler(badge_signing.SigningKeyError)
def signing_key_unusable(error: badge_signing.SigningKeyError):
    """A configuration mistake, not the visitor's: logged, and "unavailable" for now."""
    db.session.rollback()
    current_app.logger.error("Open Badges signing: %s", error)
    return error_response(503)


@bp.route("/badges/<public_id>.jwt")
def signed_credential(public_id: str):
    found = badges.credential_award(public_id, _viewer_id())
    with transaction():
        token = badge_signing.sign(open_badges.credential(found), valid_from=found.awarded_at)
    return download(token, open_badges.filename(found, "jwt"), badge_signing.MEDIA_TYPE)


@bp.route("/badges/issuer/jwks.json")
def issuer_jwks():
    return jsonify(badge_signing.published_keys())


@bp.route("/badges/issuer/keys/<thumbprint>")
def issuer_key(thumbprint: str):
    key = badge_signing.published_key(thumbprint)
    if key is None:
        abort(404)
    return jsonify(key)


@bp.route("/badges/images/<name>")
def image(name: str):
    found = badge_images.path(name)
    if found is None:
        abort(404)
    return send_file(found, mimetype="image/png", max_age=86400)


@bp.route("/admin/badges")
@role_required("admin")
def admin_index():
    # A fresh site has no badges until a rewards job first runs: create the defaults here,
    # so the admin can adjust them (e.g. Reading Star) before any job has run.
    with transaction():
        defaults.seed_defaults()
    return render_template(
        "rewards/badges/admin_index.html",
        badges=badge_admin.all_badges(),
        counts=badge_admin.award_counts(),
        lifetime_kinds=badge_creation.lifetime_kinds(),
    )


@bp.route("/admin/badges/new", methods=["GET", "POST"])
@role_required("admin")
def admin_new():
    kinds = badge_creation.creatable_kinds()
    form = NewBadgeForm.with_kinds(kinds)

    def create():
        params = badge_admin.parse_params(form.params.data, form.criterion.data)
        return badge_creation.create_badge(
            form.criterion.data, form.changes(params), form.image.data, actor=current_user
        )

    return form_page(
        form,
        create,
        _("Badge created. Everyone who already qualifies gets it within a few minutes."),
        then=url_for("badges.admin_index"),
        template="rewards/badges/admin_new.html",
        allowed={kind: list(badge_admin.param_types(kind)) for kind in kinds},
        star_hours=stars.thresholds(),
    )


@bp.route("/admin/badges/<int:badge_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def admin_edit(badge_id: int):
    badge = badge_admin.get_badge(badge_id)
    form = BadgeForm.for_badge(badge)
    if form.validate_on_submit():

        def save() -> None:
            params = badge_admin.parse_params(form.params.data, badge.criterion)
            badge_admin.update_badge(badge, form.changes(params), actor=current_user)

        if run_change(save, _("Badge saved."), form=form):
            return redirect(url_for("badges.admin_index"))
    status = form_status(form)
    return render_template(
        "rewards/badges/admin_edit.html",
        badge=badge,
        form=form,
        allowed=list(badge_admin.param_types(badge.criterion)),
    ), status
