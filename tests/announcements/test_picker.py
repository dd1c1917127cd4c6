"""The audience picker: a coordinator is offered their own teams, tasks, upcoming shifts
(grouped by task) and campaigns, never another team's; admins also colleges, a segment and
everyone; the form posts the picked value; the count button tells how many people the
audience reaches now without writing anything."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.announcements import picker
from app.announcements.models import Announcement
from app.common.time import utcnow
from app.extensions import db as _db
from tests import factories
from tests.announcements import announcement_data as data
from tests.helpers import page
from tests.shifts import signup_data


def _values(options: picker.Options) -> set[str]:
    return {value for choices in options.values() for value, _text in choices}


def test_a_coordinator_is_offered_their_own_teams_tasks_and_upcoming_shifts_only(db):
    where = data.place()
    elsewhere = data.place()
    past = signup_data.shift(where.task, starts_in=timedelta(days=-2))
    values = _values(picker.options(where.coordinator, now=utcnow()))
    assert {f"team:{where.team.id}", f"task:{where.task.id}", f"shift:{where.shift.id}"} <= values
    assert f"shift:{past.id}" not in values
    assert not {f"team:{elsewhere.team.id}", f"shift:{elsewhere.shift.id}"} & values
    assert "everyone" not in values
    groups = picker.options(where.coordinator, now=utcnow())
    assert any(where.task.title in label for label in groups)  # shifts grouped by task


def test_an_admin_is_also_offered_everyone_and_a_segment(db):
    data.place()
    admin = factories.person(roles=["admin"])
    assert {"everyone", "segment"} <= _values(picker.options(admin, now=utcnow()))


def test_the_form_offers_the_picker_and_sends_to_the_picked_shift(client, login, db):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    html = page(client.get(f"/announcements/new?audience=shift&target={where.shift.id}"))
    assert re.search(rf'<option value="shift:{where.shift.id}" selected>', html)
    form = {
        "target_id": f"shift:{where.shift.id}",
        "signups": "both",
        "title": "通知",
        "body": "正文",
    }
    assert client.post("/announcements/new", data=form).status_code == 302
    written = _db.session.scalars(select(Announcement)).one()
    assert (written.audience, written.target_id, written.signups) == (
        "shift",
        where.shift.id,
        "both",
    )


def test_the_count_button_tells_how_many_and_writes_nothing(client, login, db):
    where = data.place(confirmed=2, waitlisted=1)
    db.session.commit()
    login(where.coordinator)
    form = {"target_id": f"shift:{where.shift.id}", "signups": "both", "title": "", "body": ""}
    shown = page(client.post("/announcements/new", data=form | {"count": "1"}))
    assert re.search(r'data-testid="reach-count">[^<]*会有 3 人收到', shown)
    assert _db.session.scalar(select(func.count(Announcement.id))) == 0


def test_another_teams_shift_is_refused_by_the_server_whatever_is_posted(client, login, db):
    where = data.place()
    elsewhere = data.place()
    db.session.commit()
    login(where.coordinator)
    form = {"target_id": f"shift:{elsewhere.shift.id}", "title": "通知", "body": "正文"}
    counted = client.post("/announcements/new", data=form | {"count": "1"})
    assert counted.status_code == 200
    assert "reach-count" not in page(counted) and "invalid-feedback" in page(counted)
    refused = client.post("/announcements/new", data=form)
    assert refused.status_code == 400
    assert _db.session.scalar(select(func.count(Announcement.id))) == 0
    assert _db.session.get(User, where.coordinator.id)


def test_a_mangled_or_huge_pick_gets_a_message_not_an_error(client, login, db):
    where = data.place()
    db.session.commit()
    login(where.coordinator)
    for picked in ("shift:99999999999999999999", "shift:abc", "nonsense", "12345678901234"):
        form = {"target_id": picked, "title": "通知", "body": "正文"}
        assert client.post("/announcements/new", data=form).status_code == 400
        assert client.post("/announcements/new", data=form | {"count": "1"}).status_code == 200
    assert _db.session.scalar(select(func.count(Announcement.id))) == 0
