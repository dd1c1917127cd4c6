"""The API's one response envelope, its one query-argument decorator, and pages of lists.

Success: `{"data": ..., "meta": {...}}`; a GET's answer carries a strong ETag over its body
and answers `If-None-Match` with 304. A cursor list's meta is `{limit, next_cursor}` (see
`app.api.cursors`); the two older lists keep `{page, per_page, total, pages}`.
Error: an RFC 9457 problem (application/problem+json: type, title, status, detail, instance,
our `code`, and `errors: [{field, message}]` for invalid input), made by `app.errors` for every
/api/ error (404, 405, 429, 500, domain errors) and by `error` here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, Protocol

from flask import Response, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import Select
from werkzeug.datastructures import MultiDict

from app.errors import InvalidInput, error_response
from app.extensions import db

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
WHOLE_NUMBER = re.compile(r"-?[0-9]+")
MAX_DIGITS = 20
# Far past any real list, and small enough that the row offset fits every database's integer.
MAX_PAGE = 10_000


def iso(value: datetime | None) -> str | None:
    """A UTC time as the API writes it: ISO 8601 to the second with a trailing Z."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def task_brief(task) -> dict[str, Any]:
    """A task as lists of other things name it (`TaskBrief`)."""
    return {"id": task.id, "title": task.title}


def shift_brief(shift) -> dict[str, Any]:
    """A shift as lists of other things name it (`ShiftBrief`)."""
    return {
        "id": shift.id,
        "task": task_brief(shift.task),
        "starts_at": iso(shift.starts_at),
        "ends_at": iso(shift.ends_at),
    }


def ok(
    data: Any, *, meta: dict | None = None, status: int = 200, headers: dict | None = None
) -> Response:
    """The envelope. A GET's 200 gets its ETag, and 304 when the client has it already."""
    response = jsonify({"data": data, "meta": meta or {}})
    response.status_code = status
    response.headers.update(headers or {})
    if request.method == "GET" and status == 200:
        return conditional(response)
    return response


def conditional(response: Response) -> Response:
    """A strong ETag over the body (`Cache-Control: private, no-cache`: keep it, but ask
    each time); when `If-None-Match` names it, 304 with no body."""
    tag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    if request.if_none_match.contains_weak(tag):
        response.status_code = 304
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
    return response


def error(
    status: int,
    message: str,
    code: str,
    *,
    headers: dict | None = None,
    errors: list[dict[str, str]] | None = None,
) -> Response:
    response, status = error_response(status, message, code, errors=errors)
    response.status_code = status
    response.headers.update(headers or {})
    return response


class QueryArg(Protocol):
    """A query-string argument (or a few that go together, like from/to): it reads and
    checks itself, raising InvalidInput naming the argument, and documents itself."""

    def read(self, name: str, args: MultiDict) -> Any: ...

    def parameters(self, name: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class IntArg:
    """A whole-number query argument with bounds; documented from the same object."""

    default: int | None
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""

    def parse(self, name: str, raw: str | None) -> int | None:
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

    def read(self, name: str, args: MultiDict) -> int | None:
        return self.parse(name, args.get(name))

    def parameters(self, name: str) -> list[dict[str, Any]]:
        return [self.openapi(name)]

    def holds(self, value: int) -> bool:
        too_low = self.minimum is not None and value < self.minimum
        too_high = self.maximum is not None and value > self.maximum
        return not (too_low or too_high)

    def openapi(self, name: str) -> dict:
        schema: dict[str, Any] = {"type": "integer"}
        if self.default is not None:
            schema["default"] = self.default
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


@dataclass(frozen=True)
class BoolArg:
    """A yes/no query argument: `true` or `false` (None when absent and no default)."""

    default: bool | None = None
    description: str = ""

    def read(self, name: str, args: MultiDict) -> bool | None:
        raw = args.get(name)
        if raw is None:
            return self.default
        if raw not in ("true", "false"):
            raise InvalidInput(_("%(name)s must be true or false.", name=name), field=name)
        return raw == "true"

    def parameters(self, name: str) -> list[dict[str, Any]]:
        schema: dict[str, Any] = {"type": "boolean"}
        if self.default is not None:
            schema["default"] = self.default
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": self.description,
                "schema": schema,
            }
        ]


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


def query_args(**arguments: QueryArg) -> Callable:
    """The one query validation decorator: checks the query-string arguments and passes
    them to the view as keyword arguments (an IntArg's value, a cursor's `Window`, a
    `Period`...). A bad value gives a 400 problem naming the argument."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            for name, argument in arguments.items():
                kwargs[name] = argument.read(name, request.args)
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


@dataclass(frozen=True)
class ChoiceArg:
    """A query argument taking one of a few fixed words (None when absent)."""

    choices: tuple[str, ...]
    description: str = ""

    def read(self, name: str, args: MultiDict) -> str | None:
        raw = args.get(name)
        if raw is None:
            return None
        if raw not in self.choices:
            raise InvalidInput(
                _(
                    "%(name)s must be one of: %(choices)s.",
                    name=name,
                    choices=", ".join(self.choices),
                ),
                field=name,
            )
        return raw

    def parameters(self, name: str) -> list[dict[str, Any]]:
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": self.description,
                "schema": {"type": "string", "enum": list(self.choices)},
            }
        ]
