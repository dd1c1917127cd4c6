"""What the engagement feature keeps about a person, in their personal data export, and
what anonymisation removes: their daily scores, the messages they were sent, their report
links and their days on the site. Segment counts stay: they name nobody."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.accounts import personal_data
from app.accounts import services as accounts
from app.accounts.models import User
from app.common.rows import fields_of
from app.engagement.labels import reason_text
from app.engagement.models import EngagementNudge, EngagementScore, ReportShare
from app.extensions import db


def personal_data_of(user: User) -> dict[str, Any]:
    scores = db.session.scalars(
        select(EngagementScore)
        .where(EngagementScore.user_id == user.id)
        .order_by(EngagementScore.day)
    )
    nudges = db.session.scalars(
        select(EngagementNudge)
        .where(EngagementNudge.user_id == user.id)
        .order_by(EngagementNudge.sent_at)
    )
    shares = db.session.scalars(select(ReportShare).where(ReportShare.user_id == user.id))
    sent = db.session.scalars(
        select(EngagementNudge)
        .where(EngagementNudge.sent_by_id == user.id)
        .order_by(EngagementNudge.sent_at)
    ).all()
    data: dict[str, Any] = {
        "login_days": [day.isoformat() for day in accounts.login_days_of(user.id)],
        "scores": [
            {
                "id": score.id,
                "day": score.day.isoformat(),
                "score": score.score,
                "segment": score.segment,
                "reason": reason_text(score.reason, score.reason_params),
            }
            for score in scores
        ],
        "messages": [fields_of(n, "id", "sent_at", "message") for n in nudges],
        "report_links": [fields_of(s, "id", "year", "created_at", "revoked_at") for s in shares],
    }
    if sent:  # as a coordinator; the message went to someone else, and is theirs
        data["messages_sent"] = [fields_of(n, "id", "sent_at") for n in sent]
    return data


def forget_person(user: User) -> None:
    for model in (EngagementScore, EngagementNudge, ReportShare):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.flush()


def connect_hooks() -> None:
    """This feature's sections of the personal data export, and what anonymising forgets."""
    personal_data.register_section(
        "engagement",
        _l("Engagement"),
        personal_data_of,
        covers={
            "login_days.user_id": "login_days",
            "engagement_scores.user_id": "scores",
            "engagement_nudges.user_id": "messages",
            "engagement_nudges.sent_by_id": "messages_sent",
            "engagement_report_shares.user_id": "report_links",
        },
        labels={
            "login_days": _l("Days on the site"),
            "scores": _l("Daily engagement scores"),
            "day": _l("Day"),
            "score": _l("Score"),
            "segment": _l("Segment"),
            "reason": _l("Why"),
            "messages": _l("Messages from coordinators"),
            "messages_sent": _l("Messages I sent to team members"),
            "sent_at": _l("Sent"),
            "message": _l("Message"),
            "report_links": _l("Public links to my annual report"),
            "year": _l("Year"),
            "created_at": _l("Created"),
            "revoked_at": _l("Stopped"),
        },
        forget=forget_person,
    )
