"""Recruitment's scheduled job: draw the lottery of every closed lottery campaign.

Registered in jobs/catalogue.py as "recruitment.draw_lotteries". Each campaign is drawn in
its own transaction; a campaign drawn already (by a rerun, another process, or a
coordinator's "draw now") is skipped, so the job is safe to run twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.errors import Conflict
from app.extensions import db
from app.recruitment import review
from app.recruitment.models import Campaign


def due_lottery_ids(*, now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(Campaign.id)
            .where(
                Campaign.selection_mode == "lottery",
                Campaign.published.is_(True),
                Campaign.closes_at <= now,
                Campaign.lottery_drawn_at.is_(None),
            )
            .order_by(Campaign.closes_at, Campaign.id)
        )
    )


def draw_lotteries(*, now: datetime) -> dict[str, int]:
    counts = {"drawn": 0, "accepted": 0, "waitlisted": 0, "skipped": 0}
    campaign_ids = due_lottery_ids(now=now)
    db.session.commit()  # end the read before the first draw's writes
    for campaign_id in campaign_ids:
        campaign = db.session.get(Campaign, campaign_id)
        try:
            result = review.draw_lottery(campaign, now=now)
        except Conflict:
            db.session.rollback()
            counts["skipped"] += 1
            continue
        db.session.commit()
        counts["drawn"] += 1
        counts["accepted"] += result.accepted
        counts["waitlisted"] += result.waitlisted
    return counts
