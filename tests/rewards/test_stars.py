"""The month's stars: Service Star (most verified hours) and Reading Star (阅读之星) —
ranking with ties and thresholds on hand-made data, one award per person and month, local
month boundaries, concurrency and speed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.errors import InvalidInput
from app.extensions import db as _db
from app.rewards import badge_awarding, star_rules
from app.rewards.library_use.reading import ReadingRow
from tests.helpers import race
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER, OCTOBER_MONDAY


@pytest.fixture
def world(db):
    return badge_data.seed(), rewards_data.place()


def row(user_id: int, score: float, loans: int, visits: int, last_day: int = 31) -> ReadingRow:
    return ReadingRow(user_id, score, loans, visits, 0, 0, date(2026, 10, last_day))


PARAMS = {"min_loans": 2, "min_visits": 1, "min_score": 5}


def ranked(rows, numbers, params=PARAMS, threshold=10) -> list[int]:
    return [place.user_id for place in star_rules.rank_readers(rows, numbers, params, threshold)]


# --- Reading Star ranking on hand-made data -------------------------------------------------


def test_reading_star_ties_go_to_loans_then_visits_then_earlier_day_then_student_number():
    numbers = {n: f"2024{n:06d}" for n in range(1, 8)}
    rows = [
        row(1, 50, 5, 9),
        row(2, 50, 6, 1),  # same score, more loans: ahead of 1
        row(3, 50, 5, 10),  # same score and loans, more visits: ahead of 1
        row(4, 50, 5, 9, last_day=20),  # as 1, but got there earlier
        row(5, 50, 5, 9),  # as 1 in every figure: the lower student number (1) goes first
        row(6, 80, 2, 1),
        row(7, 20, 9, 9),
    ]

    assert ranked(rows, numbers) == [6, 2, 3, 4, 1, 5, 7]


def test_reading_star_thresholds_leave_readers_out():
    numbers = {n: f"2024{n:06d}" for n in range(1, 6)}
    rows = [
        row(1, 90, 1, 9),  # one loan too few
        row(2, 90, 5, 0),  # no visit
        row(3, 4.5, 5, 5),  # score below 5
        row(4, 5, 2, 1),  # exactly at every minimum
        row(5, 60, 3, 3),
    ]

    assert ranked(rows, numbers) == [5, 4]


def test_reading_star_takes_the_top_k_with_unique_ranks():
    numbers = {n: f"2024{n:06d}" for n in range(1, 13)}
    rows = [row(n, 100 - n, 3, 3) for n in range(1, 13)]

    places = star_rules.rank_readers(rows, numbers, PARAMS, 10)

    assert [place.rank for place in places] == list(range(1, 11))
    assert [place.user_id for place in places] == list(range(1, 11))
    assert places[0].details == {"loans": 3, "visits": 3, "minutes": 0}


def test_reading_star_top_percent_is_a_share_of_the_months_readers():
    numbers = {n: f"2024{n:06d}" for n in range(1, 41)}
    rows = [row(n, 100 - n, 3, 3) for n in range(1, 41)]

    assert len(ranked(rows, numbers, {**PARAMS, "top_percent": 10})) == 4
    assert len(ranked(rows[:5], numbers, {**PARAMS, "top_percent": 10})) == 1
    assert ranked([], numbers, {**PARAMS, "top_percent": 10}) == []


def test_readers_without_an_active_account_get_no_star():
    rows = [row(1, 90, 3, 3), row(2, 80, 3, 3)]

    assert ranked(rows, {2: "2024000002"}) == [2]


def test_ranking_fifty_thousand_readers_keeps_the_best_ten():
    """Its speed is measured by `make bench` (bench/rewards.py), not here."""
    numbers = {n: f"2024{n:06d}" for n in range(50_000)}
    rows = [row(n, float(n % 997), n % 7, n % 11, 1 + n % 28) for n in range(50_000)]

    places = star_rules.rank_readers(rows, numbers, PARAMS, 10)

    assert len(places) == 10 and places[0].value == 996


# --- Reading Star from imported library-use data --------------------------------------------


def test_reading_stars_of_the_month_just_ended(world):
    seeded, _place = world
    readers = [badge_data.person(f"读者{n}") for n in range(12)]
    for n, reader in enumerate(readers):
        badge_data.reading(reader, loans=2 + n, visits=3)
    badge_data.reading(readers[0], "2026-11", loans=50, visits=50)  # November is not over

    counts = badge_awarding.award_monthly_stars(now=NOW)

    assert counts["reading_star"] == 10
    stars = badge_data.awards(seeded["reading_star"], OCTOBER)
    by_rank = sorted(stars, key=lambda award: award.evidence["rank"])
    assert by_rank[0].user_id == readers[11].id
    assert {award.user_id for award in stars} == {reader.id for reader in readers[2:]}
    assert by_rank[0].evidence["of"] == 12
    assert by_rank[0].evidence["loans"] == 13
    assert badge_data.notifications_of(readers[11], "badges.awarded") == 1
    assert badge_data.notifications_of(readers[0], "badges.awarded") == 0


def test_a_month_gets_its_stars_once(world):
    seeded, _place = world
    first = badge_data.person("先到")
    badge_data.reading(first, loans=3, visits=3)
    badge_awarding.award_monthly_stars(now=NOW)

    late = badge_data.person("后补")  # a later import of October's data
    badge_data.reading(late, loans=30, visits=30)
    again = badge_awarding.award_monthly_stars(now=NOW + timedelta(days=3))

    assert again == {"service_star": 0, "reading_star": 0}
    assert badge_data.holders(seeded["reading_star"], OCTOBER) == {first.id}


def test_the_same_person_can_be_reading_star_in_two_months(world):
    seeded, _place = world
    reader = badge_data.person()
    badge_data.reading(reader, "2026-09", loans=3, visits=3)
    badge_data.reading(reader, OCTOBER, loans=3, visits=3)

    badge_awarding.award_monthly_stars(now=NOW - timedelta(days=31))
    badge_awarding.award_monthly_stars(now=NOW)

    assert sorted(a.period for a in badge_data.awards(seeded["reading_star"])) == [
        "2026-09",
        OCTOBER,
    ]


def test_stars_are_named_only_for_a_month_that_has_ended(world):
    with pytest.raises(InvalidInput):
        badge_awarding.award_monthly_stars(now=NOW, month="2026-11")
    with pytest.raises(InvalidInput):
        badge_awarding.award_monthly_stars(now=NOW, month="2026-13")


def test_the_month_just_ended_is_the_local_month():
    # 00:30 on 1 November in Shanghai is still 31 October in UTC.
    assert star_rules.previous_month(datetime(2026, 10, 31, 16, 30)) == OCTOBER
    assert star_rules.previous_month(datetime(2026, 10, 31, 15, 30)) == "2026-09"


# --- Service Star ---------------------------------------------------------------------------


def test_service_star_goes_to_the_three_with_most_verified_hours(world):
    seeded, place = world
    people = [badge_data.person(f"志愿者{n}", student_number=f"20250000{n}") for n in range(6)]
    for person, minutes in zip(people, (600, 300, 300, 240, 50, 0), strict=True):
        if minutes:
            badge_data.served(place, person, minutes, start=OCTOBER_MONDAY)

    counts = badge_awarding.award_monthly_stars(now=NOW)

    stars = sorted(
        badge_data.awards(seeded["service_star"], OCTOBER), key=lambda a: a.evidence["rank"]
    )
    assert counts["service_star"] == 3
    # 300 and 300 tie: the lower student number goes first; 4 h comes fourth.
    assert [award.user_id for award in stars] == [people[0].id, people[1].id, people[2].id]
    assert stars[0].evidence == {"rank": 1, "value": 10, "of": 5, "minutes": 600}


def test_service_star_needs_at_least_an_hour(world):
    seeded, place = world
    person = badge_data.person()
    badge_data.served(place, person, 45, start=OCTOBER_MONDAY)

    badge_awarding.award_monthly_stars(now=NOW)

    assert badge_data.holders(seeded["service_star"]) == set()


def test_service_star_counts_shifts_by_their_local_month(world):
    seeded, place = world
    person = badge_data.person()
    # 01:00 on 1 November in Shanghai: November's, though 31 October in UTC.
    badge_data.served(place, person, 300, start=datetime(2026, 10, 31, 17, 0))

    badge_awarding.award_monthly_stars(now=NOW)

    assert badge_data.holders(seeded["service_star"]) == set()


def test_two_monthly_runs_at_once_name_each_star_once(app, world):
    seeded, place = world
    people = [badge_data.person(f"并发{n}") for n in range(4)]
    for n, person in enumerate(people):
        badge_data.served(place, person, 120 + 30 * n, start=OCTOBER_MONDAY)
        badge_data.reading(person, loans=3 + n, visits=3)
    _db.session.commit()
    assert race(app, lambda _n: badge_awarding.award_monthly_stars(now=NOW), [1, 2]) == ["ok", "ok"]
    assert len(badge_data.awards(seeded["service_star"], OCTOBER)) == 3
    assert len(badge_data.awards(seeded["reading_star"], OCTOBER)) == 4
