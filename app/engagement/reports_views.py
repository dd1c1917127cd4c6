"""Annual reports (我的年度报告), their public links, and group portraits. Thin: the figures
and the sharing live in `app.engagement.reports`, the groups in `group_portraits`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES
from app.checkin.certificates import format_hours
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.names import mask_name
from app.common.transaction import transaction
from app.engagement import group_portraits, report_years, reports
from app.engagement.charts import Chart
from app.rewards import badge_texts
from app.stars import services as stars

bp = Blueprint("reports", __name__)


def _year_or_404(year: int | None) -> int:
    if not report_years.valid_year(year):
        abort(404)
    return year


def _chart_or_404(charts: dict[str, Chart], chart_id: str) -> Chart:
    chart = charts.get(chart_id)
    if chart is None:
        abort(404)
    return chart


def _render_report(
    report, *, name: str, student_number: str | None, share, public, csv_url, stars=None
):
    return render_template(
        "engagement/report.html",
        report=report,
        charts=reports.report_charts(report),
        name=name,
        student_number=student_number,
        share=share,
        public=public,
        csv_url=csv_url,
        current_year=report_years.current_year(),
        format_hours=format_hours,
        badge_text=badge_texts.badge_text,
        stars=stars,
    )


# My annual report ---------------------------------------------------------------------------


@bp.route("/me/report")
@login_required
def my_report_now():
    return redirect(url_for("reports.my_report", year=report_years.current_year()))


@bp.route("/me/report/<int:year>")
@login_required
def my_report(year: int):
    year = _year_or_404(year)
    report = reports.annual_report(current_user.id, year)
    return _render_report(
        report,
        name=current_user.display_name,
        student_number=current_user.student_number,
        share=reports.share_of(current_user.id, year),
        public=False,
        stars=stars.stars_of(current_user.id),
        csv_url=lambda chart_id: url_for("reports.my_csv", year=year, chart_id=chart_id),
    )


@bp.route("/me/report/<int:year>/<chart_id>.csv")
@login_required
def my_csv(year: int, chart_id: str):
    year = _year_or_404(year)
    charts = reports.report_charts(reports.annual_report(current_user.id, year))
    return _chart_or_404(charts, chart_id).csv_response(f"report-{year}-{chart_id}.csv")


@bp.route("/me/report/<int:year>/share", methods=["POST"])
@login_required
def share(year: int):
    year = _year_or_404(year)
    with transaction():
        reports.create_share(current_user.id, year)
    flash(_("Anyone with the link can now see this report, with your name masked."), "success")
    return redirect(url_for("reports.my_report", year=year))


@bp.route("/me/report/<int:year>/unshare", methods=["POST"])
@login_required
def unshare(year: int):
    year = _year_or_404(year)
    with transaction():
        revoked = reports.revoke_share(current_user.id, year)
    if revoked:
        flash(_("The public link no longer works."), "success")
    return redirect(url_for("reports.my_report", year=year))


# The public link ----------------------------------------------------------------------------


@bp.route("/report/<token>")
def public_report(token: str):
    shared = reports.shared(token)
    report = reports.annual_report(shared.user_id, shared.year)
    return _render_report(
        report,
        name=mask_name(shared.user.name),
        student_number=None,
        share=None,
        public=True,
        csv_url=lambda chart_id: url_for("reports.public_csv", token=token, chart_id=chart_id),
    )


@bp.route("/report/<token>/<chart_id>.csv")
def public_csv(token: str, chart_id: str):
    shared = reports.shared(token)
    charts = reports.report_charts(reports.annual_report(shared.user_id, shared.year))
    return _chart_or_404(charts, chart_id).csv_response(f"report-{shared.year}-{chart_id}.csv")


# Group portraits ----------------------------------------------------------------------------


@bp.route("/engagement/groups/")
@role_required(*COORDINATOR_ROLES)
def groups():
    return render_template(
        "engagement/groups.html",
        groups=group_portraits.visible_groups(current_user),
        kind_labels=group_portraits.GROUP_KIND_LABELS,
        year=report_years.current_year(),
    )


def _year_arg() -> int:
    """`?year=YYYY` (the current year when absent); anything else that is not a report
    year is a 404."""
    text = request.args.get("year")
    if text is None:
        return report_years.current_year()
    if not (text.isascii() and text.isdigit()):
        abort(404)
    return _year_or_404(int(text))


def _portrait_or_abort(kind: str, key: int):
    year = _year_arg()
    return group_portraits.group_portrait(
        group_portraits.viewable_group(current_user, kind, key), year
    )


@bp.route("/engagement/groups/<kind>/<int:key>")
@role_required(*COORDINATOR_ROLES)
def group(kind: str, key: int):
    portrait = _portrait_or_abort(kind, key)
    return render_template(
        "engagement/group.html",
        portrait=portrait,
        refresh_form=ActionForm(),
        charts=group_portraits.group_charts(portrait),
        kind_labels=group_portraits.GROUP_KIND_LABELS,
        years=range(report_years.current_year(), report_years.FIRST_YEAR - 1, -1),
        format_hours=format_hours,
    )


@bp.route("/engagement/groups/<kind>/<int:key>/<chart_id>.csv")
@role_required(*COORDINATOR_ROLES)
def group_csv(kind: str, key: int, chart_id: str):
    portrait = _portrait_or_abort(kind, key)
    chart = _chart_or_404(group_portraits.group_charts(portrait), chart_id)
    return chart.csv_response(f"{kind}-{key}-{portrait.year}-{chart_id}.csv")
