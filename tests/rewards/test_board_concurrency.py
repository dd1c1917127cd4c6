"""An incremental build misses no ledger line booked while it runs: on SQLite its watermark
(the last ledger id it saw) is exact with no margin, on PostgreSQL the margin covers the
transactions still open. Real threads on the suite's database (SQLite file or PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from app.accounts.models import User
from app.extensions import db as _db
from app.rewards import boards
from tests.helpers import race
from tests.rewards.test_board_increments import NOW, campus, every_board, give

ROUNDS = 3


def test_points_booked_during_builds_are_on_the_next_build(app, db):
    admin, _place, crowd = campus()
    boards.rebuild(now=NOW)
    _db.session.commit()
    admin_id, people = admin.id, [person.id for person in crowd]

    def work(who: int | None) -> None:
        if who is None:
            boards.rebuild(now=NOW)
        else:
            give(
                _db.session.get(User, who),
                3,
                NOW - timedelta(minutes=1),
                _db.session.get(User, admin_id),
            )

    for round_ in range(ROUNDS):
        chosen = people[round_ * 3 : round_ * 3 + 4]
        assert race(app, work, [None, *chosen]) == ["ok"] * 5
    _db.session.expire_all()
    boards.rebuild(now=NOW)
    _db.session.commit()
    incremental = every_board()
    boards.rebuild(now=NOW, full=True)

    assert every_board() == incremental
