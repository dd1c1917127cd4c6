"""What waits for a coordinator from recruitment: applications to review (the home page's
"waiting for you"; wired by `app.wiring.wire_hooks`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.recruitment import campaigns


def applications_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Waiting]:
    """Applications submitted or shortlisted in the coordinator's teams; the link opens the
    one campaign's review page, or the campaigns page when several wait."""
    queue = campaigns.review_queue(desk.actor, desk.team_ids)
    if not queue:
        return []
    if len(queue) == 1:
        endpoint = "recruitment.review_applications"
        values = {"campaign_id": queue[0][0].id, "status": "submitted"}
    else:
        endpoint, values = "recruitment.manage", {}
    count = sum(waiting for _campaign, waiting in queue)
    label = _l("Applications to review")
    return [hooks.Waiting("applications", label, count, endpoint, values)]


def connect_hooks() -> None:
    hooks.WAITING.connect(applications_waiting)
