"""Handing a place over through the API: offer, see, take, withdraw, as the handovers page."""

from __future__ import annotations

import pytest

from app.shifts import signups
from app.shifts.models import ShiftHandover, ShiftSignup
from tests.api.conftest import bearer
from tests.shifts import signup_data as data

ALL = ("shifts:read", "shifts:write")


@pytest.fixture
def places(db, make_token):
    team = data.team()
    task = data.task(team)
    shift = data.shift(task)
    giver, taker, outsider = data.member(team), data.member(team), data.member(data.team())
    signup = signups.sign_up(shift, giver)
    db.session.commit()
    return {
        "task": task,
        "signup": signup,
        "giver": bearer(make_token(giver, scopes=ALL)),
        "taker": bearer(make_token(taker, scopes=ALL)),
        "taker_id": taker.id,
        "outsider": bearer(make_token(outsider, scopes=ALL)),
    }


def offer(client, places, **body):
    return client.post(
        f"/api/v1/signups/{places['signup'].id}/handover", headers=places["giver"], json=body
    )


def test_an_offered_place_is_seen_and_taken_by_a_teammate(client, places, db):
    offered = offer(client, places, note="临时有课")
    assert offered.status_code == 201 and offered.json["data"]["status"] == "open"
    handover_id = offered.json["data"]["id"]
    mine = client.get("/api/v1/me/handovers", headers=places["giver"]).json["data"]
    assert [h["id"] for h in mine] == [handover_id] and mine[0]["mine"] is True
    seen = client.get("/api/v1/handovers", headers=places["taker"]).json["data"]
    assert [h["id"] for h in seen] == [handover_id] and seen[0]["signup_id"] is None
    assert client.get("/api/v1/handovers", headers=places["outsider"]).json["data"] == []
    taken = client.post(f"/api/v1/handovers/{handover_id}/take", headers=places["taker"])
    assert taken.status_code == 200 and taken.json["data"]["status"] == "completed"
    db.session.expire_all()
    holder = db.session.get(ShiftSignup, places["signup"].id)
    assert holder.status == "cancelled"
    again = client.post(f"/api/v1/handovers/{handover_id}/take", headers=places["taker"])
    assert again.status_code == 409


def test_with_approval_taking_is_a_request(client, places, db):
    places["task"].swap_needs_approval = True
    db.session.commit()
    handover_id = offer(client, places).json["data"]["id"]
    taken = client.post(f"/api/v1/handovers/{handover_id}/take", headers=places["taker"])
    assert taken.json["data"]["status"] == "pending"


def test_the_offerer_withdraws_and_nobody_else_can(client, places, db):
    handover_id = offer(client, places).json["data"]["id"]
    url = f"/api/v1/handovers/{handover_id}/withdraw"
    assert client.post(url, headers=places["taker"]).status_code == 404
    withdrawn = client.post(url, headers=places["giver"])
    assert withdrawn.status_code == 200 and withdrawn.json["data"]["status"] == "withdrawn"


def test_offering_someone_elses_place_is_404_and_a_long_note_422(client, places, db):
    theirs = client.post(f"/api/v1/signups/{places['signup'].id}/handover", headers=places["taker"])
    assert theirs.status_code == 404
    too_long = offer(client, places, note="字" * 501)
    assert too_long.status_code == 422 and too_long.json["errors"][0]["field"] == "note"
    assert db.session.query(ShiftHandover).count() == 0


def test_handovers_need_their_scopes(client, places, make_token, db):
    assert client.get("/api/v1/handovers").status_code == 401
    from app.accounts.models import User

    read_only = bearer(make_token(db.session.get(User, places["taker_id"]), scopes=["shifts:read"]))
    assert client.get("/api/v1/handovers", headers=read_only).status_code == 200
    refused = client.post(f"/api/v1/signups/{places['signup'].id}/handover", headers=read_only)
    assert refused.status_code == 403 and refused.json["code"] == "insufficient_scope"
