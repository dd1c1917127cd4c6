"""A person's own engagement: their latest score, why, and its trend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.engagement.charts import Chart, Series
from app.engagement.labels import reason_text
from app.engagement.models import EngagementScore
from app.errors import NotFound
from app.extensions import db

TREND_DAYS = 91


@dataclass
class MyEngagement:
    latest: EngagementScore | None
    charts: list[Chart] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return reason_text(self.latest.reason, self.latest.reason_params) if self.latest else ""

    def chart(self, chart_id: str) -> Chart:
        for chart in self.charts:
            if chart.id == chart_id:
                return chart
        raise NotFound(_("There is no such chart."))


def my_engagement(user_id: int) -> MyEngagement:
    latest = db.session.scalar(
        select(EngagementScore)
        .where(EngagementScore.user_id == user_id)
        .order_by(EngagementScore.day.desc())
        .limit(1)
    )
    rows = []
    if latest is not None:
        rows = db.session.execute(
            select(EngagementScore.day, EngagementScore.score)
            .where(
                EngagementScore.user_id == user_id,
                EngagementScore.day > latest.day - timedelta(days=TREND_DAYS),
            )
            .order_by(EngagementScore.day)
        ).all()
    trend = Chart(
        id="score-trend",
        title=_("My engagement score"),
        kind="line",
        label_title=_("Day"),
        labels=[format_date(day, "MM-dd") for day, _score in rows],
        series=[Series(_("Score"), [score for _day, score in rows])],
    )
    return MyEngagement(latest=latest, charts=[trend])


def latest_segments(user_ids: list[int]) -> dict[int, str]:
    """Each person's segment on their latest scored day (people never scored left out), in
    one query: what their own engagement page shows."""
    if not user_ids:
        return {}
    latest = (
        select(EngagementScore.user_id, func.max(EngagementScore.day).label("day"))
        .where(EngagementScore.user_id.in_(user_ids))
        .group_by(EngagementScore.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(EngagementScore.user_id, EngagementScore.segment).join(
            latest,
            (latest.c.user_id == EngagementScore.user_id) & (latest.c.day == EngagementScore.day),
        )
    )
    return {row.user_id: row.segment for row in rows}
