"""What waits for a coordinator from recruitment: applications to review (the home page's
"waiting for you"; wired by `app.wiring.wire_hooks`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.recruitment import campaigns


def applications_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Counted]:
    """Applications submitted or shortlisted in the coordinator's teams; the link opens the
    one campaign's review page, or the campaigns page when several wait."""
    columns = campaigns.review_queue_columns(desk.actor, desk.team_ids)
    return [] if columns is None else [hooks.Counted(columns, _applications)]


def _applications(values: tuple) -> list[hooks.Waiting]:
    count, campaigns_waiting, campaign_id = values
    if not count:
        return []
    if campaigns_waiting == 1:
        endpoint = "recruitment.review_applications"
        link = {"campaign_id": campaign_id, "status": "submitted"}
    else:
        endpoint, link = "recruitment.manage", {}
    label = _l("Applications to review")
    return [hooks.Waiting("applications", label, count, endpoint, link)]


def connect_hooks() -> None:
    hooks.WAITING.connect(applications_waiting)
