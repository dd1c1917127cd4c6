"""The reader's side of the home page: their column contributions and where each stands, their
library use in the latest month imported, and their points and badges. Everyone has a
reader's side; the open campaigns they can apply to are the page's recruitment card."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Select, bindparam, literal, select, true

from app.columns.models import Contribution
from app.extensions import db
from app.rewards import badges, points
from app.rewards.library_use.reading import MonthUse, latest_month_query, month_use

CONTRIBUTIONS_SHOWN = 5
# The statuses a reader acts on or waits for, in the order a contribution moves through them.
STATUS_ORDER = ("changes_requested", "draft", "submitted", "approved", "published")


class ListedContribution(NamedTuple):
    """What the home page shows of a contribution (not its body)."""

    id: int
    title: str
    status: str


@dataclass
class ReaderHome:
    contributions: list[ListedContribution]  # the latest few
    contribution_counts: list[tuple[str, int]]  # (status, how many), in STATUS_ORDER
    library: MonthUse | None
    points: int
    badges: int

    @property
    def empty(self) -> bool:
        """Nothing to show yet: the page says how each part fills."""
        return not (self.contributions or self.library or self.points or self.badges)


def reader_home(user) -> ReaderHome:
    """What the reader's side of the home page shows `user`, in two queries (points, badges
    and library use in one; the contributions' shown columns in the other)."""
    earned, awarded, *library = db.session.execute(_figures(), {"user_id": user.id}).one()
    contributions = [
        ListedContribution(*row)
        for row in db.session.execute(_contributions_query(), {"user_id": user.id})
    ]
    counts = Counter(contribution.status for contribution in contributions)
    return ReaderHome(
        contributions=contributions[:CONTRIBUTIONS_SHOWN],
        contribution_counts=[(status, counts[status]) for status in STATUS_ORDER if counts[status]],
        library=month_use(library),
        points=int(earned),
        badges=int(awarded),
    )


@functools.cache
def _contributions_query() -> Select:
    """The person's contributions, newest first, as `my_contributions` lists them: only the
    columns shown (a body can be long), built once."""
    return (
        select(Contribution.id, Contribution.title, Contribution.status)
        .where(Contribution.author_id == bindparam("user_id"))
        .order_by(Contribution.created_at.desc(), Contribution.id.desc())
    )


@functools.cache
def _figures() -> Select:
    """Points, badges and the latest month of library use in one row, built once (every home
    page asks): the latest month (none before any import) is joined to a one-row select, so
    the row is there either way."""
    user_id = bindparam("user_id")
    latest = latest_month_query(user_id).subquery()
    one = select(literal(1).label("one")).subquery()
    return select(points.balance_of(user_id), badges.count_of(user_id), *latest.c).select_from(
        one.outerjoin(latest, true())
    )
