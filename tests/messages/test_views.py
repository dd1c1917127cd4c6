"""The message pages through HTTP: a volunteer writes from their team, a coordinator finds
it in the team's inbox and answers, the volunteer reads the answer; replies to
announcements; bad input and the limit on new threads. (English pages unless said: the
Chinese catalogue is merged later; the messages are the same msgids.)"""

from __future__ import annotations

import pytest

from app.announcements import services as announcements
from app.extensions import db, limiter
from app.messages import services
from tests.announcements import announcement_data
from tests.helpers import notifications_of, page
from tests.messages import messages_data as data


@pytest.fixture
def where(db):
    built = data.place()
    db.session.commit()
    return built


def _write(client, where, **fields):
    form = {"team_id": str(where.team.id), "subject": "我会晚到", "body": "周六晚到十分钟。"}
    return client.post("/messages/new", data=form | fields)


def test_a_volunteer_writes_and_a_coordinator_answers_from_the_inbox(client, english_login, where):
    english_login(where.volunteer)
    assert "Write to the coordinators" in page(client.get("/teams/profile"))
    form = client.get(f"/messages/new?team={where.team.id}")
    assert where.team.name in page(form)
    sent = _write(client, where)
    assert sent.status_code == 302
    thread_url = sent.headers["Location"]
    shown = page(client.get(thread_url))
    assert "周六晚到十分钟。" in shown and "Waiting for an answer" in shown
    assert "我会晚到" in page(client.get("/messages/"))
    client.post("/logout")

    english_login(where.coordinators[0])
    team_page = page(client.get(f"/teams/{where.team.id}"))
    assert 'data-testid="team-unanswered">1<' in team_page
    assert "Messages from volunteers (1)" in page(client.get("/messages/inbox"))
    inbox = page(client.get(f"/messages/inbox/{where.team.id}"))
    assert "Unread" in inbox and "李同学" in inbox
    opened = page(client.get(thread_url))
    assert "李同学" in opened and 'id="reply"' in opened
    assert "Read, not answered" in page(client.get(f"/messages/inbox/{where.team.id}"))
    answered = client.post(thread_url, data={"body": "没关系，路上注意安全。"})
    assert answered.status_code == 302
    assert "Replied" in page(client.get(f"/messages/inbox/{where.team.id}"))
    assert 'data-testid="team-unanswered"' not in page(client.get(f"/teams/{where.team.id}"))
    client.post("/logout")

    english_login(where.volunteer)
    [told] = notifications_of(where.volunteer, "messages.answered")
    assert told.link.startswith(thread_url.split("#")[0])  # no WeChat configured: in-app still
    assert "没关系，路上注意安全。" in page(client.get(told.link))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": ""}, "Please write your message."),
        ({"body": "长" * 2001}, "A message can be at most 2000 characters long."),
        ({"subject": ""}, "Please give your message a subject."),
    ],
)
def test_bad_messages_are_shown_again_with_the_reason(
    client, english_login, where, fields, message
):
    english_login(where.volunteer)
    refused = _write(client, where, **fields)
    assert refused.status_code == 400
    assert message in page(refused)
    assert services.mine(where.volunteer) == []


def test_a_stranger_and_another_volunteer_get_404_and_a_non_member_cannot_write(
    client, english_login, where
):
    thread = data.write(where)
    db.session.commit()
    for person in (where.other, where.stranger):
        english_login(person)
        assert client.get(f"/messages/{thread.id}").status_code == 404
        assert client.post(f"/messages/{thread.id}", data={"body": "x"}).status_code == 404
        client.post("/logout")
    english_login(where.stranger)
    assert client.get(f"/messages/inbox/{where.team.id}").status_code == 404
    refused = _write(client, where)
    assert "Only members of this team can write to its coordinators." in page(refused)
    assert services.mine(where.stranger) == []


def test_closing_leaves_the_thread_readable_but_closed(client, english_login, where):
    thread = data.write(where)
    db.session.commit()
    english_login(where.coordinators[1])
    assert client.post(f"/messages/{thread.id}/close").status_code == 302
    client.post("/logout")
    english_login(where.volunteer)
    shown = page(client.get(f"/messages/{thread.id}"))
    assert "This conversation is closed." in shown and 'id="reply"' not in shown
    refused = client.post(f"/messages/{thread.id}", data={"body": "再问"}, follow_redirects=True)
    assert "This conversation is closed: please start a new message." in page(refused)


def test_starting_threads_is_limited_per_person(app, client, login, where, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_RATE_LIMIT", "2 per minute")
    limiter.reset()
    login(where.volunteer)
    for number in range(2):
        assert _write(client, where, subject=f"第{number}个问题").status_code == 302
    blocked = _write(client, where, subject="第三个问题")
    assert blocked.status_code == 429
    assert "尝试次数过多" in page(blocked)
    [thread] = services.mine(where.volunteer)[:1]
    assert client.post(f"/messages/{thread.id}", data={"body": "补充"}).status_code == 302
    client.post("/logout")
    login(where.other)  # another person is not held back
    assert (
        client.post(
            "/messages/new", data={"team_id": where.team.id, "subject": "问题", "body": "正文"}
        ).status_code
        == 302
    )
    limiter.reset()


def test_replying_to_an_announcement_and_to_a_withdrawn_one(client, english_login, db):
    place = announcement_data.place(confirmed=1, waitlisted=0)
    announcement = announcement_data.to_shift(place)
    db.session.commit()
    announcement_data.send()
    [volunteer] = place.confirmed
    english_login(volunteer)
    shown = page(client.get(f"/announcements/{announcement.id}"))
    assert f"/messages/announcements/{announcement.id}/reply" in shown
    sent = client.post(
        f"/messages/announcements/{announcement.id}/reply", data={"subject": "", "body": "收到"}
    )
    assert sent.status_code == 302
    assert "明天值班请提前到" in page(client.get(sent.headers["Location"]))

    announcements.withdraw(place.coordinator, db.session.get(type(announcement), announcement.id))
    db.session.commit()
    refused = client.get(f"/messages/announcements/{announcement.id}/reply")
    assert refused.status_code == 409
    assert "This announcement was withdrawn: it can no longer be answered." in page(refused)
