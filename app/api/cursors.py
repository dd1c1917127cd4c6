"""Cursor pagination and date filters for the API's lists, as query arguments of
`envelope.query_args`:

    @envelope.query_args(window=cursors.CURSOR, period=cursors.PERIOD)
    def shifts(window: cursors.Window, period: cursors.Period): ...
        return cursors.page(query.where(*period.within(Shift.starts_at)),
                            (Shift.starts_at, Shift.id), shift_json, window)

A list is ordered by (sort key, id), so its order is stable; the cursor is the signed sort
key of the last item shown (opaque to clients, refused as `bad_cursor` when altered or taken
from another list). `meta.next_cursor` is null at the end, and a `Link: <…>; rel="next"`
header carries the next page's address. `from`/`to` are local calendar days, inclusive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, and_, or_
from werkzeug.datastructures import MultiDict

from app.api.envelope import IntArg, ok
from app.common.time import from_local_date
from app.errors import InvalidInput
from app.extensions import db

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_CURSOR_LENGTH = 500
# A from/to range longer than this is refused: no request reads years at once.
MAX_PERIOD_DAYS = 366
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

LIMIT = IntArg(
    default=DEFAULT_LIMIT,
    minimum=1,
    maximum=MAX_LIMIT,
    description=f"Items per page, at most {MAX_LIMIT}.",
)


class BadCursor(InvalidInput):
    code = "bad_cursor"


@dataclass(frozen=True)
class Window:
    """Where a page starts (after the item whose sort key is `after`) and how long it is."""

    after: tuple[Any, ...] | None
    limit: int


def _serializer() -> URLSafeSerializer:
    # Salted with the list's path: a cursor of one list is no cursor of another.
    return URLSafeSerializer(current_app.secret_key, salt=f"api-cursor:{request.path}")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"t"}:
        return datetime.fromisoformat(value["t"])
    if isinstance(value, dict) and set(value) == {"d"}:
        return date.fromisoformat(value["d"])
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise ValueError("not a sort key")


def encode(key: Sequence[Any]) -> str:
    return _serializer().dumps([_plain(value) for value in key])


def decode(raw: str) -> tuple[Any, ...]:
    message = _("This cursor is not valid; start again from the first page.")
    if len(raw) > MAX_CURSOR_LENGTH:
        raise BadCursor(message, field="cursor")
    try:
        values = _serializer().loads(raw)
        if not isinstance(values, list) or not values:
            raise ValueError("not a key")
        return tuple(_typed(value) for value in values)
    except (BadData, ValueError, TypeError):
        raise BadCursor(message, field="cursor") from None


@dataclass(frozen=True)
class CursorArg:
    """The `cursor` and `limit` query arguments, read together as a `Window`."""

    def read(self, name: str, args: MultiDict) -> Window:
        raw = args.get("cursor")
        after = decode(raw) if raw is not None else None
        return Window(after=after, limit=LIMIT.parse("limit", args.get("limit")))

    def parameters(self, name: str) -> list[dict[str, Any]]:
        cursor = {
            "name": "cursor",
            "in": "query",
            "required": False,
            "description": "Opaque: the previous page's `meta.next_cursor`; omit it for the "
            "first page.",
            "schema": {"type": "string", "maxLength": MAX_CURSOR_LENGTH},
        }
        return [cursor, LIMIT.openapi("limit")]


CURSOR = CursorArg()


@dataclass(frozen=True)
class Period:
    """The local calendar days from `start` to `end`, inclusive; None is open-ended."""

    start: date | None = None
    end: date | None = None

    def within(self, column: Any) -> list[Any]:
        """Conditions keeping a UTC datetime `column` on these local days."""
        conditions = []
        if self.start:
            conditions.append(column >= from_local_date(self.start))
        if self.end:
            conditions.append(column < from_local_date(self.end + timedelta(days=1)))
        return conditions


def _day(name: str, raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        if not ISO_DAY.fullmatch(raw):
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        message = _("%(name)s must be a date like 2026-09-01.", name=name)
        raise InvalidInput(message, field=name) from None
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise InvalidInput(_("%(name)s must be between 2000 and 2099.", name=name), field=name)
    return value


@dataclass(frozen=True)
class PeriodArg:
    """The `from` and `to` query arguments (ISO dates, local days, inclusive), as a Period."""

    def read(self, name: str, args: MultiDict) -> Period:
        start, end = _day("from", args.get("from")), _day("to", args.get("to"))
        if start and end and start > end:
            raise InvalidInput(_("from must not be after to."), field="from")
        if start and end and (end - start).days >= MAX_PERIOD_DAYS:
            message = _("Ask for at most %(days)d days at once.", days=MAX_PERIOD_DAYS)
            raise InvalidInput(message, field="to")
        return Period(start, end)

    def parameters(self, name: str) -> list[dict[str, Any]]:
        def day(which: str, text: str) -> dict[str, Any]:
            return {
                "name": which,
                "in": "query",
                "required": False,
                "description": f"{text} (a local calendar day, inclusive; at most "
                f"{MAX_PERIOD_DAYS} days from `from` to `to`).",
                "schema": {"type": "string", "format": "date"},
            }

        return [day("from", "The first day"), day("to", "The last day")]


PERIOD = PeriodArg()


def after(order: Sequence[Any], key: tuple[Any, ...], descending: bool = False) -> Any:
    """(a, b, id) after (x, y, z) in the list's order, as a condition an index can use
    (for a list a service queries with extra conditions; `page` adds it itself)."""
    if len(key) != len(order):
        raise BadCursor(_("This cursor is not valid; start again from the first page."))
    conditions = []
    for index, column in enumerate(order):
        equal = [order[before] == key[before] for before in range(index)]
        beyond = column < key[index] if descending else column > key[index]
        conditions.append(and_(*equal, beyond))
    return or_(*conditions)


def _next_link(cursor: str) -> str:
    args = MultiDict(request.args)
    args["cursor"] = cursor
    return f'<{request.base_url}?{urlencode(list(args.items(multi=True)))}>; rel="next"'


def answer(
    items: list[Any],
    key: Callable[[Any], tuple],
    serialize: Callable,
    window: Window,
    *,
    meta: dict[str, Any] | None = None,
):
    """The envelope of a page: `items` holds up to limit + 1, the extra one saying "more";
    `meta` adds figures about the whole list (a points balance) to the page's meta."""
    shown = items[: window.limit]
    next_cursor = encode(key(shown[-1])) if len(items) > window.limit else None
    meta = {**(meta or {}), "limit": window.limit, "next_cursor": next_cursor}
    headers = {"Link": _next_link(next_cursor)} if next_cursor else None
    return ok([serialize(item) for item in shown], meta=meta, headers=headers)


def page(
    query: Select,
    order: Sequence[Any],
    serialize: Callable[[Any], Any],
    window: Window,
    *,
    descending: bool = False,
    key: Callable[[Any], tuple] | None = None,
    meta: dict[str, Any] | None = None,
):
    """One page of `query`'s rows ordered by the columns `order` (the last one the id);
    `key` reads a row's values of them (by default its attributes of the same names)."""
    if window.after is not None:
        query = query.where(after(order, window.after, descending))
    ordering = [column.desc() if descending else column.asc() for column in order]
    rows = list(db.session.scalars(query.order_by(*ordering).limit(window.limit + 1)).unique())

    def attributes(row: Any) -> tuple:
        return tuple(getattr(row, column.key) for column in order)

    return answer(rows, key or attributes, serialize, window, meta=meta)


def page_of_list(
    items: Sequence[Any],
    key: Callable[[Any], tuple],
    serialize: Callable[[Any], Any],
    window: Window,
    *,
    descending: bool = False,
):
    """One page of a list a service built in Python (rules a query cannot hold), by `key`
    (ending with the id)."""
    ordered = sorted(items, key=key, reverse=descending)
    if window.after is not None:
        try:
            ordered = [
                item
                for item in ordered
                if (key(item) < window.after if descending else key(item) > window.after)
            ]
        except TypeError:
            raise BadCursor(
                _("This cursor is not valid; start again from the first page.")
            ) from None
    return answer(ordered[: window.limit + 1], key, serialize, window)
