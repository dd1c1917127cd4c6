"""Two runs of the sending job at once tell each person once; two reminders asked at once
make one; 5,000 people are told in one job run (the suite's SQLite file, or PostgreSQL when
TEST_DATABASE_URL names one)."""

from __future__ import annotations

import secrets
from collections import Counter

from sqlalchemy import func, insert, select

from app.accounts.models import User
from app.announcements import jobs, services
from app.announcements.models import Announcement, AnnouncementRecipient
from app.common.time import utcnow
from app.extensions import db as _db
from app.notifications.models import Notification
from tests import factories
from tests.announcements import announcement_data as data
from tests.helpers import race

MANY = 5_000


def _told() -> Counter:
    _db.session.expire_all()
    return Counter(
        _db.session.scalars(
            select(Notification.user_id).where(
                Notification.kind.in_(("system.announcement", "system.announcement_reminder"))
            )
        )
    )


def test_two_job_runs_at_once_tell_each_person_once(app, db):
    where = data.place(confirmed=12, waitlisted=0)
    data.to_shift(where)
    db.session.commit()

    outcomes = race(app, lambda _: jobs.send_due(now=utcnow()), [1, 2])
    assert outcomes == ["ok", "ok"], outcomes
    data.send()  # whatever the two left undone

    assert _told() == Counter({person.id: 1 for person in where.confirmed})
    assert _db.session.scalar(select(func.count(AnnouncementRecipient.id))) == 12


def test_two_reminders_asked_at_once_make_one(app, db):
    where = data.place(confirmed=3, waitlisted=0)
    announcement_id = data.to_shift(where).id
    coordinator_id = where.coordinator.id
    db.session.commit()
    data.send()

    def ask(_: int) -> None:
        writer = _db.session.get(User, coordinator_id)
        services.ask_reminder(writer, services.get(announcement_id))

    assert sorted(race(app, ask, [1, 2])) == ["conflict", "ok"]
    data.send()
    assert _told() == Counter({person.id: 2 for person in where.confirmed})


def _many_people(count: int) -> None:
    """`count` active people in one INSERT (through the service it would take minutes)."""
    _db.session.execute(
        insert(User),
        [
            {
                "student_number": f"9{n:08d}",
                "name": f"读者{n}",
                "password_hash": "x",
                "session_token": secrets.token_hex(16),
            }
            for n in range(count)
        ],
    )


def test_five_thousand_people_are_told_in_one_job_run(db):
    admin = factories.person(roles=["admin"], name="管理员")
    _many_people(MANY)
    services.write(
        admin,
        services.Draft(audience="everyone", target_id=None, title="闭馆通知", body="周日闭馆"),
    )
    db.session.commit()
    everyone = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True)))

    counts = data.send()

    assert counts["delivered"] == everyone >= MANY
    assert sum(_told().values()) == everyone
    assert db.session.scalars(select(Announcement.status)).one() == "sent"
