"""My hours, service certificates, and the public certificate verification page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.checkin import certificates as services
from app.checkin.certificate_forms import CertificateForm, VerifyUploadForm
from app.common import share, tables
from app.common.forms import show_domain_error
from app.common.time import utcnow
from app.common.transaction import form_status, run_change
from app.common.urls import external_url
from app.errors import DomainError
from app.extensions import limiter
from app.outside import services as outside
from app.stars import services as stars

bp = Blueprint("certificates", __name__)

DEFAULT_VERIFY_RATE_LIMIT = "30 per minute"


def _certificate_form() -> CertificateForm:
    form = CertificateForm()
    form.set_choices(services.semester_choices(current_user.id, now=utcnow()))
    return form


def _line_texts() -> dict[str, str]:
    """The words of every line, translated once for the page (not once per line); the
    templates fill in the hours."""
    return {
        "hours": _("%(hours)s h"),
        "scans": _("from scans: %(hours)s h"),
        "added": _("added by a coordinator: %(hours)s h"),
        "in_progress": _("checked in, not checked out yet"),
    }


def _render_hours(form: CertificateForm):
    every_line = request.args.get("all") == "1"
    hours = services.my_hours(current_user.id, shown=None if every_line else services.LINES_SHOWN)
    if not form.is_submitted():
        form.semester.data = services.default_semester(hours)
    return render_template(
        "certificates/my_hours.html",
        hours=hours,
        all_url=url_for("certificates.my_hours", all=1),
        texts=_line_texts(),
        certificates=services.certificates_of(current_user.id),
        form=form,
        format_hours=services.format_hours,
        outside_claims=outside.claims_of(current_user.id),
        outside_minutes=outside.approved_minutes_by_user([current_user.id]).get(current_user.id, 0),
        outside_format=outside.format_hours,
        stars=stars.stars_of(current_user.id),
    )


@bp.route("/hours")
@login_required
def my_hours():
    return _render_hours(_certificate_form())


@bp.route("/hours/certificates", methods=["POST"])
@login_required
def issue():
    form = _certificate_form()
    if form.validate_on_submit():
        now = utcnow()

        def issue():
            period = services.period_from(
                form.semester.data, form.start.data, form.end.data, now=now
            )
            certificate, _pdf = services.issue_certificate(current_user, period, now=now)
            return certificate

        issued = run_change(
            issue,
            lambda certificate: _("Certificate %(number)s issued.", number=certificate.number),
            form=form,
        )
        if issued:
            return redirect(url_for("certificates.download", certificate_id=issued.value.id))
    return _render_hours(form), 400


@bp.route("/hours/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int):
    certificate = services.own_certificate(certificate_id, current_user.id)
    pdf = services.certificate_pdf(certificate)
    response = tables.download(pdf, services.pdf_filename(certificate), "application/pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


# The public pages that look a certificate up by its number share one limit per address, so
# numbers cannot be tried by the thousand (on the page or through its share picture).
verify_limit = limiter.shared_limit(
    lambda: current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT", DEFAULT_VERIFY_RATE_LIMIT),
    scope="certificate-verify",
)


@bp.route("/certificates/verify/<number>", methods=["GET", "POST"])
@verify_limit
def verify(number: str):
    certificate = services.find_certificate(number)
    form = VerifyUploadForm()
    matches = None
    if form.validate_on_submit():
        data = form.file.data.read(services.MAX_UPLOAD_BYTES + 1)
        try:
            matches = services.matches_issued_pdf(certificate, data)
        except DomainError as error:
            show_domain_error(form, error)
    status = form_status(form)
    return render_template(
        "certificates/verify.html",
        view=services.public_view(certificate),
        form=form,
        matches=matches,
    ), status


@bp.route("/certificates/verify/<number>/share.png")
@verify_limit
def verify_poster(number: str):
    view = services.public_view(services.find_certificate(number))
    return share.poster_response(
        title=_("Service certificate %(number)s", number=view.number),
        subtitle=_(
            "%(hours)s hours of volunteer service · %(issuer)s",
            hours=view.total_hours,
            issuer=view.issuer,
        ),
        url=external_url("certificates.verify", number=view.number),
    )
