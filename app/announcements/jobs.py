"""The announcements job: thin over the services, one commit after each step."""

from __future__ import annotations

from datetime import datetime

from app.announcements import services
from app.extensions import db


def send_due(*, now: datetime) -> dict[str, int]:
    claimed = services.claim_due(now=now)
    db.session.commit()
    delivered = services.deliver(now=now)
    db.session.commit()
    reminded = services.remind(now=now)
    return {"claimed": claimed, "delivered": delivered, "reminded": reminded}
