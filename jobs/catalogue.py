"""Every scheduled job, in one place.

Each feature writes its job functions in its own `jobs.py` (plain functions calling its
services, `def job(*, now) -> dict[str, int]`, safe to run twice) and adds one `JobSpec` here.
Cron times are in the configured zone (`TIMEZONE`, default Asia/Shanghai).
"""

from flask_babel import lazy_gettext as _l

from jobs.specs import JobSpec, cron, every

CATALOGUE: tuple[JobSpec, ...] = (
    JobSpec(
        "notifications.drain_outbox",
        "app.notifications.jobs:drain_outbox",
        every(seconds=60),
        _l("Send queued notification emails"),
    ),
    JobSpec(
        "wechat.send_messages",
        "app.wechat.jobs:send_messages",
        every(seconds=60),
        _l("Send queued WeChat template messages"),
    ),
    JobSpec(
        "api.send_webhooks",
        "app.api.webhook_jobs:send_webhooks",
        every(seconds=60),
        _l("Deliver queued webhook events to the subscribed campus systems"),
    ),
    JobSpec(
        "api.publish_summaries",
        "app.api.hub_jobs:publish_summaries",
        every(minutes=10),
        _l("Publish changed student volunteer summaries to the campus data hub"),
    ),
    JobSpec(
        "api.forget_idempotency_keys",
        "app.api.writes:forget_expired_keys",
        every(hours=1),
        _l("Forget the API's stored answers to idempotent writes after 24 hours"),
    ),
    JobSpec(
        "announcements.send_due",
        "app.announcements.jobs:send_due",
        every(minutes=1),
        _l("Send due announcements and the reminders their writers asked for"),
    ),
    JobSpec(
        "recruitment.draw_lotteries",
        "app.recruitment.jobs:draw_lotteries",
        every(minutes=5),
        _l("Draw the lottery of recruitment campaigns that have closed"),
    ),
    JobSpec(
        "shifts.send_reminders",
        "app.shifts.jobs:send_reminders",
        every(minutes=5),
        _l("Remind volunteers of their shifts 24 hours and 2 hours before"),
    ),
    JobSpec(
        "shifts.draw_due",
        "app.shifts.jobs:draw_due",
        every(minutes=1),
        _l("Draw the sign-up requests of shifts whose draw window has closed"),
    ),
    JobSpec(
        "shifts.expire_offers",
        "app.shifts.jobs:expire_offers",
        every(minutes=5),
        _l("Pass expired waitlist offers on and close handover offers of started shifts"),
    ),
    JobSpec(
        "shifts.mark_no_shows",
        "app.shifts.jobs:mark_no_shows",
        every(minutes=15),
        _l("Mark confirmed people who never checked in as no-shows after their shift"),
    ),
    JobSpec(
        "checkin.close_forgotten_checkouts",
        "app.checkin.jobs:close_forgotten_checkouts",
        every(minutes=10),
        _l("Check out people who forgot to, at the scheduled end, and flag the record"),
    ),
    JobSpec(
        "feedback.ask",
        "app.feedback.jobs:ask",
        every(minutes=10),
        _l("Ask volunteers once, after their hours are verified, how their shift went"),
    ),
    JobSpec(
        "stars.evaluate",
        "app.stars.jobs:evaluate",
        every(minutes=30),
        _l("Record the service star levels people reached and tell them once per level"),
    ),
    JobSpec(
        "rewards.award_points",
        "app.rewards.jobs:award_points",
        every(minutes=10),
        _l("Award points for verified hours, trainings and no-shows, and reverse withdrawn ones"),
    ),
    JobSpec(
        "rewards.evaluate_badges",
        "app.rewards.jobs:evaluate_badges",
        cron(hour=2, minute=30),
        _l("Grant badges to everyone who qualifies, and take back revocable ones"),
    ),
    JobSpec(
        "rewards.backfill_badges",
        "app.rewards.jobs:backfill_badges",
        every(minutes=5),
        _l("Give a newly created badge to everyone who already qualifies"),
    ),
    JobSpec(
        "rewards.monthly_stars",
        "app.rewards.jobs:monthly_stars",
        cron(day=1, hour=3, minute=0),
        _l("Name the Reading Stars and Service Stars of the month just ended"),
    ),
    JobSpec(
        "rewards.build_leaderboards",
        "app.rewards.jobs:build_leaderboards",
        every(minutes=15),
        _l("Rebuild the leaderboards"),
    ),
    JobSpec(
        "columns.publish_due",
        "app.columns.jobs:publish_due",
        every(minutes=5),
        _l("Publish approved contributions whose publication time has come"),
    ),
    JobSpec(
        "columns.prune_media",
        "app.columns.jobs:prune_media",
        cron(hour=4, minute=10),
        _l("Delete uploaded files that no contribution uses, two days after upload"),
    ),
    JobSpec(
        "credits.sync_records",
        "app.credits.jobs:sync_records",
        every(minutes=30),
        _l("Turn verified hours, trainings and contributions into Second Classroom credit records"),
    ),
    JobSpec(
        "engagement.score_everyone",
        "app.engagement.jobs:score_everyone",
        cron(hour=1, minute=30),
        _l("Score everyone's engagement of the last 13 weeks and keep the day's snapshot"),
    ),
    JobSpec(
        "admin.pull_datahub",
        "app.admin.jobs:pull_datahub",
        every(minutes=15),
        _l("Pull people and library use from the campus data hub when due, retrying failed pulls"),
    ),
    JobSpec(
        "admin.run_imports",
        "app.admin.jobs:run_imports",
        every(seconds=30),
        _l("Apply large imports that admins confirmed, chunk by chunk"),
    ),
    JobSpec(
        "jobs.prune_history",
        "jobs.maintenance:prune_history",
        cron(hour=3, minute=40),
        _l("Delete job history older than the configured number of days"),
    ),
)
