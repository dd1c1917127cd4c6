"""On a phone, a volunteer reads what a shift involves on the shift list and My shifts,
signs up for a whole weekly series in one tap and sees what happened to each shift."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.extensions import db
from app.recruitment import membership
from app.shifts import signups
from tests.e2e.pages import log_in
from tests.shifts import series_data
from tests.shifts import signup_data as data


def weekly_series(live_server, volunteer, other) -> tuple[int, list[int]]:
    """A team of the two, a weekly series of three desk shifts with one place each, the
    second already taken by `other`; the first shift carries a note."""
    with live_server.app.app_context():
        team = data.team(name=f"系列值班队 {volunteer.id}")
        for person in (volunteer, other):
            membership.join_team(team.id, person.id)
        task = data.task(team, title="周三总服务台", description="帮读者**找书**")
        series, shifts = series_data.series(task, capacity=1)
        shifts[0].note = "请在后门集合"
        signups.sign_up(shifts[1], db.session.get(User, other.id))
        db.session.commit()
        ids = series.id, [shift.id for shift in shifts]
        db.session.remove()
    return ids


def test_a_volunteer_reads_the_note_and_signs_up_for_a_whole_series(
    page: Page, live_server, make_person
):
    volunteer = make_person(name="林晓", roles=["volunteer"])
    other = make_person(name="陈默", roles=["volunteer"])
    series_id, (first, second, third) = weekly_series(live_server, volunteer, other)

    log_in(page, volunteer)
    page.goto("/shifts/")
    row = page.get_by_test_id(f"shift-{first}")
    expect(row.get_by_test_id("shift-note")).to_contain_text("请在后门集合")
    row.get_by_test_id("task-description").locator("summary").tap()
    expect(row.get_by_test_id("task-description")).to_contain_text("找书")

    page.get_by_test_id(f"series-signup-{series_id}").tap()
    expect(page.get_by_test_id(f"series-outcome-{first}")).to_contain_text("已确认")
    expect(page.get_by_test_id(f"series-outcome-{second}")).to_have_attribute(
        "data-outcome", "waitlisted"
    )
    expect(page.get_by_test_id(f"series-outcome-{third}")).to_have_attribute(
        "data-outcome", "confirmed"
    )

    page.goto("/shifts/mine")
    expect(page.get_by_text("请在后门集合")).to_be_visible()
    page.get_by_test_id(f"series-cancel-{series_id}").tap()
    expect(page.get_by_test_id(f"series-outcome-{first}")).to_have_attribute(
        "data-outcome", "cancelled"
    )
