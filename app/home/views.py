"""Home page per role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.accounts import queries as account_queries
from app.accounts import services as account_services
from app.accounts.forms import ROLE_LABELS
from app.accounts.models import COORDINATOR_ROLES
from app.announcements import services as announcements
from app.home import today as home_today
from app.recruitment import applying, campaigns, eligibility, labels

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    counts = account_queries.people_counts() if current_user.has_role("admin") else None
    manages = current_user.has_any_role(COORDINATOR_ROLES)
    return render_template(
        "home/index.html",
        people_counts=counts,
        open_campaigns=eligibility.eligible_open_campaigns(current_user),
        my_applications=applying.applications_of(current_user, limit=5),
        review_queue=campaigns.review_queue(current_user) if manages else [],
        application_status_labels=labels.STATUS_LABELS,
        role_labels=ROLE_LABELS,
        profile_gaps=account_services.profile_gaps(current_user),
        pinned_announcements=announcements.received_by(current_user, pinned_only=True),
        **home_today.for_home(current_user),
    )
