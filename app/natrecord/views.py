"""The volunteer's page for the national volunteer record: their national number and,
where asked for, their ID-card number with its own consent."""

from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.common.transaction import form_page, posted_change
from app.natrecord import identity
from app.natrecord.forms import IdNumberForm, NationalNumberForm, WithdrawForm

bp = Blueprint("natrecord", __name__)


@bp.route("/profile/identity", methods=["GET", "POST"])
@login_required
def identity_page():
    mine = identity.identity_of(current_user.id)
    form = NationalNumberForm(national_number=mine.national_number if mine else None)
    return form_page(
        form,
        lambda: identity.save_national_number(current_user, form.national_number.data),
        _("Your national volunteer number has been saved."),
        then=url_for("natrecord.identity_page"),
        template="natrecord/identity.html",
        mine=mine,
        offered=identity.id_number_offered(),
        masked=identity.masked,
        id_form=IdNumberForm(formdata=None),
        withdraw_form=WithdrawForm(),
    )


@bp.route("/profile/identity/id-number", methods=["POST"])
@login_required
def save_id_number():
    if not identity.id_number_offered():
        abort(404)
    form = IdNumberForm()
    return posted_change(
        form,
        lambda: identity.save_id_number(
            current_user, form.id_number.data, consent=form.consent.data
        ),
        _("Your ID-card number has been saved, encrypted."),
        back=url_for("natrecord.identity_page"),
    )


@bp.route("/profile/identity/id-number/withdraw", methods=["POST"])
@login_required
def withdraw_consent():
    return posted_change(
        WithdrawForm(),
        lambda: identity.withdraw_id_consent(current_user),
        _("Your consent is withdrawn and your ID-card number has been erased."),
        back=url_for("natrecord.identity_page"),
    )
