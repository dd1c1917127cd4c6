"""The announcements job: thin over the services, one commit after each step (a claim,
a chunk of recipients), until nothing due is left."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from app.announcements import services
from app.extensions import db


def _until_done(step: Callable[..., int], *, now: datetime) -> int:
    total = 0
    while done := step(now=now):
        db.session.commit()
        total += done
    db.session.commit()  # the last step's bookkeeping (announcements become sent)
    return total


def send_due(*, now: datetime) -> dict[str, int]:
    claimed = services.claim_due(now=now)
    db.session.commit()
    return {
        "claimed": claimed,
        "delivered": _until_done(services.deliver, now=now),
        "reminded": _until_done(services.remind, now=now),
    }
