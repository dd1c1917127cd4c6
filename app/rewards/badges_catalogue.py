"""The default badges, seeded by `defaults.seed_defaults()` (by code; an administrator's
later edits are kept). Each entry holds the values of one `Badge` row.

Thresholds are in the criterion's unit: hours for `hours_total`, shifts, weeks,
contributions; for the monthly stars, how many people get the star (top K). Criterion
parameters: `min_hours` for Service Star; `min_loans`, `min_visits`, `min_score` and,
instead of top K, `top_percent` for Reading Star; `column` (a column's code) to count the
contributions of one column only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Milestone:
    """What the badges of one milestone criterion share: their codes' stem, the description
    in Chinese and English ({n}: the threshold), and whether an award can be taken back."""

    stem: str
    description_zh: str
    description_en: str
    revocable: bool = False


_MILESTONES = {
    "hours_total": _Milestone(
        "hours",
        "累计志愿服务时长（已核定）达到 {n} 小时。",
        "Reached {n} verified hours of volunteer service.",
        revocable=True,
    ),
    "shifts_total": _Milestone(
        "shifts", "完成 {n} 个已核定的志愿服务班次。", "Completed {n} verified volunteer shifts."
    ),
    "weekly_streak": _Milestone(
        "streak",
        "连续 {n} 周每周至少完成一个志愿服务班次。",
        "Served at least one shift a week for {n} weeks in a row.",
    ),
    "contributions": _Milestone(
        "contributions",
        "在服务专栏发表 {n} 篇投稿。",
        "Had {n} contributions published in the library's columns.",
    ),
}


def _milestone(
    criterion: str, threshold: int, name_zh: str, name_en: str, order: int
) -> dict[str, Any]:
    kind = _MILESTONES[criterion]
    code = f"{kind.stem}_{threshold}"
    return {
        "code": code,
        "name_zh": name_zh,
        "name_en": name_en,
        "description_zh": kind.description_zh.format(n=threshold),
        "description_en": kind.description_en.format(n=threshold),
        "icon": f"{code.replace('_', '-')}.svg",
        "criterion": criterion,
        "threshold": threshold,
        "params": {},
        "revocable": kind.revocable,
        "active": True,
        "sort_order": order,
    }


SERVICE_STAR = {
    "code": "service_star",
    "name_zh": "月度服务之星",
    "name_en": "Service Star of the month",
    "description_zh": "当月已核定志愿服务时长最多的前三名志愿者。",
    "description_en": (
        "One of the three volunteers with the most verified service hours in a month."
    ),
    "icon": "service-star.svg",
    "criterion": "service_star_month",
    "threshold": 3,
    "params": {"min_hours": 1},
    "revocable": False,
    "active": True,
    "sort_order": 100,
}

READING_STAR = {
    "code": "reading_star",
    "name_zh": "阅读之星",
    "name_en": "Reading Star",
    "description_zh": "根据图书馆借阅、到馆、在馆时长和电子资源使用数据，当月阅读最活跃的读者。",
    "description_en": (
        "One of the month's most engaged readers, by loans, library visits, time in the "
        "library and e-resource use."
    ),
    "icon": "reading-star.svg",
    "criterion": "reading_star_month",
    "threshold": 10,
    "params": {"min_loans": 2, "min_visits": 2, "min_score": 0},
    "revocable": False,
    "active": True,
    "sort_order": 110,
}

DEFAULT_BADGES: tuple[dict[str, Any], ...] = (
    _milestone("hours_total", 10, "服务十小时", "10 hours of service", 10),
    _milestone("hours_total", 50, "服务五十小时", "50 hours of service", 11),
    _milestone("hours_total", 100, "百小时志愿者", "100 hours of service", 12),
    _milestone("hours_total", 200, "两百小时志愿者", "200 hours of service", 13),
    _milestone("shifts_total", 5, "五班新手", "5 shifts", 20),
    _milestone("shifts_total", 20, "二十班骨干", "20 shifts", 21),
    _milestone("shifts_total", 50, "五十班中坚", "50 shifts", 22),
    _milestone("weekly_streak", 4, "连续四周", "4-week streak", 30),
    _milestone("weekly_streak", 12, "连续十二周", "12-week streak", 31),
    _milestone("contributions", 1, "首次投稿", "First contribution", 40),
    _milestone("contributions", 10, "十篇投稿", "10 contributions", 41),
    SERVICE_STAR,
    READING_STAR,
)
