"""What the achievements page reads about its person beyond the ledger: the points balance,
the verified library minutes and the approved outside minutes, in one query (each was a
query of its own, and the stars read the library minutes a second time)."""

from __future__ import annotations

import functools
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select

from app.checkin.hours import verified_minutes_of
from app.extensions import db
from app.outside.services import approved_minutes_of
from app.rewards.points import balance_of


class Figures(NamedTuple):
    balance: int
    library_minutes: int  # verified service hours in the library, in minutes
    outside_minutes: int  # approved outside hours, in minutes


def figures_of(user_id: int) -> Figures:
    balance, library, outside = db.session.execute(_figures(), {"user_id": user_id}).one()
    return Figures(int(balance), int(library or 0), int(outside or 0))


@functools.cache
def _figures() -> Select:
    """Built once (every achievements page asks): the person is a bound parameter."""
    user_id = bindparam("user_id")
    return select(balance_of(user_id), verified_minutes_of(user_id), approved_minutes_of(user_id))
