"""The leaderboard page's choices, read from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from app.rewards.boards import PERIODS

METRIC_LABELS = {
    "points": _l("Points"),
    "hours": _l("Hours"),
    "reading": _l("Reading"),
}
PERIOD_LABELS = {
    "week": _l("This week"),
    "month": _l("This month"),
    "last_month": _l("Last month"),
    "semester": _l("This semester"),
    "all": _l("All time"),
}


class BoardForm(FlaskForm):
    """Which board: metric and period (tabs) and scope (a select). A value that is not
    one of the choices falls back to the default, except the scope, which the service
    checks (someone else's team is refused, not silently swapped)."""

    class Meta:
        csrf = False

    metric = SelectField(_l("Leaderboard"), default="points")
    period = SelectField(_l("Period"), default="week")
    scope = SelectField(_l("Among"), default="all", validate_choice=False)

    def resolve(self, scopes: list[tuple[str, str]]) -> tuple[str, str, str]:
        """(metric, period name, scope) to show, with the choices set for the page."""
        self.metric.choices = list(METRIC_LABELS.items())
        metric = self.metric.data if self.metric.data in METRIC_LABELS else "points"
        names = PERIODS[metric]
        self.period.choices = [(name, PERIOD_LABELS[name]) for name in names]
        period = self.period.data if self.period.data in names else names[0]
        self.scope.choices = scopes
        return metric, period, self.scope.data or "all"
