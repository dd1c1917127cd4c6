"""The administrators' column pages through HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.columns import catalogue
from app.columns.models import ContentColumn
from tests import factories
from tests.columns import columns_data
from tests.helpers import choose_english, page


def column_form(**values) -> dict:
    data = {
        "code": "reading-club",
        "name": "读书会",
        "kind": "article",
        "description": "每月一次的读书会记录。",
        "guidelines": "- 写清书名",
        "accepts_links": "y",
        "max_media_mb": "20",
        "credit_category": "",
        "credit_minutes": "60",
        "position": "5",
        "active": "y",
        "editors": "",
    }
    data.update(values)
    return data


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/admin/columns/"),
        ("get", "/admin/columns/new"),
        ("post", "/admin/columns/new"),
        ("get", "/admin/columns/{column}/edit"),
        ("post", "/admin/columns/{column}/edit"),
    ],
)
@pytest.mark.parametrize("roles", [[], ["coordinator"]])
def test_only_admins_reach_the_column_pages(client, login, db, method, url, roles):
    column = columns_data.seeded()["audio"]
    person = factories.person(roles=roles)
    db.session.commit()
    login(person)

    response = getattr(client, method)(url.format(column=column.id), data=column_form())

    assert response.status_code == 403
    assert db.session.scalar(select(func.count(ContentColumn.id))) == 4


def test_the_list_shows_every_column_with_its_editors(client, login, admin, db):
    columns = columns_data.seeded()
    columns_data.editor(columns["audio"], name="李编辑")
    columns["ideas"].active = False
    db.session.commit()
    login(admin)

    body = page(client.get("/admin/columns/"))

    for name in ("有声阅读", "微视频阅读", "每周资源推介", "我看我馆", "李编辑"):
        assert name in body


def test_an_admin_creates_a_column_with_its_editors(client, login, admin, db):
    editor = factories.person(name="王编辑")
    db.session.commit()
    login(admin)

    response = client.post(
        "/admin/columns/new", data=column_form(editors=f"{editor.student_number}\n")
    )

    assert response.status_code == 302
    column = catalogue.get_column("reading-club")
    assert (column.name, column.kind, column.accepts_links) == ("读书会", "article", True)
    assert (column.credit_minutes, column.position, column.credit_category) == (60, 5, None)
    assert [e.user_id for e in column.editors] == [editor.id]
    assert catalogue.is_editor(editor, column)


def test_an_admin_changes_a_column_and_its_editors(client, login, admin, db):
    column = columns_data.seeded()["audio"]
    old = columns_data.editor(column, name="旧编辑")
    new = factories.person(name="新编辑")
    db.session.commit()
    login(admin)

    shown = page(client.get(f"/admin/columns/{column.id}/edit"))
    assert "有声阅读" in shown and old.student_number in shown

    response = client.post(
        f"/admin/columns/{column.id}/edit",
        data=column_form(
            code="audio",
            name="有声阅读",
            kind="audio",
            accepts_audio="y",
            max_media_mb="80",
            editors=new.email,
        ),
    )

    assert response.status_code == 302
    db.session.expire_all()
    column = db.session.get(ContentColumn, column.id)
    assert column.max_media_mb == 80
    assert [e.user_id for e in column.editors] == [new.id]


def test_a_wrong_column_keeps_what_was_typed(client, login, admin, db):
    db.session.commit()
    login(admin)
    choose_english(client)

    response = client.post(
        "/admin/columns/new", data=column_form(code="Bad Code!", name="保留的名字")
    )

    assert response.status_code == 400
    body = page(response)
    assert "lower-case letters" in body
    assert "保留的名字" in body
    assert db.session.scalar(select(func.count(ContentColumn.id))) == 0


def test_an_unknown_editor_saves_nothing(client, login, admin, db):
    db.session.commit()
    login(admin)
    choose_english(client)

    response = client.post("/admin/columns/new", data=column_form(editors="nobody-here"))

    assert response.status_code == 400
    assert "nobody-here" in page(response)
    assert db.session.scalar(select(func.count(ContentColumn.id))) == 0


def test_a_size_above_the_site_cap_is_refused(client, login, admin, db, app):
    db.session.commit()
    login(admin)

    too_big = app.config["MEDIA_MAX_MB"] + 1
    response = client.post("/admin/columns/new", data=column_form(max_media_mb=str(too_big)))

    assert response.status_code == 400
    assert db.session.scalar(select(func.count(ContentColumn.id))) == 0


def test_an_unknown_column_is_not_found(client, login, admin, db):
    db.session.commit()
    login(admin)

    assert client.get("/admin/columns/999/edit").status_code == 404
