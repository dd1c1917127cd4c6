"""Coordinator services: tasks, single shifts, editing and cancelling, rosters, dashboard."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app import hooks
from app.audit.models import AuditEntry
from app.errors import Conflict, Forbidden, InvalidInput
from app.notifications.models import Notification
from app.shifts import shift_edits, signups, task_dashboard, tasks
from app.shifts.models import Shift, Task
from tests import factories
from tests.recruitment import recruiting
from tests.shifts import signup_data

DAY = date.today() + timedelta(days=10)


@pytest.fixture
def world(db):
    team = recruiting.team(name="阅览室志愿者队")
    other = recruiting.team(name="古籍修复队")
    boss = recruiting.coordinator(team, name="A队老师")
    other_boss = recruiting.coordinator(other, name="B队老师")
    task = tasks.create_task(
        team.id, tasks.TaskFields(title="总服务台值班", location="一楼"), actor=boss
    )
    db.session.commit()
    return {"team": team, "other": other, "boss": boss, "other_boss": other_boss, "task": task}


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_create_task_cleans_fields_and_is_audited(db, world):
    training = tasks.create_task(
        world["team"].id,
        tasks.TaskFields(title="新人培训", kind="training", is_onboarding=True),
        actor=world["boss"],
    )
    task = tasks.create_task(
        world["team"].id,
        tasks.TaskFields(
            title="  书库   整架 ",
            kind="service",
            required_training_ids=[training.id],
            required_skills=["排架", "排架", " 英语 "],
            default_capacity=6,
            points_multiplier=1.5,
        ),
        actor=world["boss"],
    )
    assert task.title == "书库 整架"
    assert task.required_training_ids == [training.id]
    assert task.required_skills == ["排架", "英语"]
    assert task.waitlist_mode == "automatic"
    assert audit_actions(db).count("shifts.task_created") == 3


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"title": " "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"default_capacity": 0}, "default_capacity"),
        ({"points_multiplier": -1}, "points_multiplier"),
        ({"cancel_deadline_hours": -2}, "cancel_deadline_hours"),
        ({"required_training_ids": [9999]}, "required_training_ids"),
        ({"is_onboarding": True}, "is_onboarding"),
        ({"checkin_opens_minutes": -1}, "checkin_opens_minutes"),
        ({"checkin_opens_minutes": 241}, "checkin_opens_minutes"),
        ({"late_after_minutes": 121}, "late_after_minutes"),
        ({"hours_tolerance_minutes": None}, "hours_tolerance_minutes"),
        ({"hours_rounding_minutes": 0}, "hours_rounding_minutes"),
        ({"hours_rounding_minutes": 61}, "hours_rounding_minutes"),
    ],
)
def test_bad_task_input_is_refused_and_nothing_written(db, world, fields, field):
    values = {"title": "书库整架", **fields}
    with pytest.raises(InvalidInput) as error:
        tasks.create_task(world["team"].id, tasks.TaskFields(**values), actor=world["boss"])
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(Task).where(Task.title == "书库整架")) is None


def test_check_in_settings_are_saved_and_audited(db, world):
    task = world["task"]
    assert (task.checkin_opens_minutes, task.walk_ins_allowed) == (30, False)
    fields = tasks.TaskFields(
        title=task.title,
        location=task.location,
        checkin_opens_minutes=60,
        late_after_minutes=10,
        walk_ins_allowed=True,
        hours_tolerance_minutes=0,
        hours_rounding_minutes=30,
    )

    tasks.update_task(task, fields, actor=world["boss"])

    assert (
        task.checkin_opens_minutes,
        task.late_after_minutes,
        task.walk_ins_allowed,
        task.hours_tolerance_minutes,
        task.hours_rounding_minutes,
    ) == (60, 10, True, 0, 30)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shifts.task_updated"))
    assert (entry.before["checkin_opens_minutes"], entry.after["checkin_opens_minutes"]) == (
        30,
        60,
    )


def test_service_task_cannot_require_a_service_task(db, world):
    with pytest.raises(InvalidInput):
        tasks.create_task(
            world["team"].id,
            tasks.TaskFields(title="x", required_training_ids=[world["task"].id]),
            actor=world["boss"],
        )


def test_other_teams_coordinator_and_volunteers_cannot_manage(db, world):
    volunteer = factories.person(roles=["volunteer"])
    for person in (world["other_boss"], volunteer):
        with pytest.raises(Forbidden):
            tasks.create_task(world["team"].id, tasks.TaskFields(title="x"), actor=person)
        with pytest.raises(Forbidden):
            shift_edits.create_shift(
                world["task"], day=DAY, start=time(14), end=time(17), actor=person
            )
    admin = recruiting.admin()
    assert tasks.create_task(world["team"].id, tasks.TaskFields(title="x"), actor=admin).id


def test_tasks_for_lists_only_managed_teams(db, world):
    tasks.create_task(world["other"].id, tasks.TaskFields(title="古籍"), actor=world["other_boss"])
    assert [t.title for t in tasks.tasks_for(world["boss"])] == ["总服务台值班"]
    assert len(tasks.tasks_for(recruiting.admin())) == 2
    assert tasks.tasks_for(factories.person(roles=["volunteer"])) == []


def test_create_shift_converts_local_time_to_utc(db, world):
    shift = shift_edits.create_shift(
        world["task"], day=date(2026, 3, 2), start=time(14), end=time(17), actor=world["boss"]
    )
    # Asia/Shanghai is UTC+8.
    assert shift.starts_at == datetime(2026, 3, 2, 6, 0)
    assert shift.ends_at == datetime(2026, 3, 2, 9, 0)
    assert shift.capacity == world["task"].default_capacity
    assert shift_edits.format_span(shift) == "2026-03-02 14:00–17:00"


@pytest.mark.parametrize(
    "start, end, capacity, field",
    [
        (time(17), time(14), 2, "ends"),
        (time(14), time(14), 2, "ends"),
        (time(14), time(17), 0, "capacity"),
    ],
)
def test_bad_shift_input_is_refused(db, world, start, end, capacity, field):
    with pytest.raises(InvalidInput) as error:
        shift_edits.create_shift(
            world["task"], day=DAY, start=start, end=end, capacity=capacity, actor=world["boss"]
        )
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(Shift)) is None


def _filled_shift(db, world, *, capacity=2, people=3):
    shift = shift_edits.create_shift(
        world["task"], day=DAY, start=time(14), end=time(17), capacity=capacity, actor=world["boss"]
    )
    members = [signup_data.member(world["team"], name=f"志愿者{i}") for i in range(people)]
    entries = [signups.sign_up(shift, person) for person in members]
    db.session.commit()
    return shift, members, entries


def test_roster_lists_confirmed_then_waitlist_in_arrival_order(db, world):
    shift, members, _entries = _filled_shift(db, world, capacity=2, people=4)
    roster = task_dashboard.roster(shift)
    assert [s.user_id for s in roster.confirmed] == [members[0].id, members[1].id]
    assert [s.user_id for s in roster.waitlist] == [members[2].id, members[3].id]


def test_capacity_cannot_drop_below_confirmed(db, world):
    shift, _members, _entries = _filled_shift(db, world, capacity=2, people=2)
    with pytest.raises(InvalidInput) as error:
        shift_edits.update_shift(
            shift, day=DAY, start=time(14), end=time(17), capacity=1, actor=world["boss"]
        )
    assert error.value.field == "capacity"
    db.session.rollback()
    assert db.session.get(Shift, shift.id).capacity == 2


def test_larger_capacity_promotes_the_waitlist(db, world):
    shift, members, _entries = _filled_shift(db, world, capacity=2, people=4)
    shift_edits.update_shift(
        shift, day=DAY, start=time(15), end=time(18), capacity=3, note="", actor=world["boss"]
    )
    db.session.commit()
    roster = task_dashboard.roster(shift)
    assert [s.user_id for s in roster.confirmed] == [m.id for m in members[:3]]
    assert [s.user_id for s in roster.waitlist] == [members[3].id]
    assert shift_edits.format_span(shift).endswith("15:00–18:00")
    assert "shifts.shift_updated" in audit_actions(db)


def test_cancel_notifies_confirmed_and_waitlisted(db, world):
    shift, members, _entries = _filled_shift(db, world, capacity=1, people=2)
    outsider = signup_data.member(world["team"], name="没报名")
    shift_edits.cancel_shift(shift, reason="闭馆检修", actor=world["boss"])
    db.session.commit()
    assert shift.status == "cancelled"
    assert shift.cancel_reason == "闭馆检修"
    notes = list(
        db.session.scalars(select(Notification).where(Notification.kind == "shifts.cancelled"))
    )
    assert sorted(n.user_id for n in notes) == sorted(m.id for m in members)
    assert outsider.id not in {n.user_id for n in notes}
    assert all("闭馆检修" in n.body for n in notes)
    assert "shifts.shift_cancelled" in audit_actions(db)


def test_cancel_needs_a_reason_and_a_cancelled_shift_cannot_change(db, world):
    shift = shift_edits.create_shift(
        world["task"], day=DAY, start=time(14), end=time(17), actor=world["boss"]
    )
    with pytest.raises(InvalidInput):
        shift_edits.cancel_shift(shift, reason="  ", actor=world["boss"])
    shift_edits.cancel_shift(shift, reason="台风", actor=world["boss"])
    with pytest.raises(Conflict) as error:
        shift_edits.update_shift(
            shift, day=DAY, start=time(14), end=time(17), capacity=3, actor=world["boss"]
        )
    assert "已取消" in str(error.value)


def test_dashboard_puts_unfilled_first_and_computes_fill_rate(db, world):
    now = datetime.combine(DAY, time(0)) - timedelta(days=1)
    full = shift_edits.create_shift(
        world["task"], day=DAY, start=time(8), end=time(10), capacity=1, actor=world["boss"]
    )
    later = shift_edits.create_shift(
        world["task"],
        day=DAY + timedelta(days=1),
        start=time(8),
        end=time(10),
        capacity=3,
        actor=world["boss"],
    )
    shift_edits.create_shift(
        world["task"],
        day=DAY + timedelta(days=20),
        start=time(8),
        end=time(10),
        actor=world["boss"],
    )
    cancelled = shift_edits.create_shift(
        world["task"], day=DAY, start=time(12), end=time(13), actor=world["boss"]
    )
    shift_edits.cancel_shift(cancelled, reason="x", actor=world["boss"])
    signups.sign_up(full, signup_data.member(world["team"]))
    db.session.commit()
    board = task_dashboard.dashboard(world["boss"], now=now)
    assert [fill.shift.id for fill in board.shifts] == [later.id, full.id]
    (row,) = board.tasks
    assert (row.shifts, row.places, row.confirmed) == (2, 4, 1)
    assert row.fill_rate == pytest.approx(0.25)
    assert row.no_show_rate is None
    assert task_dashboard.dashboard(world["other_boss"], now=now).shifts == []


def test_no_show_hook_feeds_the_dashboard(db, world, monkeypatch):
    monkeypatch.setattr(hooks.NO_SHOW_RATES, "providers", [])
    hooks.NO_SHOW_RATES.connect(lambda ids: dict.fromkeys(ids, 0.1))
    shift_edits.create_shift(
        world["task"], day=DAY, start=time(8), end=time(10), actor=world["boss"]
    )
    board = task_dashboard.dashboard(
        world["boss"], now=datetime.combine(DAY, time(0)) - timedelta(days=1)
    )
    assert board.tasks[0].no_show_rate == pytest.approx(0.1)
