"""The API's foundation: problem details, ETags on reads, cursors and date filters, strict
JSON bodies. (Idempotency keys are exercised through a real write in test_shifts_api.py.)"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from app.accounts.models import User
from app.api import cursors, writes
from app.errors import InvalidInput
from tests.api.conftest import bearer

PROBLEM = {"type", "title", "status", "detail", "instance", "code"}


# Problem details


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("get", "/api/v1/nothing-here", 404, "not_found"), ("post", "/api/v1/me", 405, None)],
)
def test_every_api_error_is_a_problem_document(client, method, path, status, code):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert set(problem) == PROBLEM
    assert problem["status"] == status and problem["instance"] == path
    assert problem["type"] == f"/api/v1/problems/{problem['code']}"
    assert code is None or problem["code"] == code


def test_a_page_error_is_still_a_page_not_a_problem(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404 and response.mimetype == "text/html"


# ETags


def test_a_read_has_a_strong_etag_and_answers_304_until_it_changes(client, student, make_token, db):
    secret = make_token(student)
    first = client.get("/api/v1/me", headers=bearer(secret))
    tag = first.headers["ETag"]
    assert first.status_code == 200 and not tag.startswith("W/")
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = client.get("/api/v1/me", headers=bearer(secret, **{"If-None-Match": tag}))
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag

    db.session.get(User, student.id).nickname = "新昵称"
    db.session.commit()
    changed = client.get("/api/v1/me", headers=bearer(secret, **{"If-None-Match": tag}))
    assert changed.status_code == 200 and changed.json["data"]["nickname"] == "新昵称"
    assert changed.headers["ETag"] != tag


def test_a_refusal_has_no_etag(client):
    assert "ETag" not in client.get("/api/v1/me").headers


# Cursors and date filters


def test_a_cursor_round_trips_its_types_and_refuses_tampering(app):
    with app.test_request_context("/api/v1/shifts"):
        key = (datetime(2026, 9, 1, 8, 30), date(2026, 9, 1), "a", 7)
        cursor = cursors.encode(key)
        assert cursors.decode(cursor) == key
        for bad in (cursor[:-2] + "xx", "abc", "", "x" * 600):
            with pytest.raises(cursors.BadCursor):
                cursors.decode(bad)
    with app.test_request_context("/api/v1/other-list"), pytest.raises(cursors.BadCursor):
        cursors.decode(cursor)


def test_a_list_pages_by_cursor_to_the_end_in_a_stable_order(app):
    items = [{"day": date(2026, 9, day % 3 + 1), "id": day} for day in range(1, 8)]

    def key(item):
        return (item["day"], item["id"])

    seen, after = [], None
    with app.test_request_context("/api/v1/things"):
        for _round in range(5):
            window = cursors.Window(after=after, limit=3)
            answer = cursors.page_of_list(items, key, lambda item: item["id"], window)
            body = answer.json
            seen += body["data"]
            if body["meta"]["next_cursor"] is None:
                assert "Link" not in answer.headers
                break
            assert 'rel="next"' in answer.headers["Link"]
            assert "cursor=" in answer.headers["Link"]
            after = cursors.decode(body["meta"]["next_cursor"])
    assert seen == [item["id"] for item in sorted(items, key=key)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "20260901"}, "from"),
        ({"to": "1999-12-31"}, "to"),
        ({"from": "2026-09-02", "to": "2026-09-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-09-01"}, "to"),
    ],
)
def test_bad_date_filters_are_refused_naming_the_argument(app, query, field):
    with app.test_request_context("/api/v1/shifts", query_string=query):
        from flask import request

        with pytest.raises(InvalidInput) as refused:
            cursors.PERIOD.read("period", request.args)
    assert refused.value.field == field


def test_a_period_is_inclusive_local_days(app):
    with app.test_request_context("/", query_string={"from": "2026-09-01", "to": "2026-09-01"}):
        from flask import request

        period = cursors.PERIOD.read("period", request.args)
    assert (period.start, period.end) == (date(2026, 9, 1), date(2026, 9, 1))


# Strict JSON bodies

BODY = writes.Body(
    note=writes.Field("string", max_length=5),
    count=writes.Field("integer", required=True, minimum=1, maximum=3),
    urgent=writes.Field("boolean"),
)


def read(app, data: bytes | str, content_type: str = "application/json", body=BODY):
    with app.test_request_context("/api/v1/x", method="POST", data=data, content_type=content_type):
        return writes.read_body(body)


def test_a_good_body_is_read(app):
    assert read(app, '{"count": 2, "note": "hi"}') == {"count": 2, "note": "hi"}


def test_every_bad_field_is_named_at_once(app):
    sent = {"count": True, "note": "too long", "urgent": "yes", "extra": 1}
    with pytest.raises(writes.InvalidBody) as refused:
        read(app, json.dumps(sent))
    error = refused.value
    assert error.status == 422 and error.code == "invalid_body"
    assert {item["field"] for item in error.details["errors"]} == {
        "count",
        "note",
        "urgent",
        "extra",
    }


def test_a_missing_required_field_and_a_non_object_are_422(app):
    with pytest.raises(writes.InvalidBody) as missing:
        read(app, "{}")
    [problem] = missing.value.details["errors"]
    assert problem["field"] == "count" and problem["message"]
    with pytest.raises(writes.InvalidBody):
        read(app, "[1]")


@pytest.mark.parametrize(
    "data",
    ["{", '{"count": 1, "count": 2}', '{"count": NaN}', "[" * 5000, b'{"note": "\xff"}'],
)
def test_malformed_json_is_400(app, data):
    with pytest.raises(writes.MalformedJson):
        read(app, data)


def test_another_media_type_is_415_and_a_huge_body_413(app):
    with pytest.raises(writes.UnsupportedMediaType):
        read(app, '{"count": 1}', content_type="text/plain")
    with pytest.raises(writes.BodyTooLarge):
        read(app, json.dumps({"note": "x" * (writes.MAX_JSON_BYTES + 1)}))


def test_no_body_is_an_empty_object_when_nothing_is_required(app):
    assert read(app, b"", content_type="", body=writes.EMPTY) == {}
    assert read(app, b"", content_type="", body=writes.Body(note=writes.Field("string"))) == {}
    with pytest.raises(writes.InvalidBody) as refused:
        read(app, b"", content_type="")
    assert refused.value.details["errors"][0]["field"] == "count"


def test_the_declaration_is_the_documented_schema():
    schema = BODY.schema()
    assert schema["additionalProperties"] is False and schema["required"] == ["count"]
    assert schema["properties"]["count"] == {"type": "integer", "minimum": 1, "maximum": 3}
    assert schema["properties"]["note"] == {"type": "string", "maxLength": 5}


# Rate limits


def test_each_token_has_its_own_rate_limit_answered_with_a_problem(
    client, app, student, make_token, monkeypatch
):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    limiter.reset()
    try:
        first, second = make_token(student), make_token(student)
        answers = [client.get("/api/v1/me", headers=bearer(first)) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        refused = answers[2]
        assert refused.mimetype == "application/problem+json"
        assert refused.json["code"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0
        assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200
    finally:
        limiter.reset()
