"""The API's writes: a strict JSON body checked against one declaration, and idempotency keys.

    SIGN_UP = writes.Body(note=writes.Field("string", max_length=200))

    @bp.post("/shifts/<int:shift_id>/signup")
    @token_required("shifts:write")
    @writes.accepts(SIGN_UP)
    def sign_up(shift_id: int, body: dict): ...

The declaration is both the check and the OpenAPI requestBody (`Body.schema`). A body that is
not JSON is 400 `malformed_json`; not `application/json`, 415; larger than MAX_JSON_BYTES,
413; not an object, of wrong types, with unknown or missing fields, 422 `invalid_body` with
`errors: [{field, message}]` for every field at once.

With an `Idempotency-Key` header the write's answer is kept for KEY_LIFETIME: the same key
with the same method, path and body gets that answer again (`Idempotent-Replayed: true`)
without writing twice; with another body, 422 `idempotency_key_reused`. The key's row is
written in the write's own transaction, so a second request with the key waits for the
first and then replays its answer; a refused write leaves no row and may be tried again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import Response, g, make_response, request
from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.api.models import ApiIdempotencyKey
from app.common.db import add_once
from app.common.time import utcnow
from app.errors import Conflict, DomainError, InvalidInput
from app.extensions import db

MAX_JSON_BYTES = 64 * 1024
KEY_HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,100}")
KEY_LIFETIME = timedelta(hours=24)
# Ids and counts in bodies fit every database's integer.
MAX_INTEGER = 2**31 - 1


class MalformedJson(DomainError):
    status = 400
    code = "malformed_json"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class BodyTooLarge(DomainError):
    status = 413
    code = "too_large"


class InvalidBody(DomainError):
    status = 422
    code = "invalid_body"


class KeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    # A JSON object the service checks itself (an application's answers by question).
    "object": (dict,),
}


@dataclass(frozen=True)
class Field:
    """One field of a JSON body: its type ("string", "integer", "boolean" or "object")
    and bounds."""

    type: str
    required: bool = False
    description: str = ""
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None

    def problem(self, value: Any) -> str | None:
        """Why `value` does not fit, or None."""
        wrong_bool = isinstance(value, bool) and self.type != "boolean"
        if wrong_bool or not isinstance(value, TYPES[self.type]):
            return _("must be of type %(type)s", type=self.type)
        if self.type == "string":
            return self._string_problem(value)
        if self.type == "integer":
            low = -MAX_INTEGER if self.minimum is None else self.minimum
            high = MAX_INTEGER if self.maximum is None else self.maximum
            if not low <= value <= high:
                return _("must be between %(low)d and %(high)d", low=low, high=high)
        return None

    def _string_problem(self, value: str) -> str | None:
        if self.min_length is not None and len(value) < self.min_length:
            return _("must have at least %(count)d characters", count=self.min_length)
        if self.max_length is not None and len(value) > self.max_length:
            return _("must have at most %(count)d characters", count=self.max_length)
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return _("is not in the expected form")
        return None

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type}
        if self.type == "integer":
            schema["minimum"] = -MAX_INTEGER if self.minimum is None else self.minimum
            schema["maximum"] = MAX_INTEGER if self.maximum is None else self.maximum
        for name in ("min_length", "max_length", "pattern"):
            value = getattr(self, name)
            if value is not None:
                schema[_camel(name)] = f"^(?:{value})$" if name == "pattern" else value
        if self.description:
            schema["description"] = self.description
        return schema


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


class Body:
    """A JSON object's declared fields; nothing else is accepted."""

    def __init__(self, **fields: Field) -> None:
        self.fields = fields

    @property
    def required(self) -> bool:
        return any(field.required for field in self.fields.values())

    def parse(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            message = _("The body must be a JSON object.")
            raise InvalidBody(message, details={"errors": [{"field": "", "message": message}]})
        errors = [
            {"field": name, "message": _("is not a known field")}
            for name in value
            if name not in self.fields
        ]
        for name, field in self.fields.items():
            if name not in value:
                if field.required:
                    errors.append({"field": name, "message": _("is required")})
                continue
            problem = field.problem(value[name])
            if problem:
                errors.append({"field": name, "message": problem})
        if errors:
            message = _("Some fields of the body are not valid.")
            raise InvalidBody(message, details={"errors": errors})
        return value

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: field.schema() for name, field in self.fields.items()},
        }
        required = [name for name, field in self.fields.items() if field.required]
        if required:
            schema["required"] = required
        return schema


EMPTY = Body()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _value in pairs]
    if len(set(names)) != len(names):
        raise ValueError("a name appears twice")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _raw_body() -> bytes:
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise BodyTooLarge(_("The body is larger than %(kb)d KB.", kb=MAX_JSON_BYTES // 1024))
    data = request.stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise BodyTooLarge(_("The body is larger than %(kb)d KB.", kb=MAX_JSON_BYTES // 1024))
    return data


def read_body(body: Body) -> dict[str, Any]:
    """The request's JSON object, checked against `body`; no body at all is read as `{}`
    (fine when no field is required, else 422 naming the required ones)."""
    data = _raw_body()
    if not data.strip():
        return body.parse({})
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType(_("Send the body as JSON (Content-Type: application/json)."))
    try:
        value = json.loads(
            data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (ValueError, RecursionError):
        raise MalformedJson(_("The body is not valid JSON.")) from None
    return body.parse(value)


def _caller() -> str:
    system = g.get("api_system")
    return f"system:{system.id}" if system is not None else f"token:{g.api_token.id}"


def _request_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
    text = f"{request.method}\n{request.path}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _replay(stored: ApiIdempotencyKey, request_hash: str) -> Response:
    if stored.request_hash != request_hash:
        raise KeyReused(
            _("This Idempotency-Key was used for another request; use a new key."),
            field=KEY_HEADER,
        )
    if stored.status is None:
        raise KeyInProgress(_("A request with this Idempotency-Key is still running."))
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def once(run: Callable[[], Any], body: dict[str, Any]) -> Response:
    """Run the write, or answer what it answered before under the same Idempotency-Key."""
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return make_response(run())
    if not KEY_PATTERN.fullmatch(key):
        message = _("Idempotency-Key must be 1 to 100 visible ASCII characters.")
        raise InvalidInput(message, field=KEY_HEADER)
    caller, request_hash, now = _caller(), _request_hash(body), utcnow()
    table = ApiIdempotencyKey
    db.session.execute(delete(table).where(table.caller == caller, table.expires_at <= now))
    row = table(
        caller=caller,
        key=key,
        request_hash=request_hash,
        created_at=now,
        expires_at=now + KEY_LIFETIME,
    )
    stored = add_once(
        row,
        existing=lambda: db.session.scalar(
            select(table).where(table.caller == caller, table.key == key)
        ),
    )
    if stored is not None:
        return _replay(stored, request_hash)
    response = make_response(run())
    row.status = response.status_code
    row.body = response.get_data(as_text=True)
    return response


def accepts(body: Body = EMPTY) -> Callable:
    """Declare a write's JSON body (none by default): the view gets it checked as `body=`
    when it declares fields, and runs at most once per Idempotency-Key."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            value = read_body(body)
            if body.fields:
                kwargs["body"] = value
            return once(lambda: view(*args, **kwargs), value)

        wrapped.api_body = body
        return wrapped

    return decorator


def forget_expired_keys(*, now: datetime) -> dict[str, int]:
    """Delete every stored answer past its 24 hours (a caller's own expired keys also go
    when it next writes with a key; this catches the callers that never write again)."""
    table = ApiIdempotencyKey
    result = db.session.execute(delete(table).where(table.expires_at <= now))
    return {"deleted": result.rowcount or 0}
