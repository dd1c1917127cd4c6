"""Lifetime badges: thresholds, backfill over history, revocation and reinstatement, the
contributions provider, progress toward the next badges, and exactly-once under
concurrency."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import hooks
from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.rewards import badge_awarding, badge_rules, badges
from tests.helpers import race
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY


@pytest.fixture
def world(db):
    seeded = badge_data.seed()
    place = rewards_data.place()
    return seeded, place


def test_hours_badge_needs_the_whole_threshold(world):
    seeded, place = world
    almost = badge_data.person("差一点")
    enough = badge_data.person("刚刚好")
    badge_data.served(place, almost, 599, start=OCTOBER_MONDAY)
    badge_data.served(place, enough, 600, start=OCTOBER_MONDAY)

    counts = badge_awarding.evaluate_all(now=NOW)

    assert badge_data.holders(seeded["hours_10"]) == {enough.id}
    assert counts["awarded"] == 1
    award = badge_data.awards(seeded["hours_10"])[0]
    assert award.period == "" and award.evidence == {"value": 10}
    assert badge_data.notifications_of(enough, "badges.awarded") == 1
    assert badge_data.notifications_of(almost, "badges.awarded") == 0


def test_unverified_hours_do_not_count(world):
    seeded, place = world
    person = badge_data.person()
    record = badge_data.served(place, person, 700, start=OCTOBER_MONDAY)
    rewards_data.unverify(record)

    badge_awarding.evaluate_all(now=NOW)

    assert badge_data.holders(seeded["hours_10"]) == set()


def test_rerunning_awards_nothing_twice(world):
    seeded, place = world
    person = badge_data.person()
    badge_data.served(place, person, 660, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)

    again = badge_awarding.evaluate_all(now=NOW + timedelta(days=1))

    assert again == {"awarded": 0, "revoked": 0, "reinstated": 0}
    assert len(badge_data.awards(seeded["hours_10"])) == 1
    assert badge_data.notifications_of(person, "badges.awarded") == 1


def test_a_new_badge_goes_to_everyone_already_qualifying(world):
    seeded, place = world
    veteran = badge_data.person("老志愿者")
    for week in range(6):
        badge_data.served(place, veteran, 600, start=OCTOBER_MONDAY - timedelta(weeks=52 + week))
    fifty = seeded["hours_50"]
    fifty.active = False
    badge_awarding.evaluate_all(now=NOW)
    assert badge_data.holders(fifty) == set()

    fifty.active = True
    counts = badge_awarding.evaluate_all(now=NOW)

    assert badge_data.holders(fifty) == {veteran.id}
    assert counts["awarded"] == 1


def test_lowering_a_threshold_awards_at_the_next_run(world):
    seeded, place = world
    person = badge_data.person()
    badge_data.served(place, person, 240, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)
    assert badge_data.holders(seeded["hours_10"]) == set()

    seeded["hours_10"].threshold = 4
    badge_awarding.evaluate_all(now=NOW)

    assert badge_data.holders(seeded["hours_10"]) == {person.id}


def test_a_revocable_badge_is_taken_back_and_given_back(world):
    seeded, place = world
    person = badge_data.person()
    records = [
        badge_data.served(place, person, 300, start=OCTOBER_MONDAY + timedelta(weeks=week))
        for week in range(2)
    ]
    badge_awarding.evaluate_all(now=NOW)
    assert badge_data.holders(seeded["hours_10"]) == {person.id}

    rewards_data.unverify(records[1])  # a correction: 5 hours left
    counts = badge_awarding.evaluate_all(now=NOW + timedelta(days=1))

    award = badge_data.awards(seeded["hours_10"])[0]
    assert counts["revoked"] == 1
    assert award.revoked_at == NOW + timedelta(days=1)
    assert award.revoked_reason == badge_awarding.REVOKED_REASON
    assert badge_data.notifications_of(person, "badges.revoked") == 1
    assert _db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "badges.award_revoked")
    ).object_id == str(award.id)

    rewards_data.reverify(records[1], NOW + timedelta(days=2))
    counts = badge_awarding.evaluate_all(now=NOW + timedelta(days=2))

    award = badge_data.awards(seeded["hours_10"])[0]
    assert counts["reinstated"] == 1
    assert award.revoked_at is None
    assert badge_data.holders(seeded["hours_10"]) == {person.id}


def test_a_badge_that_is_not_revocable_stays(world):
    seeded, place = world
    person = badge_data.person()
    records = [
        badge_data.served(place, person, 60, start=OCTOBER_MONDAY + timedelta(days=day))
        for day in range(5)
    ]
    badge_awarding.evaluate_all(now=NOW)
    assert badge_data.holders(seeded["shifts_5"]) == {person.id}

    rewards_data.unverify(records[0])
    counts = badge_awarding.evaluate_all(now=NOW)

    assert counts["revoked"] == 0
    assert badge_data.holders(seeded["shifts_5"]) == {person.id}


def test_weekly_streak_counts_consecutive_local_weeks(world):
    seeded, place = world
    steady = badge_data.person("每周都来")
    gap = badge_data.person("中间断了")
    for week in range(4):
        badge_data.served(place, steady, 60, start=OCTOBER_MONDAY + timedelta(weeks=week))
    for week in (0, 1, 3, 4):
        badge_data.served(place, gap, 60, start=OCTOBER_MONDAY + timedelta(weeks=week))

    badge_awarding.evaluate_all(now=NOW + timedelta(weeks=4))

    assert badge_data.holders(seeded["streak_4"]) == {steady.id}


def test_longest_streak():
    monday = date(2026, 10, 5)
    weeks = [monday + timedelta(weeks=n) for n in (0, 1, 2, 4, 5, 6, 7, 7)]
    assert badge_rules.longest_streak(weeks) == 4
    assert badge_rules.longest_streak([]) == 0


def test_without_contribution_data_nobody_gets_or_loses_a_contribution_badge(world, monkeypatch):
    seeded, _place = world
    writer = badge_data.person("作者")
    monkeypatch.setattr(hooks.CONTRIBUTIONS, "providers", [lambda column, ids: {writer.id: 10}])
    badge_awarding.evaluate_all(now=NOW)
    assert badge_data.holders(seeded["contributions_10"]) == {writer.id}

    monkeypatch.setattr(hooks.CONTRIBUTIONS, "providers", [])
    seeded["contributions_10"].revocable = True
    counts = badge_awarding.evaluate_all(now=NOW)

    assert counts["revoked"] == 0
    assert badge_data.holders(seeded["contributions_10"]) == {writer.id}


def test_a_contribution_badge_of_one_column_asks_for_that_column(world, monkeypatch):
    seeded, _place = world
    writer = badge_data.person("作者")
    asked = []

    def provider(column, ids):
        asked.append(column)
        return {writer.id: 1} if column == "audio" else {}

    monkeypatch.setattr(hooks.CONTRIBUTIONS, "providers", [provider])
    seeded["contributions_1"].params = {"column": "audio"}
    badge_awarding.evaluate_all(now=NOW)

    assert "audio" in asked
    assert badge_data.holders(seeded["contributions_1"]) == {writer.id}


def test_deactivated_accounts_get_no_badges(world):
    seeded, place = world
    person = badge_data.person()
    badge_data.served(place, person, 700, start=OCTOBER_MONDAY)
    person.active = False

    badge_awarding.evaluate_all(now=NOW)

    assert badge_data.holders(seeded["hours_10"]) == set()


def test_next_badges_show_the_lowest_threshold_not_yet_earned(world):
    _seeded, place = world
    person = badge_data.person()
    badge_data.served(place, person, 750, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)

    progress = {item.badge.code: item for item in badges.next_badges(person.id)}

    assert "hours_10" not in progress
    assert (progress["hours_50"].current, progress["hours_50"].target) == (12.5, 50)
    assert progress["hours_50"].percent == 25
    assert (progress["shifts_5"].current, progress["shifts_5"].target) == (1, 5)
    assert progress["contributions_1"].current == 0  # nothing published yet
    assert "reading_star" not in progress


def test_badges_of_leaves_out_revoked_awards(world):
    _seeded, place = world
    person = badge_data.person()
    record = badge_data.served(place, person, 600, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)
    rewards_data.unverify(record)
    badge_awarding.evaluate_all(now=NOW)

    assert badges.badges_of(person.id) == []
    assert [a.badge.code for a in badges.badges_of(person.id, include_revoked=True)] == ["hours_10"]


def test_two_evaluations_at_once_award_each_badge_once(app, world):
    seeded, place = world
    people = [badge_data.person(f"并发{n}") for n in range(4)]
    for person in people:
        for day in range(5):
            badge_data.served(place, person, 130, start=OCTOBER_MONDAY + timedelta(days=day))
    _db.session.commit()
    assert race(app, lambda _n: badge_awarding.evaluate_all(now=NOW), [1, 2]) == ["ok", "ok"]
    for code in ("hours_10", "shifts_5"):
        assert len(badge_data.awards(seeded[code])) == len(people)
    for person in people:
        assert badge_data.notifications_of(person, "badges.awarded") == 2
