"""Messages test data: a team with two coordinators and two members, and a coordinator of
another team."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db
from app.messages import services
from app.messages.models import MessageThread
from app.recruitment.models import Team
from tests.recruitment import recruiting
from tests.shifts import signup_data


@dataclass
class Place:
    team: Team
    coordinators: list[User]
    volunteer: User
    other: User
    stranger: User  # a coordinator of another team


def place(team_names: tuple[str | None, str | None] = (None, None)) -> Place:
    """`team_names`: the team's and the other team's (default: numbered names)."""
    team = signup_data.team(name=team_names[0])
    coordinators = [recruiting.coordinator(team, name=name) for name in ("陈老师", "王老师")]
    volunteer = signup_data.member(team, name="李同学")
    other = signup_data.member(team, name="赵同学")
    stranger = recruiting.coordinator(signup_data.team(name=team_names[1]), name="周老师")
    db.session.flush()
    return Place(team, coordinators, volunteer, other, stranger)


def write(where: Place, subject: str = "我会晚到", body: str = "周六会晚到十分钟。"):
    return services.start(where.volunteer, where.team.id, services.Draft(subject, body))


def fresh(thread: MessageThread) -> MessageThread:
    db.session.expire_all()
    return db.session.get(MessageThread, thread.id)


def audit_actions(thread: MessageThread) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "message_thread")
            .where(AuditEntry.object_id == str(thread.id))
            .order_by(AuditEntry.id)
        )
    )
