"""Messages with real threads on the real database: two coordinators closing a thread at
once close it once (one audit entry); a message racing a close is either in the thread
before it closed or refused, never added after."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db as _db
from app.messages import services
from app.messages.models import Message, MessageThread
from tests.helpers import race
from tests.messages import messages_data as data


def test_two_coordinators_closing_at_once_close_it_once(app, db):
    where = data.place()
    thread_id = data.write(where).id
    ids = [person.id for person in where.coordinators]
    db.session.commit()

    def close(person_id: int) -> None:
        person = _db.session.get(User, person_id)
        services.close(person, _db.session.get(MessageThread, thread_id))

    assert sorted(race(app, close, ids)) == ["conflict", "ok"]
    thread = _db.session.get(MessageThread, thread_id)
    assert thread.status == "closed"
    assert data.audit_actions(thread) == ["messages.closed"]


def test_a_message_racing_a_close_is_never_added_after_it(app, db):
    where = data.place()
    thread_id = data.write(where).id
    coordinator_id, volunteer_id = where.coordinators[0].id, where.volunteer.id
    db.session.commit()

    def act(person_id: int) -> None:
        person = _db.session.get(User, person_id)
        thread = _db.session.get(MessageThread, thread_id)
        if person_id == coordinator_id:
            services.close(person, thread)
        else:
            services.add_message(person, thread, "还有一个问题")

    outcomes = race(app, act, [coordinator_id, volunteer_id])
    assert outcomes[0] == "ok" and outcomes[1] in ("ok", "conflict")
    thread = _db.session.get(MessageThread, thread_id)
    bodies = list(
        _db.session.scalars(
            select(Message.body).where(Message.thread_id == thread_id).order_by(Message.id)
        )
    )
    added = outcomes[1] == "ok"
    assert bodies == ["周六会晚到十分钟。", *(["还有一个问题"] if added else [])]
    assert thread.status == "closed"
