"""Reasons are stored as codes and numbers and read in the reader's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.engagement.labels import reason_text

CASES = [
    (
        "gap",
        {"kind": "service", "days": 41, "cadence": "weekly"},
        "已有 41 天没有值班，以前每周一次。",
        "No shift for 41 days, was weekly.",
    ),
    (
        "declining",
        {"weeks": 4, "before": 8, "of": 13},
        "最近 13 周中有 4 周有活动，此前 13 周中有 8 周。",
        "Active in 4 of the last 13 weeks, 8 of the 13 before.",
    ),
    ("new", {"days": 14}, "第一次活动在 14 天前。", "First activity 14 days ago."),
    ("dormant_since", {"days": 1}, "最近一次活动在 1 天前。", "Last active 1 day ago."),
    (
        "no_activity",
        {"days": 182},
        "最近 182 天没有任何活动。",
        "No activity in the last 182 days.",
    ),
]


@pytest.mark.parametrize(("reason", "params", "chinese", "english"), CASES)
def test_a_reason_reads_in_chinese_and_english(app, reason, params, chinese, english):
    with app.test_request_context():
        with force_locale("zh"):
            assert reason_text(reason, params) == chinese
        with force_locale("en"):
            assert reason_text(reason, params) == english
