"""Shift pages for volunteers: open shifts, sign-up, my shifts, calendar feed."""

from __future__ import annotations

import calendar as month_calendar
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.common.forms import ActionForm
from app.common.tables import download
from app.common.time import to_local, utcnow
from app.common.transaction import run_change, transaction
from app.common.urls import external_url, site_host
from app.extensions import db
from app.recruitment import membership as members
from app.shifts import calendar as feeds
from app.shifts import (
    draws,
    empty_state,
    handovers,
    offers,
    reliability,
    rush,
    series_signups,
    shift_cards,
    shift_lists,
    signups,
)
from app.shifts.forms import ShiftFilterForm
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup, Task

bp = Blueprint("shifts", __name__, url_prefix="/shifts")


def _back(default: str):
    """Back to the page the button was on (only our own pages)."""
    target = request.form.get("back", "")
    if target in ("index", "mine"):
        return redirect(url_for(f"shifts.{target}"))
    return redirect(url_for(default))


@bp.route("/")
@login_required
def index():
    memberships = members.memberships_of(current_user.id)  # once for the page's parts
    tasks, locations = shift_lists.filter_choices(current_user, memberships=memberships)
    form = ShiftFilterForm(request.args)
    form.set_choices(tasks, locations)
    valid = form.validate()
    now = utcnow()
    rows = shift_lists.open_shifts(
        current_user._get_current_object(),  # read once per shift: not through the proxy
        now=now,
        week=form.week.data if valid else None,
        task_id=form.task.data if valid else None,
        location=(form.location.data or None) if valid else None,
        memberships=memberships,
        known_titles=dict(tasks),
    )
    filtered = valid and bool(form.week.data or form.task.data or form.location.data)
    training = empty_state.training_first(rows)
    text = shift_cards.card_text()
    return render_template(
        "shifts/index.html",
        form=form,
        days=shift_cards.shift_cards(
            rows, text=text, highlighted=[row.shift.id for row in training.rows] if training else ()
        ),
        text=text,
        empty=empty_state.why_no_shifts(current_user, rows, filtered=filtered),
        training=training,
        handovers=handovers.available_handovers(current_user, now=now, memberships=memberships),
        action=ActionForm(),
        server_now_ms=int(now.replace(tzinfo=UTC).timestamp() * 1000),
    )


@bp.route("/<int:shift_id>/signup", methods=["POST"])
@login_required
def sign_up(shift_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    # The task and its team come along: eligibility and the limits ask for both.
    shift = db.session.get(Shift, shift_id, options=[joinedload(Shift.task).joinedload(Task.team)])
    if shift is None:
        abort(404)
    signed = run_change(
        lambda: _with_status(draws.request_place(shift, current_user, now=utcnow()))
    )
    if signed:
        signup, status = signed.value
        if isinstance(signup, ShiftDrawEntry):
            flash(
                _("You are in the draw; the result comes at %(time)s.", time=rush.draw_time(shift)),
                "info",
            )
        elif status == "confirmed":
            flash(_("You are signed up for this shift."), "success")
        else:
            flash(
                _(
                    "The shift is full: you are number %(place)s on the waitlist.",
                    place=signups.waitlist_position(signup),
                ),
                "info",
            )
    return _back("shifts.index")


def _series_change(series_id: int, change: Callable[..., list], heading: str):
    """Sign up for, or cancel the rest of, a whole series: the answer page lists what
    happened to each shift (each shift on its own; see app/shifts/series_signups.py)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    series = series_signups.get_series(series_id, current_user)  # 404 for other teams
    done = run_change(lambda: change(series, current_user, now=utcnow()))
    if not done:
        return _back("shifts.index")
    return render_template(
        "shifts/series_result.html",
        heading=heading,
        outcomes=done.value,
        labels=series_signups.OUTCOME_LABELS,
    )


def _with_status(row: ShiftSignup | ShiftDrawEntry) -> tuple[object, str]:
    """The row and its status read before the commit expires it (no query to reload it)."""
    return row, row.status


@bp.route("/series/<int:series_id>/signup", methods=["POST"])
@login_required
def sign_up_series(series_id: int):
    return _series_change(
        series_id, series_signups.sign_up_series, _("Signing up for the whole series")
    )


@bp.route("/entries/<int:entry_id>/cancel", methods=["POST"])
@login_required
def cancel_entry(entry_id: int):
    """Withdraw from a shift's sign-up draw before it is made."""
    if not ActionForm().validate_on_submit():
        abort(400)
    entry = db.get_or_404(ShiftDrawEntry, entry_id)
    if entry.user_id != current_user.id:
        abort(404)
    run_change(
        lambda: draws.cancel_entry(entry, actor=current_user, now=utcnow()),
        _("You have left the draw."),
    )
    return _back("shifts.index")


@bp.route("/series/<int:series_id>/cancel", methods=["POST"])
@login_required
def cancel_series(series_id: int):
    return _series_change(
        series_id, series_signups.cancel_rest, _("Cancelling the rest of the series")
    )


def _own_signup(signup_id: int) -> ShiftSignup:
    """The person's own sign-up for a one-button POST; 400 without the CSRF token."""
    if not ActionForm().validate_on_submit():
        abort(400)
    signup = db.get_or_404(ShiftSignup, signup_id)
    if signup.user_id != current_user.id:
        abort(404)
    return signup


def _act_on(signup_id: int, change: Callable[..., object], done: str):
    """A one-button change to the person's own sign-up: `change(signup, actor=…, now=…)` is
    the service; then back to their shifts."""
    signup = _own_signup(signup_id)
    run_change(lambda: change(signup, actor=current_user, now=utcnow()), done)
    return _back("shifts.mine")


@bp.route("/signups/<int:signup_id>/cancel", methods=["POST"])
@login_required
def cancel(signup_id: int):
    return _act_on(signup_id, signups.cancel, _("Your sign-up is cancelled."))


@bp.route("/signups/<int:signup_id>/accept", methods=["POST"])
@login_required
def accept_offer(signup_id: int):
    return _act_on(
        signup_id,
        offers.accept_offer,
        _("The place is yours: you are confirmed for this shift."),
    )


@bp.route("/signups/<int:signup_id>/decline", methods=["POST"])
@login_required
def decline_offer(signup_id: int):
    return _act_on(
        signup_id,
        offers.decline_offer,
        _("You declined the place; it goes to the next person waiting."),
    )


def _month(value: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@bp.route("/mine")
@login_required
def mine():
    now = utcnow()
    mine = shift_lists.my_shifts(current_user, now=now)
    today = to_local(now).date()
    month = _month(request.args.get("month"), today)
    by_day = defaultdict(list)
    for signup in [*mine.running, *mine.upcoming, *mine.past]:
        start = to_local(signup.shift.starts_at)
        if (start.year, start.month) == (month.year, month.month):
            by_day[start.day].append(signup)
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render_template(
        "shifts/mine.html",
        mine=mine,
        now=now,
        action=ActionForm(),
        labels=signups.SIGNUP_STATUS_LABELS,
        refusals={
            s.id: signups.self_cancel_refusal(s, now=now) for s in [*mine.running, *mine.upcoming]
        },
        my_offers={h.signup_id: h for h in handovers.offers_of(current_user, now=now)},
        handover_labels=handovers.HANDOVER_STATUS_LABELS,
        month=month,
        weeks=month_calendar.Calendar().monthdayscalendar(month.year, month.month),
        by_day=by_day,
        previous=previous,
        following=following,
        today=today,
        reliability=reliability.reliability_summary(current_user, now=now),
    )


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def calendar():
    form = ActionForm()
    feed_url = None
    if form.validate_on_submit():
        if request.form.get("do") == "revoke":
            with transaction():
                feeds.revoke_feed(current_user)
            flash(_("Your calendar address no longer works."), "success")
            return redirect(url_for("shifts.calendar"))
        with transaction():
            token = feeds.issue_feed(current_user)
        # Shown once: only its hash is stored.
        feed_url = external_url("shifts.feed", token=token)
    return render_template(
        "shifts/calendar.html",
        form=form,
        feed_url=feed_url,
        has_feed=feeds.has_feed(current_user),
    )


@bp.route("/feed/<token>.ics")
def feed(token: str):
    user = feeds.feed_for_token(token)
    if user is None:
        abort(404)
    body = feeds.calendar_for(user, now=utcnow(), host=site_host())
    response = download(body, "shifts.ics", "text/calendar; charset=utf-8", inline=True)
    response.headers["Cache-Control"] = "private, max-age=900"
    return response
