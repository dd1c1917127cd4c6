"""What waits for a coordinator from the team inboxes: threads no coordinator has answered
yet (the home page's "waiting for you"; wired by `app.wiring`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.messages import services


def messages_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Waiting]:
    """Unanswered threads in the teams `actor` coordinates; the link opens the one team's
    inbox on its waiting threads, or the list of inboxes when several teams have some."""
    counts = {
        team: count
        for team, count in services.unanswered_in_request(desk.actor, desk.team_ids).items()
        if count
    }
    if not counts:
        return []
    if len(counts) == 1:
        endpoint, values = "messages.inbox", {"team_id": next(iter(counts)), "status": "waiting"}
    else:
        endpoint, values = "messages.inboxes", {}
    label = _l("Messages to answer")
    return [hooks.Waiting("messages", label, sum(counts.values()), endpoint, values)]


def connect_hooks() -> None:
    hooks.WAITING.connect(messages_waiting)
