"""Home page per role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts import queries as account_queries
from app.accounts import services as account_services
from app.accounts.forms import ROLE_LABELS
from app.announcements import services as announcements
from app.columns.forms import STATUS_LABELS as CONTRIBUTION_STATUS_LABELS
from app.home import desk, reader
from app.home import today as home_today
from app.recruitment import applying, eligibility, labels

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    counts = account_queries.people_counts() if current_user.has_role("admin") else None
    applications = applying.applications_of(current_user, limit=5)
    return render_template(
        "home/index.html",
        people_counts=counts,
        open_campaigns=eligibility.eligible_open_campaigns(current_user),
        my_applications=applications,
        application_status_labels=labels.STATUS_LABELS,
        role_labels=ROLE_LABELS,
        profile_gaps=account_services.profile_gaps(current_user),
        pinned_announcements=announcements.received_by(current_user, pinned_only=True),
        desk=desk.desk(current_user) if desk.runs_teams(current_user) else None,
        reader=reader.reader_home(current_user),
        contribution_status_labels=CONTRIBUTION_STATUS_LABELS,
        **home_today.for_home(current_user, applications=applications),
    )
