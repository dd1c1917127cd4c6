"""Coordinators through the API: the tasks and shifts of the teams they run, those teams'
attendance records (and verifying one), and the applications to their campaigns (and deciding
one). Every rule is the pages' own service: verifying is app/checkin's, deciding is
app/recruitment's review, with the same refusals as problems. Another team's ids answer 404,
as a missing id does; an admin runs every team.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.api import cursors, envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.envelope import iso, task_brief
from app.api.openapi import TIME, TIME_OR_NULL
from app.checkin import attendance as attendance_records
from app.checkin import attendance_sheet, attendance_verification
from app.checkin.models import Attendance
from app.common.rows import fields_of
from app.common.tables import download
from app.common.time import utcnow
from app.errors import NotFound
from app.extensions import db
from app.recruitment import applying, review
from app.recruitment.access import can_manage_team
from app.recruitment.labels import STATUS_LABELS
from app.recruitment.models import Application, Campaign, Team
from app.shifts import task_dashboard, tasks
from app.shifts.models import Shift, Task

CSV = "text/csv; charset=utf-8"
READ = ("coordination:read",)
WRITE = ("coordination:write",)
DECISIONS = ("shortlisted", "accepted", "rejected", "waitlisted")
TASK_FILTERS = {"window": cursors.CURSOR}
SHIFT_FILTERS = {"window": cursors.CURSOR, "period": cursors.PERIOD}
ATTENDANCE_FILTERS = {
    **SHIFT_FILTERS,
    "verified": envelope.BoolArg(description="true: verified records only; false: unverified."),
}
APPLICATION_FILTERS = {
    "window": cursors.CURSOR,
    "status": envelope.ChoiceArg(tuple(STATUS_LABELS), description="Only this status."),
}
DECISION = writes.Body(
    decision=writes.Field(
        "string",
        required=True,
        pattern="|".join(DECISIONS),
        description="The status the application moves to: " + ", ".join(DECISIONS) + ".",
    )
)


def _managed_team(team_id: int) -> Team:
    """The team when the caller runs it (an admin: any); otherwise not found, as missing."""
    team = db.session.get(Team, team_id)
    if team is None or not can_manage_team(current_person(), team):
        raise NotFound(_("No such team."))
    return team


# JSON ------------------------------------------------------------------------------------------


def task_json(task: Task) -> dict[str, Any]:
    return fields_of(task, "id", "team_id", "title", "location", "kind", "active")


def team_shift_json(shift: Shift) -> dict[str, Any]:
    return {
        "id": shift.id,
        "task": task_brief(shift.task),
        "starts_at": iso(shift.starts_at),
        "ends_at": iso(shift.ends_at),
        "capacity": shift.capacity,
        "taken": shift.confirmed_count,
    }


def attendance_json(record: Attendance) -> dict[str, Any]:
    return {
        "id": record.id,
        "shift_id": record.shift_id,
        "shift_starts_at": iso(record.shift.starts_at),
        "person": {"id": record.user.id, "name": record.user.name},
        "status": record.status,
        "checked_in_at": iso(record.checked_in_at),
        "checked_out_at": iso(record.checked_out_at),
        "late": record.late,
        "auto_closed": record.auto_closed,
        "minutes": record.total_minutes,
        "verified_at": iso(record.verified_at),
    }


def application_json(application: Application) -> dict[str, Any]:
    return {
        "id": application.id,
        "campaign": {"id": application.campaign.id, "title": application.campaign.title},
        "person": {"id": application.user.id, "name": application.user.name},
        "status": application.status,
        "submitted_at": iso(application.submitted_at),
        "decided_at": iso(application.decided_at),
        "decisions": review.allowed_transitions(application),
    }


# Reads -----------------------------------------------------------------------------------------


@bp.get("/teams/<int:team_id>/tasks")
@token_required(*READ)
@envelope.query_args(**TASK_FILTERS)
def team_tasks(team_id: int, window: cursors.Window):
    team = _managed_team(team_id)
    found = tasks.tasks_for(current_person(), team_id=team.id)
    return cursors.page_of_list(found, lambda task: (task.title, task.id), task_json, window)


@bp.get("/teams/<int:team_id>/shifts")
@token_required(*READ)
@envelope.query_args(**SHIFT_FILTERS)
def team_shifts(team_id: int, window: cursors.Window, period: cursors.Period):
    team = _managed_team(team_id)
    query = (
        select(Shift)
        .join(Shift.task)
        .where(Task.team_id == team.id, *period.within(Shift.starts_at))
        .options(joinedload(Shift.task))
    )
    return cursors.page(
        query,
        (Shift.starts_at, Shift.id),
        team_shift_json,
        window,
        key=lambda shift: (shift.starts_at, shift.id),
    )


@bp.get("/teams/<int:team_id>/attendance")
@token_required(*READ)
@envelope.query_args(**ATTENDANCE_FILTERS)
def team_attendance(
    team_id: int, window: cursors.Window, period: cursors.Period, verified: bool | None
):
    team = _managed_team(team_id)
    query = (
        select(Attendance)
        .join(Attendance.shift)
        .join(Shift.task)
        .where(Task.team_id == team.id, *period.within(Shift.starts_at))
        .options(joinedload(Attendance.shift), joinedload(Attendance.user))
    )
    if verified is not None:
        query = query.where(
            Attendance.verified_at.is_not(None) if verified else Attendance.verified_at.is_(None)
        )
    return cursors.page(
        query,
        (Shift.starts_at, Attendance.id),
        attendance_json,
        window,
        key=lambda record: (record.shift.starts_at, record.id),
    )


@bp.get("/teams/<int:team_id>/applications")
@token_required(*READ)
@envelope.query_args(**APPLICATION_FILTERS)
def team_applications(team_id: int, window: cursors.Window, status: str | None):
    team = _managed_team(team_id)
    query = (
        select(Application)
        .join(Application.campaign)
        .where(Campaign.team_id == team.id)
        .options(joinedload(Application.campaign), joinedload(Application.user))
    )
    if status is not None:
        query = query.where(Application.status == status)
    return cursors.page(query, (Application.submitted_at, Application.id), application_json, window)


@bp.get("/shifts/<int:shift_id>/roster")
@token_required(*READ)
def shift_roster(shift_id: int):
    shift = attendance_records.managed_shift(shift_id, current_person())
    roster = task_dashboard.roster(shift)
    sheet = attendance_sheet.shift_sheet(shift, actor=current_person(), now=utcnow())
    records = {row.person.id: row.attendance for row in [*sheet.rows, *sheet.others]}
    return envelope.ok(
        {
            "shift": team_shift_json(shift),
            "confirmed": [
                _placed(signup, records.get(signup.user_id)) for signup in roster.confirmed
            ],
            "waitlist": [
                {**_person(signup), "status": signup.status, "position": position}
                for position, signup in enumerate(roster.waitlist, start=1)
            ],
            "walk_ins": [_checkin(row.attendance) | _named(row.person) for row in sheet.others],
        }
    )


@bp.get("/shifts/<int:shift_id>/attendance.csv")
@token_required(*READ)
def shift_attendance_csv(shift_id: int):
    """The attendance sheet's CSV export, as the page's button (audited the same way)."""
    shift = attendance_records.managed_shift(shift_id, current_person())
    data, filename = attendance_sheet.export_sheet(shift, actor=current_person(), now=utcnow())
    return download(data, filename, CSV)


def _named(person) -> dict[str, Any]:
    return {"person": {"id": person.id, "name": person.name}}


def _person(signup) -> dict[str, Any]:
    return {"signup_id": signup.id, **_named(signup.user), "signed_up_at": iso(signup.signed_up_at)}


def _checkin(record: Attendance | None) -> dict[str, Any]:
    """The check-in state the attendance sheet shows: absent (no record), in or out."""
    return {
        "checkin": record.status if record else "absent",
        "attendance_id": record.id if record else None,
        "verified": bool(record and record.verified_at),
    }


def _placed(signup, record: Attendance | None) -> dict[str, Any]:
    return {**_person(signup), **_checkin(record)}


# Writes ----------------------------------------------------------------------------------------


@bp.post("/attendance/<int:attendance_id>/verify")
@token_required(*WRITE)
@writes.accepts()
def verify_attendance(attendance_id: int):
    record = attendance_records.managed_attendance(attendance_id, current_person())
    attendance_verification.verify(record, actor=current_person(), now=utcnow())
    return envelope.ok(attendance_json(record))


@bp.post("/applications/<int:application_id>/decide")
@token_required(*WRITE)
@writes.accepts(DECISION)
def decide_application(application_id: int, body: dict):
    application = applying.get_application(application_id)
    if not can_manage_team(current_person(), application.campaign.team_id):
        raise NotFound(_("No such application."))
    review.decide(application, body["decision"], actor=current_person(), now=utcnow())
    return envelope.ok(application_json(application))


# The document ----------------------------------------------------------------------------------

TEAM_ID = openapi.path_id("team_id", "A team you coordinate (an admin: any team).")
ATTENDANCE_ID = openapi.path_id("attendance_id", "The record's id, from the team's attendance.")
APPLICATION_ID = openapi.path_id("application_id", "The application's id, from the team's list.")
NAMED = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
SHIFT_ID = openapi.path_id("shift_id", "A shift of a team you coordinate.")
SIGNED = {"signup_id": {"type": "integer"}, "person": NAMED, "signed_up_at": TIME}
CHECKIN = {
    "checkin": {"type": "string", "enum": ["absent", "in", "out", "undone"]},
    "attendance_id": {"type": ["integer", "null"]},
    "verified": {"type": "boolean"},
}
TITLED = {
    "type": "object",
    "required": ["id", "title"],
    "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
}


def _operation(path_id: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return openapi.operation(tag="coordination", path=(path_id,), **fields)


def _list(operation_id: str, summary: str, description: str, schema: str, filters=None):
    return _operation(
        TEAM_ID,
        operation_id=operation_id,
        summary=summary,
        description=description,
        scopes=READ,
        data=openapi.ref(schema),
        parameters=openapi.query_parameters(filters) if filters else None,
        cursor=filters is not None,
    )


def _write(path_id, operation_id: str, summary: str, description: str, schema: str, body):
    return _operation(
        path_id,
        operation_id=operation_id,
        summary=summary,
        description=description,
        scopes=WRITE,
        data=openapi.ref(schema),
        body=body,
        errors=(401, 403, 404, 409, 429, 500),
    )


def _csv_operation() -> dict[str, Any]:
    """A file, not the JSON envelope: its own 200 response."""
    result = _operation(
        SHIFT_ID,
        operation_id="exportShiftAttendance",
        summary="A shift's attendance sheet as CSV",
        description="The attendance page's export (UTF-8 with a BOM, formula cells "
        "neutralised, column titles in your language); each export is in the audit log.",
        scopes=READ,
        data={"type": "string"},
    )
    result["responses"]["200"] = {
        "description": "The CSV file.",
        "headers": {
            "Content-Disposition": {
                "description": "attachment, with the file's name.",
                "schema": {"type": "string"},
            }
        },
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
    result["responses"].pop("304", None)
    return result


def required_object(properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema whose every property is required (as every answer has them all)."""
    return {"type": "object", "required": list(properties), "properties": properties}


openapi.add_paths(
    {
        "/teams/{team_id}/tasks": {
            "get": _list(
                "listTeamTasks",
                "The team's tasks",
                "Every task of the team, active or not, by title.",
                "TeamTask",
                TASK_FILTERS,
            )
        },
        "/teams/{team_id}/shifts": {
            "get": _list(
                "listTeamShifts",
                "The team's shifts",
                "Every shift of the team's tasks, past and coming, by start.",
                "TeamShift",
                SHIFT_FILTERS,
            )
        },
        "/teams/{team_id}/attendance": {
            "get": _list(
                "listTeamAttendance",
                "The team's attendance records",
                "By the shift's start; `verified` keeps verified or unverified records.",
                "AttendanceRecord",
                ATTENDANCE_FILTERS,
            )
        },
        "/teams/{team_id}/applications": {
            "get": _list(
                "listTeamApplications",
                "Applications to the team's campaigns",
                "By submission; `decisions` lists the statuses you may move it to now.",
                "TeamApplication",
                APPLICATION_FILTERS,
            )
        },
        "/shifts/{shift_id}/roster": {
            "get": _operation(
                SHIFT_ID,
                operation_id="getShiftRoster",
                summary="A shift's roster",
                description="Who holds a place (sign-up order) with their check-in state, who "
                "waits (first come first, `position` 1 first), and walk-ins; as the shift's "
                "roster and attendance sheet.",
                scopes=READ,
                data=openapi.ref("Roster"),
            )
        },
        "/shifts/{shift_id}/attendance.csv": {"get": _csv_operation()},
        "/attendance/{attendance_id}/verify": {
            "post": _write(
                ATTENDANCE_ID,
                "verifyAttendance",
                "Verify an attendance record",
                "As the Verify button: only a checked-out record (else 400); 409 when "
                "someone verified it already.",
                "AttendanceRecord",
                writes.EMPTY,
            )
        },
        "/applications/{application_id}/decide": {
            "post": _write(
                APPLICATION_ID,
                "decideApplication",
                "Decide an application",
                "As the decision buttons: 409 when it already has that status or when every "
                "place is taken; 400 when the status table does not allow the move or the "
                "campaign selects by lottery. The applicant is told.",
                "TeamApplication",
                DECISION,
            )
        },
    },
    schemas={
        "TeamTask": required_object(
            {
                "id": {"type": "integer"},
                "team_id": {"type": "integer"},
                "title": {"type": "string"},
                "location": {"type": "string"},
                "kind": {"type": "string"},
                "active": {"type": "boolean"},
            }
        ),
        "TeamShift": required_object(
            {
                "id": {"type": "integer"},
                "task": openapi.ref("TaskBrief"),
                "starts_at": TIME,
                "ends_at": TIME,
                "capacity": {"type": "integer"},
                "taken": {"type": "integer", "description": "Places confirmed or offered."},
            }
        ),
        "Roster": required_object(
            {
                "shift": openapi.ref("TeamShift"),
                "confirmed": {"type": "array", "items": required_object({**SIGNED, **CHECKIN})},
                "waitlist": {
                    "type": "array",
                    "items": required_object(
                        {
                            **SIGNED,
                            "status": {"type": "string", "enum": ["waitlisted", "offered"]},
                            "position": {"type": "integer"},
                        }
                    ),
                },
                "walk_ins": {
                    "type": "array",
                    "items": required_object({"person": NAMED, **CHECKIN}),
                },
            }
        ),
        "AttendanceRecord": required_object(
            {
                "id": {"type": "integer"},
                "shift_id": {"type": "integer"},
                "shift_starts_at": TIME,
                "person": NAMED,
                "status": {"type": "string"},
                "checked_in_at": TIME,
                "checked_out_at": TIME_OR_NULL,
                "late": {"type": "boolean"},
                "auto_closed": {"type": "boolean"},
                "minutes": {"type": "integer", "description": "Scanned plus added minutes."},
                "verified_at": TIME_OR_NULL,
            }
        ),
        "TeamApplication": required_object(
            {
                "id": {"type": "integer"},
                "campaign": TITLED,
                "person": NAMED,
                "status": {"type": "string", "enum": list(STATUS_LABELS)},
                "submitted_at": TIME,
                "decided_at": TIME_OR_NULL,
                "decisions": {"type": "array", "items": {"type": "string"}},
            }
        ),
    },
    tags={"coordination": "A coordinator's teams: tasks, shifts, attendance and applications."},
)
