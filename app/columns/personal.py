"""What the service columns keep about a person, for their personal data export: their
contributions and uploads, what they liked, read and commented, and their editing work.

An anonymised person's comments keep their text: the name shown with them is the account's,
which anonymising replaces, so nothing more is forgotten here."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.columns.models import (
    ColumnEditor,
    Contribution,
    ContributionComment,
    ContributionEvent,
    ContributionLike,
    ContributionView,
    MediaFile,
)
from app.common.rows import fields_of
from app.extensions import db


def _contribution(row: Contribution) -> dict[str, Any]:
    return {
        "column": row.column.name,
        **fields_of(row, "title", "body", "status", "created_at", "published_at"),
    }


def _title_of(contribution_id: int) -> str | None:
    contribution = db.session.get(Contribution, contribution_id)
    return contribution.title if contribution else None


def _comment(row: ContributionComment) -> dict[str, Any]:
    return {
        "title": _title_of(row.contribution_id),
        "body": row.body,
        "time": row.created_at,
        "hidden_reason": row.hidden_reason,
    }


def _media(row: MediaFile) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "file": row.original_name,
        "size": row.size,
        "created_at": row.created_at,
    }


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "columns",
        _l("Service columns"),
        {
            "contributions": Rows(Contribution.author_id, _contribution),
            "uploads": Rows(MediaFile.owner_id, _media),
            "contribution_actions": Rows(
                ContributionEvent.actor_id,
                lambda row: {"action": row.action, "time": row.created_at},
            ),
            "likes": Rows(
                ContributionLike.user_id,
                lambda row: {"title": _title_of(row.contribution_id), "time": row.created_at},
            ),
            "reads": Rows(
                ContributionView.user_id,
                lambda row: {"title": _title_of(row.contribution_id), "day": row.day.isoformat()},
            ),
            "comments": Rows(ContributionComment.author_id, _comment),
            "comments_hidden": Rows(
                ContributionComment.hidden_by_id,
                lambda row: {"title": _title_of(row.contribution_id), "time": row.hidden_at},
                staff=True,
            ),
            "editor_of": Rows(
                ColumnEditor.user_id, lambda row: {"column": row.column.name, "since": row.added_at}
            ),
            "contributions_reviewed": Rows(
                Contribution.reviewed_by_id, lambda row: {"title": row.title}, staff=True
            ),
        },
        audited={
            "contribution": Contribution.author_id,
            "contribution_comment": ContributionComment.author_id,
        },
        labels={
            "contributions": _l("Contributions"),
            "uploads": _l("Uploaded files"),
            "contribution_actions": _l("Steps I took on contributions"),
            "likes": _l("Contributions I liked"),
            "reads": _l("Contributions I read"),
            "comments": _l("My comments on contributions"),
            "comments_hidden": _l("Comments I hid"),
            "hidden_reason": _l("Hidden by an editor, because"),
            "editor_of": _l("Columns I edit"),
            "contributions_reviewed": _l("Contributions I reviewed"),
            "column": _l("Column"),
            "body": _l("Text"),
            "published_at": _l("Published"),
            "file": _l("File"),
            "size": _l("Size (bytes)"),
            "since": _l("Since"),
        },
    )
