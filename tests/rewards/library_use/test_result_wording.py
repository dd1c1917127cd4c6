"""A library-use import's rejected rows give their reasons in words, not as codes."""

from __future__ import annotations

from tests import factories
from tests.helpers import page
from tests.rewards.library_use.test_views import GOOD, UNKNOWN, csv_bytes, upload


def test_rejected_rows_show_reasons_without_their_english_codes(client, login, db, admin):
    factories.person(student_number="2023141001", name="张三")
    db.session.commit()
    login(admin)  # in Chinese, the default

    response = upload(client, csv_bytes(GOOD, UNKNOWN))
    html = page(client.get(response.headers["Location"]))

    assert "2099999999" in html
    assert ">unknown_student<" not in html and "unknown_student</code>" not in html
    assert 'data-reason="unknown_student"' in html  # kept for scripts, not shown
