"""The annual report's words: library time is not service time, and nobody served more
than 100% of the others."""

from __future__ import annotations

import pytest

from tests.engagement.test_reports import YEAR, World, build
from tests.helpers import choose_english, page


@pytest.fixture
def world(db) -> World:
    return build()


def report_of(client, login, person) -> str:
    """The person's annual report page, in English."""
    login(person)
    choose_english(client)
    return page(client.get(f"/me/report/{YEAR}"))


def test_library_time_is_not_labelled_as_service(client, login, world):
    assert "Time in the library (hours)" in report_of(client, login, world.p)


def test_the_top_volunteer_served_the_most_not_more_than_100_percent(client, login, world):
    html = report_of(client, login, world.r)  # 600 minutes, more than every other volunteer
    assert "You served the most hours of this year's volunteers." in html
    assert "100%" not in html


def test_the_others_share_is_of_the_other_volunteers(client, login, world):
    html = report_of(client, login, world.p)
    assert "more hours than 50% of this year's other volunteers" in html


def test_the_least_active_volunteer_is_not_told_zero_percent(client, login, world):
    assert "0%" not in report_of(client, login, world.q)
