"""Handovers and waitlist offers happen exactly once when people act at the same moment
(the suite's SQLite file, or PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.shifts import handovers, offers, signups
from app.shifts.models import Shift, ShiftHandover, ShiftSignup
from tests.helpers import race
from tests.recruitment import recruiting
from tests.shifts import signup_data as data

TAKERS = 8


def state(shift_id: int) -> tuple[int, dict[int, str]]:
    """The shift's counted places and each person's sign-up status, freshly read."""
    _db.session.expire_all()
    rows = _db.session.scalars(select(ShiftSignup).where(ShiftSignup.shift_id == shift_id))
    return _db.session.get(Shift, shift_id).confirmed_count, {s.user_id: s.status for s in rows}


def offered(team, **task_fields) -> tuple[int, int, int, int]:
    """(shift id, sign-up id, offerer id, handover id) of an offered place, committed."""
    shift = data.shift(data.task(team, **task_fields), capacity=2)
    signup = signups.sign_up(shift, data.member(team))
    handover = handovers.offer_place(signup, actor=signup.user)
    return shift.id, signup.id, signup.user_id, handover.id


def test_many_people_taking_one_offer_at_once_one_wins(app, db):
    team = data.team()
    shift_id, _signup_id, giver_id, handover_id = offered(team)
    takers = [data.member(team).id for _ in range(TAKERS)]
    db.session.commit()

    def take(user_id: int) -> None:
        handovers.take_over(handovers.get_handover(handover_id), accounts.get_person(user_id))

    outcomes = race(app, take, takers)
    assert sorted(outcomes) == ["conflict"] * (TAKERS - 1) + ["ok"], outcomes
    count, statuses = state(shift_id)
    assert count == 1
    assert statuses[giver_id] == "cancelled"
    winner = takers[outcomes.index("ok")]
    assert [user for user, status in statuses.items() if status == "confirmed"] == [winner]
    assert _db.session.get(ShiftHandover, handover_id).to_user_id == winner


def test_the_offerer_cancelling_while_someone_takes_over_gives_one_outcome(app, db):
    team = data.team()
    shift_id, signup_id, giver_id, handover_id = offered(team)
    taker_id = data.member(team).id
    db.session.commit()

    def act(who: str) -> None:
        if who == "giver":
            signup = signups.get_signup(signup_id)
            signups.cancel(signup, actor=signup.user)
        else:
            handovers.take_over(handovers.get_handover(handover_id), accounts.get_person(taker_id))

    outcomes = race(app, act, ["giver", "taker"])
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    count, statuses = state(shift_id)
    handover = _db.session.get(ShiftHandover, handover_id)
    assert statuses[giver_id] == "cancelled"
    if outcomes[1] == "ok":  # the takeover won: the place moved
        assert handover.status == "completed" and statuses[taker_id] == "confirmed"
        assert count == 1
    else:  # the cancellation won: the offer went with it
        assert handover.status == "withdrawn" and taker_id not in statuses
        assert count == 0


def test_two_coordinators_deciding_at_once_decide_once(app, db):
    team = data.team()
    first_boss = recruiting.coordinator(team, name="甲老师")
    second_boss = recruiting.coordinator(team, name="乙老师")
    shift_id, _signup_id, giver_id, handover_id = offered(team, swap_needs_approval=True)
    taker = data.member(team)
    handovers.take_over(handovers.get_handover(handover_id), taker)
    taker_id, boss_ids = taker.id, [first_boss.id, second_boss.id]
    db.session.commit()

    def decide(index: int) -> None:
        decision = handovers.approve if index == 0 else handovers.refuse
        decision(handovers.get_handover(handover_id), actor=accounts.get_person(boss_ids[index]))

    outcomes = race(app, decide, [0, 1])
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    count, statuses = state(shift_id)
    assert count == 1
    if outcomes[0] == "ok":
        assert (statuses[giver_id], statuses[taker_id]) == ("cancelled", "confirmed")
    else:
        assert statuses[giver_id] == "confirmed" and taker_id not in statuses


def test_accepting_while_the_offer_runs_out_keeps_one_outcome(app, db):
    team = data.team()
    shift = data.shift(data.task(team, waitlist_mode="offer", offer_hours=2), capacity=1)
    holder = signups.sign_up(shift, data.member(team))
    first = signups.sign_up(shift, data.member(team))
    second = signups.sign_up(shift, data.member(team))
    signups.cancel(holder, actor=holder.user)
    assert first.status == "offered"
    deadline, shift_id = first.offer_expires_at, shift.id
    first_id, second_id = first.user_id, second.user_id
    signup_id = first.id
    db.session.commit()

    def act(who: str) -> None:
        if who == "job":
            offers.expire_offers(now=deadline)
        else:
            signup = signups.get_signup(signup_id)
            offers.accept_offer(signup, actor=signup.user)

    outcomes = race(app, act, ["job", "person"])
    assert outcomes[0] == "ok"
    count, statuses = state(shift_id)
    assert count == 1
    if outcomes[1] == "ok":
        assert (statuses[first_id], statuses[second_id]) == ("confirmed", "waitlisted")
    else:
        assert outcomes[1] == "conflict"
        assert (statuses[first_id], statuses[second_id]) == ("cancelled", "offered")
