"""Coordinator pages through HTTP: access per role, tasks, shifts, series, roster actions,
cancelling and the dashboard."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.notifications.models import Notification
from app.shifts import shift_edits, signups, task_dashboard, tasks
from app.shifts.models import Shift, ShiftSignup, Task
from tests.helpers import choose_english, page
from tests.recruitment import recruiting
from tests.shifts import signup_data

DAY = date.today() + timedelta(days=7)
# The task form's check-in settings, as the browser posts them.
CHECKIN_FORM = {
    "checkin_opens_minutes": "30",
    "late_after_minutes": "5",
    "hours_tolerance_minutes": "15",
    "hours_rounding_minutes": "15",
    "waitlist_mode": "automatic",
    "offer_hours": "2",
}


def desk_form(**overrides) -> dict:
    """The edit form of the desk task as a browser sends it, with some fields changed."""
    return {
        "title": "总服务台值班",
        "kind": "service",
        "default_capacity": "2",
        "points_multiplier": "1",
        "cancel_deadline_hours": "12",
        "active": "y",
        **CHECKIN_FORM,
        **overrides,
    }


@pytest.fixture
def world(db):
    team = recruiting.team(name="阅览室志愿者队")
    other = recruiting.team(name="古籍修复队")
    boss = recruiting.coordinator(team, name="A队老师")
    other_boss = recruiting.coordinator(other, name="B队老师")
    task = tasks.create_task(
        team.id, tasks.TaskFields(title="总服务台值班", location="一楼大厅"), actor=boss
    )
    shift = shift_edits.create_shift(
        task, day=DAY, start=time(14), end=time(17), capacity=1, actor=boss
    )
    volunteer = signup_data.member(team, name="张三")
    waiting = signup_data.member(team, name="李四")
    first = signups.sign_up(shift, volunteer)
    signups.sign_up(shift, waiting)
    db.session.commit()
    return {
        "team": team,
        "other": other,
        "boss": boss,
        "other_boss": other_boss,
        "task": task,
        "shift": shift,
        "volunteer": volunteer,
        "waiting": waiting,
        "signup": first,
    }


def urls(world, template):
    return template.format(task=world["task"].id, shift=world["shift"].id)


@pytest.mark.parametrize(
    "template",
    [
        "/tasks/shifts/{shift}/cancel",
        "/tasks/shifts/{shift}/assign",
        "/tasks/shifts/{shift}/signups/1/remove",
    ],
)
def test_other_teams_coordinator_cannot_post(client, login, world, db, template):
    login(world["other_boss"])
    response = client.post(urls(world, template), data={"reason": "x", "student_number": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Shift, world["shift"].id).status == "scheduled"


def test_tasks_link_in_nav_for_coordinators_only(client, login, world):
    login(world["boss"])
    assert 'data-testid="nav-tasks"' in page(client.get("/"))
    client.post("/logout")
    login(world["volunteer"])
    assert 'data-testid="nav-tasks"' not in page(client.get("/"))


def test_task_list_shows_only_own_teams(client, login, world, db):
    tasks.create_task(
        world["other"].id, tasks.TaskFields(title="古籍整理"), actor=world["other_boss"]
    )
    db.session.commit()
    login(world["boss"])
    body = page(client.get("/tasks/"))
    assert "总服务台值班" in body
    assert "古籍整理" not in body


def test_create_task_through_form(client, login, world, db):
    login(world["boss"])
    response = client.post(
        "/tasks/new",
        data={
            "team_id": world["team"].id,
            "title": "书库整架",
            "kind": "service",
            "location": "二楼书库",
            "required_skills": "排架, 英语",
            "default_capacity": "5",
            "points_multiplier": "1.5",
            "cancel_deadline_hours": "24",
            **CHECKIN_FORM,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.scalar(select(Task).where(Task.title == "书库整架"))
    assert task.active  # the form has no "Active" box: a new task is offered at once
    assert task.required_skills == ["排架", "英语"]
    assert (task.default_capacity, task.points_multiplier, task.cancel_deadline_hours) == (
        5,
        1.5,
        24,
    )


def test_waitlist_offers_and_takeover_approval_through_the_task_form(client, login, world, db):
    login(world["boss"])
    task_id = world["task"].id
    values = desk_form(waitlist_mode="offer", swap_needs_approval="y")
    refused = client.post(f"/tasks/{task_id}/edit", data={**values, "offer_hours": "0"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert world["task"].waitlist_mode == "automatic"

    response = client.post(f"/tasks/{task_id}/edit", data={**values, "offer_hours": "6"})
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert (task.waitlist_mode, task.offer_hours, task.swap_needs_approval) == ("offer", 6, True)
    assert 'data-testid="waitlist-rules"' in page(client.get(f"/tasks/{task_id}"))


def test_check_in_settings_through_the_task_form(client, login, world, db):
    login(world["boss"])
    task_id = world["task"].id
    values = desk_form()
    refused = client.post(f"/tasks/{task_id}/edit", data={**values, "late_after_minutes": "500"})
    assert refused.status_code == 400
    assert 'data-testid="checkin-settings"' in page(refused)

    response = client.post(
        f"/tasks/{task_id}/edit",
        data={**values, "checkin_opens_minutes": "45", "walk_ins_allowed": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert (task.checkin_opens_minutes, task.late_after_minutes, task.walk_ins_allowed) == (
        45,
        5,
        True,
    )
    assert 'data-testid="checkin-rules"' in page(client.get(f"/tasks/{task_id}"))


def test_coordinator_cannot_create_task_for_other_team(client, login, world, db):
    login(world["boss"])
    response = client.post(
        "/tasks/new",
        data={
            "team_id": world["other"].id,
            "title": "偷偷建",
            "kind": "service",
            "default_capacity": "2",
            "points_multiplier": "1",
            "cancel_deadline_hours": "12",
            **CHECKIN_FORM,
        },
    )
    assert response.status_code == 400  # the form shows the error
    db.session.expire_all()
    assert db.session.scalar(select(Task).where(Task.title == "偷偷建")) is None


def test_new_series_through_form(client, login, world, db):
    login(world["boss"])
    monday = DAY + timedelta(days=7 - DAY.weekday())
    response = client.post(
        f"/tasks/{world['task'].id}/series/new",
        data={
            "weekdays": ["0", "2"],
            "start": "14:00",
            "end": "17:00",
            "first_date": monday.isoformat(),
            "last_date": (monday + timedelta(days=13)).isoformat(),
            "capacity": "3",
            "skipped_dates": (monday + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Shift.series_id.is_not(None))) == 3


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"weekdays": []}, "at least one weekday"),
        ({"end": "13:00"}, "end time must be after"),
        ({"skipped_dates": "next monday"}, "is not a date"),
        ({"last_date": (DAY + timedelta(days=300)).isoformat()}, "at most 200 days"),
        ({"capacity": "0"}, "capacity must be between"),
    ],
)
def test_bad_series_shows_message_and_writes_nothing(client, login, world, db, overrides, message):
    choose_english(client)
    login(world["boss"])
    data = {
        "weekdays": ["0"],
        "start": "14:00",
        "end": "17:00",
        "first_date": DAY.isoformat(),
        "last_date": (DAY + timedelta(days=30)).isoformat(),
        "capacity": "3",
        "skipped_dates": "",
        **overrides,
    }
    response = client.post(f"/tasks/{world['task'].id}/series/new", data=data)
    assert response.status_code == 400
    assert message in page(response)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Shift.series_id.is_not(None))) == 0


def test_shift_page_shows_roster_in_order(client, login, world):
    login(world["boss"])
    body = page(client.get(f"/tasks/shifts/{world['shift'].id}"))
    confirmed = body.index('data-testid="roster-confirmed"')
    waitlist = body.index('data-testid="roster-waitlist"')
    assert confirmed < body.index("张三") < waitlist < body.index("李四")


def test_edit_shift_refuses_capacity_below_confirmed(client, login, world, db):
    choose_english(client)
    login(world["boss"])
    shift = world["shift"]
    data = {"day": DAY.isoformat(), "start": "14:00", "end": "17:00", "capacity": "2", "note": ""}
    assert client.post(f"/tasks/shifts/{shift.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    # The freed place went to the first person waiting.
    assert db.session.get(Shift, shift.id).confirmed_count == 2
    data["capacity"] = "1"
    response = client.post(f"/tasks/shifts/{shift.id}/edit", data=data)
    assert "already confirmed" in page(response)
    db.session.expire_all()
    assert db.session.get(Shift, shift.id).capacity == 2


def test_cancel_shift_through_page_notifies_people(client, login, world, db):
    login(world["boss"])
    response = client.post(
        f"/tasks/shifts/{world['shift'].id}/cancel", data={"reason": "闭馆", "scope": "one"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Shift, world["shift"].id).status == "cancelled"
    told = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "shifts.cancelled")
        )
    )
    assert told == {world["volunteer"].id, world["waiting"].id}
    assert 'data-testid="shift-cancelled"' in page(client.get(f"/tasks/shifts/{world['shift'].id}"))


def test_cancel_without_reason_changes_nothing(client, login, world, db):
    login(world["boss"])
    client.post(f"/tasks/shifts/{world['shift'].id}/cancel", data={"reason": "", "scope": "one"})
    db.session.expire_all()
    assert db.session.get(Shift, world["shift"].id).status == "scheduled"


def test_assign_and_remove_through_page(client, login, world, db):
    newcomer = signup_data.member(world["team"], name="王五")
    db.session.commit()
    login(world["boss"])
    shift_id = world["shift"].id
    response = client.post(
        f"/tasks/shifts/{shift_id}/assign", data={"student_number": newcomer.student_number}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assigned = db.session.scalar(select(ShiftSignup).where(ShiftSignup.user_id == newcomer.id))
    assert assigned.status == "waitlisted"  # the shift is full
    response = client.post(f"/tasks/shifts/{shift_id}/signups/{world['signup'].id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ShiftSignup, world["signup"].id).status == "cancelled"
    roster = task_dashboard.roster(db.session.get(Shift, shift_id))
    assert [s.user_id for s in roster.confirmed] == [world["waiting"].id]


def test_assign_unknown_number_says_so(client, login, world):
    choose_english(client)
    login(world["boss"])
    response = client.post(
        f"/tasks/shifts/{world['shift'].id}/assign",
        data={"student_number": "NOPE"},
        follow_redirects=True,
    )
    assert "Nobody has this student or staff number." in page(response)


def test_dashboard_lists_unfilled_first(client, login, world, db):
    empty = shift_edits.create_shift(
        world["task"], day=DAY + timedelta(days=1), start=time(8), end=time(9), actor=world["boss"]
    )
    db.session.commit()
    login(world["boss"])
    body = page(client.get("/tasks/dashboard"))
    assert body.index(f"dashboard-shift-{empty.id}") < body.index(
        f"dashboard-shift-{world['shift'].id}"
    )
    assert "—" in body


def test_unknown_shift_is_404(client, login, world):
    login(world["boss"])
    assert client.get("/tasks/shifts/99999").status_code == 404


def test_edit_task_through_form(client, login, world, db):
    login(world["boss"])
    task_id = world["task"].id
    assert "一楼大厅" in page(client.get(f"/tasks/{task_id}/edit"))
    response = client.post(
        f"/tasks/{task_id}/edit",
        data={
            "team_id": world["other"].id,  # ignored: a task stays in its team
            "title": "总服务台值班（晚班）",
            "kind": "service",
            "location": "一楼大厅",
            "default_capacity": "3",
            "points_multiplier": "2",
            "cancel_deadline_hours": "6",
            **CHECKIN_FORM,
            "active": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert (task.title, task.team_id, task.cancel_deadline_hours) == (
        "总服务台值班（晚班）",
        world["team"].id,
        6,
    )


def test_second_classroom_category_through_the_task_form(client, login, world, db):
    login(world["boss"])
    task_id = world["task"].id
    values = desk_form()
    refused = client.post(f"/tasks/{task_id}/edit", data={**values, "credit_category": "类" * 33})
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Task, task_id).credit_category is None

    response = client.post(
        f"/tasks/{task_id}/edit", data={**values, "credit_category": " 文体活动 "}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Task, task_id).credit_category == "文体活动"
    assert "文体活动" in page(client.get(f"/tasks/{task_id}"))

    client.post(f"/tasks/{task_id}/edit", data={**values, "credit_category": ""})
    db.session.expire_all()
    assert db.session.get(Task, task_id).credit_category is None
