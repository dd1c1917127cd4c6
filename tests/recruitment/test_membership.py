"""The member lifecycle, onboarding, the roster and its CSV/XLSX export."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import hooks
from app.audit.models import AuditEntry
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db as _db
from app.recruitment import membership as members
from app.recruitment.teams import services as team_services
from tests import factories
from tests.recruitment import recruiting

NOW = datetime(2026, 3, 2, 8, 0)


def audit_entries(action: str) -> list[AuditEntry]:
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def team(db):
    created = recruiting.team(name="阅览室志愿者队")
    db.session.commit()
    return created


@pytest.fixture
def boss(db, team):
    person = recruiting.coordinator(team, name="陈老师")
    db.session.commit()
    return person


def member_of(team, name="张三", **fields):
    person = factories.person(roles=["volunteer"], name=name, **fields)
    return members.join_team(team.id, person.id, now=NOW)


def test_pausing_an_active_member_is_recorded_with_who_and_when(db, team, boss):
    membership = member_of(team)
    later = datetime(2026, 4, 1, 9, 30)
    members.set_member_status(membership, "paused", actor=boss, now=later)
    db.session.commit()
    assert membership.status == "paused"
    assert membership.status_changed_at == later
    (entry,) = audit_entries("recruitment.member_status_changed")
    assert entry.actor_id == boss.id
    assert entry.before == {"status": "active"}
    assert entry.after["status"] == "paused"
    assert entry.created_at == later


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["paused", "active"], "active"),
        (["alumni", "active"], "active"),
        (["paused", "alumni"], "alumni"),
    ],
)
def test_allowed_lifecycle_paths(db, team, boss, path, final):
    membership = member_of(team)
    for status in path:
        members.set_member_status(membership, status, actor=boss, now=NOW)
    assert membership.status == final
    assert len(audit_entries("recruitment.member_status_changed")) == len(path)


def test_an_alumni_member_cannot_be_paused(db, team, boss):
    membership = member_of(team)
    members.set_member_status(membership, "alumni", actor=boss, now=NOW)
    with pytest.raises(InvalidInput) as refused:
        members.set_member_status(membership, "paused", actor=boss, now=NOW)
    assert refused.value.field == "status"
    assert membership.status == "alumni"


def test_setting_the_same_status_again_is_a_conflict_and_writes_nothing(db, team, boss):
    membership = member_of(team)
    with pytest.raises(Conflict):
        members.set_member_status(membership, "active", actor=boss, now=NOW)
    assert audit_entries("recruitment.member_status_changed") == []


def test_an_unknown_status_is_refused(db, team, boss):
    membership = member_of(team)
    with pytest.raises(InvalidInput):
        members.set_member_status(membership, "banned", actor=boss, now=NOW)
    assert membership.status == "active"


def test_a_coordinator_of_another_team_cannot_change_a_member(db, team):
    other_team = recruiting.team(name="古籍修复队")
    outsider = recruiting.coordinator(other_team, name="王老师")
    membership = member_of(team)
    with pytest.raises(Forbidden):
        members.set_member_status(membership, "paused", actor=outsider, now=NOW)
    assert membership.status == "active"
    assert audit_entries("recruitment.member_status_changed") == []


def test_joining_again_reactivates_and_keeps_onboarding(db, team, boss):
    membership = member_of(team)
    members.mark_onboarded(membership, now=NOW)
    members.set_member_status(membership, "alumni", actor=boss, now=NOW)
    again = members.join_team(team.id, membership.user_id, now=datetime(2026, 9, 1))
    assert again.id == membership.id
    assert again.status == "active"
    assert again.onboarded is True
    assert again.joined_at == NOW


def test_onboarding_is_recorded_once(db, team):
    membership = member_of(team)
    assert members.mark_onboarded(membership, now=NOW) is True
    assert members.mark_onboarded(membership, now=datetime(2026, 5, 1)) is False
    assert membership.onboarded is True
    assert membership.onboarded_at == NOW
    assert len(audit_entries("recruitment.member_onboarded")) == 1


def test_needs_onboarding_only_when_the_team_asks_for_it(db, team, boss):
    membership = member_of(team)
    assert members.needs_onboarding(membership) is False
    team_services.update_team(
        team,
        name=team.name,
        kind=team.kind,
        description="",
        requires_onboarding=True,
        active=True,
        actor=boss,
    )
    assert members.needs_onboarding(membership) is True
    members.mark_onboarded(membership, now=NOW)
    assert members.needs_onboarding(membership) is False


def test_roster_lists_members_with_their_facts_and_filters(db, team, boss):
    college = factories.college("08", "计算机学院")
    zhang = member_of(team, name="张三", college_id=college.id, enrolment_year=2024)
    li = member_of(team, name="李四")
    members.set_member_status(li, "paused", actor=boss, now=NOW)
    members.mark_onboarded(zhang, now=NOW)

    rows = members.roster(team)
    assert [row.name for row in rows] == ["张三", "李四"]  # active first
    first = rows[0]
    assert first.college == "计算机学院"
    assert first.year == 2024
    assert first.status == "active"
    assert first.joined == NOW
    assert first.onboarded is True
    assert first.hours_so_far == 0

    assert [row.name for row in members.roster(team, status="paused")] == ["李四"]
    assert [row.name for row in members.roster(team, text="张")] == ["张三"]
    number = rows[1].number
    assert [row.name for row in members.roster(team, text=number)] == ["李四"]
    with pytest.raises(InvalidInput):
        members.roster(team, status="gone")


def test_hours_come_from_registered_providers(db, team, monkeypatch):
    zhang = member_of(team, name="张三")
    member_of(team, name="李四")
    calls = []

    def scans(team_id, user_ids):
        calls.append((team_id, sorted(user_ids)))
        return {zhang.user_id: 3.5}

    def added_by_coordinator(team_id, user_ids):
        return {zhang.user_id: 1.0, 999_999: 8}

    monkeypatch.setattr(hooks.TEAM_HOURS, "providers", [])
    hooks.TEAM_HOURS.connect(scans)
    hooks.TEAM_HOURS.connect(added_by_coordinator)
    hooks.TEAM_HOURS.connect(scans)  # connecting twice counts once
    hours = {row.name: row.hours_so_far for row in members.roster(team)}
    assert hours == {"张三": 4.5, "李四": 0}
    assert len(calls) == 1  # one call for the whole roster, not one per member


def test_csv_export_has_a_bom_and_keeps_chinese_names(db, team):
    member_of(team, name="欧阳娜娜", student_number="0020240001")
    data, filename, mimetype = members.export_roster(team, "csv", now=NOW)
    assert data.startswith(b"\xef\xbb\xbf")
    assert filename == f"team-{team.id}-roster-20260302.csv"
    assert mimetype.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == "0020240001"
    assert rows[1][1] == "欧阳娜娜"


def test_xlsx_export_writes_student_numbers_as_text(db, team):
    member_of(team, name="张三", student_number="0020240002")
    data, filename, mimetype = members.export_roster(team, "xlsx", now=NOW)
    assert filename.endswith(".xlsx")
    assert mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(data)).active
    number = sheet.cell(row=2, column=1)
    assert number.value == "0020240002"
    assert number.data_type == "s"
    assert sheet.cell(row=2, column=2).value == "张三"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"])
def test_exports_neutralise_formula_looking_names(db, team, name):
    member_of(team, name=name)
    csv_data, _name, _type = members.export_roster(team, "csv", now=NOW)
    rows = list(csv.reader(io.StringIO(csv_data.decode("utf-8-sig"))))
    assert rows[1][1] == "'" + name
    xlsx_data, _name, _type = members.export_roster(team, "xlsx", now=NOW)
    sheet = load_workbook(io.BytesIO(xlsx_data)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'" + name
    assert cell.data_type == "s"


def test_export_by_a_person_is_audited_and_bad_formats_refused(db, team, boss):
    member_of(team)
    members.export_roster(team, "xlsx", actor=boss, now=NOW)
    (entry,) = audit_entries("recruitment.roster_exported")
    assert entry.actor_id == boss.id
    assert entry.after == {"format": "xlsx", "status": "", "rows": 1}
    with pytest.raises(InvalidInput):
        members.export_roster(team, "pdf", actor=boss, now=NOW)
