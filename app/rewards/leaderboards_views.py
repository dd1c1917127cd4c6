"""The leaderboard page: points, hours and reading, by period, for everyone, the viewer's
college or one of their teams."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.common.time import utcnow
from app.rewards import boards
from app.rewards.board_forms import METRIC_LABELS, PERIOD_LABELS, BoardForm

bp = Blueprint("leaderboards", __name__, url_prefix="/leaderboards")


@bp.route("/")
@login_required
def index():
    form = BoardForm(request.args)
    metric, period, scope = form.resolve(boards.scopes_for(current_user))
    period, shown, skipped = boards.opening_board(
        metric,
        period,
        scope,
        viewer=current_user,
        chosen=request.args.get("period") == period,
        now=utcnow(),
    )
    return render_template(
        "rewards/boards/index.html",
        form=form,
        board=shown,
        metric=metric,
        period=period,
        skipped=skipped,
        metric_labels=METRIC_LABELS,
        period_labels=PERIOD_LABELS,
        periods=boards.PERIODS,
    )
