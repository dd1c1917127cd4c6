"""What waits for a coordinator from shifts: takeovers to approve and people asking to be
released from a shift (the home page's "waiting for you"; wired by `app.wiring`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.shifts import handovers, release


def handovers_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Counted]:
    column = handovers.pending_count_column(desk.actor, now=now, known=desk.team_ids)
    return [] if column is None else [hooks.Counted((column,), _handovers)]


def _handovers(values: tuple) -> list[hooks.Waiting]:
    (count,) = values
    if not count:
        return []
    return [hooks.Waiting("handovers", _l("Takeovers to approve"), count, "handovers.pending")]


def releases_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Counted]:
    """Release requests past the cancel deadline; the link opens the soonest shift, where
    the coordinator releases the person."""
    columns = release.waiting_releases_columns(desk.actor, now=now, team_ids=desk.team_ids)
    return [] if columns is None else [hooks.Counted(columns, _releases)]


def _releases(values: tuple) -> list[hooks.Waiting]:
    count, shift_id = values
    if not count:
        return []
    label = _l("Requests to be released")
    return [hooks.Waiting("releases", label, count, "tasks.shift", {"shift_id": shift_id})]


def connect_hooks() -> None:
    hooks.WAITING.connect(releases_waiting)
    hooks.WAITING.connect(handovers_waiting)
