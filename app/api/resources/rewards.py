"""A person's rewards through the API: points (balance and ledger), badges, level, and the
leaderboards exactly as the leaderboard page shows them to that person (others' names
masked, people who hide from boards left out). Every figure is the pages' own service.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.api import cursors, envelope, openapi
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.envelope import iso
from app.api.openapi import TIME, TIME_OR_NULL
from app.common.time import utcnow
from app.errors import NotFound
from app.rewards import badge_awarding, badge_texts, badges, boards, levels, points
from app.rewards.models import BadgeAward, Level, PointEntry

READ = ("rewards:read",)
LIST = {"window": cursors.CURSOR, "period": cursors.PERIOD}
BOARD_SCOPE = {
    "team_id": envelope.IntArg(
        default=None, minimum=1, maximum=2**31 - 1, description="One of your teams' board."
    ),
    "college_id": envelope.IntArg(
        default=None, minimum=1, maximum=2**31 - 1, description="Your college's board."
    ),
}


def entry_json(entry: PointEntry, reversed_ids: set[int]) -> dict[str, Any]:
    return {
        "id": entry.id,
        "points": entry.points,
        "kind": entry.kind,
        "label": str(points.entry_label(entry)),
        "note": entry.note,
        "occurred_at": iso(entry.occurred_at),
        "reversed": entry.id in reversed_ids,
    }


@bp.get("/me/points")
@token_required(*READ)
@envelope.query_args(**LIST)
def my_points(window: cursors.Window, period: cursors.Period):
    person_id = current_person().id
    query = points.history_query(person_id).order_by(None)
    query = query.where(*period.within(PointEntry.occurred_at))
    order = (PointEntry.occurred_at, PointEntry.id)
    if window.after is not None:
        query = query.where(cursors.after(order, window.after, descending=True))
    rows = points.history_page(query, limit=window.limit + 1)
    reversed_ids = points.reversed_ids([entry.id for entry in rows])
    return cursors.answer(
        rows,
        lambda entry: (entry.occurred_at, entry.id),
        lambda entry: entry_json(entry, reversed_ids),
        window,
        meta={"balance": points.balance(person_id)},
    )


def badge_json(award: BadgeAward) -> dict[str, Any]:
    badge = award.badge
    return {
        "id": award.id,
        "badge": {
            "id": badge.id,
            "name": badge_texts.badge_text(badge, "name"),
            "description": badge_texts.badge_text(badge, "description"),
        },
        "period": award.period,
        "awarded_at": iso(award.awarded_at),
        "reason": str(badge_texts.award_reason(award)),
        "hidden": award.hidden,
        "public_page": badge_awarding.award_path(award),
    }


@bp.get("/me/badges")
@token_required(*READ)
def my_badges():
    return envelope.ok([badge_json(award) for award in badges.badges_of(current_person().id)])


def _level_json(level: Level | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"name": levels.level_name(level), "min_points": level.min_points}


@bp.get("/me/level")
@token_required(*READ)
def my_level():
    balance = points.balance(current_person().id)
    level, upcoming, missing = levels.level_for(balance)
    return envelope.ok(
        {
            "points": balance,
            "level": _level_json(level),
            "next_level": _level_json(upcoming),
            "missing_points": missing,
            "progress_percent": levels.progress_percent(balance, level, upcoming),
        }
    )


def _row_json(row: boards.Row) -> dict[str, Any]:
    return {"rank": row.rank, "name": row.name, "value": row.value, "is_me": row.is_viewer}


@bp.get("/leaderboards/<metric>/<period>")
@token_required(*READ)
@envelope.query_args(**BOARD_SCOPE)
def leaderboard(metric: str, period: str, team_id: int | None, college_id: int | None):
    if period not in boards.PERIODS.get(metric, ()):
        raise NotFound(_("No such leaderboard."))
    scope = f"team:{team_id}" if team_id else f"college:{college_id}" if college_id else "all"
    key = boards.period_for(period, utcnow()).key
    shown = boards.board(metric, key, scope, viewer=current_person())
    return envelope.ok(
        {
            "metric": metric,
            "period": key,
            "scope": scope,
            "rows": [_row_json(row) for row in shown.rows],
            "me": _row_json(shown.me) if shown.me else None,
            "me_hidden": shown.viewer_hidden,
            "built_at": iso(shown.built_at),
        }
    )


def _points_operation() -> dict[str, Any]:
    result = openapi.operation(
        operation_id="listMyPoints",
        summary="Your points: balance and ledger",
        description="Newest entry first, as the achievements page; `meta.balance` is your "
        "balance (every entry, not only this page's).",
        tag="rewards",
        scopes=READ,
        data=openapi.ref("PointEntry"),
        parameters=openapi.query_parameters(LIST),
        cursor=True,
    )
    schema = result["responses"]["200"]["content"]["application/json"]["schema"]
    schema["properties"]["meta"] = {
        "allOf": [
            openapi.ref("CursorMeta"),
            {
                "type": "object",
                "required": ["balance"],
                "properties": {"balance": {"type": "integer"}},
            },
        ]
    }
    return result


METRIC = openapi.path_parameter(
    "metric", "points, hours or reading.", {"type": "string", "enum": list(boards.PERIODS)}
)
PERIOD = openapi.path_parameter(
    "period",
    "week, month, semester, all (points, hours); month, last_month (reading). "
    "Another combination is 404.",
    {"type": "string", "enum": ["week", "month", "last_month", "semester", "all"]},
)


def _board_operation() -> dict[str, Any]:
    return openapi.operation(
        operation_id="getLeaderboard",
        summary="A leaderboard",
        description="As the leaderboard page shows it to you: the top 50, others' names "
        "masked, people who hide from boards left out, and your own place in `me`. "
        "`team_id` or `college_id` narrows it to one of your teams or your college (403 "
        "for others).",
        tag="rewards",
        scopes=READ,
        data=openapi.ref("Leaderboard"),
        parameters=openapi.query_parameters(BOARD_SCOPE),
        path=(METRIC, PERIOD),
    )


LEVEL = openapi.nullable(
    {
        "type": "object",
        "required": ["name", "min_points"],
        "properties": {"name": {"type": "string"}, "min_points": {"type": "integer"}},
    }
)
BOARD_ROW = {
    "type": "object",
    "required": ["rank", "name", "value", "is_me"],
    "properties": {
        "rank": {"type": "integer"},
        "name": {"type": "string", "description": "Masked, except your own."},
        "value": {"type": "integer", "description": "Points, minutes, or reading × 100."},
        "is_me": {"type": "boolean"},
    },
}

openapi.add_paths(
    {
        "/me/points": {"get": _points_operation()},
        "/me/badges": {
            "get": openapi.operation(
                operation_id="listMyBadges",
                summary="Your badges",
                description="Badges you hold (revoked ones left out), latest first.",
                tag="rewards",
                scopes=READ,
                data={"type": "array", "items": openapi.ref("BadgeAward")},
            )
        },
        "/me/level": {
            "get": openapi.operation(
                operation_id="getMyLevel",
                summary="Your level",
                description="Your points, level and what the next level needs.",
                tag="rewards",
                scopes=READ,
                data=openapi.ref("MyLevel"),
            )
        },
        "/leaderboards/{metric}/{period}": {"get": _board_operation()},
    },
    schemas={
        "PointEntry": {
            "type": "object",
            "required": ["id", "points", "kind", "label", "note", "occurred_at", "reversed"],
            "properties": {
                "id": {"type": "integer"},
                "points": {"type": "integer", "description": "Negative for a deduction."},
                "kind": {"type": "string"},
                "label": {"type": "string"},
                "note": {"type": "string"},
                "occurred_at": TIME,
                "reversed": {"type": "boolean"},
            },
        },
        "BadgeAward": {
            "type": "object",
            "required": [
                "id",
                "badge",
                "period",
                "awarded_at",
                "reason",
                "hidden",
                "public_page",
            ],
            "properties": {
                "id": {"type": "integer"},
                "badge": {
                    "type": "object",
                    "required": ["id", "name", "description"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                    },
                },
                "period": {"type": "string", "description": "Such as 2026-10; empty if once."},
                "awarded_at": TIME,
                "reason": {"type": "string"},
                "hidden": {"type": "boolean", "description": "You hid it from your profile."},
                "public_page": {"type": "string"},
            },
        },
        "MyLevel": {
            "type": "object",
            "required": ["points", "level", "next_level", "missing_points", "progress_percent"],
            "properties": {
                "points": {"type": "integer"},
                "level": LEVEL,
                "next_level": LEVEL,
                "missing_points": {"type": "integer"},
                "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
            },
        },
        "Leaderboard": {
            "type": "object",
            "required": ["metric", "period", "scope", "rows", "me", "me_hidden", "built_at"],
            "properties": {
                "metric": {"type": "string"},
                "period": {"type": "string", "description": "Such as month:2026-10."},
                "scope": {"type": "string", "description": "all, team:<id> or college:<id>."},
                "rows": {"type": "array", "items": BOARD_ROW},
                "me": openapi.nullable(BOARD_ROW),
                "me_hidden": {"type": "boolean"},
                "built_at": TIME_OR_NULL,
            },
        },
    },
    tags={"rewards": "Your points, badges and level, and the leaderboards."},
)
