"""Every page and form answers bad input with a message, never a 500: a crawl of every
route, as every role, with ids that exist and ids that do not, and with junk parameters."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import LoginSession, User
from app.demo import services as demo
from app.demo.data import DEMO_PASSWORD
from app.extensions import db as _db

JUNK_QUERY = (
    "?page=abc&per_page=-5&status=zzz&role=x&college=abc&week=notadate&since=2026-99-99"
    "&until=x&task=abc&q=%25%27%22<script>&location=%00&month=2026-13&year=abc"
)
JUNK_FORM = {
    "status": "zzz",
    "locale": "xx",
    "next": "//evil.example",
    "application_ids": ["abc", "999999"],
    "email": ["bogus"],
    "active": "2",
    "quota": "-1",
    "capacity": "abc",
    "day": "2026-02-30",
    "start": "25:00",
    "weekdays": ["9"],
    "skipped_dates": "nope",
    "scopes": ["evil"],
    "name": "x" * 500,
    "token": "../../etc/passwd",
}
# Anonymous, a volunteer, a reader, a coordinator and an admin from the demo data.
LOGINS = [None, "2023141001", "2024141002", "T0001", "A0001"]


def urls_for(app, method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.rule.startswith("/static") or rule.rule == "/logout":
            continue
        for value in ("1", "999999"):
            url = rule.rule
            for argument in rule.arguments:
                url = re.sub(rf"<(?:\w+:)?{argument}>", value, url)
            urls.append(url)
    return urls


def client_as(app, login: str | None):
    client = app.test_client()
    if login:
        client.post("/login", data={"identifier": login, "password": DEMO_PASSWORD})
    return client


def logged_in(login: str | None) -> bool:
    """Whether `login`'s newest device login is still open: a POST may have ended it (logging
    out everywhere, deactivating the account), and then the next POST needs a new login."""
    if login is None:
        return True
    newest = (
        select(LoginSession.ended_at, User.active)
        .join(User, User.id == LoginSession.user_id)
        .where(User.student_number == login)
        .order_by(LoginSession.id.desc())
        .limit(1)
    )
    row = _db.session.execute(newest).first()
    return row is not None and row.ended_at is None and row.active


def test_no_page_or_form_gives_a_server_error(app, db):
    demo.load_demo_data()
    db.session.commit()
    errors = []
    for login in LOGINS:
        client = client_as(app, login)
        for url in urls_for(app, "GET"):
            for query in ("", JUNK_QUERY):
                status = client.get(url + query).status_code
                if status >= 500:
                    errors.append(f"{login} GET {url}{query} -> {status}")
        for url in urls_for(app, "POST"):
            for data in ({}, JUNK_FORM):
                if not logged_in(login):
                    client = client_as(app, login)
                status = client.post(url, data=data).status_code
                if status >= 500:
                    errors.append(f"{login} POST {url} {sorted(data)[:2]} -> {status}")
    assert errors == []
