"""The nightly run's grouped queries give every person the same figures, score, segment and
reason as counting their events one by one (the reference below, the per-person loop the
job no longer runs): a varied population with activity on the edges of weeks, of the
scoring window and of the lookback, on every kind of source."""

from __future__ import annotations

import random
from datetime import timedelta

from app.engagement import scoring, services
from app.engagement import settings as engagement_settings
from app.rewards.library_use.reading import reading_weights
from tests import factories
from tests.engagement import engagement_data as data
from tests.engagement.engagement_data import NOW, TODAY
from tests.rewards import rewards_data

# Days back that sit on the edges: today, a week's last and first day, the window's edge
# (13 weeks = 91 days), the lookback's last day (181) and days outside it.
EDGES = [0, 6, 7, 13, 14, 90, 91, 181, 182, 200]


def _reference(events: dict[str, list[tuple[int, float]]], settings) -> dict[str, object]:
    """Each kind's figures from (days back, amount) events, one event at a time."""
    weights = scoring.week_weights(settings)
    stats = {}
    for kind, rows in events.items():
        figures = scoring.KindStats()
        for back, amount in rows:
            week = back // 7
            if week >= settings.lookback_weeks:
                continue
            day = TODAY - timedelta(days=back)
            figures.events_all += 1
            figures.week_mask |= 1 << week
            figures.first_day = min(figures.first_day or day, day)
            figures.last_day = max(figures.last_day or day, day)
            if week < settings.window_weeks:
                figures.events_now += 1
                figures.amount_now += amount
                figures.decayed_events += weights[week]
                figures.decayed_amount += amount * weights[week]
        if figures.events_all:
            stats[kind] = figures
    return stats


def _population(admin) -> dict[int, dict[str, list[tuple[int, float]]]]:
    """Forty people with seeded, varied activity; what each did, by kind."""
    rng = random.Random(29)
    weights = reading_weights()
    place = rewards_data.place()
    done: dict[int, dict[str, list[tuple[int, float]]]] = {}
    library: list[tuple] = []
    for n in range(40):
        volunteer = n % 4 == 0
        person = rewards_data.member(place, name=f"志愿者{n}") if volunteer else None
        person = person or factories.person(name=f"读者{n}")
        kinds: dict[str, list[tuple[int, float]]] = {}
        pool = EDGES + [rng.randrange(0, 190) for _ in range(6)]
        logins = sorted(set(rng.sample(pool, rng.randrange(0, 6))))
        data.logins_on(person, logins)
        kinds["login"] = [(back, 1.0) for back in logins]
        reads = sorted(set(rng.sample(pool, rng.randrange(0, 5))))
        for back in reads:
            loans, visits, minutes = rng.randrange(0, 3), rng.randrange(1, 3), rng.randrange(0, 120)
            library.append((person, back, loans, visits, minutes, 0))
        kinds["reading"] = [
            (
                back,
                loans * weights["loans"]
                + visits * weights["visits"]
                + minutes / 60 * weights["hours"],
            )
            for _, back, loans, visits, minutes, _ in library[len(library) - len(reads) :]
        ]
        if volunteer:
            shifts = sorted(set(rng.sample(pool, rng.randrange(1, 4))))
            data.shifts_on(place, person, shifts, hours=2)
            kinds["service"] = [(back, 2.0) for back in shifts]
        done[person.id] = kinds
    data.library_rows(admin, library)
    return done


def test_grouped_figures_score_everyone_as_counting_one_by_one(db, admin):
    done = _population(admin)
    rows = data.score(NOW)
    settings = engagement_settings.current()
    weeks = services.Weeks(TODAY, settings.lookback_weeks)
    horizon = services._reading_horizon(weeks)
    horizons = {"reading": horizon} if horizon else {}
    segments = set()
    for user_id, events in done.items():
        stats = _reference(events, settings)
        expected = scoring.assess(stats, today=TODAY, settings=settings, horizons=horizons)
        row = rows[user_id]
        assert (row.score, row.segment, row.reason) == (
            expected.score,
            expected.segment,
            expected.reason,
        ), user_id
        assert row.reason_params == expected.reason_params, user_id
        assert (row.idle_days, row.active_weeks) == (expected.idle_days, expected.active_weeks)
        assert row.volume == expected.volume and row.frequency == expected.frequency
        assert row.login_days == stats.get("login", scoring.NO_ACTIVITY).events_now
        segments.add(row.segment)
    assert len(segments) >= 3  # the population is varied, not all alike


def test_days_back_fall_in_the_right_week_on_every_edge(db):
    """A login on each edge day counts in exactly its own week of the mask."""
    people = {}
    for back in EDGES:
        person = factories.person(name=f"边界{back}")
        data.logins_on(person, [back])
        people[back] = person.id
    rows = data.score(NOW)
    window = engagement_settings.current().window_weeks
    for back, user_id in people.items():
        in_window = back // 7 < window
        assert rows[user_id].active_weeks == (1 if in_window else 0), back
        assert rows[user_id].login_days == (1 if in_window else 0), back
        expected_idle = back if back // 7 < 2 * window else None
        assert rows[user_id].idle_days == expected_idle, back
