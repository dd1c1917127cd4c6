"""Every table that holds something about (or done by) a person is in that person's data
download: each column pointing at a person is listed by a section, and each row of the
demo world (the authorisation matrix's, plus what it lacks) shows up under it. A new table
with a column pointing at people fails here until a section lists it or it is exempted
below with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import select, text

import app.models  # noqa: F401  (every table, for the parametrisation)
from app.accounts import personal_data, sessions
from app.accounts.models import SsoSession, User
from app.admin.models import DataHubPull, DataHubSource
from app.api import summaries as hub_summaries
from app.checkin import offline
from app.columns import comments, reading
from app.columns.models import Contribution
from app.common.time import utcnow
from app.credits.models import CreditBatchItem
from app.engagement.models import EngagementNudge
from app.extensions import db as _db
from app.messages import services as messages
from app.natrecord import identity
from app.notifications import services as notifications
from app.outside import services as outside
from app.outside.models import OutsideClaim
from app.recruitment import profiles, review
from app.recruitment.models import Application, Membership
from app.rewards import points
from app.rewards.models import LibraryUseImport
from app.shifts import reliability, trainings
from app.shifts.models import Shift, ShiftDrawEntry, ShiftHandover, ShiftSignup, SignupPause
from app.stars import services as stars
from app.wechat.models import OutboxWeChat, WeChatBinding, WeChatTemplate
from jobs.models import JobRun
from tests.authorisation.world import World, build_world
from tests.helpers import built_once, kept_session

# Columns pointing at a person that are not about them, with the reason.
EXEMPT = {
    # The last person to edit a shared rule or setting: the row is the rule, not about
    # them, and each change they made is in their "things I did that were logged".
    "credit_rules.updated_by_id",
    "point_rules.updated_by_id",
    "datahub_sources.updated_by_id",
}


def person_columns() -> list[str]:
    """The "table.column" name of every column with a foreign key to users."""
    return sorted(
        f"{table.name}.{column.name}"
        for table in _db.metadata.tables.values()
        for column in table.columns
        if any(key.column.table.name == "users" for key in column.foreign_keys)
    )


def covered() -> dict[str, tuple[str, str | None]]:
    return {
        column: (section.key, place)
        for section in personal_data.sections().values()
        for column, place in section.covers.items()
    }


@pytest.fixture(scope="module")
def world(app) -> Iterator[World]:
    yield from built_once(app, lambda: _built_in_a_request(app))


def _built_in_a_request(app) -> World:
    with app.test_request_context():
        built = build_world()
        _add_what_the_world_lacks(built)
    return built


@pytest.fixture(autouse=True)
def db(app, world):
    """The world is built once for the module; the tests only read it."""
    yield from kept_session(app)


def _add_what_the_world_lacks(world: World) -> None:
    """Rows the demo world has none of: through services where one exists, otherwise by
    setting the column a service would set."""
    now = utcnow()
    volunteer = _db.session.get(User, world.volunteer_id)
    other = _db.session.get(User, world.other_id)
    coordinator = _db.session.scalar(select(User).where(User.student_number == "T0001"))
    admin = _db.session.scalar(select(User).where(User.student_number == "A0001"))
    profiles.update_profile(volunteer, skills=["摄影"], availability=None, introduction="你好")
    notifications.set_email_choices(volunteer.id, [])
    _db.session.add(SsoSession(ticket_sha256="f" * 64, user_id=volunteer.id, created_at=now))
    sessions.start_session(volunteer, user_agent="Mozilla/5.0 (iPhone)", now=now)
    published = _db.session.get(Contribution, world.own["published_id"])
    reading.like(volunteer, published.id, now=now)
    reading.record_view(volunteer, published, now=now)
    spam = comments.add_comment(other, published.id, "广告", now=now)
    comments.hide_comment(admin, spam.id, "广告", now=now)
    points.adjust(volunteer, 5, reason="活动补录", actor=admin, now=now)
    application = _db.session.get(Application, world.own["application_id"])
    review.add_note(application, "面试表现好", actor=coordinator, now=now)
    shift = _db.session.get(Shift, world.own["shift_id"])
    trainings.record_completion(shift, volunteer.id, actor=coordinator, now=now)
    offline.issue_device(shift, actor=coordinator, now=now)
    pause = _db.session.get(SignupPause, world.own["pause_id"])
    reliability.lift_pause(pause, note="已说明原因", actor=coordinator, now=now)
    team_id = _db.session.scalar(select(Membership.team_id).where(Membership.user_id == other.id))
    _db.session.add(
        EngagementNudge(
            user_id=volunteer.id, team_id=team_id, sent_by_id=coordinator.id, message="好久不见"
        )
    )
    thread = messages.get_thread(coordinator, world.own["thread_id"])
    messages.add_message(coordinator, thread, "收到，路上小心", now=now)
    identity.save_national_number(volunteer, "20260001", now=now)
    hub_summaries.publish_changed(now=now)  # what the campus data hub was told
    _db.session.add(JobRun(job_id="engagement.score", trigger="manual", started_by_id=admin.id))
    source = _db.session.scalars(select(DataHubSource)).first()
    _db.session.add(DataHubPull(source_id=source.id, status="applied", actor_id=admin.id))
    # No service left to call without undoing the world (rolling back the import deletes
    # its library use; excluding needs a draft batch): set what those services set.
    _db.session.scalars(select(LibraryUseImport)).first().rolled_back_by_id = admin.id
    _db.session.scalars(select(CreditBatchItem)).first().excluded_by_id = coordinator.id
    _db.session.get(ShiftSignup, world.own["signup_id"]).assigned_by_id = coordinator.id
    claim = _db.session.get(OutsideClaim, world.own["claim_id"])
    outside.decide(claim, "approve", actor=coordinator, now=now)
    thresholds = current_app.config["STAR_LEVEL_HOURS"]
    current_app.config["STAR_LEVEL_HOURS"] = (1, 2, 3, 4, 5)  # the demo's hours are few
    stars.evaluate([volunteer.id], now=now)
    current_app.config["STAR_LEVEL_HOURS"] = thresholds
    handover = _db.session.get(ShiftHandover, world.foreign["handover_id"])
    handover.to_user_id, handover.decided_by_id = volunteer.id, coordinator.id
    handover.decided_at = now + timedelta(minutes=1)
    _first_scan_log().actor_id = coordinator.id
    # A drawn entry as `draws.draw_if_due` leaves it (entering needs an open draw window).
    _db.session.add(ShiftDrawEntry(shift_id=shift.id, user_id=volunteer.id, status="drawn", rank=1))
    _edited_announcement(admin, now)
    _db.session.add(WeChatBinding(user_id=volunteer.id, openid="o_world_volunteer"))
    _db.session.add(
        WeChatTemplate(kind="shifts.reminder", template_id="T1", updated_by_id=admin.id)
    )
    _db.session.add(
        OutboxWeChat(
            user_id=volunteer.id,
            kind="shifts.reminder",
            openid="o_world_volunteer",
            template_id="T1",
            client_msg_id="world-1",
        )
    )
    _db.session.commit()


def _edited_announcement(admin: User, now) -> None:
    from app.announcements import editing
    from app.announcements import services as announcements

    draft = announcements.Draft(audience="everyone", target_id=None, title="闭馆", body="周一闭馆")
    written = announcements.write(admin, draft, now=now)
    announcements.claim_due(now=now)
    editing.edit(admin, written, title="闭馆通知", body="周一全天闭馆", now=now)


def _first_scan_log():
    from app.checkin.models import ScanLog

    return _db.session.scalars(select(ScanLog).where(ScanLog.user_id.is_not(None))).first()


def export_of(person: User) -> dict[str, Any]:
    """The download as the person gets it (JSON, read back)."""
    return json.loads(personal_data.to_json(personal_data.collect(person)))


def test_every_column_pointing_at_a_person_is_in_a_section_or_exempt(app):
    listed = covered()
    assert [c for c in person_columns() if c not in listed and c not in EXEMPT] == []
    assert sorted(set(listed) - set(person_columns())) == []  # no section lists a stale name
    assert sorted(EXEMPT & set(listed)) == []


@pytest.mark.parametrize("column", [c for c in person_columns() if c not in EXEMPT])
def test_each_row_pointing_at_a_person_is_in_their_download(db, column):
    table, name = column.split(".")
    assert column in covered(), f"{column} is in no section of the personal data export"
    key = "id" if table not in ("calendar_feeds", "volunteer_profiles") else name
    row_id, person_id = db.session.execute(
        text(f'SELECT "{key}", "{name}" FROM "{table}" WHERE "{name}" IS NOT NULL LIMIT 1')
    ).one()  # the world has one, or this test needs a row for it in the world above
    section, place = covered()[column]

    listed = export_of(db.session.get(User, person_id))["sections"][section]
    if place is not None:
        listed = listed[place]

    assert listed, f"{column}: the row is not in section {section}"
    if isinstance(listed, list) and isinstance(listed[0], dict) and "id" in listed[0]:
        assert row_id in [item["id"] for item in listed]


def test_secrets_are_never_in_the_download(db, world):
    volunteer = db.session.get(User, world.volunteer_id)
    body = personal_data.to_json(personal_data.collect(volunteer))
    secrets = [
        volunteer.password_hash,
        volunteer.session_token,
        world.own["token"],  # the annual report's public link
        world.foreign["feed_token"],
        "f" * 64,  # the campus sign-in ticket's digest
        *db.session.scalars(text("SELECT token_hash FROM api_tokens")),
        *db.session.scalars(text("SELECT token_hash FROM calendar_feeds")),
    ]
    assert [secret for secret in secrets if secret and secret in body] == []
    export = json.loads(body)
    assert export["sections"]["api"]["api_tokens"][0]["created_at"]
    assert export["sections"]["calendar_feed"]["created_at"]


def test_a_coordinators_download_names_none_of_the_volunteers_they_worked_for(db, world):
    coordinator = db.session.scalar(select(User).where(User.student_number == "T0001"))
    body = personal_data.to_json(personal_data.collect(coordinator))
    export = json.loads(body)
    assert export["sections"]["checkin"]["attendance_verified"]
    for person_id in (world.volunteer_id, world.other_id):
        person = db.session.get(User, person_id)
        assert person.name not in body and person.student_number not in body


@pytest.mark.parametrize("number", ["2023141001", "T0001", "A0001"])
def test_the_readable_page_shows_every_section_to_volunteers_and_staff(client, login, db, number):
    person = db.session.scalar(select(User).where(User.student_number == number))
    login(person, password="gongchuang2026")
    response = client.get("/profile/data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [
        key for key in personal_data.sections() if f'data-testid="section-{key}"' not in html
    ] == []
