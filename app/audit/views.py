"""The admin's audit log page, and the hook that notes where each request came from."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, render_template, request

from app.accounts import services as accounts
from app.audit import services
from app.audit.actions import ACTION_LABELS
from app.common.access import role_required
from app.common.time import from_local_date
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.before_app_request
def remember_request_address() -> None:
    services.request_address.set(request.remote_addr)


def _date_arg(name: str) -> datetime | None:
    value = request.args.get(name, "")
    try:
        return from_local_date(datetime.strptime(value, "%Y-%m-%d").date()) if value else None
    except ValueError:
        return None


@bp.route("/")
@role_required("admin")
def index():
    until = _date_arg("until")
    filters = services.AuditFilter(
        action=request.args.get("action", ""),
        actor_id=request.args.get("actor", type=int),
        object_type=request.args.get("object_type", ""),
        object_id=request.args.get("object_id", ""),
        since=_date_arg("since"),
        until=until + timedelta(days=1) if until else None,
    )
    page = db.paginate(
        services.entries_query(filters), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    actor = accounts.find_person(filters.actor_id) if filters.actor_id else None
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actor=actor,
        actions=services.known_actions(),
        labels=ACTION_LABELS,
    )
