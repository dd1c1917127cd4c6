"""The feedback pages through HTTP: the volunteer's answer from the notification's link and
the task's feedback for its coordinators. (English pages: the Chinese catalogue is merged
later; the messages are the same msgids.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.feedback import services
from app.feedback.models import FeedbackRequest
from tests.feedback import feedback_data
from tests.helpers import page, text_download


@pytest.fixture
def world(db):
    built, _records = feedback_data.verified(people=2)
    services.set_ticks(built.task, "讲解清楚\n事情够做", actor=built.boss)
    services.ask_recent()
    built.requests = list(db.session.scalars(select(FeedbackRequest).order_by(FeedbackRequest.id)))
    db.session.commit()
    return built


def _fresh(request: FeedbackRequest) -> FeedbackRequest:
    db.session.expire_all()
    return db.session.get(FeedbackRequest, request.id)


def test_the_volunteer_rates_from_the_link_once(client, english_login, world):
    request = world.requests[0]
    english_login(world.people[0])
    shown = client.get(f"/feedback/{request.attendance_id}")
    assert shown.status_code == 200
    assert "How was your shift?" in page(shown) and "讲解清楚" in page(shown)

    sent = client.post(
        f"/feedback/{request.attendance_id}",
        data={"rating": "5", "ticks": ["讲解清楚"], "comment": "很好"},
        follow_redirects=True,
    )
    assert "Thank you! Your rating was sent." in page(sent)
    assert (_fresh(request).rating, _fresh(request).ticks) == (5, ["讲解清楚"])

    again = client.post(
        f"/feedback/{request.attendance_id}", data={"rating": "1"}, follow_redirects=True
    )
    assert "You have already rated this shift." in page(again)
    assert _fresh(request).rating == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "7"}, "Please choose a rating from 1 to 5."),
        ({}, "Please choose a rating from 1 to 5."),
        ({"rating": "3", "comment": "长" * 1001}, "1000 characters"),
    ],
)
def test_bad_answers_get_a_clear_message_and_change_nothing(
    client, english_login, world, data, message
):
    request = world.requests[0]
    english_login(world.people[0])
    refused = client.post(f"/feedback/{request.attendance_id}", data=data)
    assert refused.status_code == 400
    assert message in page(refused)
    assert _fresh(request).answered_at is None


def test_another_volunteers_request_is_not_found(client, english_login, world):
    english_login(world.people[1])
    assert client.get(f"/feedback/{world.requests[0].attendance_id}").status_code == 404
    assert (
        client.post(
            f"/feedback/{world.requests[0].attendance_id}", data={"rating": "1"}
        ).status_code
        == 404
    )
    assert _fresh(world.requests[0]).answered_at is None


def test_coordinators_see_the_summary_without_names_and_download_it(client, english_login, world):
    services.answer(world.people[0], world.requests[0].attendance_id, rating=4, comment="流程清楚")
    db.session.commit()
    english_login(world.boss)
    shown = page(client.get(f"/feedback/tasks/{world.task.id}"))
    assert "流程清楚" in shown and "4.00" in shown
    assert all(person.name not in shown for person in world.people)
    csv = text_download(
        client.get(f"/feedback/tasks/{world.task.id}/feedback.csv"), "text/csv; charset=utf-8"
    )
    assert "流程清楚" in csv


def test_coordinators_set_the_tick_boxes_from_the_feedback_page(client, english_login, world):
    english_login(world.boss)
    client.post(f"/feedback/tasks/{world.task.id}/ticks", data={"labels": "人手够\n"})
    assert services.tick_labels(world.task.id) == ["人手够"]
    refused = client.post(
        f"/feedback/tasks/{world.task.id}/ticks", data={"labels": "长" * 61}, follow_redirects=True
    )
    assert "at most 60 characters" in page(refused)
    assert services.tick_labels(world.task.id) == ["人手够"]


def test_another_teams_coordinator_cannot_see_the_feedback(client, english_login, world):
    english_login(world.other_boss)
    assert client.get(f"/feedback/tasks/{world.task.id}").status_code == 403
    assert client.get(f"/feedback/tasks/{world.task.id}/feedback.csv").status_code == 403
