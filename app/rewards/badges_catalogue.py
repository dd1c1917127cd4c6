"""The default badges, seeded by `defaults.seed_defaults()` (by code; an administrator's
later edits are kept). Each entry holds the values of one `Badge` row.

Thresholds are in the criterion's unit: hours for `hours_total`, shifts, weeks,
contributions; for the monthly stars, how many people get the star (top K). Criterion
parameters: `min_hours` for Service Star; `min_loans`, `min_visits`, `min_score` and,
instead of top K, `top_percent` for Reading Star; `column` (a column's code) to count the
contributions of one column only.
"""

from __future__ import annotations

from typing import Any


def _milestone(
    code: str,
    criterion: str,
    threshold: int,
    names: tuple[str, str],
    descriptions: tuple[str, str],
    *,
    sort_order: int,
    revocable: bool = False,
) -> dict[str, Any]:
    return {
        "code": code,
        "name_zh": names[0],
        "name_en": names[1],
        "description_zh": descriptions[0],
        "description_en": descriptions[1],
        "icon": f"{code.replace('_', '-')}.svg",
        "criterion": criterion,
        "threshold": threshold,
        "params": {},
        "revocable": revocable,
        "active": True,
        "sort_order": sort_order,
    }


def _hours(threshold: int, name_zh: str, name_en: str, order: int) -> dict[str, Any]:
    return _milestone(
        f"hours_{threshold}",
        "hours_total",
        threshold,
        (name_zh, name_en),
        (
            f"累计志愿服务时长（已核定）达到 {threshold} 小时。",
            f"Reached {threshold} verified hours of volunteer service.",
        ),
        sort_order=order,
        revocable=True,
    )


def _shifts(threshold: int, name_zh: str, name_en: str, order: int) -> dict[str, Any]:
    return _milestone(
        f"shifts_{threshold}",
        "shifts_total",
        threshold,
        (name_zh, name_en),
        (
            f"完成 {threshold} 个已核定的志愿服务班次。",
            f"Completed {threshold} verified volunteer shifts.",
        ),
        sort_order=order,
    )


def _streak(threshold: int, name_zh: str, name_en: str, order: int) -> dict[str, Any]:
    return _milestone(
        f"streak_{threshold}",
        "weekly_streak",
        threshold,
        (name_zh, name_en),
        (
            f"连续 {threshold} 周每周至少完成一个志愿服务班次。",
            f"Served at least one shift a week for {threshold} weeks in a row.",
        ),
        sort_order=order,
    )


def _contributions(threshold: int, name_zh: str, name_en: str, order: int) -> dict[str, Any]:
    return _milestone(
        f"contributions_{threshold}",
        "contributions",
        threshold,
        (name_zh, name_en),
        (
            f"在服务专栏发表 {threshold} 篇投稿。",
            f"Had {threshold} contributions published in the library's columns.",
        ),
        sort_order=order,
    )


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
    _hours(10, "服务十小时", "10 hours of service", 10),
    _hours(50, "服务五十小时", "50 hours of service", 11),
    _hours(100, "百小时志愿者", "100 hours of service", 12),
    _hours(200, "两百小时志愿者", "200 hours of service", 13),
    _shifts(5, "五班新手", "5 shifts", 20),
    _shifts(20, "二十班骨干", "20 shifts", 21),
    _shifts(50, "五十班中坚", "50 shifts", 22),
    _streak(4, "连续四周", "4-week streak", 30),
    _streak(12, "连续十二周", "12-week streak", 31),
    _contributions(1, "首次投稿", "First contribution", 40),
    _contributions(10, "十篇投稿", "10 contributions", 41),
    SERVICE_STAR,
    READING_STAR,
)
