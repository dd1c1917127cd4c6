"""Signing up for a whole series at once and cancelling the rest of it: each shift under
the one sign-up and cancellation rules, the answer listing every shift."""

from __future__ import annotations

import pytest

from app.common.time import utcnow
from app.errors import NotFound
from app.shifts import series_signups, signups
from tests.helpers import page
from tests.shifts import series_data
from tests.shifts import signup_data as data


def outcomes_of(results) -> list[tuple[int, str]]:
    return [(result.shift.id, result.outcome) for result in results]


def test_a_series_sign_up_takes_free_places_waits_for_full_ones_and_says_why_it_refused(db):
    team = data.team()
    series, (free, full, overlapping) = series_data.series(data.task(team), capacity=1)
    person, other = data.member(team), data.member(team)
    signups.sign_up(full, other)
    clash = data.shift(
        data.task(team, title="书库整理"), starts_in=overlapping.starts_at - utcnow()
    )
    signups.sign_up(clash, person)

    results = series_signups.sign_up_series(series, person)

    assert outcomes_of(results) == [
        (free.id, "confirmed"),
        (full.id, "waitlisted"),
        (overlapping.id, "refused"),
    ]
    assert "书库整理" in results[2].reason  # the overlap names the other shift
    assert signups.existing_signup(overlapping, person.id) is None
    assert free.confirmed_count == 1 and full.confirmed_count == 1

    again = series_signups.sign_up_series(series, person)
    assert [result.outcome for result in again] == ["already", "already", "refused"]


def test_cancelling_the_rest_keeps_places_past_the_deadline_and_says_why(db):
    team = data.team()
    task = data.task(team, cancel_deadline_hours=72)  # the first shift is 48 h away
    series, (soon, later, last) = series_data.series(task)
    person = data.member(team)
    series_signups.sign_up_series(series, person)

    results = series_signups.cancel_rest(series, person)

    assert outcomes_of(results) == [
        (soon.id, "kept"),
        (later.id, "cancelled"),
        (last.id, "cancelled"),
    ]
    assert "72" in results[0].reason
    assert signups.existing_signup(soon, person.id).status == "confirmed"
    assert later.confirmed_count == 0


def test_a_series_of_another_team_is_not_found(db):
    series, _shifts = series_data.series(data.task(data.team()))
    with pytest.raises(NotFound):
        series_signups.get_series(series.id, data.member(data.team()))


def test_the_shift_list_offers_the_series_and_the_answer_lists_each_shift(
    client, english_login, db
):
    team = data.team()
    series, shifts = series_data.series(data.task(team, title="周三值班"), capacity=1)
    person, other = data.member(team), data.member(team)
    signups.sign_up(shifts[1], other)
    db.session.commit()
    english_login(person)

    listing = page(client.get("/shifts/"))
    assert listing.count("Sign up for every shift of this series") == 1

    answer = page(client.post(f"/shifts/series/{series.id}/signup"))
    assert answer.count("Confirmed") == 2 and answer.count("On the waitlist") == 1

    mine = page(client.get("/shifts/mine"))
    assert mine.count("Cancel the rest of this series") == 1
    answer = page(client.post(f"/shifts/series/{series.id}/cancel"))
    assert answer.count("Cancelled") == 3


def test_the_series_routes_answer_404_to_anyone_outside_the_team(app, client, english_login, db):
    series, _shifts = series_data.series(data.task(data.team()))
    stranger = data.member(data.team())
    db.session.commit()
    english_login(stranger)
    assert client.post(f"/shifts/series/{series.id}/signup").status_code == 404
    assert client.post(f"/shifts/series/{series.id}/cancel").status_code == 404
    assert client.post("/shifts/series/999999/signup").status_code == 404


def test_a_series_sign_up_enters_the_draw_of_a_shift_whose_window_is_open(db):
    from datetime import timedelta

    from app.shifts import draws

    team = data.team()
    series, (drawn, later, last) = series_data.series(data.task(team, draw_minutes=10))
    now = utcnow().replace(microsecond=0)
    drawn.signup_opens_at = now - timedelta(minutes=1)  # its draw window is open
    person = data.member(team)

    results = series_signups.sign_up_series(series, person, now=now)

    assert outcomes_of(results) == [
        (drawn.id, "entered"),
        (later.id, "confirmed"),
        (last.id, "confirmed"),
    ]
    assert signups.existing_signup(drawn, person.id) is None  # no place before the draw
    assert draws.find_entry(drawn, person.id).status == "entered"
    again = series_signups.sign_up_series(series, person, now=now + timedelta(minutes=1))
    assert [result.outcome for result in again] == ["already"] * 3
    # The draw gives the entry its place like any other.
    placed = draws.draw_if_due(drawn, now=now + timedelta(minutes=9))
    assert [signup.user_id for signup in placed] == [person.id]
    assert placed[0].status == "confirmed"
