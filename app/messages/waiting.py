"""What waits for a coordinator from the team inboxes: threads no coordinator has answered
yet (the home page's "waiting for you"; wired by `app.wiring`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.messages import services


def messages_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Counted]:
    """Unanswered threads in the teams `actor` coordinates; the link opens the one team's
    inbox on its waiting threads, or the list of inboxes when several teams have some. The
    total is kept for the menu's badge on the same page."""
    columns = services.unanswered_columns(desk.actor, desk.team_ids)
    if columns is None:
        return []

    def make(values: tuple) -> list[hooks.Waiting]:
        count, teams, team_id = values
        services.remember_unanswered_total(desk.actor, count)
        if not count:
            return []
        if teams == 1:
            endpoint, link = "messages.inbox", {"team_id": team_id, "status": "waiting"}
        else:
            endpoint, link = "messages.inboxes", {}
        return [hooks.Waiting("messages", _l("Messages to answer"), count, endpoint, link)]

    return [hooks.Counted(columns, make)]


def connect_hooks() -> None:
    hooks.WAITING.connect(messages_waiting)
