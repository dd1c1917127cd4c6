"""Feedback with real threads on the real database: two job runs at once ask each volunteer
once; two answers at once (a double tap, two phones) keep one."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.feedback import services
from app.feedback.models import FeedbackRequest
from app.notifications.models import Notification
from tests.feedback import feedback_data
from tests.helpers import race


def test_two_runs_of_the_job_at_once_ask_each_volunteer_once(app, db):
    feedback_data.verified(people=4)
    db.session.commit()
    asked: list[int] = []

    def run(_n: int) -> None:
        asked.append(services.ask_recent())

    assert race(app, run, [1, 2]) == ["ok", "ok"]
    assert sum(asked) == 4
    assert _db.session.scalar(select(func.count(FeedbackRequest.id))) == 4
    notices = select(func.count(Notification.id)).where(Notification.kind == "feedback.asked")
    assert _db.session.scalar(notices) == 4


def test_two_answers_at_once_keep_one(app, db):
    world, _records = feedback_data.verified(people=1)
    services.ask_recent()
    request_id = _db.session.scalar(select(FeedbackRequest.id))
    attendance_id = _db.session.scalar(select(FeedbackRequest.attendance_id))
    person_id = world.people[0].id
    db.session.commit()

    def send(rating: int) -> None:
        services.answer(accounts.get_person(person_id), attendance_id, rating=rating)

    assert sorted(race(app, send, [2, 5, 2, 5])) == ["conflict"] * 3 + ["ok"]
    _db.session.expire_all()
    request = _db.session.get(FeedbackRequest, request_id)
    assert request.rating in (2, 5) and request.answered_at is not None
