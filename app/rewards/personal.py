"""What rewards keep about a person, for their personal data export: the points ledger,
badges, leaderboard places and library use."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.rewards import badge_texts
from app.rewards.models import (
    MONTH_ROW_DAY,
    BadgeAward,
    LeaderboardEntry,
    LibraryUse,
    LibraryUseImport,
    PointEntry,
)


def _points(row: PointEntry) -> dict[str, Any]:
    return {"points": row.points, "kind": row.kind, "note": row.note, "time": row.occurred_at}


def _badge(row: BadgeAward) -> dict[str, Any]:
    return {
        "badge": badge_texts.badge_text(row.badge, "name"),
        **fields_of(row, "period", "awarded_at", "revoked_at"),
    }


def _board(row: LeaderboardEntry) -> dict[str, Any]:
    return fields_of(row, "metric", "period", "value")


def _library_use(row: LibraryUse) -> dict[str, Any]:
    return {
        "month": row.month,
        "day": None if row.day == MONTH_ROW_DAY else row.day.isoformat(),
        **fields_of(row, "loans", "visits", "minutes", "e_sessions"),
    }


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "rewards",
        _l("Points, badges and library use"),
        {
            "points": Rows(PointEntry.user_id, _points),
            "badges": Rows(BadgeAward.user_id, _badge),
            "leaderboards": Rows(LeaderboardEntry.user_id, _board),
            "library_use": Rows(LibraryUse.user_id, _library_use),
            "points_given": Rows(
                PointEntry.actor_id, lambda row: {"time": row.created_at}, staff=True
            ),
            "library_imports": Rows(
                LibraryUseImport.uploaded_by_id, lambda row: {"time": row.uploaded_at}, staff=True
            ),
            "library_imports_rolled_back": Rows(
                LibraryUseImport.rolled_back_by_id,
                lambda row: {"time": row.rolled_back_at},
                staff=True,
            ),
        },
        audited={"point_entry": PointEntry.user_id, "badge_award": BadgeAward.user_id},
        labels={
            "points": _l("Points"),
            "badges": _l("Badges"),
            "leaderboards": _l("Leaderboard places"),
            "library_use": _l("Library use"),
            "points_given": _l("Points entries I made"),
            "library_imports": _l("Library-use files I imported"),
            "library_imports_rolled_back": _l("Library-use imports I rolled back"),
            "kind": _l("Kind"),
            "badge": _l("Badge"),
            "period": _l("Period"),
            "awarded_at": _l("Awarded"),
            "metric": _l("Measure"),
            "value": _l("Value"),
            "month": _l("Month"),
            "loans": _l("Loans"),
            "visits": _l("Visits"),
            "minutes": _l("Minutes"),
            "e_sessions": _l("E-resource sessions"),
        },
    )
