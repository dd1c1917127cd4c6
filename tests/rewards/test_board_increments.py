"""Leaderboards built incrementally: after points, hours, reading, a person hiding, a person
anonymised and a new week, every board is row for row what a full build gives, and a build
sums again only the people whose ledger changed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.anonymise import anonymise_person
from app.common.time import utcnow
from app.extensions import db
from app.rewards import board_building, boards, points
from app.rewards.models import LeaderboardEntry
from tests import factories
from tests.rewards import badge_data, rewards_data

# Wednesday 14 October 2026, noon in Shanghai.
NOW = datetime(2026, 10, 14, 4, 0)


def every_board() -> list[tuple]:
    entry = LeaderboardEntry
    query = select(
        entry.metric, entry.period, entry.user_id, entry.value, entry.reached_at
    ).order_by(entry.metric, entry.period, *boards.ORDER)
    return [tuple(row) for row in db.session.execute(query)]


def give(who, amount: int, at: datetime, admin) -> None:
    points.adjust(who, amount, reason="测试", actor=admin, now=at)


def hide(who) -> None:
    accounts.update_profile(
        who, accounts.ProfileFields(college_id=who.college_id, hide_from_boards=True)
    )


def campus():
    """A dozen people with points over two semesters, service hours and reading."""
    admin = factories.person(name="管理员", roles=["admin"])
    place = rewards_data.place()
    crowd = [rewards_data.member(place, name=f"读者{n}") for n in range(12)]
    for n, person in enumerate(crowd):
        give(person, 5 + n % 4, NOW - timedelta(hours=n + 1), admin)  # this week, ties
        if n % 3 == 0:
            give(person, 40 - n, NOW - timedelta(days=20 + n), admin)  # last month
        if n % 4 == 1:
            give(person, 100, datetime(2026, 5, 1) + timedelta(days=n), admin)  # last semester
        if n % 2 == 0:
            rewards_data.worked(
                place, person, minutes=60 + 30 * (n % 3), start=NOW - timedelta(days=n)
            )
        if n % 5 == 0:
            badge_data.reading(person, "2026-10", loans=n + 1, visits=2, day=date(2026, 10, 3))
    return admin, place, crowd


def test_an_incremental_build_gives_the_boards_a_full_build_gives(db):
    admin, place, crowd = campus()
    boards.rebuild(now=NOW)

    give(crowd[11], 30, NOW + timedelta(minutes=5), admin)  # climbs past everyone this week
    give(crowd[3], 7, NOW - timedelta(days=25), admin)  # booked now, for last month
    give(crowd[0], -9, NOW + timedelta(minutes=6), admin)  # this week's points gone
    hide(crowd[2])
    anonymise_person(
        crowd[4], actor=admin, confirmation=crowd[4].student_number, reason="注销", now=NOW
    )
    record = rewards_data.worked(place, crowd[7], minutes=240, start=NOW - timedelta(days=1))
    badge_data.reading(crowd[6], "2026-10", loans=9, visits=9, day=date(2026, 10, 9))
    counts = boards.rebuild(now=NOW + timedelta(hours=1))
    incremental = every_board()

    assert counts["written"] > 0
    assert boards.rebuild(now=NOW + timedelta(hours=1), full=True)["written"] == 0
    assert every_board() == incremental

    rewards_data.unverify(record)
    give(crowd[5], 3, NOW + timedelta(days=7), admin)
    boards.rebuild(now=NOW + timedelta(days=7))  # a new week and its first points
    incremental = every_board()
    assert ("points", "week:2026-10-19", crowd[5].id, 3) in [row[:4] for row in incremental]
    assert boards.rebuild(now=NOW + timedelta(days=7), full=True)["written"] == 0
    assert every_board() == incremental


def test_a_build_sums_again_only_the_people_whose_ledger_changed(db, monkeypatch):
    monkeypatch.setattr(board_building, "MARGIN", timedelta(0))
    admin, _place, crowd = campus()
    boards.rebuild(now=NOW)

    quiet = boards.rebuild(now=NOW)
    give(crowd[1], 50, NOW, admin)
    give(crowd[9], 1, NOW, admin)
    busy = boards.rebuild(now=NOW)

    assert (quiet["people_changed"], quiet["written"]) == (0, 0)
    assert busy["people_changed"] == 2
    top = boards.board("points", "week:2026-10-12", "all", viewer=admin).rows[0]
    assert (top.user_id, top.value) == (crowd[1].id, 50 + 5 + 1)


def test_a_build_with_nothing_new_sums_nobody_again_on_sqlite(db):
    admin, _place, crowd = campus()
    give(crowd[1], 50, utcnow(), admin)  # booked just now: inside PostgreSQL's margin
    boards.rebuild(now=NOW)

    quiet = boards.rebuild(now=NOW)

    margin = 0 if db.engine.dialect.name == "sqlite" else 1
    assert (quiet["people_changed"], quiet["written"]) == (margin, 0)


def test_a_full_build_is_there_for_when_it_is_wanted(db):
    campus()
    first = boards.rebuild(now=NOW, full=True)
    again = boards.rebuild(now=NOW, full=True)

    assert first["written"] == first["entries"] > 0
    assert again["written"] == 0 and again["people_changed"] == -1


def test_flask_boards_rebuild_full_builds_every_board_again(db, runner):
    admin = factories.person(name="管理员", roles=["admin"])
    give(factories.person(name="王小明"), 5, utcnow() - timedelta(hours=1), admin)
    db.session.commit()

    first = runner.invoke(args=["boards", "rebuild"])
    full = runner.invoke(args=["boards", "rebuild", "--full"])

    assert first.exit_code == 0 and "people_changed: -1" not in first.output
    assert full.exit_code == 0 and "people_changed: -1" in full.output
    assert (
        db.session.scalar(select(LeaderboardEntry.value).where(LeaderboardEntry.period == "all"))
        == 5
    )


def test_someone_hiding_writes_nothing_and_the_others_move_up_at_once(db, monkeypatch):
    monkeypatch.setattr(board_building, "MARGIN", timedelta(0))
    _admin, _place, crowd = campus()
    boards.rebuild(now=NOW)
    before = boards.board("points", "all", "all", viewer=crowd[0]).rows
    leader = db.session.get(type(crowd[0]), before[0].user_id)
    hide(leader)

    shown = boards.board("points", "all", "all", viewer=crowd[0]).rows
    counts = boards.rebuild(now=NOW)

    assert (counts["people_changed"], counts["written"]) == (0, 0)
    assert [(row.rank, row.user_id) for row in shown] == [
        (rank, row.user_id) for rank, row in enumerate(before[1:], start=1)
    ]
    assert boards.board("points", "all", "all", viewer=leader).me.rank == 1  # privately


def test_a_climber_writes_their_own_entries_only_however_many_they_pass(db, monkeypatch):
    monkeypatch.setattr(board_building, "MARGIN", timedelta(0))
    admin, _place, crowd = campus()
    boards.rebuild(now=NOW)
    last = crowd[0]
    assert boards.board("points", "week:2026-10-12", "all", viewer=last).me.rank > 1

    give(last, 500, NOW, admin)  # past everyone on every points board
    counts = boards.rebuild(now=NOW)

    assert counts["written"] == 4  # week, month, semester, all time: theirs, nobody else's
    for period in ("week:2026-10-12", "month:2026-10", "all"):
        shown = boards.board("points", period, "all", viewer=crowd[1])
        assert (shown.rows[0].rank, shown.rows[0].user_id) == (1, last.id)
        assert [row.rank for row in shown.rows] == list(range(1, len(shown.rows) + 1))
