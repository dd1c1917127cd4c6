"""What the announcements feature keeps about a person, for their personal data export:
the announcements told to them (when told, when read) and those they wrote."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.announcements.models import Announcement, AnnouncementRecipient, AnnouncementVersion
from app.common.rows import fields_of


def _received(row: AnnouncementRecipient) -> dict[str, Any]:
    return {
        "title": row.announcement.title,
        **fields_of(row, "delivered_at", "read_at", "reminded_at"),
    }


def _written(row: Announcement) -> dict[str, Any]:
    return fields_of(row, "title", "audience", "status", "send_at")


def _edited(row: AnnouncementVersion) -> dict[str, Any]:
    return {"title": row.announcement.title, **fields_of(row, "edited_at")}


def connect_hooks() -> None:
    personal_data.register_rows(
        "announcements",
        _l("Announcements"),
        {
            "received": Rows(AnnouncementRecipient.user_id, _received),
            "written": Rows(Announcement.author_id, _written, staff=True),
            "edited": Rows(AnnouncementVersion.editor_id, _edited, staff=True),
        },
        audited={"announcement": Announcement.author_id},
        labels={
            "received": _l("Announcements told to me"),
            "written": _l("Announcements I wrote"),
            "edited": _l("Announcements I edited after they went out"),
            "edited_at": _l("Edited"),
            "delivered_at": _l("Told"),
            "read_at": _l("Read"),
            "reminded_at": _l("Reminded"),
            "audience": _l("Send to"),
            "send_at": _l("Sent at"),
        },
    )
