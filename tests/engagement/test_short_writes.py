"""The nightly scoring and badge evaluation write in short transactions of JOB_WRITE_CHUNK
rows, and the scored day appears whole: while a day is being written, readers still see
the day before (and its segment counts), never part of the new one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.common.db import watch_write_locks
from app.engagement import dashboard, services
from app.engagement.models import EngagementDay, EngagementScore, SegmentCount
from app.extensions import db as _db
from app.rewards import badge_awarding
from tests import factories
from tests.engagement import engagement_data as data
from tests.engagement.engagement_data import NOW, TODAY
from tests.rewards import badge_data, rewards_data

PEOPLE = 5


def _people() -> list[int]:
    ids = []
    for n in range(PEOPLE):
        person = factories.person(name=f"读者{n}")
        data.logins_on(person, [0, 7, 14 + n])
        ids.append(person.id)
    _db.session.commit()
    return ids


def _seen_from_elsewhere() -> tuple:
    """What another connection (a request) sees now: the latest finished day, its people
    and segment counts, and how many of today's rows."""
    with _db.engine.connect() as other:
        latest = other.scalar(select(func.max(EngagementDay.day)))
        counted = other.scalar(
            select(func.sum(SegmentCount.people)).where(
                SegmentCount.day == latest, SegmentCount.scope == "all"
            )
        )
        today_rows = other.scalar(
            select(func.count(EngagementScore.id)).where(EngagementScore.day == TODAY)
        )
    return latest, counted, today_rows


def test_a_day_is_written_in_chunks_and_appears_whole(app, db, monkeypatch):
    _people()
    yesterday = NOW - timedelta(days=1)
    data.score(yesterday)
    monkeypatch.setitem(app.config, "JOB_WRITE_CHUNK", 2)
    seen = []
    write = services._write

    def write_and_look(rows):
        write(rows)
        seen.append(_seen_from_elsewhere())

    monkeypatch.setattr(services, "_write", write_and_look)
    with watch_write_locks() as watch:
        counts = services.score_day(now=NOW)
        _db.session.commit()
        rerun = services.score_day(now=NOW)  # a rerun of the day: withdrawn, then whole again
        _db.session.commit()

    assert counts["people"] == rerun["people"] == PEOPLE
    chunks = -(-PEOPLE // 2)
    assert watch.transactions >= 2 * chunks  # each chunk its own transaction, both runs
    # During both runs other connections saw yesterday, whole, never part of today.
    assert {(latest, counted) for latest, counted, _rows in seen} == {
        (TODAY - timedelta(days=1), PEOPLE)
    }
    # Today's rows grew chunk by chunk, committed one after the other (the chunk being
    # written is not committed yet when it looks).
    assert [rows for _latest, _counted, rows in seen[:chunks]] == [0, 2, 4]
    assert _seen_from_elsewhere() == (TODAY, PEOPLE, PEOPLE)
    assert dashboard.latest_day().day == TODAY


def test_the_badge_evaluation_writes_its_awards_in_chunks(app, db, monkeypatch):
    badges = badge_data.seed()
    place = rewards_data.place()
    people = [rewards_data.member(place, name=f"志愿者{n}") for n in range(4)]
    for person in people:
        for week in range(5):
            start = badge_data.NOW - timedelta(days=30 - 7 * week)
            badge_data.served(place, person, 120, start=start)
    _db.session.commit()
    # the badge jobs write a quarter of JOB_WRITE_CHUNK people a transaction: here one
    monkeypatch.setitem(app.config, "JOB_WRITE_CHUNK", 4)

    with watch_write_locks() as watch:
        counts = badge_awarding.evaluate_all(now=badge_data.NOW)
    again = badge_awarding.evaluate_all(now=badge_data.NOW)

    holders = badge_data.holders(badges["shifts_5"])
    assert holders == {person.id for person in people}
    assert counts["awarded"] >= len(people)
    assert watch.transactions >= counts["awarded"]
    assert again["awarded"] == 0
