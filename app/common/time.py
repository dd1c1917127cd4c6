"""Times are stored in UTC (naive, as the database column holds them) and shown in the
configured zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The current time in UTC, without tzinfo, as every DateTime column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: datetime | None) -> datetime | None:
    """A stored UTC time as an aware datetime in the configured zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_zone())


def local_day(value: datetime) -> date:
    """The calendar day a stored UTC time falls on in the configured zone."""
    return to_local(value).date()


def local_today(now: datetime | None = None) -> date:
    """Today's date in the configured zone (at `now`, a UTC time, when given)."""
    return local_day(now or utcnow())


def utc_of_local(day: date, moment: time) -> datetime:
    """A local calendar day and wall-clock time as a naive UTC datetime."""
    local = datetime.combine(day, moment, tzinfo=local_zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def from_local_date(day: date) -> datetime:
    """Midnight of a local calendar day, as a naive UTC datetime for queries."""
    return utc_of_local(day, time.min)


@dataclass(frozen=True)
class LocalDays:
    """Local calendar days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        """The first moment, as naive UTC for queries."""
        return from_local_date(self.start)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the last day, as naive UTC for queries."""
        return from_local_date(self.end + timedelta(days=1))


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive local time (a `datetime-local` input) as naive UTC for storage."""
    if value is None:
        return None
    return value.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime | None) -> datetime | None:
    """A stored UTC time as the naive local time a `datetime-local` input shows."""
    local = to_local(value)
    return local.replace(tzinfo=None) if local is not None else None
