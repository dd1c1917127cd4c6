"""The reader's side of the home page: their column contributions and where each stands, their
library use in the latest month imported, and their points and badges. Everyone has a
reader's side; the open campaigns they can apply to are the page's recruitment card."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, select

from app.columns.contributions import my_contributions
from app.columns.models import Contribution
from app.extensions import db
from app.rewards import badges, points
from app.rewards.library_use.reading import MonthUse, latest_month_of

CONTRIBUTIONS_SHOWN = 5
# The statuses a reader acts on or waits for, in the order a contribution moves through them.
STATUS_ORDER = ("changes_requested", "draft", "submitted", "approved", "published")


@dataclass
class ReaderHome:
    contributions: list[Contribution]  # the latest few
    contribution_counts: list[tuple[str, int]]  # (status, how many), in STATUS_ORDER
    library: MonthUse | None
    points: int
    badges: int

    @property
    def empty(self) -> bool:
        """Nothing to show yet: the page says how each part fills."""
        return not (self.contributions or self.library or self.points or self.badges)


def reader_home(user) -> ReaderHome:
    """What the reader's side of the home page shows `user`, in four queries (points and
    badges in one)."""
    earned, awarded = db.session.execute(_points_and_badges(), {"user_id": user.id}).one()
    contributions = my_contributions(user)
    counts = Counter(contribution.status for contribution in contributions)
    return ReaderHome(
        contributions=contributions[:CONTRIBUTIONS_SHOWN],
        contribution_counts=[(status, counts[status]) for status in STATUS_ORDER if counts[status]],
        library=latest_month_of(user.id),
        points=int(earned),
        badges=int(awarded),
    )


@functools.cache
def _points_and_badges() -> Select:
    """Built once (every home page asks): the person is a bound parameter."""
    user_id = bindparam("user_id")
    return select(points.balance_of(user_id), badges.count_of(user_id))
