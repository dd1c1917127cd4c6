"""Lists that are empty on a new installation say what fills them."""

from __future__ import annotations

import pytest

from tests.helpers import choose_english, page
from tests.recruitment import recruiting

EMPTY_LISTS = [
    ("/admin/datahub/", "empty-sources", "pulled from the data hub every day"),
    ("/recruitment/manage", "empty-campaigns", "the applications arrive here"),
    ("/credits/batches", "empty-batches", "as Second Classroom credits"),
    ("/admin/credits/templates", "empty-templates", "New template"),
    ("/admin/columns/", "empty-columns", "readers can contribute"),
    ("/announcements/", "empty-announcements", "coordinators announce to you"),
    ("/hours", "empty-certificates", "kept here to download again"),
]


@pytest.mark.parametrize(("url", "testid", "words"), EMPTY_LISTS)
def test_an_empty_list_says_what_fills_it(client, login, admin, db, url, testid, words):
    recruiting.team(name="阅览室志愿者队")  # campaigns are managed for a team
    db.session.commit()
    login(admin)
    choose_english(client)

    html = page(client.get(url))

    assert f'data-testid="{testid}"' in html
    assert words in html


def test_hours_without_service_show_no_empty_by_month_heading(client, login, student):
    login(student)
    choose_english(client)

    html = page(client.get("/hours"))

    assert "No verified hours yet." in html
    assert "By month" not in html
