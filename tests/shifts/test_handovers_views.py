"""Handover and waitlist-offer pages per role, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.shifts import handovers, signups
from app.shifts.models import Shift, ShiftHandover, ShiftSignup
from tests.helpers import page
from tests.recruitment import recruiting
from tests.shifts import signup_data as data


@pytest.fixture
def world(db):
    team = data.team()
    boss = recruiting.coordinator(team, name="A队老师")
    other_boss = recruiting.coordinator(data.team(), name="B队老师")
    task = data.task(team, title="总服务台值班")
    shift = data.shift(task, capacity=1)
    giver = data.member(team, name="赵六")
    taker = data.member(team, name="钱七")
    signup = signups.sign_up(shift, giver)
    db.session.commit()
    return {
        "team": team,
        "boss": boss,
        "other_boss": other_boss,
        "task": task,
        "shift": shift,
        "giver": giver,
        "taker": taker,
        "signup": signup,
    }


def offer(world, db) -> ShiftHandover:
    handover = handovers.offer_place(world["signup"], actor=world["giver"], note="临时有课")
    db.session.commit()
    return handover


def fresh(db, model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_offering_from_my_shifts_then_withdrawing(client, english_login, db, world):
    english_login(world["giver"])
    signup_id = world["signup"].id
    assert f"/shifts/handovers/signups/{signup_id}/offer" in page(client.get("/shifts/mine"))
    form = client.get(f"/shifts/handovers/signups/{signup_id}/offer")
    assert form.status_code == 200 and "总服务台值班" in page(form)
    too_long = client.post(
        f"/shifts/handovers/signups/{signup_id}/offer", data={"note": "长" * 501}
    )
    assert too_long.status_code == 400
    assert db.session.query(ShiftHandover).count() == 0
    response = client.post(
        f"/shifts/handovers/signups/{signup_id}/offer",
        data={"note": "临时有课"},
        follow_redirects=True,
    )
    assert "Offered to others" in page(response) and "Withdraw offer" in page(response)
    handover = db.session.query(ShiftHandover).one()
    client.post(f"/shifts/handovers/{handover.id}/withdraw", data={"back": "mine"})
    assert fresh(db, ShiftHandover, handover.id).status == "withdrawn"


def test_nobody_offers_or_withdraws_for_someone_else(client, english_login, db, world):
    handover = offer(world, db)
    english_login(world["taker"])
    signup_id = world["signup"].id
    assert client.get(f"/shifts/handovers/signups/{signup_id}/offer").status_code == 404
    assert client.post(f"/shifts/handovers/signups/{signup_id}/offer").status_code == 404
    assert client.post(f"/shifts/handovers/{handover.id}/withdraw").status_code == 404
    assert client.post("/shifts/handovers/99999/take").status_code == 404
    assert fresh(db, ShiftHandover, handover.id).status == "open"


def test_a_teammate_sees_the_offer_and_takes_it_over(client, english_login, db, world):
    handover = offer(world, db)
    english_login(world["taker"])
    listing = page(client.get("/shifts/"))
    assert 'data-testid="offered-places"' in listing and "临时有课" in listing
    assert "Take over this place" in page(client.get("/shifts/handovers/"))
    response = client.post(f"/shifts/handovers/{handover.id}/take", follow_redirects=True)
    assert "You took over this place" in page(response)
    assert fresh(db, ShiftSignup, world["signup"].id).status == "cancelled"
    assert fresh(db, Shift, world["shift"].id).confirmed_count == 1
    again = client.post(f"/shifts/handovers/{handover.id}/take", follow_redirects=True)
    assert "no longer on offer" in page(again)


def test_other_teams_do_not_see_the_offer_and_cannot_take_it(client, english_login, db, world):
    handover = offer(world, db)
    outsider = data.member(data.team())
    db.session.commit()
    english_login(outsider)
    assert "临时有课" not in page(client.get("/shifts/handovers/"))
    response = client.post(f"/shifts/handovers/{handover.id}/take", follow_redirects=True)
    assert "Only active members" in page(response)
    assert fresh(db, ShiftHandover, handover.id).status == "open"


def test_coordinators_approve_takeovers_of_their_teams(client, english_login, db, world):
    world["task"].swap_needs_approval = True
    handover = offer(world, db)
    english_login(world["taker"])
    response = client.post(f"/shifts/handovers/{handover.id}/take", follow_redirects=True)
    assert "a coordinator will decide" in page(response)
    client.post("/logout")
    english_login(world["taker"])
    assert client.get("/shifts/handovers/pending").status_code == 403
    client.post("/logout")
    english_login(world["other_boss"])
    assert 'data-testid="no-pending"' in page(client.get("/shifts/handovers/pending"))
    assert client.post(f"/shifts/handovers/{handover.id}/approve").status_code == 403
    client.post("/logout")
    english_login(world["boss"])
    pending = page(client.get("/shifts/handovers/pending"))
    assert "赵六" in pending and "钱七" in pending
    response = client.post(f"/shifts/handovers/{handover.id}/approve", follow_redirects=True)
    assert "The takeover is approved" in page(response)
    assert fresh(db, ShiftHandover, handover.id).status == "completed"
    taker_signup = db.session.query(ShiftSignup).filter_by(user_id=world["taker"].id).one()
    assert taker_signup.status == "confirmed"


def test_a_refused_takeover_reopens_the_offer(client, english_login, db, world):
    world["task"].swap_needs_approval = True
    handover = offer(world, db)
    handovers.take_over(handover, world["taker"])
    db.session.commit()
    english_login(world["boss"])
    response = client.post(f"/shifts/handovers/{handover.id}/refuse", follow_redirects=True)
    assert "offered to others again" in page(response)
    db.session.expire_all()
    statuses = sorted(h.status for h in db.session.query(ShiftHandover))
    assert statuses == ["open", "refused"]


def test_an_offered_place_shows_its_deadline_and_can_be_accepted(client, english_login, db, world):
    world["task"].waitlist_mode = "offer"
    waiting = signups.sign_up(world["shift"], world["taker"])
    signups.cancel(world["signup"], actor=world["giver"])
    db.session.commit()
    english_login(world["taker"])
    mine = page(client.get("/shifts/mine"))
    assert "Place offered until" in mine and f'data-testid="accept-{waiting.id}"' in mine
    assert f'data-testid="accept-{waiting.id}"' in page(client.get("/shifts/"))
    response = client.post(
        f"/shifts/signups/{waiting.id}/accept", data={"back": "mine"}, follow_redirects=True
    )
    assert "The place is yours" in page(response)
    assert fresh(db, ShiftSignup, waiting.id).status == "confirmed"


def test_declining_an_offered_place(client, english_login, db, world):
    world["task"].waitlist_mode = "offer"
    waiting = signups.sign_up(world["shift"], world["taker"])
    signups.cancel(world["signup"], actor=world["giver"])
    db.session.commit()
    english_login(world["giver"])
    assert client.post(f"/shifts/signups/{waiting.id}/decline").status_code == 404
    client.post("/logout")
    english_login(world["taker"])
    client.post(f"/shifts/signups/{waiting.id}/decline")
    assert fresh(db, ShiftSignup, waiting.id).status == "cancelled"
    assert fresh(db, Shift, world["shift"].id).confirmed_count == 0


def test_no_offer_button_for_a_shift_that_started(client, english_login, db, world):
    started = data.shift(world["task"], starts_in=timedelta(minutes=-30), hours=2)
    signup = signups.sign_up(started, world["taker"], now=started.starts_at - timedelta(hours=1))
    db.session.commit()
    english_login(world["taker"])
    assert f'data-testid="offer-place-{signup.id}"' not in page(client.get("/shifts/mine"))
    client.post(f"/shifts/handovers/signups/{signup.id}/offer", data={"note": ""})
    assert db.session.query(ShiftHandover).count() == 0
