"""Coordinator pages: tasks, shifts and series, rosters, assignment, dashboard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from app.accounts import services as accounts
from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.forms import ActionForm, flash_form_errors
from app.common.time import to_local, utc_of_local, utcnow
from app.common.transaction import form_page, form_status, posted_change, run_change
from app.credits import rules as credit_rules
from app.errors import InvalidInput, NotFound
from app.recruitment import profiles
from app.recruitment.teams import services as team_services
from app.shifts import (
    release,
    rush,
    shift_edits,
    signups,
    task_dashboard,
    task_series,
    tasks,
    trainings,
)
from app.shifts.models import Task
from app.shifts.task_forms import (
    AssignForm,
    CancelShiftForm,
    LimitsForm,
    OpeningForm,
    SeriesChangeForm,
    SeriesForm,
    ShiftForm,
    ShiftTimesForm,
    TaskForm,
)

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

ShiftsForm = TypeVar("ShiftsForm", bound=ShiftTimesForm)

# The check-in pages a coordinator opens from a shift (endpoint, label).
CHECKIN_PAGES = (
    ("checkin.kiosk", _l("Check-in kiosk")),
    ("attendance.shift_sheet", _l("Attendance sheet")),
    ("attendance.scanner", _l("Scan personal codes")),
)


def _labels() -> dict:
    return {"kind_labels": tasks.TASK_KIND_LABELS, "weekday_labels": tasks.WEEKDAY_LABELS}


def _task_form(task=None) -> TaskForm:
    form = TaskForm(obj=task)
    form.team_id.choices = [(team.id, team.name) for team in team_services.teams_for(current_user)]
    form.required_training_ids.choices = [
        (training.id, training.title)
        for training in tasks.training_choices(current_user)
        if task is None or training.id != task.id
    ]
    categories = list(credit_rules.rules_by_category())
    if task is not None and task.credit_category and task.credit_category not in categories:
        categories.append(task.credit_category)
    form.credit_category.choices = [
        ("", _("Default (%(category)s)", category=credit_rules.default_category()))
    ] + [(category, category) for category in categories]
    if task is not None and request.method == "GET":
        form.required_skills.data = ", ".join(task.required_skills or [])
        form.credit_category.data = task.credit_category or ""
    return form


def _task_fields(form: TaskForm) -> tasks.TaskFields:
    return tasks.TaskFields(
        title=form.title.data,
        kind=form.kind.data,
        description=form.description.data or "",
        location=form.location.data or "",
        required_training_ids=list(form.required_training_ids.data or []),
        required_skills=profiles.parse_skills(form.required_skills.data),
        default_capacity=form.default_capacity.data,
        points_multiplier=float(form.points_multiplier.data),
        cancel_deadline_hours=form.cancel_deadline_hours.data,
        is_onboarding=form.is_onboarding.data,
        active=form.active.data,
        checkin_opens_minutes=form.checkin_opens_minutes.data,
        late_after_minutes=form.late_after_minutes.data,
        walk_ins_allowed=form.walk_ins_allowed.data,
        hours_tolerance_minutes=form.hours_tolerance_minutes.data,
        hours_rounding_minutes=form.hours_rounding_minutes.data,
        waitlist_mode=form.waitlist_mode.data,
        offer_hours=form.offer_hours.data,
        swap_needs_approval=form.swap_needs_approval.data,
        credit_category=form.credit_category.data,
        place_latitude=form.place_latitude.data,
        place_longitude=form.place_longitude.data,
        place_radius_m=form.place_radius_m.data,
    )


def _checkin_links(shift) -> list[tuple[str, str]]:
    """Links to the shift's check-in pages, leaving out any page not installed."""
    links = []
    for endpoint, label in CHECKIN_PAGES:
        try:
            links.append((str(label), url_for(endpoint, shift_id=shift.id)))
        except BuildError:
            continue
    return links


def _shift_button(
    shift, change: Callable[[], Any], success: str | Callable[[Any], str]
) -> Response:
    """A button on the shift's page: run `change` when its form is sent, then back there."""
    if ActionForm().validate_on_submit():
        run_change(change, success)
    return redirect(url_for("tasks.shift", shift_id=shift.id))


@bp.route("/")
@role_required(*COORDINATOR_ROLES)
def index():
    teams = team_services.teams_for(current_user)
    team_id = request.args.get("team", type=int)
    if team_id is not None and team_id not in {team.id for team in teams}:
        team_id = None
    return render_template(
        "tasks/index.html",
        teams=[team for team in teams if team_id is None or team.id == team_id],
        tasks=tasks.tasks_for(current_user, team_id=team_id),
        team_id=team_id,
        **_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def new_task():
    form = _task_form()
    if request.method == "GET" and request.args.get("team", type=int):
        form.team_id.data = request.args.get("team", type=int)

    def create():
        # The new-task form has no "Active" box (a new task is offered at once); an
        # unticked, unsent box would otherwise create a task nobody can sign up for.
        fields = replace(_task_fields(form), active=True)
        return tasks.create_task(form.team_id.data, fields, actor=current_user)

    return form_page(
        form,
        create,
        lambda task: _("The task %(title)s has been created.", title=task.title),
        then=lambda task: url_for("tasks.task", task_id=task.id),
        template="tasks/task_form.html",
        task=None,
    )


@bp.route("/<int:task_id>")
@role_required(*COORDINATOR_ROLES)
def task(task_id: int):
    task = tasks.get_managed_task(task_id, current_user)
    past = request.args.get("past") == "1"
    shifts = task_dashboard.shifts_of_task(task, upcoming=not past)
    return render_template(
        "tasks/task.html",
        task=task,
        shifts=shifts,
        past=past,
        waiting=task_dashboard.waitlist_counts(shift.id for shift in shifts),
        trainings={t.id: t.title for t in tasks.training_choices(current_user)},
        to_local=to_local,
        **_labels(),
    )


@bp.route("/<int:task_id>/edit", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit_task(task_id: int):
    task = tasks.get_managed_task(task_id, current_user)
    form = _task_form(task)
    # The team of a task does not change; the field only has to pass validation.
    form.team_id.choices = [(task.team_id, task.team.name)]
    form.team_id.data = task.team_id
    return form_page(
        form,
        lambda: tasks.update_task(task, _task_fields(form), actor=current_user),
        _("The changes have been saved."),
        then=url_for("tasks.task", task_id=task.id),
        template="tasks/task_form.html",
        task=task,
    )


def _new_shifts_form(task_id: int, form_class: type[ShiftsForm]) -> tuple[Task, ShiftsForm]:
    """The task, and a form adding shifts to it that starts from its default capacity."""
    task = tasks.get_managed_task(task_id, current_user)
    form = form_class()
    if request.method == "GET":
        form.capacity.data = task.default_capacity
    return task, form


@bp.route("/<int:task_id>/shifts/new", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def new_shift(task_id: int):
    task, form = _new_shifts_form(task_id, ShiftForm)
    return form_page(
        form,
        lambda: shift_edits.create_shift(task, **form.values(), actor=current_user),
        lambda shift: _(
            "The shift on %(when)s has been created.", when=shift_edits.format_span(shift)
        ),
        then=url_for("tasks.task", task_id=task.id),
        template="tasks/shift_form.html",
        task=task,
        shift=None,
    )


@bp.route("/<int:task_id>/series/new", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def new_series(task_id: int):
    task, form = _new_shifts_form(task_id, SeriesForm)

    def create():
        fields = task_series.SeriesFields(
            weekdays=list(form.weekdays.data or []),
            start=form.start.data,
            end=form.end.data,
            first_date=form.first_date.data,
            last_date=form.last_date.data,
            capacity=form.capacity.data,
            skipped_dates=task_series.parse_skipped_dates(form.skipped_dates.data),
            note=form.note.data,
        )
        _series, shifts = task_series.create_series(task, fields, actor=current_user)
        return shifts

    return form_page(
        form,
        create,
        lambda shifts: _("%(n)d shifts have been created.", n=len(shifts)),
        then=url_for("tasks.task", task_id=task.id),
        template="tasks/series_form.html",
        task=task,
    )


@bp.route("/shifts/<int:shift_id>")
@role_required(*COORDINATOR_ROLES)
def shift(shift_id: int):
    shift = tasks.get_managed_shift(shift_id, current_user)
    roster = task_dashboard.roster(shift)
    return render_template(
        "tasks/shift.html",
        shift=shift,
        task=shift.task,
        roster=roster,
        when=shift_edits.format_span(shift),
        cancel_form=CancelShiftForm(),
        assign_form=AssignForm(),
        action_form=ActionForm(),
        is_over=shift.ends_at <= utcnow(),
        has_started=shift.starts_at <= utcnow(),
        release_requests=[s for s in roster.confirmed if release.release_requested(s)],
        checkin_links=_checkin_links(shift),
    )


@bp.route("/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit_shift(shift_id: int):
    shift = tasks.get_managed_shift(shift_id, current_user)
    form = ShiftForm()
    if request.method == "GET":
        form.load(shift)
    return form_page(
        form,
        lambda: shift_edits.update_shift(shift, **form.values(), actor=current_user),
        _("The changes have been saved."),
        then=url_for("tasks.shift", shift_id=shift.id),
        template="tasks/shift_form.html",
        task=shift.task,
        shift=shift,
    )


@bp.route("/shifts/<int:shift_id>/series", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def edit_series(shift_id: int):
    shift = tasks.get_managed_shift(shift_id, current_user)
    if shift.series_id is None:
        raise NotFound(_("This shift is not part of a weekly series."))
    form = SeriesChangeForm()
    if request.method == "GET":
        form.load(shift)
    if form.validate_on_submit():
        change = task_series.SeriesChange(
            start=form.start.data,
            end=form.end.data,
            capacity=form.capacity.data,
            note=form.note.data or "",
        )
        if run_change(
            lambda: task_series.update_rest_of_series(shift, change, actor=current_user),
            lambda changed: _("%(n)d shifts have been changed.", n=len(changed)),
            form=form,
        ):
            return redirect(url_for("tasks.shift", shift_id=shift.id))
    return render_template(
        "tasks/series_change.html",
        form=form,
        task=shift.task,
        shift=shift,
        when=shift_edits.format_span(shift),
        affected=task_series.rest_of_series(shift),
        format_span=shift_edits.format_span,
    ), form_status(form)


@bp.route("/shifts/<int:shift_id>/cancel", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def cancel_shift(shift_id: int):
    shift = tasks.get_managed_shift(shift_id, current_user)
    form = CancelShiftForm()
    return posted_change(
        form,
        lambda: shift_edits.cancel_shift(
            shift,
            reason=form.reason.data,
            rest_of_series=form.scope.data == "rest",
            actor=current_user,
        ),
        lambda cancelled: _(
            "%(n)d shifts have been cancelled and everyone signed up was told.",
            n=len(cancelled),
        ),
        back=url_for("tasks.shift", shift_id=shift.id),
    )


@bp.route("/shifts/<int:shift_id>/assign", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def assign(shift_id: int):
    shift = tasks.get_managed_shift(shift_id, current_user)
    form = AssignForm()
    if form.validate_on_submit():
        number = form.student_number.data.strip().upper()
        person = accounts.find_by_numbers([number]).get(number)
        if person is None:
            flash(_("Nobody has this student or staff number."), "danger")
        else:
            run_change(
                lambda: signups.assign(shift, person, actor=current_user),
                _("%(name)s has been assigned.", name=person.name),
            )
    else:
        flash_form_errors(form)
    return redirect(url_for("tasks.shift", shift_id=shift.id))


# The roster's buttons that change one sign-up: the service each runs, and its message.
SIGNUP_CHANGES = {
    "remove": (signups.remove, _l("%(name)s has been removed from the shift.")),
    "release": (signups.cancel, _l("%(name)s has been released from the shift.")),
}


@bp.route(
    "/shifts/<int:shift_id>/signups/<int:signup_id>/remove",
    methods=["POST"],
    endpoint="remove",
    defaults={"change": "remove"},
)
@bp.route(
    "/shifts/<int:shift_id>/signups/<int:signup_id>/release",
    methods=["POST"],
    endpoint="release_signup",
    defaults={"change": "release"},
)
@role_required(*COORDINATOR_ROLES)
def change_signup(shift_id: int, signup_id: int, change: str):
    """Remove a person from the shift, or release them (past the deadline: a late
    cancellation)."""
    shift = tasks.get_managed_shift(shift_id, current_user)
    signup = tasks.signup_on_shift(shift, signup_id)
    service, message = SIGNUP_CHANGES[change]
    return _shift_button(
        shift,
        lambda: service(signup, actor=current_user),
        str(message) % {"name": signup.user.name},
    )


@bp.route("/shifts/<int:shift_id>/training-completed", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def complete_training(shift_id: int):
    shift = tasks.get_managed_shift(shift_id, current_user)
    return _shift_button(
        shift,
        lambda: trainings.complete_training_shift(shift, actor=current_user),
        lambda count: _("Training recorded for %(n)d people.", n=count),
    )


@bp.route("/dashboard")
@role_required(*COORDINATOR_ROLES)
def dashboard():
    return render_template(
        "tasks/dashboard.html",
        board=task_dashboard.dashboard(current_user),
        format_span=shift_edits.format_span,
        **_labels(),
    )


def _opening_choice(form: OpeningForm) -> rush.OpeningChoice:
    day, moment = form.opens_day.data, form.opens_time.data
    if (day is None) != (moment is None):
        raise InvalidInput(
            _("Please give both the day and the time, or neither."), field="opens_day"
        )
    return rush.OpeningChoice(
        opens_at=utc_of_local(day, moment) if day else None,
        first_day=form.first_day.data,
        last_day=form.last_day.data,
        series_id=form.series_id.data or None,
    )


def _series_label(series) -> str:
    days = "/".join(str(tasks.WEEKDAY_LABELS[day]) for day in series.weekdays)
    return (
        f"{days} {series.start_time:%H:%M}–{series.end_time:%H:%M}"
        f" · {series.first_date:%m-%d}–{series.last_date:%m-%d}"
    )


@bp.route("/<int:task_id>/opening", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def signup_opening(task_id: int):
    """Set when sign-up opens for a batch of the task's coming shifts."""
    task = tasks.get_managed_task(task_id, current_user)
    form = OpeningForm()
    form.series_id.choices = [(0, _("All shifts of the task"))] + [
        (series.id, _series_label(series)) for series in rush.series_of(task)
    ]
    return form_page(
        form,
        lambda: rush.set_opening(task, _opening_choice(form), actor=current_user, now=utcnow()),
        lambda count: _("Sign-up opening set for %(n)s shifts.", n=count),
        then=url_for("tasks.task", task_id=task.id),
        template="tasks/opening.html",
        task=task,
    )


@bp.route("/<int:task_id>/limits", methods=["GET", "POST"])
@role_required(*COORDINATOR_ROLES)
def signup_limits(task_id: int):
    """Limits per person on the task's shifts; places already held are kept."""
    task = tasks.get_managed_task(task_id, current_user)
    form = LimitsForm(obj=task)
    return form_page(
        form,
        lambda: rush.set_limits(
            task,
            {name: getattr(form, name).data for name in (*rush.LIMIT_FIELDS, "draw_minutes")},
            actor=current_user,
            now=utcnow(),
        ),
        _("The changes have been saved."),
        then=url_for("tasks.task", task_id=task.id),
        template="tasks/limits.html",
        task=task,
    )
