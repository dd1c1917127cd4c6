"""A college's board is read by a key stored on the entries (so that it costs what the whole
board does, however large the college): each build keeps that key up to date, also for
people who changed college and whose points did not move."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db
from app.rewards import boards
from app.rewards.models import LeaderboardEntry
from tests import factories
from tests.rewards.test_boards import NOW, earned, people, ranks


def _colleges_stored() -> set[tuple[str, str, int, int | None]]:
    entry = LeaderboardEntry
    return set(
        db.session.execute(select(entry.metric, entry.period, entry.user_id, entry.college_id))
    )


def test_someone_who_changes_college_moves_to_its_board_at_the_next_build(db):
    computing = factories.college("08", "计算机学院")
    law = factories.college("09", "法学院")
    mover, stayer = people("王小明", "赵大刚", college_id=computing.id)
    lawyer = factories.person(name="李小红", college_id=law.id)
    for points, person in ((30, mover), (20, lawyer), (10, stayer)):
        earned(person, points, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)

    accounts.update_profile(mover, accounts.ProfileFields(college_id=law.id))
    boards.rebuild(now=NOW + timedelta(minutes=15))  # incremental: nobody's points moved

    law_board = boards.board("points", "all", f"college:{law.id}", viewer=lawyer)
    computing_board = boards.board("points", "all", f"college:{computing.id}", viewer=stayer)
    assert ranks(law_board) == [(1, mover.id), (2, lawyer.id)]
    assert law_board.me.rank == 2
    assert ranks(computing_board) == [(1, stayer.id)]


def test_every_entry_carries_its_persons_college_and_a_full_build_agrees(db):
    computing = factories.college("08", "计算机学院")
    first, second = people("王小明", "赵大刚", college_id=computing.id)
    nowhere = factories.person(name="李小红")  # no college: on no college's board
    for points, person in ((30, first), (20, second), (10, nowhere)):
        earned(person, points, NOW - timedelta(hours=1))
    boards.rebuild(now=NOW)
    accounts.update_profile(second, accounts.ProfileFields(college_id=None))
    earned(first, 5, NOW + timedelta(minutes=5))

    boards.rebuild(now=NOW + timedelta(minutes=15))
    incremental = _colleges_stored()
    boards.rebuild(now=NOW + timedelta(minutes=15), full=True)

    assert incremental == _colleges_stored()
    assert {(user_id, college) for _, _, user_id, college in incremental} == {
        (first.id, computing.id),
        (second.id, None),
        (nowhere.id, None),
    }
