"""Feedback after service: asked once after verification, answered once, anonymous
summaries for the task's coordinators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.checkin import attendance_verification
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from app.feedback import services, summary
from app.feedback.models import FeedbackRequest
from app.notifications.models import Notification
from tests.feedback import feedback_data


def _requests() -> list[FeedbackRequest]:
    return list(_db.session.scalars(select(FeedbackRequest).order_by(FeedbackRequest.id)))


def _asked(user) -> list[Notification]:
    return list(
        _db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "feedback.asked"
            )
        )
    )


def test_each_volunteer_is_asked_once_after_their_hours_are_verified(db):
    world, records = feedback_data.served(people=2)
    assert services.ask_recent() == 0  # not verified yet: nobody is asked
    attendance_verification.verify(records[0], actor=world.boss)

    assert services.ask_recent() == 1
    assert services.ask_recent() == 0  # a second run asks nobody again
    [notice] = _asked(world.people[0])
    assert world.task.title in notice.title
    assert notice.link == f"/feedback/{records[0].id}"
    assert _asked(world.people[1]) == []


def test_attendances_verified_long_ago_are_not_asked_about(db):
    feedback_data.verified(people=1)
    assert services.ask_recent(now=utcnow() + services.ASK_WITHIN + timedelta(hours=1)) == 0


def test_a_volunteer_answers_once_with_rating_comment_and_the_tasks_ticks(db):
    world, _records = feedback_data.verified(people=1)
    services.set_ticks(world.task, "讲解清楚\n事情够做\n讲解清楚\n", actor=world.boss)
    services.ask_recent()
    [request] = _requests()
    volunteer = world.people[0]

    services.answer(
        volunteer, request.attendance_id, rating=4, comment=" 很好 ", ticks=["事情够做", "不存在的"]
    )
    assert (request.rating, request.comment, request.ticks) == (4, "很好", ["事情够做"])
    with pytest.raises(Conflict):
        services.answer(volunteer, request.attendance_id, rating=1)
    assert request.rating == 4


@pytest.mark.parametrize("rating", [0, 6, None, "5", True])
def test_a_rating_outside_one_to_five_is_refused(db, rating):
    world, _records = feedback_data.verified(people=1)
    services.ask_recent()
    [request] = _requests()
    with pytest.raises(InvalidInput) as refused:
        services.answer(world.people[0], request.attendance_id, rating=rating)
    assert refused.value.field == "rating"
    assert request.answered_at is None


def test_a_comment_too_long_is_refused(db):
    world, _records = feedback_data.verified(people=1)
    services.ask_recent()
    [request] = _requests()
    with pytest.raises(InvalidInput) as refused:
        services.answer(world.people[0], request.attendance_id, rating=3, comment="长" * 1001)
    assert refused.value.field == "comment"


def test_someone_elses_request_is_not_found(db):
    world, _records = feedback_data.verified(people=2)
    services.ask_recent()
    first, _second = _requests()
    with pytest.raises(NotFound):
        services.answer(world.people[1], first.attendance_id, rating=5)


def test_a_request_whose_hours_were_unverified_cannot_be_answered(db):
    world, records = feedback_data.verified(people=1)
    services.ask_recent()
    [request] = _requests()
    attendance_verification.unverify(records[0], actor=world.boss, reason="记错了")
    with pytest.raises(InvalidInput):
        services.answer(world.people[0], request.attendance_id, rating=5)


def test_tick_boxes_too_many_or_too_long_are_refused_and_only_the_team_sets_them(db):
    world, _records = feedback_data.served(people=1)
    with pytest.raises(InvalidInput):
        services.set_ticks(world.task, "\n".join(f"第{n}项" for n in range(9)), actor=world.boss)
    with pytest.raises(InvalidInput):
        services.set_ticks(world.task, "长" * 61, actor=world.boss)
    with pytest.raises(Forbidden):
        services.set_ticks(world.task, "讲解清楚", actor=world.other_boss)
    assert services.tick_labels(world.task.id) == []


def test_coordinators_see_counts_averages_ticks_trend_and_comments_without_names(db):
    world, _records = feedback_data.verified(people=3)
    services.set_ticks(world.task, "讲解清楚", actor=world.boss)
    services.ask_recent()
    first, second, _unanswered = _requests()
    services.answer(
        world.people[0], first.attendance_id, rating=5, comment="很顺利", ticks=["讲解清楚"]
    )
    services.answer(world.people[1], second.attendance_id, rating=2)

    feedback = summary.task_feedback(world.task)
    assert (feedback.overall.asked, feedback.overall.count) == (3, 2)
    assert feedback.overall.average == 3.5
    assert feedback.overall.ticks == {"讲解清楚": 1}
    [(shift, tally)] = feedback.shifts
    assert shift.id == world.shift.id and tally.average == 3.5
    [(_month, trend)] = feedback.months
    assert trend.count == 2
    assert [comment.text for comment in feedback.comments] == ["很顺利"]
    csv = summary.task_csv(world.task).decode("utf-8-sig")
    assert "很顺利" in csv and "讲解清楚" in csv
    assert all(person.name not in csv for person in world.people)
