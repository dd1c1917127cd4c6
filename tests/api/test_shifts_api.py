"""A volunteer's shifts through the API: the same rules and refusals as the pages, cursors
and date filters on the lists, ETags, idempotent sign-up, other people's ids not found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.time import local_day, utcnow
from app.shifts import signups
from app.shifts.models import ShiftDrawEntry, ShiftSignup
from tests.api.conftest import bearer
from tests.shifts import signup_data as data

ALL = ("shifts:read", "shifts:write")


@pytest.fixture
def world(db, make_token):
    """A team with a task and three coming shifts, a member with a token, and another team
    with a shift the member cannot see."""
    team = data.team()
    task = data.task(team)
    shifts = [data.shift(task, starts_in=timedelta(days=day)) for day in (1, 2, 3)]
    volunteer = data.member(team)
    other_team = data.team(name="另一支队伍")
    hidden = data.shift(data.task(other_team, title="别的任务"))
    db.session.commit()
    return {
        "team": team,
        "task": task,
        "shifts": shifts,
        "volunteer": volunteer,
        "hidden": hidden,
        "headers": bearer(make_token(volunteer, scopes=ALL)),
    }


def sign_up(client, world, shift, **headers):
    return client.post(f"/api/v1/shifts/{shift.id}/signup", headers={**world["headers"], **headers})


# Reading


def test_the_list_pages_by_cursor_through_the_members_shifts_only(client, world):
    seen, url = [], "/api/v1/shifts?limit=2"
    while url:
        answer = client.get(url, headers=world["headers"])
        assert answer.status_code == 200
        seen += [shift["id"] for shift in answer.json["data"]]
        cursor = answer.json["meta"]["next_cursor"]
        url = answer.headers["Link"].split(">")[0][1:] if cursor else None
        if cursor:
            assert f"cursor={cursor}" in url
    assert seen == [shift.id for shift in world["shifts"]]
    assert world["hidden"].id not in seen


def test_the_list_filters_by_day_team_and_task(client, world, db):
    second = world["shifts"][1]
    day = local_day(second.starts_at).isoformat()
    answer = client.get(f"/api/v1/shifts?from={day}&to={day}", headers=world["headers"])
    assert [shift["id"] for shift in answer.json["data"]] == [second.id]
    other_task = data.task(world["team"], title="阅览室巡查")
    extra = data.shift(other_task)
    db.session.commit()
    by_task = client.get(f"/api/v1/shifts?task_id={other_task.id}", headers=world["headers"])
    assert [shift["id"] for shift in by_task.json["data"]] == [extra.id]
    by_team = client.get(f"/api/v1/shifts?team_id={world['team'].id}", headers=world["headers"])
    assert len(by_team.json["data"]) == 4
    nothing = client.get(
        f"/api/v1/shifts?team_id={world['hidden'].task.team_id}", headers=world["headers"]
    )
    assert nothing.json["data"] == []


@pytest.mark.parametrize(
    "query", ["cursor=abc", "from=2026-02-30", "from=2026-09-02&to=2026-09-01", "limit=101"]
)
def test_bad_list_arguments_are_400_problems(client, world, query):
    answer = client.get(f"/api/v1/shifts?{query}", headers=world["headers"])
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.json["errors"][0]["field"] in query


def test_a_shift_has_an_etag_and_another_teams_shift_is_not_found(client, world):
    shift = world["shifts"][0]
    first = client.get(f"/api/v1/shifts/{shift.id}", headers=world["headers"])
    assert first.json["data"]["can_sign_up"] is True
    tag = first.headers["ETag"]
    again = client.get(
        f"/api/v1/shifts/{shift.id}", headers={**world["headers"], "If-None-Match": tag}
    )
    assert again.status_code == 304
    sign_up(client, world, shift)
    changed = client.get(
        f"/api/v1/shifts/{shift.id}", headers={**world["headers"], "If-None-Match": tag}
    )
    assert changed.status_code == 200
    assert changed.json["data"]["my_signup"]["status"] == "confirmed"
    hidden = client.get(f"/api/v1/shifts/{world['hidden'].id}", headers=world["headers"])
    assert hidden.status_code == 404 and hidden.json["code"] == "not_found"


# Signing up: the pages' rules


def test_signing_up_takes_a_place_then_the_waitlist(client, world, db, make_token):
    shift = world["shifts"][0]
    answer = sign_up(client, world, shift)
    assert answer.status_code == 201
    assert answer.json["data"]["outcome"] == "confirmed"
    assert answer.json["data"]["signup"]["shift_id"] == shift.id
    for _ in range(1):
        signups.sign_up(shift, data.member(world["team"]))
    latecomer = data.member(world["team"])
    db.session.commit()
    waiting = client.post(
        f"/api/v1/shifts/{shift.id}/signup",
        headers=bearer(make_token(latecomer, scopes=ALL)),
    )
    assert waiting.json["data"]["outcome"] == "waitlisted"
    assert waiting.json["data"]["signup"]["waitlist_position"] == 1
    twice = sign_up(client, world, shift)
    assert twice.status_code == 409 and twice.json["code"] == "conflict"


def test_before_opening_the_problem_says_when_it_opens(client, world, db):
    shift = world["shifts"][0]
    opens = utcnow().replace(microsecond=0) + timedelta(hours=3)
    shift.signup_opens_at = opens
    db.session.commit()
    answer = sign_up(client, world, shift)
    assert answer.status_code == 409 and answer.json["code"] == "not_eligible"
    assert answer.json["reasons"] == ["not_open"]
    assert answer.json["opens_at"] == opens.isoformat() + "Z"
    assert db.session.scalar(select(func.count(ShiftSignup.id))) == 0


def test_a_per_person_limit_is_named(client, world, db):
    world["task"].max_future = 1
    db.session.commit()
    assert sign_up(client, world, world["shifts"][0]).status_code == 201
    answer = sign_up(client, world, world["shifts"][1])
    assert answer.status_code == 409 and answer.json["code"] == "limit_reached"
    assert answer.json["limit"] == "future"
    assert answer.json["errors"][0]["field"] == "limit_future"


def test_in_the_draw_window_the_person_is_entered_in_the_draw(client, world, db):
    shift = world["shifts"][0]
    world["task"].draw_minutes = 60
    shift.signup_opens_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    answer = sign_up(client, world, shift)
    assert answer.status_code == 201
    assert answer.json["data"]["outcome"] == "draw_entered"
    assert answer.json["data"]["draw_entry"]["status"] == "entered"
    assert db.session.scalar(select(func.count(ShiftDrawEntry.id))) == 1
    assert db.session.scalar(select(func.count(ShiftSignup.id))) == 0


def test_a_missing_shift_is_404_and_a_body_is_refused(client, world):
    assert sign_up(client, world, type("S", (), {"id": 10**9})).status_code == 404
    answer = client.post(
        f"/api/v1/shifts/{world['shifts'][0].id}/signup",
        headers=world["headers"],
        json={"note": "hi"},
    )
    assert answer.status_code == 422 and answer.json["errors"][0]["field"] == "note"


# Idempotency keys


def signups_audited(db) -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "shifts.signed_up")
    )


def test_a_replayed_sign_up_answers_the_same_and_writes_once(client, world, db):
    shift = world["shifts"][0]
    first = sign_up(client, world, shift, **{"Idempotency-Key": "k-1"})
    again = sign_up(client, world, shift, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert db.session.scalar(select(func.count(ShiftSignup.id))) == 1
    assert signups_audited(db) == 1
    # Without the key the same request is a new sign-up: refused as already signed up.
    assert sign_up(client, world, shift).status_code == 409


def test_a_key_reused_for_another_request_is_422(client, world):
    sign_up(client, world, world["shifts"][0], **{"Idempotency-Key": "k-2"})
    other = sign_up(client, world, world["shifts"][1], **{"Idempotency-Key": "k-2"})
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"


def test_keys_are_per_token(client, world, make_token, db):
    shift = world["shifts"][0]
    sign_up(client, world, shift, **{"Idempotency-Key": "same"})
    neighbour = data.member(world["team"])
    db.session.commit()
    theirs = client.post(
        f"/api/v1/shifts/{shift.id}/signup",
        headers=bearer(make_token(neighbour, scopes=ALL), **{"Idempotency-Key": "same"}),
    )
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers


def test_a_refused_write_keeps_no_key_and_can_be_retried(client, world, db):
    shift = world["shifts"][0]
    shift.signup_opens_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert sign_up(client, world, shift, **{"Idempotency-Key": "k-3"}).status_code == 409
    shift.signup_opens_at = None
    db.session.commit()
    retried = sign_up(client, world, shift, **{"Idempotency-Key": "k-3"})
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers


@pytest.mark.parametrize("key", ["", "with space", "x" * 101, "中文"])
def test_a_bad_key_is_400_naming_the_header(client, world, key):
    answer = sign_up(client, world, world["shifts"][0], **{"Idempotency-Key": key})
    assert answer.status_code == 400 and answer.json["errors"][0]["field"] == "Idempotency-Key"


def test_an_expired_key_is_forgotten(client, world, db):
    from app.api.models import ApiIdempotencyKey

    shift = world["shifts"][0]
    sign_up(client, world, shift, **{"Idempotency-Key": "old"})
    stored = db.session.scalar(select(ApiIdempotencyKey))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    # Same key a day later: a new request (refused as already signed up), no replay.
    later = sign_up(client, world, shift, **{"Idempotency-Key": "old"})
    assert later.status_code == 409 and "Idempotent-Replayed" not in later.headers


def test_the_hourly_job_forgets_every_callers_expired_answers(client, world, db):
    from app.api.models import ApiIdempotencyKey
    from app.api.writes import forget_expired_keys

    first, second = world["shifts"][0], world["shifts"][1]
    sign_up(client, world, first, **{"Idempotency-Key": "old"})
    sign_up(client, world, second, **{"Idempotency-Key": "new"})
    old = db.session.scalar(select(ApiIdempotencyKey).where(ApiIdempotencyKey.key == "old"))
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert forget_expired_keys(now=utcnow()) == {"deleted": 1}
    db.session.commit()
    assert db.session.scalars(select(ApiIdempotencyKey.key)).all() == ["new"]


# My sign-ups, cancelling, offers


def test_my_signups_page_by_cursor_and_cancelling_frees_the_place(client, world):
    for shift in world["shifts"]:
        sign_up(client, world, shift)
    first = client.get("/api/v1/me/signups?limit=2", headers=world["headers"])
    cursor = first.json["meta"]["next_cursor"]
    rest = client.get(f"/api/v1/me/signups?limit=2&cursor={cursor}", headers=world["headers"])
    ids = [s["shift_id"] for s in first.json["data"] + rest.json["data"]]
    assert ids == [shift.id for shift in world["shifts"]]
    assert rest.json["meta"]["next_cursor"] is None
    signup_id = first.json["data"][0]["id"]
    cancelled = client.post(f"/api/v1/signups/{signup_id}/cancel", headers=world["headers"])
    assert cancelled.status_code == 200 and cancelled.json["data"]["status"] == "cancelled"
    again = client.get(f"/api/v1/shifts/{world['shifts'][0].id}", headers=world["headers"])
    assert again.json["data"]["taken"] == 0


def test_after_the_cancel_deadline_the_volunteer_is_refused(client, world, db):
    shift = world["shifts"][0]
    shift.starts_at = utcnow() + timedelta(hours=2)
    shift.ends_at = shift.starts_at + timedelta(hours=2)
    db.session.commit()
    signup_id = sign_up(client, world, shift).json["data"]["signup"]["id"]
    refused = client.post(f"/api/v1/signups/{signup_id}/cancel", headers=world["headers"])
    assert refused.status_code == 409 and refused.json["code"] == "cancel_deadline_passed"


def test_an_offered_place_is_accepted_or_declined(client, world, db, make_token):
    task = data.task(world["team"], title="夜间值班", waitlist_mode="offer")
    shift = data.shift(task, capacity=1)
    holder = signups.sign_up(shift, data.member(world["team"]))
    mine = signups.sign_up(shift, world["volunteer"])
    db.session.commit()
    signups.cancel(holder, actor=holder.user)
    db.session.commit()
    assert db.session.get(ShiftSignup, mine.id).status == "offered"
    accepted = client.post(f"/api/v1/signups/{mine.id}/accept", headers=world["headers"])
    assert accepted.status_code == 200 and accepted.json["data"]["status"] == "confirmed"
    declined = client.post(f"/api/v1/signups/{mine.id}/decline", headers=world["headers"])
    assert declined.status_code == 409


@pytest.mark.parametrize("action", ["cancel", "accept", "decline"])
def test_another_persons_signup_is_not_found(client, world, db, action):
    someone = data.member(world["team"])
    theirs = signups.sign_up(world["shifts"][0], someone)
    db.session.commit()
    answer = client.post(f"/api/v1/signups/{theirs.id}/{action}", headers=world["headers"])
    assert answer.status_code == 404 and answer.json["code"] == "not_found"
    assert db.session.get(ShiftSignup, theirs.id).status == "confirmed"


# Tokens and scopes

OPERATIONS = [
    ("get", "/api/v1/shifts", "shifts:read"),
    ("get", "/api/v1/shifts/{shift}", "shifts:read"),
    ("get", "/api/v1/me/signups", "shifts:read"),
    ("post", "/api/v1/shifts/{shift}/signup", "shifts:write"),
    ("post", "/api/v1/signups/{signup}/cancel", "shifts:write"),
    ("post", "/api/v1/signups/{signup}/accept", "shifts:write"),
    ("post", "/api/v1/signups/{signup}/decline", "shifts:write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_each_operation_needs_a_token_with_its_scope(
    client, world, db, make_token, admin, method, path, scope
):
    signup = signups.sign_up(world["shifts"][1], world["volunteer"])
    db.session.commit()
    url = path.format(shift=world["shifts"][0].id, signup=signup.id)
    call = getattr(client, method)
    assert call(url).status_code == 401
    other_scope = "shifts:write" if scope == "shifts:read" else "shifts:read"
    lacking = call(url, headers=bearer(make_token(world["volunteer"], scopes=[other_scope])))
    assert lacking.status_code == 403 and lacking.json["code"] == "insufficient_scope"
    allowed = call(url, headers=world["headers"])
    assert allowed.status_code in (200, 201, 409), allowed.json
    # An admin is a person like any other here: not a member, so no shifts, not their sign-up.
    as_admin = call(url, headers=bearer(make_token(admin, scopes=ALL)))
    assert as_admin.status_code in (200, 404, 409)
    if method == "get" and as_admin.status_code == 200:
        assert as_admin.json["data"] == []
