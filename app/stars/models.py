"""The first time a person reached a star level: one row per (person, level), so the
notification and the "new star volunteers" list name each level once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

TOP_LEVEL = 5


class StarLevelReached(db.Model):
    __tablename__ = "star_levels_reached"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "level", name="uq_star_levels_reached_user_level"),
        sa.CheckConstraint(f"level >= 1 AND level <= {TOP_LEVEL}", name="level_range"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    level: Mapped[int] = mapped_column(sa.Integer)
    # Library and outside minutes when it was reached (the total then, for the record).
    minutes: Mapped[int] = mapped_column(sa.Integer)
    reached_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow, index=True)

    user = relationship("User")
