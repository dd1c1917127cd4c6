"""Every scheduled job, in one place.

Each feature writes its job functions in its own `jobs.py` (plain functions calling its
services, `def job(*, now) -> dict[str, int]`, safe to run twice) and adds one line here.
Cron times are in the configured zone (`TIMEZONE`, default Asia/Shanghai).
"""

from flask_babel import lazy_gettext as _l

from jobs.registry import cron, every, register

register(
    "notifications.drain_outbox",
    "app.notifications.jobs:drain_outbox",
    every(seconds=60),
    _l("Send queued notification emails"),
)
register(
    "recruitment.draw_lotteries",
    "app.recruitment.jobs:draw_lotteries",
    every(minutes=5),
    _l("Draw the lottery of recruitment campaigns that have closed"),
)
register(
    "shifts.send_reminders",
    "app.shifts.jobs:send_reminders",
    every(minutes=5),
    _l("Remind volunteers of their shifts 24 hours and 2 hours before"),
)
register(
    "jobs.prune_history",
    "jobs.maintenance:prune_history",
    cron(hour=3, minute=40),
    _l("Delete job history older than the configured number of days"),
)
