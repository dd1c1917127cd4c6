"""How a person's activity becomes a score, a segment and a reason: plain arithmetic on the
figures the nightly query returns, kept apart from SQL so it is tested on hand-computed
cases.

Activity comes in kinds (a shift, a published contribution, library use, a comment on a
column post, a day on the site)
and is counted in whole weeks back from the scored day: week 0 is that day and the six
before it. The scoring window is the last `window_weeks` weeks; the same number of weeks
before it says what the person used to do.

score = 100 × (w_r·recency + w_f·frequency + w_v·volume) / (w_r + w_f + w_v), where
- recency = ½ ^ (days since the last activity / recency half-life), 0 without activity;
- frequency = min(1, weeks with any activity / target weeks);
- volume = min(1, activity points / target), each week's points weighted by
  ½ ^ (7 × week / volume half-life) (time decay: last week counts fully).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.engagement.settings import Settings

KINDS = ("service", "contribution", "reading", "comment", "login")
# Which kind names the pause in "no shift for 41 days" when several are present.
MAIN_KIND_ORDER = ("service", "contribution", "reading")


@dataclass
class KindStats:
    """One person's figures for one kind of activity over the lookback."""

    events_now: int = 0  # in the scoring window
    amount_now: float = 0.0  # hours, contributions, reading points, days
    decayed_events: float = 0.0  # events of the window, each times its week's weight
    decayed_amount: float = 0.0
    week_mask: int = 0  # bit i set: activity in week i (of the whole lookback)
    events_all: int = 0  # in the whole lookback
    first_day: date | None = None
    last_day: date | None = None


NO_ACTIVITY = KindStats()  # shared, never changed: what a kind without events reads as


@dataclass
class Assessment:
    score: int
    segment: str
    reason: str
    reason_params: dict = field(default_factory=dict)
    recency: float = 0.0
    frequency: float = 0.0
    volume: float = 0.0
    idle_days: int | None = None
    active_weeks: int = 0


def week_weights(settings: Settings) -> list[float]:
    """The decay weight of each week of the scoring window."""
    return [
        0.5 ** (7 * week / settings.volume_half_life_days) for week in range(settings.window_weeks)
    ]


def activity_points(stats: dict[str, KindStats], settings: Settings) -> float:
    """The decayed volume of the window, in activity points."""
    service = stats.get("service", NO_ACTIVITY)
    return (
        service.decayed_events * settings.points_per_shift
        + service.decayed_amount * settings.points_per_service_hour
        + stats.get("contribution", NO_ACTIVITY).decayed_events * settings.points_per_contribution
        + stats.get("reading", NO_ACTIVITY).decayed_amount * settings.points_per_reading_point
        + stats.get("comment", NO_ACTIVITY).decayed_events * settings.points_per_comment
        + stats.get("login", NO_ACTIVITY).decayed_events * settings.points_per_login_day
    )


def cadence(kind: KindStats) -> tuple[str, float | None]:
    """How often the person used to do this: weekly, fortnightly, monthly, occasionally,
    or once; and the mean interval in days."""
    if kind.events_all < 2 or kind.first_day is None or kind.last_day is None:
        return "once", None
    interval = (kind.last_day - kind.first_day).days / (kind.events_all - 1)
    if interval <= 9:
        return "weekly", interval
    if interval <= 18:
        return "fortnightly", interval
    if interval <= 45:
        return "monthly", interval
    return "occasionally", interval


def main_kind(stats: dict[str, KindStats]) -> str:
    """The kind the person does most: a shift, contribution or library use done at least
    twice, else whatever they did most (days on the site included)."""
    counts = {kind: stats[kind].events_all for kind in KINDS if kind in stats}
    repeated = [kind for kind in MAIN_KIND_ORDER if counts.get(kind, 0) >= 2]
    candidates = repeated or [kind for kind in KINDS if counts.get(kind, 0)]
    if not candidates:
        return "login"
    return max(candidates, key=lambda kind: (counts[kind], -KINDS.index(kind)))


def _popcount(value: int) -> int:
    return bin(value).count("1")


def _last_day(stats: dict[str, KindStats]) -> date | None:
    days = [kind.last_day for kind in stats.values() if kind.last_day is not None]
    return max(days) if days else None


def _first_day(stats: dict[str, KindStats]) -> date | None:
    days = [kind.first_day for kind in stats.values() if kind.first_day is not None]
    return min(days) if days else None


def assess(
    stats: dict[str, KindStats],
    *,
    today: date,
    settings: Settings,
    horizons: dict[str, date] | None = None,
) -> Assessment:
    """Score and segment one person. `horizons` gives, per kind, the last day its data
    reaches (library-use files arrive a month late): a pause is measured up to there."""
    weeks = settings.window_weeks
    window_mask = (1 << weeks) - 1
    mask = 0
    for kind in stats.values():
        mask |= kind.week_mask
    active_weeks = _popcount(mask & window_mask)
    weeks_before = _popcount(mask >> weeks)
    last = _last_day(stats)
    idle = (today - last).days if last is not None else None

    in_window = active_weeks > 0
    recency = 0.5 ** (idle / settings.recency_half_life_days) if in_window else 0.0
    frequency = min(1.0, active_weeks / settings.frequency_target_weeks)
    volume = min(1.0, activity_points(stats, settings) / settings.volume_target)
    total_weight = settings.weight_recency + settings.weight_frequency + settings.weight_volume
    score = round(
        100
        * (
            settings.weight_recency * recency
            + settings.weight_frequency * frequency
            + settings.weight_volume * volume
        )
        / total_weight
    )
    result = Assessment(
        score=max(0, min(100, score)),
        segment="active",
        reason="summary",
        recency=round(recency, 4),
        frequency=round(frequency, 4),
        volume=round(volume, 4),
        idle_days=idle,
        active_weeks=active_weeks,
    )
    result.segment, result.reason, result.reason_params = _segment(
        stats, result, today=today, settings=settings, weeks_before=weeks_before, horizons=horizons
    )
    return result


def _segment(
    stats: dict[str, KindStats],
    result: Assessment,
    *,
    today: date,
    settings: Settings,
    weeks_before: int,
    horizons: dict[str, date] | None,
) -> tuple[str, str, dict]:
    weeks = settings.window_weeks
    if result.active_weeks == 0:
        if result.idle_days is None:
            return "dormant", "no_activity", {"days": 7 * settings.lookback_weeks}
        return "dormant", "dormant_since", {"days": result.idle_days}
    first = _first_day(stats)
    if first is not None and (today - first).days < settings.new_days:
        return "new", "new", {"days": (today - first).days}
    kind = main_kind(stats)
    figures = stats[kind]
    how_often, interval = cadence(figures)
    horizon = (horizons or {}).get(kind) or today
    gap = (min(horizon, today) - figures.last_day).days
    needed = settings.at_risk_gap_days
    if interval is not None:
        needed = max(needed, settings.at_risk_gap_factor * interval)
    if gap >= needed:
        return "at_risk", "gap", {"kind": kind, "days": gap, "cadence": how_often}
    if (
        weeks_before >= settings.declining_min_weeks
        and result.active_weeks <= settings.declining_ratio * weeks_before
    ):
        return (
            "at_risk",
            "declining",
            {"weeks": result.active_weeks, "before": weeks_before, "of": weeks},
        )
    service = stats.get("service", NO_ACTIVITY)
    params = {
        "weeks": result.active_weeks,
        "of": weeks,
        "hours": round(service.amount_now, 1),
        "contributions": stats.get("contribution", NO_ACTIVITY).events_now,
    }
    if result.score >= settings.core_score:
        return "core", "summary", params
    return "active", "summary", params
