"""What the feedback feature keeps about a person, for their personal data export: the
requests to rate their shifts and their answers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.feedback.models import FeedbackRequest
from app.shifts.personal import shift_of


def _request(row: FeedbackRequest) -> dict[str, Any]:
    return {
        **shift_of(row.shift),
        **fields_of(row, "asked_at", "answered_at", "rating", "comment", "ticks"),
    }


def connect_hooks() -> None:
    """This feature's section of the personal data export."""
    personal_data.register_rows(
        "feedback",
        _l("Feedback after service"),
        {"feedback": Rows(FeedbackRequest.user_id, _request)},
        labels={
            "feedback": _l("Shifts I was asked to rate"),
            "asked_at": _l("Asked"),
            "answered_at": _l("Answered"),
            "rating": _l("Rating"),
            "comment": _l("Comment"),
            "ticks": _l("Ticked"),
        },
    )
