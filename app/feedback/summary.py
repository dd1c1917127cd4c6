"""What a task's coordinators see of its feedback: count, average and tick-box counts per
task and per shift, the comments, the average per month, and the CSV. Never a name: the
answers are anonymous to everyone, coordinators included."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.common.tables import write_table
from app.common.time import to_local
from app.extensions import db
from app.feedback.models import FeedbackRequest
from app.shifts.models import Shift, Task


@dataclass
class Tally:
    """Answers of a group (a task, a shift, a month): how many, their average, the ticks."""

    asked: int = 0
    count: int = 0
    total: int = 0
    ticks: Counter = field(default_factory=Counter)

    def add(self, request: FeedbackRequest) -> None:
        self.asked += 1
        if request.answered_at is None:
            return
        self.count += 1
        self.total += request.rating or 0
        self.ticks.update(request.ticks or [])

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None


@dataclass(frozen=True)
class Comment:
    when: datetime
    shift_starts_at: datetime
    rating: int
    text: str


@dataclass
class TaskFeedback:
    task: Task
    overall: Tally
    shifts: list[tuple[Shift, Tally]]
    months: list[tuple[str, Tally]]
    comments: list[Comment]


def _requests(task_id: int) -> list[FeedbackRequest]:
    return list(
        db.session.scalars(
            select(FeedbackRequest)
            .options(selectinload(FeedbackRequest.shift))
            .where(FeedbackRequest.task_id == task_id)
            .order_by(FeedbackRequest.answered_at, FeedbackRequest.id)
        )
    )


def task_feedback(task: Task) -> TaskFeedback:
    """The task's feedback (the caller has checked the viewer runs the task's team)."""
    requests = _requests(task.id)
    overall = Tally()
    shifts: dict[int, Tally] = defaultdict(Tally)
    months: dict[str, Tally] = defaultdict(Tally)
    comments = []
    for request in requests:
        overall.add(request)
        shifts[request.shift_id].add(request)
        if request.answered_at is None:
            continue
        months[f"{to_local(request.answered_at):%Y-%m}"].add(request)
        if request.comment:
            comments.append(
                Comment(
                    request.answered_at, request.shift.starts_at, request.rating, request.comment
                )
            )
    by_id = {request.shift_id: request.shift for request in requests}
    ordered = sorted(shifts.items(), key=lambda item: by_id[item[0]].starts_at, reverse=True)
    return TaskFeedback(
        task=task,
        overall=overall,
        shifts=[(by_id[shift_id], tally) for shift_id, tally in ordered],
        months=sorted(months.items()),
        comments=list(reversed(comments)),
    )


def task_csv(task: Task) -> bytes:
    """Every answer of the task, one a line, without the volunteer (anonymous)."""
    header = [_("Shift"), _("Answered"), _("Rating"), _("Ticked"), _("Comment")]
    rows = [
        [
            f"{to_local(request.shift.starts_at):%Y-%m-%d %H:%M}",
            f"{to_local(request.answered_at):%Y-%m-%d %H:%M}",
            request.rating,
            "; ".join(request.ticks or []),
            request.comment,
        ]
        for request in _requests(task.id)
        if request.answered_at is not None
    ]
    return write_table(header, rows)
