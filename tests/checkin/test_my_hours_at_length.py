"""The hours page of a very active volunteer (issue 29): every total counts every shift, the
page lists the newest ones with "show all" for the rest, and its queries do not grow with
the shifts served."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.checkin import certificates
from app.common.time import utcnow
from tests.checkin.test_certificates import served, volunteer
from tests.shifts import signup_data
from tests.test_query_counts import statements

SHIFTS = certificates.LINES_SHOWN + 15


@pytest.fixture
def busy(db):
    """A volunteer with LINES_SHOWN + 15 verified two-hour shifts, one a day, and one pending."""
    team = signup_data.team(name="总服务台志愿队")
    task = signup_data.task(team, title="总服务台值班")
    person = volunteer(team)
    now = utcnow().replace(microsecond=0)
    for day in range(SHIFTS):
        served(person, task, now - timedelta(days=2 + day), hours=2)
    served(person, task, now - timedelta(hours=30), hours=1, verified=False)
    db.session.commit()
    return person


def lines_in(page: str) -> int:
    return page.count('data-testid="hours-line-')


def test_the_page_counts_every_shift_and_lists_the_newest(client, login, busy):
    login(busy)

    page = client.get("/hours").get_data(as_text=True)

    assert f'data-testid="verified-hours">{SHIFTS * 2}<' in page
    assert 'data-testid="pending-hours">1<' in page
    # the newest shifts in their months and in their semesters, and the pending one
    assert lines_in(page) == 2 * certificates.LINES_SHOWN + 1
    assert "-more" in page and "/hours?all=1" in page


def test_show_all_lists_every_shift(client, login, busy):
    login(busy)

    page = client.get("/hours?all=1").get_data(as_text=True)

    assert lines_in(page) == 2 * SHIFTS + 1
    assert "-more" not in page


def test_the_groups_total_every_shift_when_only_some_are_listed(db, busy):
    hours = certificates.my_hours(busy.id)

    assert hours.verified_minutes == SHIFTS * 120
    assert sum(group.shifts for group in hours.by_month) == SHIFTS
    assert sum(len(group.lines) for group in hours.by_month) == certificates.LINES_SHOWN
    assert hours.hidden == SHIFTS - certificates.LINES_SHOWN


def test_the_page_takes_as_many_queries_for_many_shifts_as_for_one(client, db, login, busy):
    login(busy)
    client.get("/hours")  # the day's first request notes the login day; not counted

    count, response = statements(db, lambda: client.get("/hours?all=1"))

    assert response.status_code == 200
    assert count <= 15, f"{count} queries"


def test_the_api_gives_the_same_totals(db, busy):
    listed = certificates.my_hours(busy.id)
    totals_only = certificates.my_hours(busy.id, shown=0)

    assert totals_only.verified_minutes == listed.verified_minutes == SHIFTS * 120
    assert [(g.key, g.minutes) for g in totals_only.by_semester] == [
        (g.key, g.minutes) for g in listed.by_semester
    ]
    assert all(not group.lines for group in totals_only.by_semester)
