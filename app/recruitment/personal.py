"""What recruitment keeps about a person, for their personal data export: their
applications with their answers, the teams they coordinate, and their reviewing work
(numbers and times only: other applicants' answers and notes are theirs); and what
coordinators wrote about them on their team profile, private notes included (PIPL: people
may see what is held about them), with the team and the time but not the author."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.recruitment.member_notes import forget_person as forget_member_notes
from app.recruitment.models import (
    Application,
    ApplicationNote,
    Campaign,
    MemberNote,
    Membership,
    TeamCoordinator,
)


def _answers(row: Application) -> dict[str, Any]:
    """The answers under their questions' wording; answers to questions removed since are
    kept under their number."""
    labels = {str(question.id): question.label for question in row.campaign.questions}
    return {labels.get(key, key): value for key, value in row.answers.items()}


def _application(row: Application) -> dict[str, Any]:
    return {
        "campaign": row.campaign.title,
        "status": row.status,
        "answers": _answers(row),
        **fields_of(row, "consented_at", "submitted_at", "decided_at"),
    }


def _member_note(row: MemberNote) -> dict[str, Any]:
    return {
        "team": row.team.name,
        **fields_of(row, "kind", "body", "points", "created_at", "updated_at"),
    }


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "recruitment",
        _l("Applications"),
        {
            "applications": Rows(Application.user_id, _application),
            "coordinator_of": Rows(
                TeamCoordinator.user_id,
                lambda row: {"team": row.team.name, "since": row.granted_at},
            ),
            "campaigns_created": Rows(
                Campaign.created_by_id,
                lambda row: {"campaign": row.title, "time": row.created_at},
                staff=True,
            ),
            "applications_decided": Rows(
                Application.decided_by_id, lambda row: {"time": row.decided_at}, staff=True
            ),
            "application_notes": Rows(
                ApplicationNote.author_id, lambda row: {"time": row.created_at}, staff=True
            ),
            "member_notes": Rows(MemberNote.user_id, _member_note),
            "member_notes_written": Rows(
                MemberNote.author_id, lambda row: {"time": row.created_at}, staff=True
            ),
        },
        audited={
            "application": Application.user_id,
            "membership": Membership.user_id,
            "member_note": MemberNote.user_id,
        },
        labels={
            "applications": _l("Applications"),
            "coordinator_of": _l("Teams I coordinate"),
            "campaigns_created": _l("Campaigns I created"),
            "applications_decided": _l("Applications I decided"),
            "application_notes": _l("Notes I wrote on applications"),
            "member_notes": _l("Notes and commendations about me from coordinators"),
            "member_notes_written": _l("Notes I wrote on team members"),
            "body": _l("Text"),
            "campaign": _l("Campaign"),
            "answers": _l("Answers"),
            "consented_at": _l("Consent given"),
            "submitted_at": _l("Submitted"),
            "decided_at": _l("Decided"),
        },
        forget=forget_member_notes,
    )
