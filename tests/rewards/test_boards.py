"""Leaderboards: ranking and ties, periods in local time, scopes, masking, opt-out and the
viewer's own rank."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from app.accounts import services as accounts
from app.common.names import mask_name
from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.recruitment import membership
from app.rewards import boards
from app.rewards.library_use import reading
from app.rewards.models import LeaderboardEntry, LibraryUse, LibraryUseImport, PointEntry
from tests import factories
from tests.rewards import rewards_data

# Wednesday 14 October 2026, noon in Shanghai: the week began on Monday the 12th (local).
NOW = datetime(2026, 10, 14, 4, 0)
WEEK = "week:2026-10-12"
MONTH = "month:2026-10"
SEMESTER = "semester:2026-2027-1"
_keys = itertools.count(1)


def earned(who, points: int, at: datetime) -> PointEntry:
    """A ledger line written directly (the ledger's own service is tested elsewhere)."""
    entry = PointEntry(
        user_id=who.id,
        points=points,
        kind="adjustment",
        idempotency_key=f"test:{next(_keys)}",
        occurred_at=at,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def read(who, day: date, *, loans: int = 0, visits: int = 0, minutes: int = 0) -> None:
    """A day of library use, as an import stores it."""
    upload = LibraryUseImport(filename="use.csv", sha256=f"{next(_keys):064d}")
    db.session.add(upload)
    db.session.flush()
    db.session.add(
        LibraryUse(
            user_id=who.id,
            month=f"{day:%Y-%m}",
            day=day,
            loans=loans,
            visits=visits,
            minutes=minutes,
            import_id=upload.id,
        )
    )
    db.session.flush()


def hide(who) -> None:
    accounts.update_profile(
        who, accounts.ProfileFields(college_id=who.college_id, hide_from_boards=True)
    )


def people(*names: str, **fields):
    return [factories.person(name=name, **fields) for name in names]


def names(shown: boards.Board) -> list[str]:
    return [row.name for row in shown.rows]


def ranks(shown: boards.Board) -> list[tuple[int, int]]:
    return [(row.rank, row.user_id) for row in shown.rows]


def snapshot(metric: str, period: str) -> list[tuple[int, int, int]]:
    """A board as stored, in its order, each with its position."""
    rows = db.session.scalars(
        db.select(LeaderboardEntry)
        .where(LeaderboardEntry.metric == metric, LeaderboardEntry.period == period)
        .order_by(*boards.ORDER)
    )
    return [(rank, row.user_id, row.value) for rank, row in enumerate(rows, start=1)]


# Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧*娜"),
        ("李", "*"),
        ("John Smith", "J* S*"),
        ("Alexander", "A*r"),
        ("", "*"),
    ],
)
def test_names_are_masked_so_others_cannot_identify_anyone(name, masked):
    assert mask_name(name) == masked


# Ranking ----------------------------------------------------------------------------------


def test_more_points_rank_higher_and_a_tie_goes_to_who_got_there_first(db):
    late, early, top = people("王小明", "李小红", "赵大刚")
    earned(late, 10, NOW - timedelta(hours=1))
    earned(early, 10, NOW - timedelta(hours=5))
    earned(top, 30, NOW - timedelta(minutes=5))

    boards.rebuild(now=NOW)

    assert snapshot("points", "all") == [(1, top.id, 30), (2, early.id, 10), (3, late.id, 10)]


def test_an_entry_worth_nothing_does_not_move_anyone_ahead_or_behind(db):
    first, second = people("王小明", "李小红")
    earned(first, 10, NOW - timedelta(hours=5))
    earned(second, 10, NOW - timedelta(hours=3))
    earned(first, 0, NOW - timedelta(hours=1))  # later, but worth nothing

    boards.rebuild(now=NOW)

    assert [user for _rank, user, _value in snapshot("points", "all")] == [first.id, second.id]


def test_only_people_with_a_positive_total_are_on_a_board(db):
    plus, cancelled, minus = people("王小明", "李小红", "赵大刚")
    earned(plus, 5, NOW - timedelta(hours=2))
    earned(cancelled, 8, NOW - timedelta(hours=2))
    earned(cancelled, -8, NOW - timedelta(hours=1))
    earned(minus, -5, NOW - timedelta(hours=1))

    boards.rebuild(now=NOW)

    assert snapshot("points", "all") == [(1, plus.id, 5)]


def test_a_rebuild_replaces_a_board_and_drops_boards_of_periods_that_are_over(db):
    person, other = people("王小明", "李小红")
    earned(person, 5, NOW - timedelta(hours=2))
    boards.rebuild(now=NOW)
    earned(other, 7, NOW - timedelta(hours=1))

    counts = boards.rebuild(now=NOW)
    assert snapshot("points", WEEK) == [(1, other.id, 7), (2, person.id, 5)]
    assert counts["boards"] == 10

    boards.rebuild(now=NOW + timedelta(days=7))
    assert snapshot("points", WEEK) == []
    assert snapshot("points", "week:2026-10-19") == []
    assert [row[1] for row in snapshot("points", "all")] == [other.id, person.id]


# Periods ----------------------------------------------------------------------------------


def test_the_week_starts_on_monday_at_midnight_local_time(db):
    sunday_night, monday_morning = people("王小明", "李小红")
    # Sunday 23:30 and Monday 00:30 in Shanghai are both still Sunday in UTC.
    earned(sunday_night, 50, datetime(2026, 10, 11, 15, 30))
    earned(monday_morning, 5, datetime(2026, 10, 11, 16, 30))

    boards.rebuild(now=NOW)

    assert snapshot("points", WEEK) == [(1, monday_morning.id, 5)]
    assert [row[1] for row in snapshot("points", MONTH)] == [sunday_night.id, monday_morning.id]


def test_month_semester_and_all_time_boards_count_their_own_periods(db):
    person = factories.person(name="王小明")
    earned(person, 1, datetime(2026, 10, 2))  # this month
    earned(person, 10, datetime(2026, 9, 20))  # this semester, last month
    earned(person, 100, datetime(2026, 6, 1))  # last semester

    boards.rebuild(now=NOW)

    assert snapshot("points", MONTH) == [(1, person.id, 1)]
    assert snapshot("points", SEMESTER) == [(1, person.id, 11)]
    assert snapshot("points", "all") == [(1, person.id, 111)]


def test_hours_boards_count_verified_minutes_by_shift_start(db):
    place = rewards_data.place()
    long_ago, recent, unverified = (rewards_data.member(place) for _ in range(3))
    rewards_data.worked(place, long_ago, minutes=120, start=datetime(2026, 10, 12, 1))
    rewards_data.worked(place, recent, minutes=120, start=datetime(2026, 10, 13, 1))
    record = rewards_data.worked(place, unverified, minutes=600, start=datetime(2026, 10, 13, 1))
    rewards_data.unverify(record)
    rewards_data.worked(place, recent, minutes=60, start=datetime(2026, 9, 1, 1))

    boards.rebuild(now=NOW)

    # Same two hours this week: whoever served them first leads.
    assert snapshot("hours", WEEK) == [(1, long_ago.id, 120), (2, recent.id, 120)]
    assert snapshot("hours", "all") == [(1, recent.id, 180), (2, long_ago.id, 120)]


def test_the_reading_board_has_this_month_and_the_month_before(db):
    keen, casual, earlier = people("王小明", "李小红", "赵大刚")
    read(keen, date(2026, 10, 3), loans=5, visits=4, minutes=600)
    read(casual, date(2026, 10, 5), loans=1, visits=1, minutes=30)
    read(earlier, date(2026, 9, 28), loans=3, visits=2, minutes=200)

    boards.rebuild(now=NOW)

    scores = {row.user_id: round(row.score * 100) for row in reading.monthly_reading("2026-10")}
    assert snapshot("reading", MONTH) == [
        (1, keen.id, scores[keen.id]),
        (2, casual.id, scores[casual.id]),
    ]
    assert [row[1] for row in snapshot("reading", "month:2026-09")] == [earlier.id]


# Reading a board --------------------------------------------------------------------------


def test_others_see_masked_names_and_the_viewer_sees_their_own(db):
    viewer, other = people("王小明", "李小红")
    earned(viewer, 5, NOW - timedelta(hours=1))
    earned(other, 9, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)

    shown = boards.board("points", "all", "all", viewer=viewer)

    assert names(shown) == ["李*红", "王小明"]
    assert shown.me == boards.Row(2, viewer.id, "王小明", 5, is_viewer=True)
    assert shown.built_at == NOW


def test_the_viewer_always_gets_their_own_rank_even_outside_the_top(db):
    crowd = people("甲一", "乙二", "丙三", "丁四")
    for place, person in enumerate(crowd):
        earned(person, 100 - place, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)

    shown = boards.board("points", "all", "all", viewer=crowd[3], limit=2)

    assert ranks(shown) == [(1, crowd[0].id), (2, crowd[1].id)]
    assert (shown.me.rank, shown.me.value) == (4, 97)


def test_someone_not_on_the_board_has_no_rank(db):
    viewer, other = people("王小明", "李小红")
    earned(other, 3, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)

    shown = boards.board("points", "all", "all", viewer=viewer)

    assert shown.me is None
    assert len(shown.rows) == 1


def test_people_who_opt_out_are_left_out_and_only_see_their_rank_privately(db):
    first, shy, third = people("王小明", "李小红", "赵大刚")
    for points, person in ((30, first), (20, shy), (10, third)):
        earned(person, points, NOW - timedelta(hours=1))
    hide(shy)
    boards.rebuild(now=NOW)

    seen_by_others = boards.board("points", "all", "all", viewer=third)
    seen_by_shy = boards.board("points", "all", "all", viewer=shy)

    assert ranks(seen_by_others) == [(1, first.id), (2, third.id)]
    assert seen_by_others.me.rank == 2
    assert shy.id not in [row.user_id for row in seen_by_shy.rows]
    assert seen_by_shy.viewer_hidden
    assert (seen_by_shy.me.rank, seen_by_shy.me.name) == (2, "李小红")


def test_someone_who_opts_out_after_the_build_disappears_at_once(db):
    first, second, third = people("王小明", "李小红", "赵大刚")
    for points, person in ((30, first), (20, second), (10, third)):
        earned(person, points, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)

    hide(first)

    shown = boards.board("points", "all", "all", viewer=third)
    assert ranks(shown) == [(1, second.id), (2, third.id)]


def test_a_college_board_ranks_people_of_that_college_from_one(db):
    computing = factories.college("08", "计算机学院")
    law = factories.college("09", "法学院")
    lawyer = factories.person(name="李小红", college_id=law.id)
    coder, other_coder = people("王小明", "赵大刚", college_id=computing.id)
    for points, person in ((30, lawyer), (20, coder), (10, other_coder)):
        earned(person, points, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)

    shown = boards.board("points", "all", f"college:{computing.id}", viewer=other_coder)

    assert ranks(shown) == [(1, coder.id), (2, other_coder.id)]
    assert shown.me.rank == 2
    with pytest.raises(Forbidden):
        boards.board("points", "all", f"college:{law.id}", viewer=coder)
    with pytest.raises(NotFound):
        boards.board("points", "all", "college:999", viewer=coder)


def test_within_a_college_the_hidden_and_those_below_the_top_get_their_own_rank(db):
    computing = factories.college("08", "计算机学院")
    shy, first, second, third = people(
        "李小红", "王小明", "赵大刚", "钱多多", college_id=computing.id
    )
    for points, person in ((40, shy), (30, first), (20, second), (10, third)):
        earned(person, points, NOW - timedelta(hours=1))
    hide(shy)
    boards.rebuild(now=NOW)
    scope = f"college:{computing.id}"

    seen_by_third = boards.board("points", "all", scope, viewer=third, limit=1)
    seen_by_shy = boards.board("points", "all", scope, viewer=shy, limit=1)

    assert ranks(seen_by_third) == [(1, first.id)]
    assert seen_by_third.me.rank == 3
    assert ranks(seen_by_shy) == [(1, first.id)]
    assert (seen_by_shy.me.rank, seen_by_shy.me.value) == (1, 40)


def test_a_team_board_holds_the_teams_active_members_only(db):
    place = rewards_data.place()
    leader, member, paused = (rewards_data.member(place) for _ in range(3))
    outsider = factories.person(name="李小红")
    for points, person in ((40, outsider), (30, paused), (20, leader), (10, member)):
        earned(person, points, NOW - timedelta(hours=1))
    membership.set_member_status(
        membership.find_membership(place.team.id, paused.id), "paused", actor=None
    )
    boards.rebuild(now=NOW)

    shown = boards.board("points", "all", f"team:{place.team.id}", viewer=member)
    coordinator_view = boards.board("points", "all", f"team:{place.team.id}", viewer=place.boss)

    assert ranks(shown) == [(1, leader.id), (2, member.id)]
    assert ranks(coordinator_view) == ranks(shown)
    with pytest.raises(Forbidden):
        boards.board("points", "all", f"team:{place.team.id}", viewer=outsider)


def test_the_scopes_offered_are_everyone_my_college_and_my_active_teams(db):
    college = factories.college("08", "计算机学院")
    place = rewards_data.place(name="阅览室志愿者队")
    person = rewards_data.member(place)
    person.college_id = college.id
    db.session.flush()

    assert [scope for scope, _label in boards.scopes_for(person)] == [
        "all",
        f"college:{college.id}",
        f"team:{place.team.id}",
    ]
    assert [scope for scope, _label in boards.scopes_for(place.boss)] == [
        "all",
        f"team:{place.team.id}",
    ]


@pytest.mark.parametrize(
    ("metric", "period", "scope"),
    [
        ("karma", "all", "all"),
        ("points", "year:2026", "all"),
        ("points", "all", "planet:1"),
        ("points", "all", "team:x"),
    ],
)
def test_an_unknown_board_or_scope_is_refused(db, metric, period, scope):
    viewer = factories.person(name="王小明")
    with pytest.raises(InvalidInput):
        boards.board(metric, period, scope, viewer=viewer)
