"""The campus data hub's push: `summary.changed` for each student whose volunteer summary
changed since the last run, into the webhook outbox (`api.send_webhooks` delivers it).
Registered as "app.api.hub_jobs:publish_summaries"."""

from __future__ import annotations

from datetime import datetime

from app.api import summaries


def publish_summaries(*, now: datetime) -> dict[str, int]:
    return summaries.publish_changed(now=now)
