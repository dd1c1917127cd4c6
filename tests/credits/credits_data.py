"""Building credit test data: verified attendances and completed trainings (the sources of
credit records), written as the check-in and training features leave them, and a sync."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.checkin import attendance_corrections, attendance_verification
from app.checkin.models import Attendance
from app.credits import records
from app.extensions import db
from app.recruitment import membership
from app.recruitment.models import Team
from app.shifts import trainings
from app.shifts.models import Shift, Task, TrainingRecord
from tests import factories
from tests.checkin import checkin_data
from tests.recruitment import recruiting


def person(name: str = "王同学", **fields):
    return factories.person(roles=["volunteer"], name=name, **fields)


def team(*, name: str | None = None, kind: str = "volunteer_team") -> Team:
    return recruiting.team(name=name, kind=kind)


def task(for_team: Team | None = None, **fields) -> Task:
    """A service task (title 总服务台值班 unless given) of the team, or of a new team."""
    return checkin_data.task(for_team or team(), **fields)


def shift(for_task: Task, *, starts_at: datetime, minutes: int) -> Shift:
    """A shift at an exact UTC moment, usually in the past, of any length: a raw row, as
    `shift_edits.create_shift` takes local wall-clock times within one day and needs a
    coordinator."""
    created = Shift(
        task_id=for_task.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=max(for_task.default_capacity, 1),
    )
    db.session.add(created)
    db.session.flush()
    return created


def verified_attendance(
    user,
    *,
    task: Task | None = None,
    starts_at: datetime,
    minutes: int,
    team: Team | None = None,
) -> Attendance:
    """A checked-out, verified walk-in record of `minutes` scan minutes on a shift of exactly
    that length starting at `starts_at` (naive UTC), on `task` (or a new task of `team`, or of
    a new team). The person becomes a member of the task's team."""
    if task is None:
        task = checkin_data.task(team or recruiting.team())
    membership.join_team(task.team_id, user.id, now=starts_at)
    on_shift = shift(task, starts_at=starts_at, minutes=minutes)
    created = Attendance(
        shift_id=on_shift.id,
        user_id=user.id,
        walk_in=True,
        status="out",
        checked_in_at=starts_at,
        checked_out_at=on_shift.ends_at,
        check_in_method="kiosk",
        check_out_method="kiosk",
        scan_minutes=minutes,
        verified_at=on_shift.ends_at,
    )
    db.session.add(created)
    db.session.flush()
    return created


def _boss(record: Attendance):
    return recruiting.coordinator(record.shift.task.team, name="核验老师")


def unverify(record: Attendance, *, now: datetime | None = None) -> Attendance:
    """The team's coordinator takes the verification back (through the check-in service)."""
    return attendance_verification.unverify(record, actor=_boss(record), reason="时长有误", now=now)


def add_minutes_and_verify(
    record: Attendance, minutes: int, *, now: datetime | None = None
) -> Attendance:
    """The coordinator adds minutes with evidence (which takes the verification back) and
    verifies the record again."""
    boss = _boss(record)
    attendance_corrections.add_minutes(record, minutes, "签到表照片", actor=boss, now=now)
    attendance_verification.verify(record, actor=boss, now=now)
    return record


def completed_training(
    user,
    *,
    starts_at: datetime,
    minutes: int,
    for_team: Team | None = None,
    **task_fields,
) -> TrainingRecord:
    """The person completed a training shift (a task of kind "training") of `minutes`,
    recorded through the training service."""
    values = {"title": "新志愿者岗前培训", "kind": "training"}
    values.update(task_fields)
    training = checkin_data.task(for_team or team(), **values)
    on_shift = shift(training, starts_at=starts_at, minutes=minutes)
    boss = recruiting.coordinator(training.team, name="培训老师")
    trainings.record_completion(on_shift, user.id, actor=boss, now=on_shift.ends_at)
    return db.session.scalar(
        db.select(TrainingRecord).where(
            TrainingRecord.user_id == user.id, TrainingRecord.task_id == training.id
        )
    )


def synced(now: datetime, user_ids=None) -> dict[str, int]:
    """Run the record sync at `now` (for everyone unless `user_ids` is given)."""
    return records.sync_records(now=now, user_ids=user_ids)


# The default export template's headers, in order, as DESIGN.md lists them.
DEFAULT_HEADERS = [
    "学号",
    "姓名",
    "学院",
    "班级",
    "项目名称",
    "模块类别",
    "级别",
    "参与角色",
    "开始日期",
    "结束日期",
    "学时",
    "学分",
    "认定日期",
    "认定单位",
    "记录编号",
    "备注",
]
