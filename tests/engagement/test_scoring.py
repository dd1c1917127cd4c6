"""Scores and segments on hand-computed cases: decay, each part of the score, and the
boundaries of each segment. Pure arithmetic, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from app.engagement import scoring
from app.engagement.scoring import KindStats
from app.engagement.settings import DEFAULTS, from_mapping

TODAY = date(2026, 11, 5)


def weekly(weeks: list[int], *, hours: float = 0, kind_days: int | None = None) -> KindStats:
    """One event in each listed week (on its newest day, i.e. 7 × week days ago)."""
    weights = scoring.week_weights(DEFAULTS)
    now = [week for week in weeks if week < DEFAULTS.window_weeks]
    days = sorted(7 * week for week in weeks)
    return KindStats(
        events_now=len(now),
        amount_now=hours * len(now),
        decayed_events=sum(weights[week] for week in now),
        decayed_amount=sum(hours * weights[week] for week in now),
        week_mask=sum(1 << week for week in set(weeks)),
        events_all=len(weeks),
        first_day=TODAY - timedelta(days=days[-1]),
        last_day=TODAY - timedelta(days=kind_days if kind_days is not None else days[0]),
    )


def test_nobody_with_no_activity_is_dormant_with_score_zero():
    result = scoring.assess({}, today=TODAY, settings=DEFAULTS)
    assert (result.score, result.segment, result.reason) == (0, "dormant", "no_activity")
    assert result.reason_params == {"days": 182}
    assert result.idle_days is None


def test_one_shift_two_weeks_ago_by_hand():
    # One 3-hour shift 14 days ago (week 2), and nothing before: a new volunteer.
    stats = {"service": weekly([2], hours=3)}
    result = scoring.assess(stats, today=TODAY, settings=DEFAULTS)
    recency = 0.5 ** (14 / 14)  # 0.5
    frequency = 1 / 8
    volume = 0.5 ** (14 / 30) * (2 + 3 * 10) / 100  # 0.2315
    expected = round(100 * (0.3 * recency + 0.3 * frequency + 0.4 * volume))
    assert expected == 28
    assert result.score == expected
    assert result.recency == pytest.approx(recency, abs=1e-4)
    assert result.frequency == pytest.approx(frequency)
    assert result.volume == pytest.approx(volume, abs=1e-4)
    assert (result.segment, result.reason, result.reason_params) == ("new", "new", {"days": 14})


def test_time_decay_makes_an_older_week_count_less():
    recent = scoring.activity_points({"service": weekly([0], hours=2)}, DEFAULTS)
    older = scoring.activity_points({"service": weekly([4], hours=2)}, DEFAULTS)
    assert recent == pytest.approx(22)
    assert older == pytest.approx(22 * 0.5 ** (28 / 30))
    # A week outside the window adds nothing to the volume.
    assert scoring.activity_points({"service": weekly([13], hours=2)}, DEFAULTS) == 0


def test_a_weekly_volunteer_is_core_with_the_full_score():
    stats = {"service": weekly(list(range(13)) + list(range(13, 26)), hours=2)}
    result = scoring.assess(stats, today=TODAY, settings=DEFAULTS)
    assert result.score == 100
    assert result.segment == "core"
    assert result.reason == "summary"
    assert result.reason_params == {"weeks": 13, "of": 13, "hours": 26.0, "contributions": 0}


@pytest.mark.parametrize(("core_score", "segment"), [(70, "core"), (71, "active")])
def test_core_starts_at_the_threshold(core_score, segment):
    # Frequency only: 7 active weeks of a target of 10 score exactly 70.
    settings = from_mapping(
        {
            "weight_recency": 0,
            "weight_volume": 0,
            "weight_frequency": 1,
            "frequency_target_weeks": 10,
            "core_score": core_score,
        }
    )
    stats = {"login": weekly([0, 1, 2, 3, 4, 5, 6, 13, 14, 15, 16, 17, 18, 19])}
    result = scoring.assess(stats, today=TODAY, settings=settings)
    assert result.score == 70
    assert result.segment == segment


@pytest.mark.parametrize(("days", "segment"), [(29, "new"), (30, "active")])
def test_new_means_first_activity_within_thirty_days(days, segment):
    stats = {"login": replace(weekly([0]), first_day=TODAY - timedelta(days=days), events_all=5)}
    result = scoring.assess(stats, today=TODAY, settings=DEFAULTS)
    assert result.segment == segment


@pytest.mark.parametrize(("gap", "segment"), [(20, "core"), (21, "at_risk")])
def test_a_weekly_volunteer_is_at_risk_after_twenty_one_days(gap, segment):
    # Weekly shifts for 25 weeks, the last one `gap` days ago.
    weeks = list(range(3, 26))
    stats = {"service": replace(weekly(weeks, hours=3), last_day=TODAY - timedelta(days=gap))}
    stats["service"].first_day = stats["service"].last_day - timedelta(days=7 * (len(weeks) - 1))
    result = scoring.assess(stats, today=TODAY, settings=DEFAULTS)
    assert result.segment == segment
    if segment == "at_risk":
        assert result.reason == "gap"
        assert result.reason_params == {"kind": "service", "days": 21, "cadence": "weekly"}


def test_a_monthly_reader_is_not_at_risk_until_twice_their_interval():
    # Library use every 30 days; the last one 45 days ago: 45 < 2 × 30, still active.
    monthly = KindStats(
        events_now=2,
        amount_now=10,
        decayed_events=1,
        decayed_amount=5,
        week_mask=(1 << 6) | (1 << 10) | (1 << 15) | (1 << 19),
        events_all=4,
        first_day=TODAY - timedelta(days=135),
        last_day=TODAY - timedelta(days=45),
    )
    assert scoring.assess({"reading": monthly}, today=TODAY, settings=DEFAULTS).segment == "active"
    later = replace(monthly, last_day=TODAY - timedelta(days=60), first_day=TODAY - timedelta(150))
    result = scoring.assess({"reading": later}, today=TODAY, settings=DEFAULTS)
    assert (result.segment, result.reason_params["cadence"]) == ("at_risk", "monthly")


def test_a_pause_in_reading_counts_only_up_to_the_last_imported_day():
    # Weekly library use until 25 days ago, but the library's data ends 10 days ago.
    weeks = list(range(4, 20))
    reading = replace(weekly(weeks), last_day=TODAY - timedelta(days=25))
    reading.first_day = reading.last_day - timedelta(days=7 * (len(weeks) - 1))
    late_data = {"reading": TODAY - timedelta(days=10)}
    assert scoring.assess({"reading": reading}, today=TODAY, settings=DEFAULTS).segment == "at_risk"
    result = scoring.assess(
        {"reading": reading}, today=TODAY, settings=DEFAULTS, horizons=late_data
    )
    assert result.segment != "at_risk"


def test_the_main_activity_names_the_pause_even_when_the_person_still_logs_in():
    shifts = replace(weekly(list(range(6, 20)), hours=2))
    logins = weekly([0, 1, 2, 3, 4, 5, 6])
    result = scoring.assess({"service": shifts, "login": logins}, today=TODAY, settings=DEFAULTS)
    assert result.segment == "at_risk"
    assert result.reason_params == {"kind": "service", "days": 42, "cadence": "weekly"}


@pytest.mark.parametrize(("now_weeks", "segment"), [(4, "at_risk"), (5, "active")])
def test_activity_falling_to_half_of_the_weeks_before_is_at_risk(now_weeks, segment):
    weeks = list(range(now_weeks)) + list(range(13, 21))  # 8 active weeks before
    result = scoring.assess({"login": weekly(weeks)}, today=TODAY, settings=DEFAULTS)
    assert result.segment == segment
    if segment == "at_risk":
        assert result.reason == "declining"
        assert result.reason_params == {"weeks": 4, "before": 8, "of": 13}


def test_activity_only_before_the_window_is_dormant_with_the_days_since():
    stats = {"service": weekly([15, 16], hours=2)}
    result = scoring.assess(stats, today=TODAY, settings=DEFAULTS)
    assert (result.segment, result.reason, result.score) == ("dormant", "dormant_since", 0)
    assert result.reason_params == {"days": 105}


def test_settings_are_validated_by_name_and_range():
    with pytest.raises(ValueError, match="unknown"):
        from_mapping({"core": 3})
    with pytest.raises(ValueError, match="negative"):
        from_mapping({"core_score": -1})
    with pytest.raises(ValueError, match="window_weeks"):
        from_mapping({"window_weeks": 0})
    assert from_mapping({"window_weeks": 8}).lookback_weeks == 16
