"""Words for engagement data: segment names and the reason behind a segment, in the
reader's language (reasons are stored as a code and numbers, not as text)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, ngettext

SEGMENT_LABELS = {
    "core": _l("Core"),
    "active": lazy_pgettext("engagement segment", "Active"),
    "new": lazy_pgettext("engagement segment", "New"),
    "at_risk": _l("At risk"),
    "dormant": _l("Dormant"),
}
SEGMENT_HINTS = {
    "core": _l("Regular and recent, with a lot of activity"),
    "active": _l("Recent activity"),
    "new": _l("First activity in the last few weeks"),
    "at_risk": _l("Paused well beyond their usual rhythm, or much less active than before"),
    "dormant": _l("No activity in the scoring window"),
}
# "no shift for 41 days": what a pause in each kind of activity is called.
PAUSED_KIND = {
    "service": _l("No shift"),
    "contribution": _l("No contribution"),
    "reading": _l("No library use"),
    "comment": _l("No comment on a column post"),
    "login": _l("No visit to the site"),
}
CADENCE_LABELS = {
    "weekly": _l("was weekly"),
    "fortnightly": _l("was every two weeks"),
    "monthly": _l("was monthly"),
    "occasionally": _l("was occasional"),
    "once": _l("had been active only once"),
}


def reason_text(reason: str, params: dict) -> str:
    """The stored reason in words: "no shift for 41 days, was weekly"."""
    params = params or {}
    if reason == "no_activity":
        return _("No activity in the last %(days)d days.", days=params.get("days", 0))
    if reason == "dormant_since":
        return ngettext(
            "Last active %(num)d day ago.", "Last active %(num)d days ago.", params.get("days", 0)
        )
    if reason == "new":
        return ngettext(
            "First activity %(num)d day ago.",
            "First activity %(num)d days ago.",
            params.get("days", 0),
        )
    if reason == "gap":
        return _(
            "%(paused)s for %(days)d days, %(cadence)s.",
            paused=PAUSED_KIND.get(params.get("kind"), PAUSED_KIND["login"]),
            days=params.get("days", 0),
            cadence=CADENCE_LABELS.get(params.get("cadence"), CADENCE_LABELS["occasionally"]),
        )
    if reason == "declining":
        return _(
            "Active in %(weeks)d of the last %(of)d weeks, %(before)d of the %(of)d before.",
            weeks=params.get("weeks", 0),
            before=params.get("before", 0),
            of=params.get("of", 0),
        )
    return _(
        "Active in %(weeks)d of the last %(of)d weeks; %(hours)s service hours, "
        "%(contributions)d contributions.",
        weeks=params.get("weeks", 0),
        of=params.get("of", 0),
        hours=params.get("hours", 0),
        contributions=params.get("contributions", 0),
    )
