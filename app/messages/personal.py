"""What the messages feature keeps about a person, for their personal data export: the
threads they started and every message they wrote (a coordinator's answers included)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.messages import services
from app.messages.models import Message, MessageThread


def _thread(row: MessageThread) -> dict[str, Any]:
    return {
        "team": row.team.name,
        **fields_of(row, "subject", "announcement_id", "status", "created_at"),
    }


def _message(row: Message) -> dict[str, Any]:
    return {"subject": row.thread.subject, **fields_of(row, "thread_id", "body", "created_at")}


def connect_hooks() -> None:
    personal_data.register_rows(
        "messages",
        _l("Messages to coordinators"),
        {
            "threads": Rows(MessageThread.volunteer_id, _thread),
            "written": Rows(Message.author_id, _message),
        },
        audited={"message_thread": MessageThread.volunteer_id},
        labels={
            "threads": _l("Conversations I started with my team's coordinators"),
            "written": _l("Messages I wrote"),
            "subject": _l("Subject"),
            "announcement_id": _l("In reply to announcement"),
            "thread_id": _l("Conversation"),
        },
        forget=services.forget_person,
    )
