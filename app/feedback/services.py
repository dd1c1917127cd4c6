"""Feedback after service: asking each volunteer once after a verified shift, answering once,
and the tick-boxes a task's coordinators configure. Summaries for coordinators are in
`app.feedback.summary`."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit import services as audit
from app.checkin.models import Attendance
from app.common.db import add_once, update_if
from app.common.text import clean_line, clean_text
from app.common.time import to_local, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.feedback.models import (
    COMMENT_MAX,
    RATING_MAX,
    RATING_MIN,
    TICK_MAX,
    TICKS_MAX,
    FeedbackRequest,
    FeedbackTicks,
)
from app.notifications import services as notifications
from app.notifications.kinds import FEEDBACK_ASKED
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, Task

# Attendances verified longer ago than this are not asked about any more (a first run of the
# job on an old database asks about recent shifts only).
ASK_WITHIN = timedelta(days=14)
ANSWER_PATH = "/feedback/"


def answer_path(request: FeedbackRequest) -> str:
    """The notification's link (built without a request, as in a job). It names the
    attendance, which is one request's for good: the request's own id could differ between
    two job runs racing (a losing insert still takes an id on PostgreSQL)."""
    return f"{ANSWER_PATH}{request.attendance_id}"


# Asking --------------------------------------------------------------------------------------


def _unasked(now: datetime) -> list[Attendance]:
    asked = select(FeedbackRequest.attendance_id)
    return list(
        db.session.scalars(
            select(Attendance)
            .join(User, User.id == Attendance.user_id)
            .where(
                Attendance.verified_at.is_not(None),
                Attendance.verified_at >= now - ASK_WITHIN,
                Attendance.id.not_in(asked),
                User.active.is_(True),
            )
            .order_by(Attendance.id)
        )
    )


def ask(attendance: Attendance, *, now: datetime | None = None) -> FeedbackRequest | None:
    """Ask the volunteer about one verified attendance: a request row (one per attendance,
    by a unique constraint) and a notification. None when it was asked already (by an
    earlier or a concurrent run)."""
    now = now or utcnow()
    shift = db.session.get(Shift, attendance.shift_id)
    request = FeedbackRequest(
        attendance_id=attendance.id,
        user_id=attendance.user_id,
        shift_id=shift.id,
        task_id=shift.task_id,
        asked_at=now,
    )
    found = add_once(request, existing=lambda: _request_of(attendance.id))
    if found is not None:
        return None
    user = db.session.get(User, attendance.user_id)
    notifications.notify(
        user,
        FEEDBACK_ASKED.id,
        context={
            "task_title": shift.task.title,
            "when": f"{to_local(shift.starts_at):%m-%d %H:%M}",
        },
        link=answer_path(request),
        now=now,
        dedupe_key=f"feedback:{attendance.id}",
    )
    return request


def _request_of(attendance_id: int) -> FeedbackRequest | None:
    return db.session.scalar(
        select(FeedbackRequest).where(FeedbackRequest.attendance_id == attendance_id)
    )


def ask_recent(*, now: datetime | None = None) -> int:
    """Ask about every attendance verified lately that nobody asked about; safe to run twice,
    even at once. Returns how many this call asked."""
    now = now or utcnow()
    return sum(1 for attendance in _unasked(now) if ask(attendance, now=now) is not None)


def open_requests(user_id: int, *, limit: int = 3) -> list[FeedbackRequest]:
    """The person's questions not answered yet, newest first, with shift and task loaded
    (for their home page)."""
    values = {"user_id": user_id, "limit": limit}
    return list(db.session.scalars(_open_requests_query(), values))


@functools.cache
def _open_requests_query() -> Select:
    """Built once (every home page asks): the person and the limit are bound parameters."""
    return (
        select(FeedbackRequest)
        .where(
            FeedbackRequest.user_id == bindparam("user_id"), FeedbackRequest.answered_at.is_(None)
        )
        .options(joinedload(FeedbackRequest.shift), joinedload(FeedbackRequest.task))
        .order_by(FeedbackRequest.asked_at.desc(), FeedbackRequest.id.desc())
        .limit(bindparam("limit"))
    )


# Answering -----------------------------------------------------------------------------------


def request_for(user: User, attendance_id: int) -> FeedbackRequest:
    """The person's own request about this attendance; NotFound for anyone else's (nobody
    learns it exists)."""
    request = _request_of(attendance_id)
    if request is None or request.user_id != user.id:
        raise NotFound(_("This feedback request was not found."))
    return request


def tick_labels(task_id: int) -> list[str]:
    """The task's tick-boxes, in the coordinators' order."""
    row = db.session.scalar(select(FeedbackTicks).where(FeedbackTicks.task_id == task_id))
    return list(row.labels) if row else []


def _check_rating(rating: object) -> int:
    if (
        not isinstance(rating, int)
        or isinstance(rating, bool)
        or not RATING_MIN <= rating <= RATING_MAX
    ):
        raise InvalidInput(_("Please choose a rating from 1 to 5."), field="rating")
    return rating


def answer(
    user: User,
    attendance_id: int,
    *,
    rating: object,
    comment: str | None = None,
    ticks: list[str] | None = None,
    now: datetime | None = None,
) -> FeedbackRequest:
    """Answer one's own request once: a rating 1–5, an optional comment and the ticked
    boxes (only the task's own). A second answer, even at the same moment, is a Conflict."""
    now = now or utcnow()
    request = request_for(user, attendance_id)
    rating = _check_rating(rating)
    comment = clean_text(
        comment,
        field="comment",
        limit=COMMENT_MAX,
        too_long=_("The comment is too long: at most %(count)d characters.", count=COMMENT_MAX),
    )
    attendance = db.session.get(Attendance, request.attendance_id)
    if attendance is None or attendance.verified_at is None:
        raise InvalidInput(
            _("This shift's hours are not verified (any more), so it cannot be rated yet.")
        )
    allowed = tick_labels(request.task_id)
    ticked = [label for label in allowed if label in set(ticks or [])]
    if request.answered_at is not None or not update_if(
        request,
        FeedbackRequest.answered_at.is_(None),
        answered_at=now,
        rating=rating,
        comment=comment,
        ticks=ticked,
    ):
        raise Conflict(_("You have already rated this shift. Thank you!"))
    return request


# Tick-boxes ----------------------------------------------------------------------------------


def parse_ticks(text: str | None) -> list[str]:
    """One tick-box a line, blank lines and repeats left out; too many or too long ones are
    refused with a message."""
    labels: list[str] = []
    for line in (text or "").splitlines():
        label = clean_line(
            line,
            field="labels",
            limit=TICK_MAX,
            too_long=_("A tick-box is at most %(count)d characters long.", count=TICK_MAX),
        )
        if label and label not in labels:
            labels.append(label)
    if len(labels) > TICKS_MAX:
        raise InvalidInput(
            _("A task has at most %(count)d tick-boxes.", count=TICKS_MAX), field="labels"
        )
    return labels


def set_ticks(
    task: Task, text: str | None, *, actor: User, now: datetime | None = None
) -> list[str]:
    """Replace the task's tick-boxes (answers already given keep the labels they ticked)."""
    require_team_manager(actor, task.team_id)
    now = now or utcnow()
    labels = parse_ticks(text)
    row = db.session.scalar(select(FeedbackTicks).where(FeedbackTicks.task_id == task.id))
    before = list(row.labels) if row else []
    if row is None:
        row = FeedbackTicks(task_id=task.id, labels=labels, updated_at=now)
        db.session.add(row)
    else:
        row.labels = labels
        row.updated_at = now
    audit.record_change(
        "feedback.ticks_changed",
        task,
        actor=actor,
        before={"ticks": before},
        after={"ticks": labels},
        now=now,
    )
    return labels
