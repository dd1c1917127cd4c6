"""The notes and commendations on a member's team profile, through the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.recruitment import member_notes
from app.recruitment.models import MemberNote
from tests.helpers import page
from tests.recruitment import recruiting


@pytest.fixture
def world(db):
    people = recruiting.team_with_member()
    db.session.commit()
    return {**people, "url": f"/teams/{people['team'].id}/members/{people['volunteer'].id}"}


def count_notes() -> int:
    return member_notes.db.session.scalar(select(func.count(MemberNote.id)))


def test_a_coordinator_notes_and_commends_and_the_volunteer_sees_only_the_commendation(
    client, login, world
):
    login(world["coordinator"])
    for kind, body in (("note", "有时迟到"), ("commendation", "帮读者找到了绝版书")):
        response = client.post(f"{world['url']}/notes", data={"kind": kind, "body": body})
        assert response.status_code == 302
    html = page(client.get(world["url"]))
    assert "有时迟到" in html and "帮读者找到了绝版书" in html
    client.post("/logout")
    login(world["volunteer"])
    html = page(client.get("/teams/profile"))
    assert "帮读者找到了绝版书" in html and "陈老师" in html
    assert "有时迟到" not in html
    assert "帮读者找到了绝版书" in page(client.get("/notifications/"))


def test_an_empty_or_oversized_note_is_shown_again_with_the_reason_and_nothing_saved(
    client, login, world
):
    login(world["coordinator"])
    for body in ("  ", "字" * 2001):
        response = client.post(f"{world['url']}/notes", data={"kind": "note", "body": body})
        assert response.status_code == 400
        assert "invalid-feedback" in page(response)
    assert count_notes() == 0


def test_a_person_outside_the_team_cannot_be_noted(client, login, world):
    login(world["coordinator"])
    url = f"/teams/{world['team'].id}/members/{world['outsider'].id}/notes"
    assert client.post(url, data={"kind": "note", "body": "x"}).status_code == 404
    assert count_notes() == 0


def test_only_the_author_may_edit_a_note(client, login, world, db):
    note = member_notes.add(
        world["team"], world["volunteer"], kind="note", body="原文", actor=world["coordinator"]
    )
    db.session.commit()
    edit = f"{world['url']}/notes/{note.id}/edit"
    login(world["colleague"])
    assert "原文" in page(client.get(world["url"]))
    assert f"/notes/{note.id}/edit" not in page(client.get(world["url"]))
    assert client.get(edit).status_code == 403
    assert client.post(edit, data={"body": "改了"}).status_code == 403
    client.post("/logout")
    login(world["coordinator"])
    assert client.post(edit, data={"body": "  "}).status_code == 400
    assert client.post(edit, data={"body": "改好了"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MemberNote, note.id).body == "改好了"
