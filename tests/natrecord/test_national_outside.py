"""Approved hours served elsewhere in the national record export: only when the builder
ticks them, one line per claim, once, whatever the Second Classroom rule for them says."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from app.credits import batch_building
from app.credits.models import CreditBatch, CreditRule
from app.errors import InvalidInput
from app.extensions import db as _db
from app.natrecord import crypto, identity
from app.outside import services as outside
from app.recruitment.access import active_coordinators
from tests.credits import batch_data as data
from tests.credits.batch_data import OCTOBER
from tests.natrecord.test_national_export import build, october_form, send, sheet_rows
from tests.outside.outside_data import upload
from tests.shifts import signup_data

CLAIMED_AT = datetime(2025, 10, 20, 4, 0)


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()


@pytest.fixture
def desk(db):
    """The desk task's team, its two coordinators, and members: 李明 and 王芳 with national
    numbers, 赵雷 without; 李明 served at the desk, the others only elsewhere."""
    task = data.desk()
    builder, approver = active_coordinators(task.team_id)
    people = {name: signup_data.member(task.team, name=name) for name in ("李明", "王芳", "赵雷")}
    identity.save_national_number(people["李明"], "31010000000001")
    identity.save_national_number(people["王芳"], "31010000000002")
    data.served(people["李明"], task=task, minutes=600)
    return task, builder, approver, people


def elsewhere(person, decider, day: date, claimed: str, decision: str = "approve", **fields):
    """A claim of hours served elsewhere, decided by a coordinator of the person's team."""
    filed = outside.claim(
        person,
        outside.ClaimFields(
            organiser=fields.pop("organiser", "望江社区"), served_on=day, hours=claimed
        ),
        upload=upload(),
        now=CLAIMED_AT,
    )
    if decision != "pending":
        outside.decide(filed, decision, actor=decider, now=CLAIMED_AT, **fields)
    return filed


def minutes_by_national_number(*, outside_too: bool) -> dict[str, int]:
    """The test's own sums: verified attendance, plus approved outside claims of October."""
    attendance = (
        "SELECT v.national_number AS number, COALESCE(a.scan_minutes, 0) + a.added_minutes "
        "AS minutes FROM attendances a JOIN volunteer_identities v ON v.user_id = a.user_id "
        "WHERE a.verified_at IS NOT NULL AND v.national_number IS NOT NULL"
    )
    claims = (
        "SELECT v.national_number, o.approved_minutes FROM outside_claims o "
        "JOIN volunteer_identities v ON v.user_id = o.user_id "
        "WHERE o.status = 'approved' AND v.national_number IS NOT NULL "
        "AND o.served_on >= :start AND o.served_on <= :end"
    )
    union = f"{attendance} UNION ALL {claims}" if outside_too else attendance
    rows = _db.session.execute(
        text(f"SELECT number, SUM(minutes) FROM ({union}) AS served GROUP BY number"),
        {"start": OCTOBER[0], "end": OCTOBER[1]} if outside_too else {},
    )
    return {number: int(minutes) for number, minutes in rows}


def file_rows(export) -> list[dict]:
    """The exported file read back (kept encrypted when it holds ID numbers)."""
    return sheet_rows(crypto.decrypt_bytes(export.content) if export.encrypted else export.content)


def file_minutes(rows: list[dict]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for row in rows:
        number = row["志愿者编号"]
        sums[number] = sums.get(number, 0) + round(row["服务时长(小时)"] * 60)
    return sums


def claims_of_the_month(desk):
    _task, builder, _approver, people = desk
    elsewhere(people["李明"], builder, date(2025, 10, 11), "3", organiser="望江社区服务中心")
    elsewhere(
        people["王芳"], builder, date(2025, 10, 12), "4", "change", hours="2.5", reason="半天"
    )
    elsewhere(people["王芳"], builder, date(2025, 10, 13), "2", "reject", reason="无证明")
    elsewhere(people["王芳"], builder, date(2025, 10, 14), "2", "pending")
    elsewhere(people["李明"], builder, date(2025, 9, 28), "5")  # before the period
    elsewhere(people["赵雷"], builder, date(2025, 10, 15), "6")  # no national number


def test_ticked_the_file_reconciles_with_verified_and_approved_outside_hours(app, desk):
    task, builder, approver, _people = desk
    claims_of_the_month(desk)
    outside_rule = _db.session.scalar(
        select(CreditRule).where(CreditRule.category == app.config["CREDIT_OUTSIDE_CATEGORY"])
    )
    assert outside_rule is None or not outside_rule.active  # the credits rule stays off

    batch = build(builder, task, include_outside=True)
    assert batch.include_outside
    assert [(p.name, n) for p, n in batch_building.people_without_national_number(batch)] == [
        ("赵雷", 1)
    ]
    rows = file_rows(send(batch, approver))

    assert file_minutes(rows) == minutes_by_national_number(outside_too=True)
    assert file_minutes(rows) == {"31010000000001": 600 + 180, "31010000000002": 150}
    [far] = [row for row in rows if row["服务日期"] == "2025-10-11"]
    assert far["项目名称"] == far["服务组织"] == "望江社区服务中心"
    assert far["备注"] == "校外服务" and far["记录编号"].startswith("NGCO")


def test_unticked_only_library_hours_go_and_each_claim_goes_once(desk):
    task, builder, approver, people = desk
    claims_of_the_month(desk)

    library_only = build(builder, task)
    assert not library_only.include_outside
    assert batch_building.people_without_national_number(library_only) == []
    rows = file_rows(send(library_only, approver))
    assert file_minutes(rows) == minutes_by_national_number(outside_too=False)

    ticked = build(builder, task, include_outside=True, now=data.LATER.replace(day=2))
    rows = file_rows(send(ticked, approver))
    assert all(row["记录编号"].startswith("NGCO") for row in rows)  # attendance went already
    assert file_minutes(rows) == {"31010000000001": 180, "31010000000002": 150}

    # Twice: nothing left to send, and nothing written.
    with pytest.raises(InvalidInput):
        build(builder, task, include_outside=True, now=data.LATER.replace(day=3))
    national = select(func.count(CreditBatch.id)).where(CreditBatch.destination == "national")
    assert _db.session.scalar(national) == 2
    # A claim approved later goes out on its own in the next batch.
    elsewhere(people["王芳"], builder, date(2025, 10, 20), "1")
    [line] = data.items_of(
        build(builder, task, include_outside=True, now=data.LATER.replace(day=4))
    )
    assert (line.kind, line.minutes) == ("new", 60)


def test_a_team_batch_leaves_out_people_of_other_teams(desk):
    task, builder, _approver, _people = desk
    stranger = signup_data.member(data.credits_data.team(name="古籍修复队"), name="孙悦")
    identity.save_national_number(stranger, "31010000000009")
    admin = data.admin()
    elsewhere(stranger, admin, date(2025, 10, 11), "3")
    batch = build(builder, task, include_outside=True)
    assert {item.record.user_id for item in data.items_of(batch)} == {_people["李明"].id}


def test_without_numbers_nothing_to_send_is_refused_and_writes_nothing(db):
    task = data.desk()
    builder, _approver = active_coordinators(task.team_id)
    zhao = signup_data.member(task.team, name="赵雷")
    elsewhere(zhao, builder, date(2025, 10, 15), "6")
    with pytest.raises(InvalidInput):
        build(builder, task, include_outside=True)
    assert _db.session.scalar(select(func.count(CreditBatch.id))) == 0


def test_the_builder_ticks_outside_hours_and_the_batch_page_says_so(client, login, desk):
    task, builder, _approver, _people = desk
    claims_of_the_month(desk)
    _db.session.commit()
    login(builder)
    form = october_form(task)
    page = client.get("/credits/batches")
    assert b'data-testid="include-outside"' in page.data
    response = client.post("/credits/batches", data={**form, "include_outside": "y"})
    assert response.status_code == 302
    batch = _db.session.scalar(select(CreditBatch))
    assert batch.include_outside and len(data.items_of(batch)) == 3
    page = client.get(response.headers["Location"])
    assert b'data-testid="includes-outside"' in page.data

    # Second Classroom batches never take the tick.
    classroom = {**form, "destination": "second_classroom", "period_start": "2025-09-01"}
    client.post("/credits/batches", data={**classroom, "include_outside": "y"})
    second = _db.session.scalar(select(CreditBatch).where(CreditBatch.id != batch.id))
    assert second is not None and not second.include_outside
