"""What a scheduled job is: an id, the function it runs and when.

A job is a plain function `def some_job(*, now: datetime) -> dict[str, int]` that calls
services and returns counts (`{"sent": 3}`); it is named by a stable id and found by its
import path, so a module that is missing or broken fails that job's runs with a clear
message instead of stopping the app from starting.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

JobFunction = Callable[..., dict[str, int] | None]

JOB_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
CRON_FIELDS = ("month", "day", "day_of_week", "hour", "minute", "second")
WEEKDAYS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}


class JobUnavailable(Exception):
    """The job's function cannot be imported; its run fails with this message."""


@dataclass(frozen=True)
class Schedule:
    """Either an interval in seconds or cron fields (in the configured time zone)."""

    seconds: int | None = None
    cron: dict[str, str] = field(default_factory=dict)

    def trigger(self, timezone: tzinfo):
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.seconds:
            return IntervalTrigger(seconds=self.seconds, timezone=timezone)
        return CronTrigger(timezone=timezone, **self.cron)

    def describe(self) -> str:
        """In words, in the current language: "every 5 minutes", "every day at 03:15"."""
        if self.seconds:
            return _describe_interval(self.seconds)
        return _describe_cron(self.cron)


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0, days: int = 0) -> Schedule:
    total = seconds + 60 * minutes + 3600 * hours + 86400 * days
    if total <= 0:
        raise ValueError("an interval must be positive")
    return Schedule(seconds=total)


def cron(**fields: str | int) -> Schedule:
    """Cron fields as APScheduler's CronTrigger takes them: `cron(hour=3, minute=15)`."""
    unknown = set(fields) - set(CRON_FIELDS)
    if unknown or not fields:
        raise ValueError(f"cron fields must be among {CRON_FIELDS}, got {sorted(fields)}")
    return Schedule(cron={key: str(value) for key, value in fields.items()})


def _describe_interval(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            if unit == "day":
                return ngettext("every day", "every %(num)d days", n)
            if unit == "hour":
                return ngettext("every hour", "every %(num)d hours", n)
            return ngettext("every minute", "every %(num)d minutes", n)
    return ngettext("every second", "every %(num)d seconds", seconds)


def _describe_cron(fields: dict[str, str]) -> str:
    hour, minute = fields.get("hour"), fields.get("minute", "0")
    rest = set(fields) - {"hour", "minute"}
    if minute.isdigit() and hour is None and not rest:
        return _("every hour at minute %(minute)s", minute=minute)
    if not (minute.isdigit() and hour and hour.isdigit()):
        details = ", ".join(f"{key}={fields[key]}" for key in CRON_FIELDS if key in fields)
        return _("on the schedule %(fields)s", fields=details)
    time = f"{int(hour):02d}:{int(minute):02d}"
    if not rest:
        return _("every day at %(time)s", time=time)
    weekday = fields.get("day_of_week", "")
    if rest == {"day_of_week"} and weekday in WEEKDAYS:
        return _("every %(weekday)s at %(time)s", weekday=WEEKDAYS[weekday], time=time)
    day = fields.get("day", "")
    if rest == {"day"} and day.isdigit():
        return _("on day %(day)s of every month at %(time)s", day=day, time=time)
    details = ", ".join(f"{key}={fields[key]}" for key in CRON_FIELDS if key in fields)
    return _("on the schedule %(fields)s", fields=details)


@dataclass(frozen=True)
class JobSpec:
    id: str
    target: str  # "package.module:function"
    schedule: Schedule
    description: Any  # a lazy_gettext string

    def load(self) -> JobFunction:
        module_name, _sep, attribute = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise JobUnavailable(
                f"Cannot import {module_name} for job {self.id}: {error}"
            ) from error
        function = getattr(module, attribute, None)
        if not callable(function):
            raise JobUnavailable(f"{module_name} has no function {attribute!r} for job {self.id}")
        return function
