"""What waits for a coordinator from hours served elsewhere: claims to decide (the home
page's "waiting for you"; wired by `app.wiring`)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app import hooks
from app.outside import services


def claims_waiting(desk: hooks.DeskOf, now: datetime) -> list[hooks.Counted]:
    column = services.pending_count_column(desk.actor, desk.team_ids)
    return [] if column is None else [hooks.Counted((column,), _claims)]


def _claims(values: tuple) -> list[hooks.Waiting]:
    (count,) = values
    if not count:
        return []
    label = _l("Hours served elsewhere to decide")
    return [hooks.Waiting("outside_claims", label, count, "outside.review")]


def connect_hooks() -> None:
    hooks.WAITING.connect(claims_waiting)
