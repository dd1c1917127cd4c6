"""What a shift involves (its note and the task's description) shows wherever a volunteer
looks: the shift list, My shifts, the check-in answer, the reminder and the iCal feed."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from app.checkin import tokens
from app.common.time import utcnow
from app.notifications.models import Notification
from app.shifts import calendar as feeds
from app.shifts import reminders, signups
from tests.helpers import page
from tests.shifts import signup_data as data

NOTE = "请带相机，在后门集合"
DESCRIPTION = "帮读者**找书**，整理还书车。<script>alert(1)</script>"


def shift_with_words(db, *, starts_in=timedelta(days=2)):
    team = data.team()
    task = data.task(team, title="总服务台值班", description=DESCRIPTION)
    shift = data.shift(task, starts_in=starts_in)
    shift.note = NOTE
    person = data.member(team)
    signups.sign_up(shift, person)
    db.session.commit()
    return shift, person


def test_the_shift_list_and_my_shifts_show_the_note_and_the_description(client, login, db):
    _shift, person = shift_with_words(db)
    login(person)
    for address in ("/shifts/", "/shifts/mine"):
        html = client.get(address).get_data(as_text=True)
        assert NOTE in html
        assert "<details" in html and "<strong>找书</strong>" in html
        assert "<script>alert" not in html  # the description's Markdown is sanitised


def test_the_check_in_answer_shows_the_note(client, login, db):
    shift, person = shift_with_words(db, starts_in=timedelta(minutes=10))
    login(person)
    answer = page(client.get(f"/c/{tokens.kiosk_code(shift.id, now=utcnow())}"))
    assert NOTE in answer and "找书" in answer


def test_the_reminder_carries_the_note_and_the_description(db):
    _shift, person = shift_with_words(db, starts_in=timedelta(hours=20))
    assert reminders.send_reminders() == 1
    body = db.session.scalar(select(Notification.body).where(Notification.user_id == person.id))
    assert NOTE in body and "找书" in body


def test_the_feed_event_describes_the_shift_and_rings_an_hour_before(db):
    _shift, person = shift_with_words(db)
    event = Calendar.from_ical(feeds.calendar_for(person)).walk("VEVENT")[0]
    assert NOTE in str(event["description"]) and "找书" in str(event["description"])
    alarm = event.walk("VALARM")[0]
    assert alarm.decoded("trigger") == -timedelta(minutes=60)
