"""Domain errors raised by services, and the handlers that turn errors into pages.

Services raise a `DomainError` subclass with a translatable message; the handler maps it
to an HTTP status. HTML requests get a page in the user's language, `/api/` requests JSON.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, Response, json, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from app.common import connections
from app.extensions import db


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        # Facts a client can act on, added to an API problem's body (e.g. `opens_at`).
        self.details = details or {}


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Please log in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("The library system is busy"),
}

ERROR_HINTS = {
    400: _l("The request could not be understood. Please go back and try again."),
    401: _l("Your session has ended. Please log in again."),
    403: _l("You do not have permission to see this page."),
    404: _l("The page you asked for does not exist or has been removed."),
    405: _l("This address does not accept that kind of request."),
    409: _l("The request conflicts with the current state. Please reload and try again."),
    413: _l("The file is larger than allowed."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("The server made an error. It has been logged; please try again later."),
    503: _l("The library system is busy, please try again in a moment."),
}


# The stable `code` of a JSON error when nothing more specific is known.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
    503: "busy",
}

# How long a client is asked to wait when the database was busy.
BUSY_RETRY_AFTER_SECONDS = 5
# SQLite's result codes for "another connection holds the lock" (extended codes share them).
_SQLITE_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED


def wants_json() -> bool:
    return request.path.startswith("/api/")


PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "/api/v1/problems/"


def error_response(
    status: int,
    message: str | None = None,
    code: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    details: dict[str, Any] | None = None,
):
    """The one error answer: a page in the user's language, or for /api/ an RFC 9457
    problem (application/problem+json) with our stable `code`, `errors` naming the fields
    of invalid input and any `details` a client can act on."""
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    detail = message or ERROR_HINTS.get(status, ERROR_HINTS[500])
    if wants_json():
        code = code or ERROR_CODES.get(status, "error")
        body: dict[str, Any] = {
            **(details or {}),
            "type": PROBLEM_TYPE_PREFIX + code,
            "title": str(title),
            "status": status,
            "detail": str(detail),
            "instance": request.path,
            "code": code,
        }
        if errors:
            body["errors"] = errors
        response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MEDIA_TYPE)
        return response, status
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def domain_error_response(error: DomainError):
    """A service's refusal: its status, code and message, with the field it is about."""
    message = str(error.message)
    errors = [{"field": error.field, "message": message}] if error.field else None
    return error_response(error.status, message, error.code, errors=errors, details=error.details)


def is_busy_database(error: OperationalError) -> bool:
    """A write that did not get its lock in time (SQLite's busy timeout, PostgreSQL's
    lock_timeout, a deadlock or serialization failure), or a connection the database closed
    (SQLAlchemy replaces the pool's connections): try again later, not a bug."""
    if error.connection_invalidated:
        return True
    cause = error.orig
    if isinstance(cause, sqlite3.OperationalError):
        code = getattr(cause, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "locked" in str(cause)
    try:
        from psycopg import errors as pg
    except ImportError:  # pragma: no cover (psycopg is a requirement)
        return False
    busy = (pg.LockNotAvailable, pg.SerializationFailure, pg.DeadlockDetected, pg.QueryCanceled)
    return isinstance(cause, busy)


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        connections.roll_back()
        return domain_error_response(error)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        message = _l("The form expired or was sent from another page. Please try again.")
        return error_response(400, str(message), "csrf")

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        if isinstance(error, SecurityError):
            # A Host header outside TRUSTED_HOSTS: no address of ours can be built for it,
            # so a page of its own, without the layout's links.
            return render_template("errors/unknown_host.html"), 400
        if status == 429:
            return error_response(429, str(ERROR_HINTS[429]), "rate_limited")
        body, status = error_response(status)
        # Keep what the exception says about itself, such as 405's Allow.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return body, status, headers

    @app.errorhandler(OperationalError)
    def handle_database_error(error: OperationalError):
        if not is_busy_database(error):
            return handle_unexpected_error(error)
        db.session.rollback()
        app.logger.warning("Database busy on %s %s: %s", request.method, request.path, error.orig)
        body, status = error_response(503)
        return body, status, {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)
