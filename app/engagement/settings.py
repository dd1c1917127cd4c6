"""Weights and thresholds of engagement scoring, with their defaults.

Any of them can be changed with the ENGAGEMENT_SETTINGS variable ("core_score=75,…"); each
run stores the settings it used with its day, so a trend can be read with its rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from flask import current_app


@dataclass(frozen=True)
class Settings:
    # The scoring window, in whole weeks (13 weeks = the last 91 days); the weeks before it,
    # as many again, tell what a person used to do ("was weekly").
    window_weeks: int = 13
    # The score is a weighted mean of recency, frequency and volume (each 0–1), times 100.
    weight_recency: float = 0.3
    weight_frequency: float = 0.3
    weight_volume: float = 0.4
    # Recency halves for every this many days since the last activity.
    recency_half_life_days: float = 14
    # Frequency: weeks with any activity, out of this many, counts as full.
    frequency_target_weeks: float = 8
    # Volume: activity points, each week's worth halved every this many days (time decay),
    # out of this many, counts as full.
    volume_half_life_days: float = 30
    volume_target: float = 100
    points_per_shift: float = 2
    points_per_service_hour: float = 10
    points_per_contribution: float = 15
    points_per_reading_point: float = 1
    points_per_comment: float = 3
    points_per_login_day: float = 1
    # Segments: core from this score; new when the first activity is at most this many days
    # old; at risk when the main activity has paused this many days, and at least this many
    # times the person's usual interval; or when active weeks fell to this share of the
    # weeks before (of at least `declining_min_weeks`).
    core_score: float = 70
    new_days: int = 30
    at_risk_gap_days: int = 21
    at_risk_gap_factor: float = 2
    declining_min_weeks: int = 4
    declining_ratio: float = 0.5
    # Daily snapshots older than this are thinned to one a week (Mondays).
    keep_daily_days: int = 120

    @property
    def lookback_weeks(self) -> int:
        return 2 * self.window_weeks

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULTS = Settings()
_TYPES = {field.name: field.type for field in fields(Settings)}


def from_mapping(values: dict) -> Settings:
    """Defaults with `values` applied; an unknown name or a value out of range is an error
    in the deployment's configuration, reported by name."""
    unknown = set(values) - set(_TYPES)
    if unknown:
        raise ValueError(f"unknown ENGAGEMENT_SETTINGS: {', '.join(sorted(unknown))}")
    cleaned = {}
    for name, value in values.items():
        number = float(value)
        if number < 0:
            raise ValueError(f"ENGAGEMENT_SETTINGS {name} must not be negative")
        cleaned[name] = int(number) if _TYPES[name] in ("int", int) else number
    settings = Settings(**{**DEFAULTS.as_dict(), **cleaned})
    if settings.window_weeks < 1 or settings.window_weeks > 26:
        raise ValueError("ENGAGEMENT_SETTINGS window_weeks must be between 1 and 26")
    if settings.weight_recency + settings.weight_frequency + settings.weight_volume <= 0:
        raise ValueError("ENGAGEMENT_SETTINGS weights must not all be zero")
    for name in ("recency_half_life_days", "volume_half_life_days", "frequency_target_weeks"):
        if getattr(settings, name) <= 0:
            raise ValueError(f"ENGAGEMENT_SETTINGS {name} must be positive")
    if settings.volume_target <= 0:
        raise ValueError("ENGAGEMENT_SETTINGS volume_target must be positive")
    return settings


def current() -> Settings:
    return from_mapping(current_app.config.get("ENGAGEMENT_SETTINGS") or {})
