"""Public column pages (blueprint "columns"): the columns, a column's published
contributions, one contribution with its player, likes, and an Atom feed per column.

Reading needs no login; a logged-in reader's visit is counted once a day and they may like
and comment (a limited number of comments a minute per person); the column's editors hide
comments and close a post to comments from the same page.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.columns import catalogue, comments, reading
from app.columns.forms import CommentForm, HideCommentForm
from app.columns.models import Contribution, ContributionComment
from app.common import share
from app.common.forms import ActionForm
from app.common.names import mask_name
from app.common.time import utcnow
from app.common.transaction import posted_change, run_change
from app.common.urls import external_url
from app.extensions import db, limiter

bp = Blueprint("columns", __name__, url_prefix="/columns")

ATOM_TYPE = "application/atom+xml; charset=utf-8"
WEB_SCHEMES = ("http", "https")
# Characters XML 1.0 does not allow: a stray control character typed into a text would make
# the whole feed unreadable.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@bp.app_template_filter("author_name")
def author_name_filter(contribution: Contribution) -> str:
    return reading.author_name(contribution)


@bp.app_template_filter("commenter")
def commenter_filter(comment: ContributionComment) -> str:
    """A commenter as readers see them: masked (张*三), as on public boards."""
    return mask_name(comment.author.name)


@bp.app_template_filter("excerpt")
def excerpt_filter(body: str | None) -> str:
    return reading.excerpt(body)


@bp.app_template_filter("web_address")
def web_address(url: str | None) -> str | None:
    """A resource link's address when it is a web page's (http or https), else None, so a
    `javascript:` or `data:` address is shown as text, never as a link."""
    address = (url or "").strip()
    if NOT_XML.search(address) or urlsplit(address).scheme.lower() not in WEB_SCHEMES:
        return None
    return address


def xml_text(value: str | None) -> str:
    return NOT_XML.sub("", value or "")


def atom_time(value: datetime) -> str:
    """A stored (naive UTC) time as RFC 3339."""
    return f"{value:%Y-%m-%dT%H:%M:%SZ}"


def _liked(contribution_ids: list[int]) -> set[int]:
    if not current_user.is_authenticated:
        return set()
    return reading.liked_ids(current_user, contribution_ids)


@bp.route("/")
def index():
    columns = catalogue.all_columns(active_only=True)
    latest = {column.id: reading.latest(column) for column in columns}
    return render_template("columns/index.html", columns=columns, latest=latest)


@bp.route("/<code>")
def column(code: str):
    shown = catalogue.get_column(code)
    page = db.paginate(
        reading.published_query(shown),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "columns/column.html",
        column=shown,
        page=page,
        liked=_liked([contribution.id for contribution in page.items]),
    )


@bp.route("/<code>/<int:contribution_id>")
def contribution(code: str, contribution_id: int):
    shown = reading.get_published(catalogue.get_column(code), contribution_id)
    if current_user.is_authenticated and reading.record_view(current_user, shown, now=utcnow()):
        db.session.commit()
    moderator = comments.can_moderate(current_user, shown)
    return render_template(
        "columns/contribution.html",
        column=shown.column,
        contribution=shown,
        liked=shown.id in _liked([shown.id]),
        form=ActionForm(),
        comments=comments.thread(shown, with_hidden=moderator),
        moderator=moderator,
        comment_form=CommentForm(formdata=None),
        hide_form=HideCommentForm(formdata=None),
    )


def _comments_of(code: str, contribution_id: int) -> str:
    target = url_for("columns.contribution", code=code, contribution_id=contribution_id)
    return target + "#comments"


def _comment_limit_key() -> str:
    return f"comment:{current_user.get_id()}"


@bp.route("/<code>/<int:contribution_id>/comments", methods=["POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["COMMENT_RATE_LIMIT"], key_func=_comment_limit_key, methods=["POST"]
)
def comment(code: str, contribution_id: int):
    form = CommentForm()
    return posted_change(
        form,
        lambda: comments.add_comment(current_user, contribution_id, form.body.data),
        _("Your comment is posted."),
        back=_comments_of(code, contribution_id),
    )


@bp.route("/<code>/<int:contribution_id>/comments/<int:comment_id>/hide", methods=["POST"])
@login_required
def hide_comment(code: str, contribution_id: int, comment_id: int):
    comments.get_comment(contribution_id, comment_id)
    comments.require_moderator(current_user, contribution_id)
    form = HideCommentForm()
    return posted_change(
        form,
        lambda: comments.hide_comment(current_user, comment_id, form.reason.data),
        _("The comment is hidden."),
        back=_comments_of(code, contribution_id),
    )


def _close_or_open(code: str, contribution_id: int, closed: bool) -> Response:
    comments.require_moderator(current_user, contribution_id)
    return posted_change(
        ActionForm(),
        lambda: comments.set_comments_closed(current_user, contribution_id, closed),
        _("Comments on this contribution are closed.")
        if closed
        else _("Comments on this contribution are open again."),
        back=_comments_of(code, contribution_id),
    )


@bp.route("/<code>/<int:contribution_id>/comments/close", methods=["POST"])
@login_required
def close_comments(code: str, contribution_id: int):
    return _close_or_open(code, contribution_id, True)


@bp.route("/<code>/<int:contribution_id>/comments/open", methods=["POST"])
@login_required
def open_comments(code: str, contribution_id: int):
    return _close_or_open(code, contribution_id, False)


@bp.route("/<code>/<int:contribution_id>/share.png")
def contribution_poster(code: str, contribution_id: int):
    shown = reading.get_published(catalogue.get_column(code), contribution_id)
    return share.poster_response(
        title=shown.title,
        subtitle=f"{shown.column.name} · {reading.author_name(shown)}",
        url=external_url("columns.contribution", code=code, contribution_id=shown.id),
    )


def _change_like(code: str, contribution_id: int, change) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    shown = reading.get_published(catalogue.get_column(code), contribution_id)
    run_change(lambda: change(current_user, shown.id))
    target = url_for("columns.contribution", code=code, contribution_id=contribution_id)
    return redirect(target + "#likes")


@bp.route("/<code>/<int:contribution_id>/like", methods=["POST"])
@login_required
def like(code: str, contribution_id: int):
    return _change_like(code, contribution_id, reading.like)


@bp.route("/<code>/<int:contribution_id>/unlike", methods=["POST"])
@login_required
def unlike(code: str, contribution_id: int):
    return _change_like(code, contribution_id, reading.unlike)


@bp.route("/<code>/feed.atom")
def feed(code: str):
    shown = catalogue.get_column(code)
    entries = reading.feed_entries(shown)
    body = render_template(
        "columns/feed.xml",
        column=shown,
        entries=entries,
        updated=entries[0].published_at if entries else shown.created_at,
        xml_text=xml_text,
        atom_time=atom_time,
    )
    response = Response(body, content_type=ATOM_TYPE)
    response.headers["Cache-Control"] = "public, max-age=900"
    return response
