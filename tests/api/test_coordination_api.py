"""Coordinators through the API: their teams' tasks, shifts, attendance and applications,
each role and scope, verifying and deciding through the pages' services with idempotency
keys, and the numbers the pages show."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.checkin import attendance_sheet
from app.checkin.models import Attendance
from app.extensions import db
from app.recruitment import review
from app.recruitment.models import Application
from app.shifts import task_dashboard
from tests.api.conftest import bearer
from tests.checkin import attendance_data, checkin_data
from tests.recruitment import recruiting

START = datetime(2026, 3, 2, 6, 0)  # 14:00 in Shanghai; a 3-hour shift
ALL = ("coordination:read", "coordination:write")


@pytest.fixture
def world(db, make_token):
    """attendance_data's world (a team, its coordinator, a shift with three confirmed
    members, another team's coordinator) with one checked-out and one checked-in record, a
    campaign of the team with two applications, an admin; a token for each person."""
    built = attendance_data.world(start=START)
    out = attendance_data.record(
        built.shift, built.people[0], checked_out_at=START + timedelta(minutes=120)
    )
    inside = attendance_data.record(built.shift, built.people[1])
    campaign = recruiting.campaign(built.team)
    applications = [
        recruiting.apply(campaign, recruiting.applicant(name=name)) for name in ("李四", "王五")
    ]
    admin = recruiting.admin()
    db.session.commit()
    tokens = {
        "volunteer": make_token(built.people[2], scopes=ALL),
        "other_coordinator": make_token(built.other_boss, scopes=ALL),
        "coordinator": make_token(built.boss, scopes=ALL),
        "admin": make_token(admin, scopes=ALL),
        "read_only": make_token(built.boss, scopes=("coordination:read",)),
        "wrong_scope": make_token(built.boss, scopes=("shifts:read",)),
    }
    return {
        "built": built,
        "out": out,
        "inside": inside,
        "campaign": campaign,
        "applications": applications,
        "tokens": tokens,
    }


def headers(world, who: str = "coordinator", **more) -> dict[str, str]:
    return bearer(world["tokens"][who], **more)


def _operations(world) -> dict[str, tuple[str, str, dict | None]]:
    team = world["built"].team.id
    return {
        "tasks": ("GET", f"/api/v1/teams/{team}/tasks", None),
        "shifts": ("GET", f"/api/v1/teams/{team}/shifts", None),
        "attendance": ("GET", f"/api/v1/teams/{team}/attendance", None),
        "applications": ("GET", f"/api/v1/teams/{team}/applications", None),
        "roster": ("GET", f"/api/v1/shifts/{world['built'].shift.id}/roster", None),
        "export": ("GET", f"/api/v1/shifts/{world['built'].shift.id}/attendance.csv", None),
        "verify": ("POST", f"/api/v1/attendance/{world['out'].id}/verify", {}),
        "decide": (
            "POST",
            f"/api/v1/applications/{world['applications'][0].id}/decide",
            {"decision": "accepted"},
        ),
    }


OPERATIONS = (
    "tasks",
    "shifts",
    "attendance",
    "applications",
    "roster",
    "export",
    "verify",
    "decide",
)
# Who gets what: the team's own coordinator and admins act; everyone else finds nothing.
ROLES = {
    "none": 401,
    "wrong_scope": 403,
    "volunteer": 404,
    "other_coordinator": 404,
    "coordinator": 200,
    "admin": 200,
}


def call(client, world, operation: str, who: str):
    method, url, body = _operations(world)[operation]
    sent = {} if who == "none" else headers(world, who)
    if method == "GET":
        return client.get(url, headers=sent)
    return client.post(url, json=body, headers=sent)


@pytest.mark.parametrize("who", list(ROLES))
@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_role_and_scope(client, world, operation, who):
    answer = call(client, world, operation, who)
    assert answer.status_code == ROLES[who], answer.json


@pytest.mark.parametrize("operation", ["verify", "decide"])
def test_a_read_token_cannot_write(client, world, operation):
    answer = call(client, world, operation, "read_only")
    assert answer.status_code == 403
    assert answer.json["code"] == "insufficient_scope"


def test_another_teams_coordinator_changes_nothing(client, world):
    call(client, world, "verify", "other_coordinator")
    call(client, world, "decide", "other_coordinator")
    db.session.expire_all()
    assert db.session.get(Attendance, world["out"].id).verified_at is None
    assert db.session.get(Application, world["applications"][0].id).status == "submitted"


# Reading --------------------------------------------------------------------------------------


def test_tasks_and_shifts_of_the_team(client, world):
    built = world["built"]
    tasks = client.get(f"/api/v1/teams/{built.team.id}/tasks", headers=headers(world))
    assert [task["id"] for task in tasks.json["data"]] == [built.task.id]
    shifts = client.get(f"/api/v1/teams/{built.team.id}/shifts", headers=headers(world))
    [shift] = shifts.json["data"]
    assert (shift["id"], shift["capacity"], shift["taken"]) == (built.shift.id, 3, 3)


def test_the_roster_is_the_pages_with_check_in_state_and_waitlist_order(client, world):
    built = world["built"]
    late_ones = [checkin_data.member(built.team, name=f"候补{n}") for n in (1, 2)]
    waiting = [checkin_data.signed_up(built.shift, person) for person in late_ones]
    db.session.commit()
    roster = client.get(f"/api/v1/shifts/{built.shift.id}/roster", headers=headers(world))
    data = roster.json["data"]
    page = task_dashboard.roster(built.shift)
    assert [row["signup_id"] for row in data["confirmed"]] == [s.id for s in page.confirmed]
    assert [row["checkin"] for row in data["confirmed"]] == ["out", "in", "absent"]
    assert [(row["signup_id"], row["position"]) for row in data["waitlist"]] == [
        (waiting[0].id, 1),
        (waiting[1].id, 2),
    ]
    assert data["walk_ins"] == []


def test_the_attendance_export_is_the_pages_file(client, world):
    shift = world["built"].shift
    answer = client.get(f"/api/v1/shifts/{shift.id}/attendance.csv", headers=headers(world))
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = answer.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 1 + 3  # the header and the three confirmed people
    exported = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "checkin.sheet_exported")
    )
    assert exported == 1


def test_attendance_numbers_are_the_sheets(client, world):
    built = world["built"]
    url = f"/api/v1/teams/{built.team.id}/attendance"
    every = client.get(url, headers=headers(world)).json["data"]
    sheet = attendance_sheet.shift_sheet(
        built.shift, actor=built.boss, now=START + timedelta(hours=4)
    )
    counts = sheet.counts
    assert len(every) == counts.checked_in + counts.checked_out
    assert sum(record["status"] == "in" for record in every) == counts.checked_in
    assert sum(record["status"] == "out" for record in every) == counts.checked_out
    assert {r["id"]: r["minutes"] for r in every}[world["out"].id] == world["out"].total_minutes


def test_attendance_filters_by_verification_and_day(client, world):
    team = world["built"].team.id
    url = f"/api/v1/teams/{team}/attendance"
    assert (
        client.post(
            f"/api/v1/attendance/{world['out'].id}/verify", json={}, headers=headers(world)
        ).status_code
        == 200
    )
    verified = client.get(f"{url}?verified=true", headers=headers(world)).json["data"]
    assert [record["id"] for record in verified] == [world["out"].id]
    unverified = client.get(f"{url}?verified=false", headers=headers(world)).json["data"]
    assert [record["id"] for record in unverified] == [world["inside"].id]
    assert client.get(f"{url}?from=2026-03-03", headers=headers(world)).json["data"] == []
    assert (
        len(client.get(f"{url}?from=2026-03-02&to=2026-03-02", headers=headers(world)).json["data"])
        == 2
    )
    bad = client.get(f"{url}?verified=maybe", headers=headers(world))
    assert (bad.status_code, bad.json["code"]) == (400, "invalid_input")


def test_applications_page_by_cursor_and_filter_by_status(client, world):
    team = world["built"].team.id
    first, second = world["applications"]
    page = client.get(f"/api/v1/teams/{team}/applications?limit=1", headers=headers(world))
    assert [a["id"] for a in page.json["data"]] == [first.id]
    cursor = page.json["meta"]["next_cursor"]
    rest = client.get(
        f"/api/v1/teams/{team}/applications?limit=1&cursor={cursor}", headers=headers(world)
    )
    assert [a["id"] for a in rest.json["data"]] == [second.id]
    assert rest.json["meta"]["next_cursor"] is None
    listed = review.review_list(world["campaign"], review.ReviewFilter(status="submitted"))
    filtered = client.get(
        f"/api/v1/teams/{team}/applications?status=submitted", headers=headers(world)
    )
    assert [a["id"] for a in filtered.json["data"]] == [a.id for a in listed]
    assert filtered.json["data"][0]["decisions"] == review.allowed_transitions(first)
    bad = client.get(f"/api/v1/teams/{team}/applications?status=lost", headers=headers(world))
    assert bad.status_code == 400


def test_a_list_read_again_is_not_modified(client, world):
    url = f"/api/v1/teams/{world['built'].team.id}/shifts"
    first = client.get(url, headers=headers(world))
    again = client.get(url, headers=headers(world, **{"If-None-Match": first.headers["ETag"]}))
    assert again.status_code == 304


# Verifying ------------------------------------------------------------------------------------


def _verify_entries() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "checkin.attendance_verified")
    )


def test_verify_replayed_with_the_same_key_acts_once(client, world):
    url = f"/api/v1/attendance/{world['out'].id}/verify"
    sent = headers(world, **{"Idempotency-Key": "verify-1"})
    first = client.post(url, json={}, headers=sent)
    again = client.post(url, json={}, headers=sent)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json["data"]["verified_at"] is not None
    assert _verify_entries() == 1


def test_verify_refuses_as_the_page_does(client, world):
    url = f"/api/v1/attendance/{world['out'].id}/verify"
    assert client.post(url, json={}, headers=headers(world)).status_code == 200
    twice = client.post(url, json={}, headers=headers(world, **{"Idempotency-Key": "other"}))
    assert (twice.status_code, twice.json["code"]) == (409, "conflict")
    still_in = client.post(
        f"/api/v1/attendance/{world['inside'].id}/verify", json={}, headers=headers(world)
    )
    assert (still_in.status_code, still_in.json["code"]) == (400, "invalid_input")
    assert _verify_entries() == 1


# Deciding -------------------------------------------------------------------------------------


def test_decide_replayed_with_the_same_key_acts_once(client, world):
    application = world["applications"][0]
    url = f"/api/v1/applications/{application.id}/decide"
    sent = headers(world, **{"Idempotency-Key": "decide-1"})
    first = client.post(url, json={"decision": "accepted"}, headers=sent)
    again = client.post(url, json={"decision": "accepted"}, headers=sent)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json["data"]["status"] == "accepted"
    decided = db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "recruitment.application_decided")
    )
    assert decided == 1
    other_body = client.post(url, json={"decision": "rejected"}, headers=sent)
    assert other_body.status_code == 422


def test_a_decision_on_a_decided_application_is_a_conflict(client, world):
    url = f"/api/v1/applications/{world['applications'][0].id}/decide"
    assert (
        client.post(url, json={"decision": "accepted"}, headers=headers(world)).status_code == 200
    )
    again = client.post(
        url, json={"decision": "accepted"}, headers=headers(world, **{"Idempotency-Key": "x"})
    )
    assert (again.status_code, again.json["code"]) == (409, "conflict")


def test_a_decision_the_status_table_forbids_or_unknown(client, world):
    url = f"/api/v1/applications/{world['applications'][0].id}/decide"
    client.post(url, json={"decision": "rejected"}, headers=headers(world))
    back = client.post(
        url, json={"decision": "accepted"}, headers=headers(world, **{"Idempotency-Key": "b"})
    )
    assert (back.status_code, back.json["code"]) == (400, "invalid_input")
    unknown = client.post(url, json={"decision": "maybe"}, headers=headers(world))
    assert unknown.status_code == 422
    assert [error["field"] for error in unknown.json["errors"]] == ["decision"]
