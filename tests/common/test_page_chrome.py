"""What every page pays (issue 26): the menu, the asset links and the footer are rendered
once per language and role set and kept (app/common/page_chrome.py), and the bell's count
is one query a request. Counted, not timed; and every person still sees their own menu,
in their language, at the address the app is mounted at."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import event
from werkzeug.routing import MapAdapter

from app.common import page_gettext
from app.extensions import db as database
from app.notifications import services
from tests import factories
from tests.helpers import choose_english, page
from tests.messages import messages_data
from tests.notifications.test_views import bell_count, tell
from tests.test_query_counts import CONTROL

MINIMAL_PAGE = "/no-such-page"  # the 404 page: base.html and nothing of its own


@pytest.fixture
def counted(monkeypatch):
    """Translation look-ups (template `_()` calls) and url_for builds while a page renders."""
    counts = {"gettext": 0, "url_for": 0}
    translations, build = page_gettext._translations, MapAdapter.build

    def translations_counted():
        counts["gettext"] += 1
        return translations()

    def build_counted(self, *args, **kwargs):
        counts["url_for"] += 1
        return build(self, *args, **kwargs)

    monkeypatch.setattr(page_gettext, "_translations", translations_counted)
    monkeypatch.setattr(MapAdapter, "build", build_counted)
    return counts


def _costs(client, counted, path: str = MINIMAL_PAGE) -> dict[str, int]:
    client.get(path)  # the first request of a language and role set renders the parts
    counted.update(gettext=0, url_for=0)
    client.get(path)
    return dict(counted)


def _menu(response) -> set[str]:
    return set(re.findall(r'data-testid="(nav-[a-z-]+)"', page(response)))


def test_a_minimal_page_makes_a_handful_of_translations_and_addresses(
    client, login, student, counted
):
    login(student)
    costs = _costs(client, counted)
    # Were 27 translations and 30 addresses: the menu's, the asset links' and the footer's.
    assert costs["gettext"] <= 8
    assert costs["url_for"] <= 5
    assert 'data-testid="nav-achievements"' in page(client.get(MINIMAL_PAGE))


def test_logged_out_pages_keep_their_menu_parts_too(client, counted):
    costs = _costs(client, counted, "/login")
    assert 'data-testid="nav-columns"' in page(client.get("/login"))
    assert costs["url_for"] <= 8


def test_the_notifications_page_counts_the_unread_once(client, login, student, db):
    login(student)
    client.get("/notifications/")
    counts: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if "read_at IS NULL" in statement and "count(" in statement:
            counts.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        assert client.get("/notifications/").status_code == 200
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert len(counts) == 1


def test_each_role_set_sees_its_own_menu(app, db):
    volunteer = factories.person(name="志愿者")
    editor = factories.person(roles=["editor"], name="编辑")
    admin = factories.person(roles=["admin"], name="管理员")
    db.session.commit()
    seen = {}
    for who in (volunteer, editor, admin, volunteer):
        client = app.test_client()
        _login_with(client)(who)
        seen.setdefault(who.id, []).append(_menu(client.get(MINIMAL_PAGE)))
    first, again = seen[volunteer.id]
    assert first == again
    assert "nav-coordinate" not in first and "nav-admin" not in first
    assert "nav-editorial" not in first and "nav-achievements" in first
    [editing] = seen[editor.id]
    assert "nav-editorial" in editing and "nav-admin" not in editing
    [administering] = seen[admin.id]
    assert {"nav-coordinate", "nav-admin", "nav-editorial"} <= administering


def test_a_coordinators_menu_shows_the_unanswered_count_as_it_changes(app, db):
    where = messages_data.place()
    db.session.commit()
    coordinator = where.coordinators[0]
    client = app.test_client()
    _login_with(client)(coordinator)
    before = page(client.get(MINIMAL_PAGE))
    assert 'data-testid="nav-messages-inbox"' in before
    assert _inbox_link(before).endswith("</a>") and "(1)" not in _inbox_link(before)
    messages_data.write(where)
    db.session.commit()
    assert "(1)" in _inbox_link(page(client.get(MINIMAL_PAGE)))


def _login_with(client):
    def do_login(user):
        return client.post(
            "/login",
            data={"identifier": user.student_number, "password": factories.PASSWORD},
        )

    return do_login


def _inbox_link(html: str) -> str:
    return re.search(r'<a [^>]*data-testid="nav-messages-inbox">[^<]*</a>', html).group(0)


def test_the_menu_follows_the_language(app, client, login, student):
    login(student)
    chinese = page(client.get(MINIMAL_PAGE))
    choose_english(client)
    english = page(client.get(MINIMAL_PAGE))
    with app.test_request_context():
        with force_locale("zh"):
            shifts_zh, help_zh = gettext("Shifts"), gettext("Help")
        with force_locale("en"):
            shifts_en, help_en = gettext("Shifts"), gettext("Help")
    assert shifts_zh != shifts_en
    assert f'data-testid="nav-shifts">{shifts_zh}<' in chinese
    assert f'data-testid="nav-shifts">{shifts_en}<' in english
    assert f'data-testid="footer-help">{help_zh}<' in chinese
    assert f'data-testid="footer-help">{help_en}<' in english


def test_an_app_mounted_under_a_path_links_under_it(client, login, student):
    login(student)
    plain = page(client.get(MINIMAL_PAGE))
    mounted = page(client.get(MINIMAL_PAGE, base_url="http://localhost/library"))
    assert 'href="/shifts/" data-testid="nav-shifts"' in plain
    assert 'href="/library/shifts/" data-testid="nav-shifts"' in mounted
    assert 'href="/library/static/css/app.css"' in mounted
    assert 'href="/static/css/app.css"' in plain


def _statements(work) -> list[str]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return seen


def test_a_minimal_page_is_one_statement_the_bell_read_with_the_person(client, login, student):
    login(student)
    client.get(MINIMAL_PAGE)
    # Were two: the person (with roles and login session), then the bell's own COUNT.
    assert len(_statements(lambda: client.get(MINIMAL_PAGE))) == 1


def test_the_bell_read_with_the_person_follows_what_happens(client, login, db, student):
    login(student)
    assert bell_count(page(client.get(MINIMAL_PAGE))) is None
    for subject in ("一", "二", "三"):
        tell(student, subject)
    db.session.commit()
    assert bell_count(page(client.get(MINIMAL_PAGE))) == "3"
    first = services.notifications_query(student.id).limit(1)
    client.post(f"/notifications/{db.session.scalars(first).one().id}/read", data={})
    assert bell_count(page(client.get("/notifications/"))) == "2"
    client.post("/notifications/read-all", data={})
    assert bell_count(page(client.get(MINIMAL_PAGE))) is None
    tell(student, "四")
    db.session.commit()
    # A POST that answers with a page (a refused form) counts on its own.
    refused = client.post("/profile/password", data={"current_password": "wrong"})
    assert refused.status_code == 400
    assert bell_count(page(refused)) == "1"
    assert bell_count(page(client.get(MINIMAL_PAGE))) == "1"
