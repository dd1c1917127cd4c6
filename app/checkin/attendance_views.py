"""Coordinator pages: a shift's live attendance sheet, fixing one person's record, and
the scanner for volunteers' personal codes. Other teams' shifts answer 404."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from app.accounts.models import COORDINATOR_ROLES
from app.checkin import (
    attendance,
    attendance_corrections,
    attendance_sheet,
    attendance_verification,
    offline,
)
from app.checkin import paper_entry as paper
from app.checkin import services as engine
from app.checkin import signin_sheet as printable
from app.checkin.attendance_forms import (
    AddMinutesForm,
    CodeForm,
    CorrectionForm,
    UnverifyForm,
)
from app.checkin.offline_labels import offline_reason_label, offline_reason_labels
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.tables import download
from app.common.time import local_to_utc, to_local, utc_to_local, utcnow
from app.common.transaction import run_change, transaction
from app.errors import DomainError
from app.shifts.shift_edits import format_span

bp = Blueprint("attendance", __name__, url_prefix="/attendance")

NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
OUTCOME_STYLES = {
    "checked_in": "success",
    "checked_out": "primary",
    "already_in": "warning",
    "refused": "danger",
}


def _to_sheet(shift_id: int):
    return redirect(url_for("attendance.shift_sheet", shift_id=shift_id))


def _to_person(shift_id: int, user_id: int):
    return redirect(url_for("attendance.person", shift_id=shift_id, user_id=user_id))


def _url_if(endpoint: str, **values) -> str | None:
    """A link to a page another part of the check-in feature provides, when it exists."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _nonce(value: object) -> str | None:
    text = value if isinstance(value, str) else ""
    return text if NONCE.match(text) else None


# The sheet -----------------------------------------------------------------------------------


@bp.route("/shifts/<int:shift_id>")
@role_required(*COORDINATOR_ROLES)
def shift_sheet(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    return render_template(
        "attendance/sheet.html",
        sheet=attendance_sheet.shift_sheet(shift, actor=current_user, now=utcnow()),
        shift=shift,
        task=shift.task,
        when=format_span(shift),
        kiosk_url=_url_if("checkin.kiosk", shift_id=shift.id),
        action_form=ActionForm(),
        status_labels=attendance.STATUS_LABELS,
        method_labels=attendance.METHOD_LABELS,
        action_labels=attendance.ACTION_LABELS,
        offline_conflicts=offline.conflicts(shift),
        reason_label=offline_reason_label,
        devices=offline.devices_of(shift),
        now=utcnow(),
    )


@bp.route("/shifts/<int:shift_id>/summary")
@role_required(*COORDINATOR_ROLES)
def summary(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    return jsonify(attendance_sheet.sheet_summary(shift, actor=current_user, now=utcnow()))


@bp.route("/shifts/<int:shift_id>/export.csv")
@role_required(*COORDINATOR_ROLES)
def export(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    with transaction():
        data, filename = attendance_sheet.export_sheet(shift, actor=current_user, now=utcnow())
    return download(data, filename, "text/csv; charset=utf-8")


@bp.route("/shifts/<int:shift_id>/signin-sheet.pdf")
@role_required(*COORDINATOR_ROLES)
def signin_sheet(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    with transaction():
        data, filename = printable.signin_sheet_pdf(shift, actor=current_user, now=utcnow())
    return download(data, filename, "application/pdf")


WALK_IN_LINES = 5


def _paper_lines(rows: list[paper.PaperRow]) -> list[paper.PaperLine]:
    """The posted lines: one per listed person (`p<id>-…`), then the walk-in lines
    (`w<n>-number`, …)."""
    form = request.form

    def line(key: str, **fields) -> paper.PaperLine:
        return paper.PaperLine(
            key=key,
            # Replacing a scanned record is the scanned person's "present".
            present=bool(form.get(f"{key}-present") or form.get(f"{key}-replace")),
            checked_in=form.get(f"{key}-in", "")[:10],
            checked_out=form.get(f"{key}-out", "")[:10],
            replace=bool(form.get(f"{key}-replace")),
            **fields,
        )

    lines = [line(row.key, user_id=row.person.id) for row in rows]
    for n in range(WALK_IN_LINES):
        number = form.get(f"w{n}-number", "").strip()[:32]
        if number or form.get(f"w{n}-in", "").strip() or form.get(f"w{n}-out", "").strip():
            lines.append(line(f"w{n}", student_number=number))
    return lines


def _paper_defaults(rows: list[paper.PaperRow]) -> dict[str, str]:
    """The lines entered from paper before, shown as they were saved."""
    shown: dict[str, str] = {}
    for row in rows:
        record = row.record
        if record is not None and record.from_paper and record.status != "undone":
            shown[f"{row.key}-present"] = "1"
            shown[f"{row.key}-in"] = f"{to_local(record.checked_in_at):%H:%M}"
            if record.checked_out_at:
                shown[f"{row.key}-out"] = f"{to_local(record.checked_out_at):%H:%M}"
    return shown


@bp.route("/shifts/<int:shift_id>/paper", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def paper_entry(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    rows = paper.paper_rows(shift, actor=current_user)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and ActionForm().validate_on_submit():
        saved = run_change(
            lambda: paper.enter_paper_sheet(
                shift, _paper_lines(rows), actor=current_user, now=utcnow()
            ),
            lambda n: _("The paper sheet has been saved: %(n)d records written.", n=n),
        )
        if saved:
            return _to_sheet(shift.id)
        errors = getattr(saved.error, "errors", {})
        status = 400
    elif request.method == "POST":
        status = 400
    page = render_template(
        "attendance/paper.html",
        shift=shift,
        task=shift.task,
        when=format_span(shift),
        rows=rows,
        errors=errors,
        posted=request.form if status == 400 else _paper_defaults(rows),
        walk_in_lines=WALK_IN_LINES,
        action_form=ActionForm(),
    )
    return page, status


@bp.route("/shifts/<int:shift_id>/verify", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def verify_all(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    if ActionForm().validate_on_submit():
        with transaction():
            count = attendance_verification.verify_on_time(shift, actor=current_user, now=utcnow())
        if count:
            flash(_("%(n)d on-time records have been verified.", n=count), "success")
        else:
            flash(_("Nothing left to verify: no on-time record is waiting."), "info")
    return _to_sheet(shift.id)


@bp.route("/shifts/<int:shift_id>/people/<int:user_id>/check-in", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def check_in_by_hand(shift_id: int, user_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    person = attendance.person_on_sheet(shift, user_id)
    # The sheet's button says what it does ("in" or "out"); without it, as on the scanner,
    # a second press within two minutes is taken for a double tap.
    action = request.form.get("action", "auto")
    if ActionForm().validate_on_submit():
        checked = run_change(
            lambda: engine.check_in_by_hand(
                shift, person, actor=current_user, action=action, now=utcnow()
            )
        )
        if checked:
            result = checked.value
            flash(result.message, "danger" if result.outcome == "refused" else "success")
    return _to_sheet(shift.id)


# One person's record -------------------------------------------------------------------------


def _person_page(shift, person, *, correction=None, add=None, unverify=None, status=200):
    record = attendance.find_attendance(shift, person.id)
    if correction is None and record is not None:
        correction = CorrectionForm(
            formdata=None,
            status=record.status,
            checked_in_at=utc_to_local(record.checked_in_at),
            checked_out_at=utc_to_local(record.checked_out_at),
        )
    page = render_template(
        "attendance/person.html",
        shift=shift,
        person=person,
        record=record,
        when=format_span(shift),
        correction=correction,
        add=add or AddMinutesForm(formdata=None),
        unverify=unverify or UnverifyForm(formdata=None),
        action_form=ActionForm(),
        status_labels=attendance.STATUS_LABELS,
        can_undo=record is not None and attendance.can_undo(record, now=utcnow()),
    )
    return page, status


@bp.route("/shifts/<int:shift_id>/people/<int:user_id>")
@role_required(*COORDINATOR_ROLES)
def person(shift_id: int, user_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    return _person_page(shift, attendance.person_on_sheet(shift, user_id))


@bp.route("/shifts/<int:shift_id>/people/<int:user_id>/add", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def add_minutes(shift_id: int, user_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    person = attendance.person_on_sheet(shift, user_id)
    form = AddMinutesForm()
    if form.validate_on_submit() and run_change(
        lambda: attendance_corrections.add_minutes_for(
            shift,
            person,
            form.minutes.data,
            form.evidence.data,
            actor=current_user,
            now=utcnow(),
        ),
        _("%(n)d minutes have been added.", n=form.minutes.data),
        form=form,
    ):
        return _to_person(shift.id, person.id)
    return _person_page(shift, person, add=form, status=400)


def _edited(value, stored):
    """The form's time in UTC, or None when it is the stored time shown to the minute (so
    the seconds of a scanned time survive an edit of the other field)."""
    moment = local_to_utc(value)
    if (
        moment is not None
        and stored is not None
        and moment == stored.replace(second=0, microsecond=0)
    ):
        return None
    return moment


@bp.route("/records/<int:attendance_id>/correct", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def correct(attendance_id: int):
    record = attendance.managed_attendance(attendance_id, current_user)
    form = CorrectionForm()
    if form.validate_on_submit() and run_change(
        lambda: attendance_corrections.correct_attendance(
            record,
            actor=current_user,
            reason=form.reason.data,
            status=form.status.data,
            checked_in_at=_edited(form.checked_in_at.data, record.checked_in_at),
            checked_out_at=_edited(form.checked_out_at.data, record.checked_out_at),
            now=utcnow(),
        ),
        _("The record has been corrected."),
        form=form,
    ):
        return _to_person(record.shift_id, record.user_id)
    return _person_page(record.shift, record.user, correction=form, status=400)


def _record_button(attendance_id: int, change: Callable[..., object], success: str) -> Response:
    """A record's button on the sheet: `change(record, actor=…, now=…)`, then back to the
    sheet of the record's shift."""
    record = attendance.managed_attendance(attendance_id, current_user)
    shift_id = record.shift_id
    if ActionForm().validate_on_submit():
        run_change(lambda: change(record, actor=current_user, now=utcnow()), success)
    return _to_sheet(shift_id)


@bp.route("/records/<int:attendance_id>/undo", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def undo(attendance_id: int):
    return _record_button(
        attendance_id, attendance_corrections.undo_check_in, _("The check-in has been undone.")
    )


@bp.route("/records/<int:attendance_id>/verify", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def verify(attendance_id: int):
    return _record_button(
        attendance_id, attendance_verification.verify, _("The record has been verified.")
    )


@bp.route("/records/<int:attendance_id>/unverify", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def unverify(attendance_id: int):
    record = attendance.managed_attendance(attendance_id, current_user)
    form = UnverifyForm()
    if form.validate_on_submit() and run_change(
        lambda: attendance_verification.unverify(
            record, actor=current_user, reason=form.reason.data, now=utcnow()
        ),
        _("The verification has been withdrawn."),
        form=form,
    ):
        return _to_person(record.shift_id, record.user_id)
    return _person_page(record.shift, record.user, unverify=form, status=400)


# The scanner ---------------------------------------------------------------------------------


def _scan(shift, code: str, nonce: str | None):
    """Run the engine on a scanned or typed personal code and commit its log row."""
    with transaction():
        return engine.scan_personal_code(
            shift,
            attendance.extract_code(code),
            actor=current_user,
            nonce=nonce,
            device=request.user_agent.string or "",
            ip=request.remote_addr or "",
            now=utcnow(),
        )


def _answer(result) -> dict:
    record = result.attendance
    moment = None
    if record is not None:
        moment = record.checked_out_at if result.outcome == "checked_out" else record.checked_in_at
    return {
        "outcome": result.outcome,
        "reason": result.reason,
        "reason_label": attendance.reason_label(result.reason),
        "message": str(result.message),
        "replayed": result.replayed,
        "style": OUTCOME_STYLES.get(result.outcome, "secondary"),
        "name": result.person.name if result.person is not None else "",
        "number": result.person.student_number if result.person is not None else "",
        "time": f"{to_local(moment):%H:%M}" if moment else "",
        "late": bool(record is not None and record.late),
        "minutes": record.total_minutes if record is not None and record.status == "out" else None,
    }


@bp.route("/shifts/<int:shift_id>/scanner", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def scanner(shift_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    form = CodeForm()
    answer = None
    if form.validate_on_submit():
        try:
            answer = _answer(_scan(shift, form.code.data, _nonce(form.nonce.data)))
        except DomainError as error:
            flash(str(error.message), "danger")
    form = CodeForm(formdata=None, nonce=secrets.token_urlsafe(12))
    return render_template(
        "attendance/scanner.html",
        shift=shift,
        when=format_span(shift),
        form=form,
        answer=answer,
        offline_reasons=offline_reason_labels(),
    )


@bp.route("/shifts/<int:shift_id>/scanner/scan", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def scan(shift_id: int):
    """The scanner page's JSON endpoint: {"code", "nonce"} in, the answer out."""
    try:
        shift = attendance.managed_shift(shift_id, current_user)
    except DomainError as error:
        return jsonify({"error": str(error.message)}), error.status
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        return jsonify({"error": _("No code was read.")}), 400
    try:
        result = _scan(shift, code, _nonce(body.get("nonce")))
    except DomainError as error:
        return jsonify({"error": str(error.message)}), error.status
    return jsonify(_answer(result))


# Scanning offline ----------------------------------------------------------------------------


def _json_error(error: DomainError):
    return jsonify({"error": str(error.message)}), error.status


@bp.route("/shifts/<int:shift_id>/offline-device", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def offline_device(shift_id: int):
    """A device key and the shift's bundle for the scanner page to keep offline: {"device"}
    names the key the page already holds, kept while valid."""
    try:
        shift = attendance.managed_shift(shift_id, current_user)
        with transaction():
            held = request.get_json(silent=True)
            held = held.get("device") if isinstance(held, dict) else None
            device = offline.device_for(shift, held, actor=current_user, now=utcnow())
            body = offline.bundle(shift, device, now=utcnow())
    except DomainError as error:
        return _json_error(error)
    return jsonify(body)


@bp.route("/shifts/<int:shift_id>/offline-scans", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def offline_scans(shift_id: int):
    """Queued scans from a device: {"device", "clock", "scans": [...]} in, an answer per
    scan out."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    try:
        shift = attendance.managed_shift(shift_id, current_user)
        with transaction():
            upload = offline.apply_offline_scans(
                shift,
                body.get("device"),
                body.get("scans"),
                actor=current_user,
                device_clock=body.get("clock"),
                now=utcnow(),
            )
    except DomainError as error:
        return _json_error(error)
    return jsonify(
        {
            "answers": upload.answers,
            "skew_seconds": upload.skew_seconds,
            "clock_off": upload.clock_off,
            "clock_message": _(
                "This device's clock is off by %(n)d seconds; scan times were corrected.",
                n=upload.skew_seconds,
            )
            if upload.clock_off
            else "",
        }
    )


@bp.route("/shifts/<int:shift_id>/devices/<int:device_id>/revoke", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def revoke_device(shift_id: int, device_id: int):
    shift = attendance.managed_shift(shift_id, current_user)
    if ActionForm().validate_on_submit():
        run_change(
            lambda: offline.revoke_device(shift, device_id, actor=current_user, now=utcnow()),
            _("The device can no longer upload scans."),
        )
    return _to_sheet(shift.id)


@bp.route("/scanner-sw.js")
def scanner_worker():
    """The scanner's service worker, served under /attendance/ so its scope covers the
    scanner pages (it caches the page shell and its scripts for reloading offline)."""
    response = current_app.send_static_file("sw-scanner.js")
    response.headers["Service-Worker-Allowed"] = "/attendance/"
    response.headers["Cache-Control"] = "no-cache"
    return response
