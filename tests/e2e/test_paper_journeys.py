"""Paper and place on the event day: a volunteer's phone checks in away from the task's
place and is flagged, not refused; after the shift the coordinator enters the paper sheet
in one screen and prints the sheet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.accounts import services as accounts
from app.checkin import tokens
from app.checkin.models import Attendance
from app.common.time import to_local, utcnow
from app.extensions import db
from app.recruitment import membership
from tests.checkin import checkin_data as data
from tests.e2e.conftest import PHONE, page_opener
from tests.e2e.pages import log_in

HALL = {"latitude": 30.63, "longitude": 104.08}
AWAY = {"latitude": 30.64, "longitude": 104.08}  # about 1.1 km north


@pytest.fixture
def away_phone(browser, live_server, console_errors):
    """A phone that lets the site read its position, about a kilometre from the hall."""
    options = {**PHONE, "geolocation": AWAY, "permissions": ["geolocation"]}
    yield from page_opener(browser, live_server.url, console_errors, options)


def placed_shift(live_server, coordinator, volunteer, *, starts_in: timedelta) -> int:
    with live_server.app.app_context():
        team = data.team(coordinators=[accounts.get_person(coordinator.id)])
        membership.join_team(team.id, volunteer.id)
        task = data.task(team, title="读书节签到", location="江安报告厅")
        task.place_latitude, task.place_longitude = HALL["latitude"], HALL["longitude"]
        task.place_radius_m = 200
        shift = data.shift(task, starts_in=starts_in, hours=2)
        data.signed_up(
            shift, accounts.get_person(volunteer.id), now=shift.starts_at - timedelta(days=2)
        )
        db.session.commit()
        shift_id = shift.id
        db.session.remove()
    return shift_id


def test_a_check_in_away_from_the_place_is_accepted_and_flagged(
    away_phone, new_page, live_server, make_person
):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="林晓", roles=["volunteer"])
    shift_id = placed_shift(live_server, coordinator, volunteer, starts_in=timedelta(minutes=10))

    phone = away_phone()
    log_in(phone, volunteer)
    with live_server.app.app_context():
        code = tokens.kiosk_code(shift_id, now=utcnow())
    phone.goto(f"/c/{code}")

    expect(phone.get_by_test_id("scan-answer")).to_have_attribute("data-outcome", "checked_in")
    expect(phone.get_by_test_id("place-status")).to_have_attribute("data-state", "sent")
    phone.screenshot(path="/tmp/paper-place-phone.png", full_page=True)

    desk = new_page()
    log_in(desk, coordinator)
    desk.goto(f"/attendance/shifts/{shift_id}")
    expect(desk.get_by_test_id("place-flag")).to_have_attribute("data-place", "outside")
    with live_server.app.app_context():
        record = db.session.scalar(db.select(Attendance).where(Attendance.shift_id == shift_id))
        assert record.status == "in" and 1000 < record.place_distance_m < 1200
        db.session.remove()


def test_the_coordinator_enters_the_paper_sheet_in_one_screen(page: Page, live_server, make_person):
    coordinator = make_person(name="陈老师", roles=["coordinator"])
    volunteer = make_person(name="王芳", roles=["volunteer"])
    shift_id = placed_shift(live_server, coordinator, volunteer, starts_in=-timedelta(hours=3))
    with live_server.app.app_context():
        from app.shifts.models import Shift

        start = to_local(db.session.get(Shift, shift_id).starts_at)
        db.session.remove()

    log_in(page, coordinator)
    page.goto(f"/attendance/shifts/{shift_id}")
    with page.expect_download() as printed:
        page.get_by_test_id("signin-sheet").click()
    assert printed.value.suggested_filename.endswith(".pdf")
    page.get_by_test_id("paper-entry").click()
    key = f"p{volunteer.id}"
    page.get_by_test_id(f"{key}-present").check()
    page.get_by_test_id(f"{key}-in").fill(f"{start:%H:%M}")
    page.get_by_test_id(f"{key}-out").fill(f"{start + timedelta(minutes=95):%H:%M}")
    page.screenshot(path="/tmp/paper-entry-phone.png", full_page=True)
    page.get_by_test_id("paper-save").click()

    expect(page.get_by_test_id("from-paper")).to_be_visible()
    expect(page.get_by_test_id("minutes")).to_be_visible()
