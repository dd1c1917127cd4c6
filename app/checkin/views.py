"""Check-in pages: a shift's kiosk with its rotating code, the page a phone opens when it
scans that code, and the volunteer's own rotating personal code."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from functools import lru_cache

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    session,
)
from flask_login import current_user, login_required

from app.checkin import place, scan_messages, services, tokens, typed, windows
from app.checkin.forms import CheckOutForm, TypedCodeForm, new_nonce
from app.common.time import utcnow
from app.common.transaction import transaction
from app.common.urls import external_url
from app.errors import DomainError
from app.extensions import db
from app.recruitment.access import can_manage_team
from app.recruitment.poster import qr_svg
from app.shifts import signups
from app.shifts.models import Shift

bp = Blueprint("checkin", __name__)

# The kiosk code this browser last read, and when: see `services.scan_kiosk_code(read_at=)`.
READ_KEY = "checkin_code_read"
CODE_MAX = 64


def _no_store(response):
    """Codes rotate: neither the browser nor a proxy may keep a page showing one."""
    response.headers["Cache-Control"] = "no-store"
    return response


@lru_cache(maxsize=256)
def _qr_image(text: str) -> str:
    """`text` as a QR code, as an image address for `<img src>` (the CSP allows data:)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode()


def _scan_url(code: str) -> str:
    """The short absolute address a phone camera opens."""
    return external_url("checkin.scan", code=code)


# The kiosk -----------------------------------------------------------------------------------


def _kiosk_shift(shift_id: int) -> Shift:
    """The shift, for its team's coordinators only (others learn nothing: 404)."""
    try:
        shift = signups.get_shift(shift_id)
    except DomainError:
        abort(404)
    if not can_manage_team(current_user, shift.task.team_id):
        abort(404)
    return shift


def _kiosk_state(shift: Shift, now: datetime) -> dict:
    code = tokens.kiosk_code(shift.id, now=now)
    url = _scan_url(code)
    typed_code = typed.current_typed_code(shift, now=now)
    counts = windows.kiosk_counts(shift)
    return {
        "code": code,
        "url": url,
        "qr": _qr_image(url),
        "typed_code": typed_code,
        "seconds_left": tokens.seconds_left(now),
        "counts": {
            "in": counts.checked_in,
            "out": counts.checked_out,
            "expected": counts.expected,
        },
    }


def _kiosk_offline(shift: Shift) -> dict:
    """What the kiosk's script needs to go on making codes without the server: the shift's
    kiosk key (valid for this shift's check-in window only) and the scan address."""
    placeholder = "CODE"
    return {
        "key": tokens.kiosk_key_of(shift.id).hex(),
        "scan_base": _scan_url(placeholder)[: -len(placeholder)],
        "period": tokens.code_period(),
        "until_ms": int(shift.ends_at.replace(tzinfo=UTC).timestamp() * 1000),
    }


@bp.route("/checkin/shifts/<int:shift_id>/kiosk")
@login_required
def kiosk(shift_id: int):
    shift = _kiosk_shift(shift_id)
    state = _kiosk_state(shift, utcnow())
    page = render_template(
        "checkin/kiosk.html", shift=shift, state=state, offline=_kiosk_offline(shift)
    )
    return _no_store(make_response(page))


@bp.route("/checkin/shifts/<int:shift_id>/kiosk.json")
@login_required
def kiosk_state(shift_id: int):
    return _no_store(jsonify(_kiosk_state(_kiosk_shift(shift_id), utcnow())))


# The scan landing ----------------------------------------------------------------------------


def _remember_read(code: str, now: datetime) -> None:
    """Keep when this browser first read a current code (in its signed session)."""
    seen = session.get(READ_KEY) or {}
    if seen.get("code") != code and tokens.code_is_current(code, now=now):
        session[READ_KEY] = {"code": code, "at": now.isoformat()}


def _read_at(code: str) -> datetime | None:
    seen = session.get(READ_KEY) or {}
    if seen.get("code") != code:
        return None
    try:
        return datetime.fromisoformat(seen.get("at", ""))
    except (TypeError, ValueError):
        return None


@bp.route("/c/<code>", methods=["GET", "POST"])
def scan(code: str):
    """A phone camera opened the kiosk's code: check in at once (GET). The GET's nonce is
    the code itself, so reloading the page replays the answer instead of acting again; the
    check-out button posts its own nonce."""
    code = code[:CODE_MAX]
    now = utcnow()
    if not current_user.is_authenticated:
        _remember_read(code, now)
        return current_app.login_manager.unauthorized()
    if request.method == "POST":
        form = CheckOutForm()
        if not form.validate_on_submit():
            abort(400)
        action, nonce = "out", f"out:{form.nonce.data}"
    else:
        action, nonce = "auto", f"scan:{code}"
    try:
        with transaction():
            result = services.scan_kiosk_code(
                code,
                current_user._get_current_object(),
                action=action,
                nonce=nonce,
                device=request.user_agent.string or "",
                ip=request.remote_addr or "",
                now=now,
                read_at=_read_at(code),
            )
            ask_position = place.await_position(result)
            # What was just written is what the page shows: keep it loaded rather than read
            # the person, shift and task again after the commit (the hot path at events).
            db.session().expire_on_commit = False
    except DomainError as error:
        abort(error.status)
    _remember_read(code, now)
    minutes = result.attendance.scan_minutes if result.outcome == "checked_out" else None
    page = render_template(
        "checkin/scan.html",
        result=result,
        code=code,
        form=CheckOutForm(formdata=None, nonce=new_nonce()),
        hours=scan_messages.hours_text(minutes) if minutes is not None else None,
        ask_position=ask_position,
    )
    return _no_store(make_response(page))


# The typed code ------------------------------------------------------------------------------


@bp.route("/checkin/code", methods=["GET", "POST"])
@login_required
def typed_code():
    """The six digits under the kiosk's QR code, typed on a phone that cannot scan it."""
    form = TypedCodeForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _typed_page(form, None, status)
    try:
        with transaction():
            result = typed.scan_typed_code(
                form.code.data,
                current_user._get_current_object(),
                nonce=f"typed:{form.nonce.data}",
                device=request.user_agent.string or "",
                ip=request.remote_addr or "",
            )
            db.session().expire_on_commit = False
    except DomainError as error:
        abort(error.status)
    if result.outcome == "refused":
        return _typed_page(form, result, 200)
    page = render_template("checkin/scan.html", result=result, code=None, form=None, hours=None)
    return _no_store(make_response(page))


def _typed_page(form: TypedCodeForm, result: services.ScanResult | None, status: int):
    fresh = TypedCodeForm(formdata=None, nonce=new_nonce())
    fresh.code.errors = list(form.code.errors) if request.method == "POST" else []
    page = render_template("checkin/typed_code.html", form=fresh, result=result)
    return _no_store(make_response(page, status))


# Offline phones ------------------------------------------------------------------------------


@bp.route("/sw.js")
def service_worker():
    """The service worker of the check-in pages (registered for /c/ and /checkin/ only):
    served from the root so that one script may take both scopes."""
    response = current_app.send_static_file("sw.js")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/checkin/offline")
def offline():
    """What a phone without a connection shows for a check-in page: the same for everyone,
    with nothing of the person, so the service worker may keep it."""
    return render_template("checkin/offline.html")


@bp.route("/checkin/records/<int:attendance_id>/place", methods=["POST"])
@login_required
def report_place(attendance_id: int):
    """The scan page's position, as JSON {"latitude", "longitude"}; answers the flag."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    try:
        with transaction():
            record = place.record_position(
                attendance_id,
                current_user,
                body.get("latitude"),
                body.get("longitude"),
                now=utcnow(),
            )
            answer = {"place_check": record.place_check, "distance_m": record.place_distance_m}
    except DomainError as error:
        return jsonify({"error": str(error.message)}), error.status
    return jsonify(answer)


# The personal code ---------------------------------------------------------------------------


def _personal_state(now: datetime) -> dict:
    code = tokens.personal_code(current_user.id, now=now)
    return {"code": code, "qr": _qr_image(code), "seconds_left": tokens.seconds_left(now)}


@bp.route("/checkin/my-code")
@login_required
def my_code():
    state = _personal_state(utcnow())
    return _no_store(make_response(render_template("checkin/my_code.html", state=state)))


@bp.route("/checkin/my-code.json")
@login_required
def my_code_state():
    return _no_store(jsonify(_personal_state(utcnow())))
