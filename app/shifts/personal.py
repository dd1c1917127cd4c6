"""What the shifts feature keeps about a person, for their personal data export: sign-ups,
trainings, handovers, sign-up pauses and the calendar feed (never its secret address)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts import personal_data
from app.accounts.models import User
from app.accounts.personal_data import Rows
from app.common.rows import fields_of
from app.extensions import db
from app.shifts.models import (
    CalendarFeed,
    Shift,
    ShiftDrawEntry,
    ShiftHandover,
    ShiftSignup,
    SignupPause,
    TrainingRecord,
)


def shift_of(shift: Shift | None) -> dict[str, Any]:
    """A shift as its volunteers know it: the task and when."""
    if shift is None:
        return {"shift": None}
    return {"shift": shift.task.title, "starts_at": shift.starts_at, "ends_at": shift.ends_at}


def _signup(row: ShiftSignup) -> dict[str, Any]:
    return {
        **shift_of(row.shift),
        **fields_of(row, "status", "signed_up_at", "cancelled_at", "no_show_at"),
    }


def _draw_entry(row: ShiftDrawEntry) -> dict[str, Any]:
    return {**shift_of(row.shift), **fields_of(row, "status", "entered_at", "rank")}


def _handover(row: ShiftHandover) -> dict[str, Any]:
    # The other volunteer is left out: their name is their data, not this person's.
    return {**shift_of(row.shift), "status": row.status, "created_at": row.created_at}


def _pause(row: SignupPause) -> dict[str, Any]:
    return {
        "team": row.team.name,
        **fields_of(row, "semester", "no_shows", "paused_at", "lifted_at"),
    }


def _training(row: TrainingRecord) -> dict[str, Any]:
    return {"task": row.task.title, "completed_at": row.completed_at}


def _calendar_feed(user: User) -> dict[str, Any] | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        return None
    return {"created_at": feed.created_at, "note": _l("A secret address exists (not exported).")}


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "shifts",
        _l("Shifts"),
        {
            "signups": Rows(ShiftSignup.user_id, _signup),
            "trainings": Rows(TrainingRecord.user_id, _training),
            "draw_entries": Rows(ShiftDrawEntry.user_id, _draw_entry),
            "places_offered": Rows(ShiftHandover.from_user_id, _handover),
            "places_taken": Rows(ShiftHandover.to_user_id, _handover),
            "signup_pauses": Rows(SignupPause.user_id, _pause),
            "signups_assigned": Rows(
                ShiftSignup.assigned_by_id, lambda row: shift_of(row.shift), staff=True
            ),
            "handovers_decided": Rows(
                ShiftHandover.decided_by_id, lambda row: {"time": row.decided_at}, staff=True
            ),
            "pauses_lifted": Rows(
                SignupPause.lifted_by_id, lambda row: {"time": row.lifted_at}, staff=True
            ),
        },
        audited={
            "shift_signup": ShiftSignup.user_id,
            "signup_pause": SignupPause.user_id,
            "shift_handover": ShiftHandover.from_user_id,
            "shift_draw_entry": ShiftDrawEntry.user_id,
        },
        labels={
            "signups": _l("Sign-ups"),
            "trainings": _l("Trainings completed"),
            "draw_entries": _l("Sign-up draws I entered"),
            "entered_at": _l("Entered"),
            "rank": _l("Drawn position"),
            "places_offered": _l("Places I offered to others"),
            "places_taken": _l("Places I took over"),
            "signup_pauses": _l("Sign-up pauses"),
            "signups_assigned": _l("Sign-ups I made for volunteers"),
            "handovers_decided": _l("Handovers I decided"),
            "pauses_lifted": _l("Sign-up pauses I lifted"),
            "shift": _l("Shift"),
            "task": _l("Task"),
            "starts_at": _l("Starts"),
            "ends_at": _l("Ends"),
            "signed_up_at": _l("Signed up"),
            "cancelled_at": _l("Cancelled"),
            "no_show_at": _l("Marked as no-show"),
            "semester": _l("Semester"),
            "no_shows": _l("No-shows"),
            "paused_at": _l("Paused"),
            "lifted_at": _l("Lifted"),
            "completed_at": _l("Completed"),
        },
    )
    personal_data.register_section(
        "calendar_feed",
        _l("Calendar feed"),
        _calendar_feed,
        covers={"calendar_feeds.user_id": None},
    )
