"""The API's one response envelope, its one validation decorator, and pages of lists.

Success: `{"data": ..., "meta": {...}}`; a list's meta is `{page, per_page, total, pages}`.
Error: `{"error": {"status": 404, "code": "not_found", "message": "..."}}`, the same shape
that `app.errors` gives every /api/ error (404, 405, 429, 500, domain errors).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Select

from app.errors import InvalidInput, error_response
from app.extensions import db

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
MAX_DIGITS = 20
# Far past any real list, and small enough that the row offset fits every database's integer.
MAX_PAGE = 10_000


def ok(data: Any, *, meta: dict | None = None, status: int = 200) -> Response:
    response = jsonify({"data": data, "meta": meta or {}})
    response.status_code = status
    return response


def error(status: int, message: str, code: str, *, headers: dict | None = None) -> Response:
    response, status = error_response(status, message, code)
    response.status_code = status
    response.headers.update(headers or {})
    return response


@dataclass(frozen=True)
class IntArg:
    """A whole-number query argument with bounds; documented from the same object."""

    default: int
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""

    def parse(self, name: str, raw: str | None) -> int:
        if raw is None:
            return self.default
        # Only ASCII digits: int() would also take "", " 5", "5_0" and other scripts' digits,
        # none of which is the documented integer.
        if not WHOLE_NUMBER.fullmatch(raw):
            raise InvalidInput(_("%(name)s must be a whole number.", name=name), field=name)
        # Past 20 digits a number is out of any range here; int() of thousands is refused.
        value = int(raw) if len(raw) <= MAX_DIGITS else None
        if value is None or not self.holds(value):
            if self.maximum is None:
                message = _("%(name)s must be at least %(low)d.", name=name, low=self.minimum)
            else:
                message = _(
                    "%(name)s must be between %(low)d and %(high)d.",
                    name=name,
                    low=self.minimum,
                    high=self.maximum,
                )
            raise InvalidInput(message, field=name)
        return value

    def holds(self, value: int) -> bool:
        too_low = self.minimum is not None and value < self.minimum
        too_high = self.maximum is not None and value > self.maximum
        return not (too_low or too_high)

    def openapi(self, name: str) -> dict:
        schema: dict[str, Any] = {"type": "integer", "default": self.default}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": self.description,
            "schema": schema,
        }


PAGINATION = {
    "page": IntArg(
        default=1, minimum=1, maximum=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE}."
    ),
    "per_page": IntArg(
        default=DEFAULT_PER_PAGE,
        minimum=1,
        maximum=MAX_PER_PAGE,
        description=f"Items per page, at most {MAX_PER_PAGE}.",
    ),
}


def query_args(**arguments: IntArg) -> Callable:
    """The one validation decorator: checks the query-string arguments and passes them to
    the view as keyword arguments. A bad value gives a 400 JSON error naming the argument."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            for name, argument in arguments.items():
                kwargs[name] = argument.parse(name, request.args.get(name))
            return view(*args, **kwargs)

        wrapped.api_query_args = arguments
        return wrapped

    return decorator


def page_of(query: Select, serialize: Callable[[Any], Any], *, page: int, per_page: int):
    """One page of `query` in the envelope; a page past the end is an empty list."""
    result = db.paginate(
        query, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE, error_out=False
    )
    meta = {"page": page, "per_page": per_page, "total": result.total, "pages": result.pages}
    return ok([serialize(item) for item in result.items], meta=meta)
