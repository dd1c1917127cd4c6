"""Days and times are the library's: a shift typed as 09:00 is stored as UTC, and a time
stored in UTC counts for the calendar day it falls on in the configured zone."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from app.common.time import (
    LocalDays,
    from_local_date,
    local_day,
    local_to_utc,
    local_today,
    utc_of_local,
)


@pytest.fixture
def zone(app, monkeypatch):
    def use(name: str) -> None:
        monkeypatch.setitem(app.config, "TIMEZONE", name)

    use("Asia/Shanghai")
    return use


def test_a_late_evening_in_utc_is_the_next_day_in_shanghai(zone):
    assert local_day(datetime(2026, 3, 1, 15, 59)) == date(2026, 3, 1)
    assert local_day(datetime(2026, 3, 1, 16, 0)) == date(2026, 3, 2)
    assert local_today(datetime(2026, 3, 1, 16, 0)) == date(2026, 3, 2)


def test_a_local_day_and_time_is_stored_as_utc(zone):
    assert utc_of_local(date(2026, 3, 2), time(9, 0)) == datetime(2026, 3, 2, 1, 0)
    assert from_local_date(date(2026, 3, 2)) == datetime(2026, 3, 1, 16, 0)


def test_the_configured_zone_and_its_summer_time_are_followed(zone):
    zone("Europe/London")
    assert utc_of_local(date(2026, 1, 15), time(9, 0)) == datetime(2026, 1, 15, 9, 0)
    assert utc_of_local(date(2026, 7, 15), time(9, 0)) == datetime(2026, 7, 15, 8, 0)
    assert local_day(datetime(2026, 7, 15, 23, 30)) == date(2026, 7, 16)


def test_a_datetime_local_input_and_a_day_with_a_time_convert_alike(zone):
    typed = datetime(2026, 3, 2, 18, 30)
    assert local_to_utc(typed) == utc_of_local(typed.date(), typed.time())
    assert local_to_utc(None) is None


def test_local_days_are_bounded_by_local_midnights_in_utc(zone):
    days = LocalDays(date(2026, 3, 1), date(2026, 3, 2))

    assert days.starts_at == datetime(2026, 2, 28, 16, 0)
    assert days.ends_before == datetime(2026, 3, 2, 16, 0)
