"""The authorisation matrix: every route of the app, found from the URL map (so a new route
cannot be forgotten), requested as anonymous, a volunteer, an editor, a coordinator of
another team, the coordinator and an admin, with the expected answer for each (in
expected.py); and every route naming someone's records, requested by another volunteer
with that person's ids, answers 404 and changes nothing.

Answers: `ok` 200, `go` a redirect elsewhere than the login page, `login` a redirect to
the login page, `401`/`403`/`404` those statuses; for a POST `did` means the request was
taken on: done (200, a redirect) or refused for the empty form or the object's state (400,
409), never 401/403/404 or the login page. Forms are posted empty (CSRF is off in tests).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from app.accounts import services as accounts
from app.api import services as api_tokens
from app.extensions import db
from tests.authorisation.expected import EXPECTED_GET, EXPECTED_POST, PUBLIC
from tests.authorisation.routes import address, names_someones_record
from tests.authorisation.world import LOGINS, ROLES

DEMO_PASSWORD = "gongchuang2026"
# 422: the API refusing an empty body, as a page refuses an empty form with 400.
TAKEN_ON = {200, 302, 303, 400, 409, 422}
TABLES = {"GET": EXPECTED_GET, "POST": EXPECTED_POST}
# Taking over a place someone offered is what the offer is for.
OPEN_TO_OTHERS = {"handovers.take", "api.take_handover"}
# Written by any request whatever its answer: the scan log records refused scans too.
BOOKKEEPING = {"scan_logs", "login_days", "login_sessions", "audit_entries"}
# Logging out (this device, every device) is checked last, in test_permitted_actions_are_taken_on.
LOGOUTS = {"accounts.logout": "/logout", "accounts.logout_everywhere": "/profile/devices/logout"}
# Form fields that get most forms past validation to the check of whose record it is.
PLAUSIBLE_FORM = {
    "hidden": "1",
    "note": "矩阵测试",
    "reason": "矩阵测试",
    "comment": "矩阵测试",
    "minutes": "30",
    "title": "矩阵测试",
    "body": "矩阵测试",
    "confirm": "y",
}


def answer(response) -> str:
    if response.status_code in (301, 302, 303):
        return "login" if "/login" in response.headers["Location"] else "go"
    return "ok" if response.status_code == 200 else str(response.status_code)


def matches(wanted: str, response) -> bool:
    if wanted == "did":
        return response.status_code in TAKEN_ON and answer(response) != "login"
    return answer(response) == wanted


def routes(app: Flask, method: str) -> Iterator[Rule]:
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if method in rule.methods and not rule.rule.startswith("/static"):
            yield rule


def fingerprint() -> dict[str, list[tuple]]:
    """Every row of every table but the bookkeeping ones."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name not in BOOKKEEPING:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [
                tuple(r) for r in db.session.execute(select(table).order_by(*order))
            ]
    db.session.rollback()
    return rows


class Visitor:
    """One logged-in browser per role; API routes get the role's bearer token instead of
    the session (a token with every scope)."""

    def __init__(self, app: Flask) -> None:
        self.clients = {}
        self.tokens = {}
        for role in ROLES:
            self.clients[role] = app.test_client()
            if LOGINS[role]:
                self._log_in(app, role)

    def _log_in(self, app: Flask, role: str) -> None:
        login = {"identifier": LOGINS[role], "password": DEMO_PASSWORD}
        assert self.clients[role].post("/login", data=login).status_code == 302
        with app.app_context():
            person = accounts.find_by_login(LOGINS[role])
            scopes = list(api_tokens.PERSONAL_SCOPES)
            new = api_tokens.create_token(person, name="matrix", scopes=scopes, days=30)
            db.session.commit()
            self.tokens[role] = new.secret

    def request(self, role: str, method: str, url: str, data: dict | None = None):
        headers = {}
        if url.startswith("/api/") and role in self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        client = self.clients[role]
        if method == "GET":
            return client.get(url, headers=headers)
        if url.startswith("/api/"):
            # The API takes JSON, not forms: a form is 415 before any record is looked up
            # (tests/api checks that); the matrix asks who may act on which record.
            return client.post(url, headers=headers)
        return client.post(url, data=data or {}, headers=headers)


def test_every_route_is_in_the_matrix(app):
    listed = {(method, rule.endpoint) for method in TABLES for rule in routes(app, method)}
    missing = sorted(f"{m} {e}" for m, e in listed if e not in TABLES[m])
    stale = sorted(f"{m} {e}" for m in TABLES for e in TABLES[m] if (m, e) not in listed)
    assert missing == [], "new routes: add them to tests/authorisation/expected.py"
    assert stale == [], "tests/authorisation/expected.py names routes that are gone"


def _expectations(rule: Rule, method: str) -> Iterator[tuple[str, str]]:
    yield from zip(ROLES, TABLES[method][rule.endpoint].split(), strict=True)


def test_every_route_answers_each_role_as_the_matrix_says(app, world):
    visitor = Visitor(app)
    failures = []
    for rule in routes(app, "GET"):
        url = address(rule, world.own)
        for role, wanted in _expectations(rule, "GET"):
            response = visitor.request(role, "GET", url)
            if not matches(wanted, response):
                failures.append(f"GET {url} as {role}: {response.status_code}, not {wanted}")
    assert not failures, "\n".join(failures)


def test_refused_actions_are_refused_before_they_change_anything(app, world):
    """Every POST a role may not make, made with an empty form and with a plausible one:
    the matrix's answer, and not a row of the database changed."""
    visitor = Visitor(app)
    before = fingerprint()
    failures = []
    for rule in routes(app, "POST"):
        url = address(rule, world.own)
        for role, wanted in _expectations(rule, "POST"):
            if wanted == "did" or (rule.endpoint in LOGOUTS and role != "anonymous"):
                continue
            for data in ({}, PLAUSIBLE_FORM):
                response = visitor.request(role, "POST", url, data)
                if not matches(wanted, response):
                    failures.append(f"POST {url} as {role}: {response.status_code}, not {wanted}")
    assert not failures, "\n".join(failures)
    assert fingerprint() == before


def test_nobody_reaches_someone_elses_records_by_their_ids(app, world):
    """The volunteer asks for another volunteer's records by id, on every route that names
    one: where the volunteer may use the route with their own records the answer is 404;
    otherwise it is the refusal the matrix gives for their own; nothing changes."""
    visitor = Visitor(app)
    before = fingerprint()
    failures = []
    checked = 0
    for method in TABLES:
        for rule in routes(app, method):
            if rule.endpoint in OPEN_TO_OTHERS or not names_someones_record(
                rule, world.own, world.foreign
            ):
                continue
            wanted = dict(_expectations(rule, method))["volunteer"]
            if wanted in ("ok", "did", "go"):
                wanted = "404" if not _public(rule) else wanted
            url = address(rule, world.foreign)
            for data in ({}, PLAUSIBLE_FORM) if method == "POST" else (None,):
                checked += 1
                response = visitor.request("volunteer", method, url, data)
                # An empty form may be sent back before the record is looked up.
                sent_back = data == {} and wanted == "404" and answer(response) == "go"
                if not (matches(wanted, response) or sent_back):
                    failures.append(f"{method} {url} {data}: {response.status_code}, not {wanted}")
    assert checked > 40  # the world names someone's records on many routes
    assert not failures, "\n".join(failures)
    assert fingerprint() == before


def _public(rule: Rule) -> bool:
    """Pages anyone may open who has the link (public badge, certificate and report
    pages): the secret in the address is the permission."""
    return EXPECTED_GET.get(rule.endpoint) == PUBLIC


def test_permitted_actions_are_taken_on(app, world):
    """Every POST a role may make is taken on (done, or refused for the empty form or
    the record's state), never answered as if the role lacked the right. The roles go in
    turn, the admin last, as each may change what the next finds."""
    visitor = Visitor(app)
    failures = []
    for role in ROLES[1:]:
        for rule in routes(app, "POST"):
            url = address(rule, world.own)
            if dict(_expectations(rule, "POST"))[role] == "did":
                response = visitor.request(role, "POST", url)
                if not matches("did", response):
                    failures.append(f"POST {url} as {role}: {response.status_code}")
    # Logging out last, the roles taking turns between this device and every device.
    for role, url in zip(ROLES[1:], itertools.cycle(LOGOUTS.values()), strict=False):
        visitor.request(role, "POST", url)
        if answer(visitor.request(role, "GET", "/profile")) != "login":
            failures.append(f"POST {url} as {role} left them logged in")
    assert not failures, "\n".join(failures)
