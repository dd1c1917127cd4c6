"""What a volunteer gives for the national volunteer record (全国志愿服务信息系统): their
national volunteer number and, with a separate consent, their ID-card number.

The ID number is sensitive personal information: the row keeps only its ciphertext (Fernet,
key from the environment) and its last four characters for masked display, so no page
needs to decrypt it and a database dump or backup holds nothing readable.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.common.time import utcnow
from app.extensions import db


class VolunteerIdentity(db.Model):
    __tablename__ = "volunteer_identities"
    audit_type: ClassVar[str] = "volunteer_identity"
    __table_args__ = (
        sa.CheckConstraint(
            "id_number_cipher IS NULL OR id_consent_at IS NOT NULL", name="id_number_consent"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    national_number: Mapped[str | None] = mapped_column(sa.String(32))
    # Fernet token of the ID-card number; never the number itself.
    id_number_cipher: Mapped[str | None] = mapped_column(sa.Text)
    id_number_last4: Mapped[str | None] = mapped_column(sa.String(4))
    # When the person agreed to give their ID number; None once withdrawn.
    id_consent_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
