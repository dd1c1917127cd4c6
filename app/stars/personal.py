"""What service star levels keep about a person, for their personal data export."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.stars.models import StarLevelReached


def _reached(row: StarLevelReached) -> dict[str, Any]:
    return fields_of(row, "level", "minutes", "reached_at")


def connect_hooks() -> None:
    personal_data.register_rows(
        "stars",
        _l("Service star levels"),
        {"star_levels": Rows(StarLevelReached.user_id, _reached)},
        labels={
            "star_levels": _l("Star levels I reached"),
            "level": _l("Stars"),
            "reached_at": _l("Reached"),
        },
    )
