"""The event-day load test (`python -m bench.eventday`) kept from rotting: a short mix
against SQLite under gunicorn gives no error and passes every data check."""

from __future__ import annotations

from bench import eventday


def test_a_short_event_day_runs_without_errors_and_leaves_consistent_data(tmp_path):
    settings = eventday.Settings(
        people=30, seconds=6, clients=4, workers=1, threads=4, jobs_every=2.5, demo=False
    )

    day = eventday.run_day(f"sqlite:///{tmp_path / 'eventday.sqlite'}", settings)

    assert not day.tally.samples, day.tally.samples
    assert sum(day.tally.errors.values()) == 0
    assert day.checks and not any(day.checks.values()), day.checks
    done = {kind for kind, latencies in day.tally.latencies.items() if latencies}
    assert {"shift list", "sign up", "check-in scan", "leaderboard", "kiosk code"} <= done
    assert len(day.tally.latencies["jobs (in-process)"]) >= 2
