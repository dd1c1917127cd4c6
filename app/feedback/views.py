"""Feedback pages: the volunteer's one-page answer (opened from the notification), and the
task's feedback for its coordinators (summary, tick-boxes, CSV)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES
from app.common.access import role_required
from app.common.tables import download
from app.common.transaction import form_page, posted_change
from app.feedback import services, summary
from app.feedback.forms import AnswerForm, TicksForm
from app.feedback.models import RATING_MAX, RATING_MIN
from app.shifts import tasks

bp = Blueprint("feedback", __name__, url_prefix="/feedback")


@bp.route("/<int:attendance_id>", methods=["GET", "POST"])
@login_required
def answer(attendance_id: int):
    request = services.request_for(current_user, attendance_id)
    form = AnswerForm()
    form.ticks.choices = [(label, label) for label in services.tick_labels(request.task_id)]
    return form_page(
        form,
        lambda: services.answer(
            current_user,
            request.attendance_id,
            rating=form.rating.data,
            comment=form.comment.data,
            ticks=form.ticks.data,
        ),
        _("Thank you! Your rating was sent."),
        then=url_for("feedback.answer", attendance_id=request.attendance_id),
        template="feedback/answer.html",
        request=request,
        ratings=range(RATING_MIN, RATING_MAX + 1),
    )


@bp.route("/tasks/<int:task_id>")
@role_required(*COORDINATOR_ROLES)
def task(task_id: int):
    task = tasks.get_managed_task(task_id, current_user)
    form = TicksForm(labels="\n".join(services.tick_labels(task.id)))
    return render_template(
        "feedback/task.html", feedback=summary.task_feedback(task), task=task, form=form
    )


@bp.route("/tasks/<int:task_id>/ticks", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def set_ticks(task_id: int):
    task = tasks.get_managed_task(task_id, current_user)
    form = TicksForm()
    return posted_change(
        form,
        lambda: services.set_ticks(task, form.labels.data, actor=current_user),
        _("The tick-boxes have been saved."),
        back=url_for("feedback.task", task_id=task.id),
    )


@bp.route("/tasks/<int:task_id>/feedback.csv")
@role_required(*COORDINATOR_ROLES)
def task_csv(task_id: int):
    task = tasks.get_managed_task(task_id, current_user)
    return download(
        summary.task_csv(task), f"feedback-task-{task.id}.csv", "text/csv; charset=utf-8"
    )
