"""Read helpers for the people pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from app.accounts.models import User, UserRole
from app.extensions import db


@dataclass
class PeopleFilter:
    text: str = ""
    role: str = ""
    college_id: int | None = None
    status: str = ""  # "", "active", "inactive"


def people_query(filters: PeopleFilter) -> Select:
    query = select(User).order_by(User.student_number)
    text = filters.text.strip()
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        query = query.where(
            or_(
                User.name.ilike(like, escape="\\"),
                User.student_number.ilike(like, escape="\\"),
                User.email.ilike(like, escape="\\"),
                User.nickname.ilike(like, escape="\\"),
            )
        )
    if filters.role:
        query = query.where(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == filters.role))
        )
    if filters.college_id:
        query = query.where(User.college_id == filters.college_id)
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(User.active.is_(False))
    return query


def people_counts() -> dict[str, int]:
    """Headline numbers for the admin's home page."""
    total, inactive, pending = db.session.execute(
        select(
            func.count(User.id),
            func.count(User.id).filter(User.active.is_(False)),
            func.count(User.id).filter(User.must_change_password.is_(True)),
        )
    ).one()
    by_role = dict(
        db.session.execute(select(UserRole.role, func.count()).group_by(UserRole.role)).all()
    )
    return {"total": total, "inactive": inactive, "must_change_password": pending, **by_role}
