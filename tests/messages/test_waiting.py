"""Unanswered messages wait on the coordinators' home, counted by the team inboxes."""

from __future__ import annotations

from app.common.time import utcnow
from app.home import desk
from app.messages import services
from tests.messages import messages_data as data


def waiting_messages(coordinator):
    return [item for item in desk.desk(coordinator, now=utcnow()).waiting if item.key == "messages"]


def test_a_message_waits_on_the_coordinators_home_until_one_of_them_answers(db):
    where = data.place()
    thread = data.write(where)
    data.write(where, subject="培训的问题")
    db.session.commit()

    [item] = waiting_messages(where.coordinators[1])
    assert item.count == 2
    assert (item.endpoint, item.values) == (
        "messages.inbox",
        {"team_id": where.team.id, "status": "waiting"},
    )
    assert waiting_messages(where.stranger) == []

    services.add_message(where.coordinators[0], thread, "收到，没关系。")
    db.session.commit()
    [item] = waiting_messages(where.coordinators[1])
    assert item.count == 1
