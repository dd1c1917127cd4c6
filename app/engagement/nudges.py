"""People at risk in a team, and the message a coordinator sends them in bulk.

The list comes from the latest snapshot. A message goes to each chosen person as a
notification (and an email when they want those), once per person per cooldown: someone
reminded in the last days is skipped, so two coordinators clicking at once, or one clicking
twice, do not flood anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.audit import services as audit
from app.common.text import clean_text
from app.common.time import utcnow
from app.engagement.labels import reason_text
from app.engagement.models import EngagementDay, EngagementNudge, EngagementScore
from app.errors import InvalidInput
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import NUDGE
from app.recruitment import access, membership
from app.recruitment.teams import services as team_services

NUDGE_COOLDOWN = timedelta(days=7)
MESSAGE_MAX = 1000
NAME_PLACEHOLDER = "{name}"
LIST_LIMIT = 500


@dataclass(frozen=True)
class AtRiskPerson:
    user_id: int
    name: str
    student_number: str
    score: int
    reason: str
    idle_days: int | None
    last_nudged_at: datetime | None

    def recently_nudged(self, now: datetime) -> bool:
        return self.last_nudged_at is not None and self.last_nudged_at > now - NUDGE_COOLDOWN


@dataclass(frozen=True)
class NudgeResult:
    sent: int
    skipped: int


def default_message(team_name: str) -> str:
    return _(
        "Hello {name}, we have missed you at %(team)s! New shifts are open: come and see "
        "what is on, we would love to have you back.",
        team=team_name,
    )


def _latest_day() -> date | None:
    return db.session.scalar(select(func.max(EngagementDay.day)))


def _last_nudges(user_ids: list[int]) -> dict[int, datetime]:
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(EngagementNudge.user_id, func.max(EngagementNudge.sent_at))
        .where(EngagementNudge.user_id.in_(user_ids))
        .group_by(EngagementNudge.user_id)
    )
    return dict(rows.all())


def at_risk_members(team_id: int, viewer) -> list[AtRiskPerson]:
    """The team's active members whose latest segment is "at risk", longest idle first."""
    access.require_team_manager(viewer, team_id)
    day = _latest_day()
    if day is None:
        return []
    members = membership.active_memberships([team_id]).subquery()
    rows = db.session.execute(
        select(EngagementScore)
        .join(members, members.c.user_id == EngagementScore.user_id)
        .where(EngagementScore.day == day, EngagementScore.segment == "at_risk")
        .order_by(EngagementScore.idle_days.desc(), EngagementScore.user_id)
        .limit(LIST_LIMIT)
    ).scalars()
    scores = list(rows)
    people = {person.id: person for person in accounts.people_by_ids(s.user_id for s in scores)}
    nudged = _last_nudges([score.user_id for score in scores])
    return [
        AtRiskPerson(
            user_id=score.user_id,
            name=people[score.user_id].name,
            student_number=people[score.user_id].student_number,
            score=score.score,
            reason=reason_text(score.reason, score.reason_params),
            idle_days=score.idle_days,
            last_nudged_at=nudged.get(score.user_id),
        )
        for score in scores
        if score.user_id in people
    ]


def send_nudges(
    team_id: int,
    user_ids: list[int],
    message: str | None,
    *,
    actor,
    now: datetime | None = None,
) -> NudgeResult:
    """Send `message` ("{name}" becomes each person's name) to the chosen people who are at
    risk in the team; anyone else chosen (not at risk, not a member, reminded within the
    cooldown) is skipped."""
    now = now or utcnow()
    text = clean_text(
        message,
        field="message",
        limit=MESSAGE_MAX,
        missing=_l("Please write the message."),
        too_long=_l("The message is longer than %(n)d characters.", n=MESSAGE_MAX),
    )
    if not user_ids:
        raise InvalidInput(_("Please choose at least one person."), field="people")
    team = team_services.get_team(team_id)
    eligible = {
        person.user_id: person
        for person in at_risk_members(team.id, actor)
        if not person.recently_nudged(now)
    }
    chosen = sorted(set(user_ids))
    recipients = [user_id for user_id in chosen if user_id in eligible]
    people = {person.id: person for person in accounts.people_by_ids(recipients)}
    for user_id in recipients:
        person = people[user_id]
        personal = text.replace(NAME_PLACEHOLDER, person.display_name)
        db.session.add(
            EngagementNudge(
                user_id=user_id, team_id=team.id, sent_by_id=actor.id, sent_at=now, message=personal
            )
        )
        notifications.notify(
            person,
            NUDGE.id,
            context={"message": personal, "team": team.name, "sender": actor.display_name},
            link="/shifts/",
            now=now,
        )
    db.session.flush()
    if recipients:
        audit.record(
            "engagement.nudged",
            team,
            actor=actor,
            after={"people": recipients, "message": text},
            now=now,
        )
    return NudgeResult(sent=len(recipients), skipped=len(chosen) - len(recipients))
