"""Reminders 24 h and 2 h before a shift: once each, only to confirmed people."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.common.time import utcnow
from app.notifications.models import Notification
from app.shifts import reminders, shift_edits, signups
from tests.shifts import signup_data as data


def reminders_of(db, person) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == person.id, Notification.kind == "shifts.reminder"
            )
        )
    )


def test_confirmed_people_are_reminded_once_a_day_before_and_again_two_hours_before(db):
    team = data.team()
    now = utcnow()
    shift = data.shift(data.task(team), starts_in=timedelta(hours=20), capacity=1)
    confirmed, waiting = data.member(team), data.member(team)
    signups.sign_up(shift, confirmed, now=now)
    signups.sign_up(shift, waiting, now=now)
    db.session.commit()

    assert reminders.send_reminders(now=now) == 1
    assert reminders.send_reminders(now=now + timedelta(minutes=5)) == 0
    assert len(reminders_of(db, confirmed)) == 1
    assert reminders_of(db, waiting) == []

    assert reminders.send_reminders(now=now + timedelta(hours=18, minutes=30)) == 1
    assert reminders.send_reminders(now=now + timedelta(hours=19)) == 0
    assert len(reminders_of(db, confirmed)) == 2
    assert "总服务台值班" in reminders_of(db, confirmed)[0]


def test_no_reminders_for_cancelled_or_started_shifts(db, admin):
    team = data.team()
    now = utcnow()
    shift = data.shift(data.task(team), starts_in=timedelta(hours=3))
    person = data.member(team)
    signups.sign_up(shift, person, now=now)
    shift_edits.cancel_shift(shift, reason="闭馆", actor=admin)
    db.session.commit()
    assert reminders.send_reminders(now=now) == 0
    assert reminders.send_reminders(now=now + timedelta(hours=4)) == 0


def test_the_reminder_job_is_registered_and_counts(runner, db):
    result = runner.invoke(args=["jobs", "run", "shifts.send_reminders"])
    assert result.exit_code == 0, result.output
    assert "reminded=0" in result.output
