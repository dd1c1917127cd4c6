"""Message pages: a volunteer's threads and a new one (from their team or in reply to an
announcement), a thread for both sides, and each team's shared inbox for its coordinators."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import COORDINATOR_ROLES, User
from app.common.access import role_required
from app.common.forms import ActionForm
from app.common.transaction import form_page, posted_change, transaction
from app.extensions import limiter
from app.messages import services
from app.messages.forms import AnnouncementReplyForm, MessageForm, NewThreadForm
from app.messages.models import STATUSES, MessageThread

bp = Blueprint("messages", __name__, url_prefix="/messages")


def _sent(_thread) -> str:
    return _("Your message was sent to the coordinators.")


def _new_thread_limit_key() -> str:
    return f"message:{current_user.get_id()}"


# The same per-person limit on starting threads, from the team or from an announcement.
limit_new_threads = limiter.shared_limit(
    lambda: current_app.config["MESSAGE_RATE_LIMIT"],
    scope="messages.new",
    key_func=_new_thread_limit_key,
    methods=["POST"],
)


@bp.app_template_global()
def unanswered_messages(team_id: int | None = None) -> int:
    """Threads waiting for an answer in the current coordinator's teams (or one of them)."""
    if not current_user.is_authenticated or not current_user.has_any_role(COORDINATOR_ROLES):
        return 0
    if team_id is None:
        return services.unanswered_total(current_user)
    return services.unanswered_counts(current_user).get(team_id, 0)


def _thread_page(thread_id: int) -> str:
    return url_for("messages.thread", thread_id=thread_id)


@bp.route("/")
@login_required
def mine():
    return render_template(
        "messages/mine.html",
        threads=services.mine(current_user),
        teams=services.writable_teams(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limit_new_threads
def new():
    teams = services.writable_teams(current_user)
    form = NewThreadForm(team_id=request.args.get("team", type=int))
    form.team_id.choices = [(team.id, team.name) for team in teams]
    return form_page(
        form,
        lambda: services.start(
            current_user,
            form.team_id.data or 0,
            services.Draft(form.subject.data, form.body.data),
        ),
        _sent,
        then=lambda thread: _thread_page(thread.id),
        template="messages/new.html",
        teams=teams,
    )


@bp.route("/announcements/<int:announcement_id>/reply", methods=["GET", "POST"])
@login_required
@limit_new_threads
def reply(announcement_id: int):
    announcement = services.announcement_to_answer(current_user, announcement_id)
    form = AnnouncementReplyForm(subject=announcement.title)
    return form_page(
        form,
        lambda: services.reply_to_announcement(
            current_user, announcement.id, services.Draft(form.subject.data, form.body.data)
        ),
        _sent,
        then=lambda thread: _thread_page(thread.id),
        template="messages/reply.html",
        announcement=announcement,
    )


@bp.route("/<int:thread_id>")
@login_required
def thread(thread_id: int):
    with transaction():  # a coordinator opening it marks it read for the team
        thread = services.open_thread(current_user, thread_id)
    coordinator = services.is_coordinator_of(current_user, thread)
    return render_template(
        "messages/thread.html",
        thread=thread,
        messages=services.messages_of(thread),
        coordinator=coordinator and thread.volunteer_id != current_user.id,
        may_write=services.may_write(current_user, thread),
        form=MessageForm(formdata=None),
        action_form=ActionForm(),
    )


@bp.route("/<int:thread_id>", methods=["POST"])
@login_required
def post(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    form = MessageForm()
    return posted_change(
        form,
        lambda: services.add_message(current_user, thread, form.body.data),
        _("Your message was sent."),
        back=_thread_page(thread.id) + "#reply",
    )


@bp.route("/<int:thread_id>/answered", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def mark_answered(thread_id: int):
    return _coordinated_change(thread_id, services.mark_answered, _("Marked answered."))


@bp.route("/<int:thread_id>/close", methods=["POST"])
@role_required(*COORDINATOR_ROLES)
def close(thread_id: int):
    return _coordinated_change(thread_id, services.close, _("The conversation is closed."))


def _coordinated_change(
    thread_id: int, change: Callable[[User, MessageThread], object], message: str
) -> Response:
    """A coordinator's button on a conversation: the change, then back to the conversation."""
    thread = services.coordinated_thread(current_user, thread_id)
    return posted_change(
        ActionForm(),
        lambda: change(current_user, thread),
        message,
        back=_thread_page(thread.id),
    )


@bp.route("/inbox")
@role_required(*COORDINATOR_ROLES)
def inboxes():
    return render_template(
        "messages/inboxes.html",
        teams=services.inbox_teams(current_user),
        counts=services.unanswered_counts(current_user),
    )


@bp.route("/inbox/<int:team_id>")
@role_required(*COORDINATOR_ROLES)
def inbox(team_id: int):
    team = services.inbox_team(current_user, team_id)
    status = request.args.get("status")
    status = status if status in STATUSES else None
    return render_template(
        "messages/inbox.html",
        team=team,
        threads=services.inbox(team, status=status),
        status=status,
    )
