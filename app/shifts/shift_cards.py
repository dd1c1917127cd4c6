"""The shift list's cards, ready to print: one small frozen record per shift with its times,
labels, button and addresses already worked out, so the template reads fields in a plain
loop. The list is the busiest page at a rush: building the cards here costs a fraction of
calling per-card macros, `_()` and `url_for` about forty times over (README, "Speed").

Fixed labels are translated once a page (`card_text`), addresses come from one `url_for`
per endpoint (`app.common.urls.id_url`), each task's description is rendered once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from markupsafe import Markup

from app.common.markdown import render_markdown
from app.common.time import local_zone
from app.common.urls import id_url
from app.shifts.models import Task
from app.shifts.shift_lists import OpenShift
from app.shifts.signups import SIGNUP_STATUS_LABELS


@dataclass(frozen=True, slots=True)
class About:
    """A shift's note and its task's description (Markdown, rendered)."""

    note: str
    description: Markup | None


@dataclass(frozen=True, slots=True)
class ShiftCard:
    """One shift of the list. `button` says which block the card shows:
    "draw" (in the draw), "offered" (a place held for the person), "mine" (signed up or
    waiting), "sign_up", "after_training", "not_open" (countdown) or "refused"."""

    id: int
    day: date
    title: str
    location: str
    hours: str  # "18:00–20:00", local
    fill: str
    waiting: str  # "2 waiting", or "" when nobody waits
    about: About | None
    button: str
    highlight: bool = False  # one of the onboarding trainings shown first
    row: OpenShift | None = None  # for the rare "offered" block (the shared offer macro)
    action_url: str = ""  # sign up, cancel, or leave the draw
    badge: str = ""  # "Confirmed · place 2", "In the draw · result at 20:05"
    badge_class: str = ""
    cancel_refusal: str = ""
    note: str = ""  # the draw note, or when sign-up opens
    full: bool = False
    waitlist_button: str = ""
    opens_ms: int = 0
    reasons: list[str] = field(default_factory=list)
    series_id: int | None = None
    series_url: str = ""  # the series' sign-up button, on its first card only


def card_text() -> dict[str, str]:
    """The cards' fixed labels and patterns, translated once a page."""
    return {
        "fill": _("%(n)s of %(capacity)s"),
        "waiting": _("%(n)s waiting"),
        "place": _("place %(n)s"),
        "in_draw": _("In the draw · result at %(time)s"),
        "draw_note": _("Requests until %(time)s are drawn by lottery, all equal."),
        "join_waitlist": _("Join waitlist (%(n)s ahead)"),
        "opens_at": _("Sign-up opens at %(time)s"),
        "note": _("Note:"),
        "what": _("What the task involves"),
        "cancel": _("Cancel"),
        "leave_draw": _("Leave the draw"),
        "sign_up": _("Sign up"),
        "after_training": _("Opens after the onboarding training"),
        "series": _("Sign up for every shift of this series"),
    }


class _Builder:
    """What every card of one page shares: the labels, the addresses, the descriptions."""

    def __init__(self, text: dict[str, str]) -> None:
        self.text = text
        self.statuses = {status: str(label) for status, label in SIGNUP_STATUS_LABELS.items()}
        self.sign_up_url = id_url("shifts.sign_up", "shift_id")
        self.cancel_url = id_url("shifts.cancel", "signup_id")
        self.leave_url = id_url("shifts.cancel_entry", "entry_id")
        self.series_url = id_url("shifts.sign_up_series", "series_id")
        self.descriptions: dict[int, Markup | None] = {}
        self.zone = local_zone()
        self.series_seen: set[int] = set()

    def local(self, value: datetime) -> datetime:
        """`to_local`, with the zone looked up once a page."""
        return value.replace(tzinfo=UTC).astimezone(self.zone)

    def about(self, row: OpenShift) -> About | None:
        task: Task = row.shift.task
        if not (row.shift.note or task.description):
            return None
        if task.id not in self.descriptions:
            self.descriptions[task.id] = (
                render_markdown(task.description) if task.description else None
            )
        return About(note=row.shift.note, description=self.descriptions[task.id])

    def series(self, row: OpenShift) -> str:
        series_id = row.shift.series_id
        if not (row.eligibility.ok and series_id) or series_id in self.series_seen:
            return ""
        self.series_seen.add(series_id)
        return self.series_url(series_id)

    def card(self, row: OpenShift, highlight: bool) -> ShiftCard:
        shift, text = row.shift, self.text
        starts, ends = self.local(shift.starts_at), self.local(shift.ends_at)
        common = {
            "id": shift.id,
            "day": starts.date(),
            "title": shift.task.title,
            "location": shift.task.location or "",
            "hours": f"{starts:%H:%M}–{ends:%H:%M}",
            "fill": text["fill"] % {"n": shift.confirmed_count, "capacity": shift.capacity},
            "waiting": text["waiting"] % {"n": row.waitlist_count} if row.waitlist_count else "",
            "about": self.about(row),
            "highlight": highlight,
            "series_id": row.shift.series_id,
            "series_url": self.series(row),
        }
        return ShiftCard(**common, **self.action(row))

    def action(self, row: OpenShift) -> dict:
        """The card's button block (as the list showed it: see `ShiftCard.button`)."""
        text, signup, eligibility = self.text, row.signup, row.eligibility
        if row.entry:
            return {
                "button": "draw",
                "badge": text["in_draw"] % {"time": row.draw_time},
                "action_url": self.leave_url(row.entry.id),
            }
        if signup and signup.status == "offered":
            return {"button": "offered", "row": row}
        if signup:
            badge = self.statuses[signup.status]
            if row.position:
                badge += " · " + text["place"] % {"n": row.position}
            return {
                "button": "mine",
                "badge": badge,
                "badge_class": "text-bg-success"
                if signup.status == "confirmed"
                else "text-bg-warning",
                "cancel_refusal": row.cancel_refusal or "",
                "action_url": self.cancel_url(signup.id),
            }
        if eligibility.ok:
            return {
                "button": "sign_up",
                "action_url": self.sign_up_url(row.shift.id),
                "note": text["draw_note"] % {"time": row.draw_time} if row.draw_time else "",
                "full": row.full,
                "waitlist_button": text["join_waitlist"] % {"n": row.waitlist_count},
            }
        if "onboarding" in eligibility.codes:
            return {
                "button": "after_training",
                "reasons": eligibility.reasons_besides("onboarding"),
            }
        if eligibility.codes == ["not_open"]:
            opens = self.local(row.shift.signup_opens_at)
            return {
                "button": "not_open",
                "action_url": self.sign_up_url(row.shift.id),
                "note": text["opens_at"] % {"time": f"{opens:%m-%d %H:%M}"},
                "opens_ms": int(opens.timestamp() * 1000),
            }
        return {"button": "refused", "reasons": list(eligibility.reasons)}


def shift_cards(
    rows: list[OpenShift], *, text: dict[str, str], highlighted: Iterable[int] = ()
) -> list[tuple[date, list[ShiftCard]]]:
    """The list's cards grouped by local day, soonest first. `highlighted`: shift ids of
    the onboarding trainings the page points to first."""
    builder = _Builder(text)
    marked = set(highlighted)
    days: dict[date, list[ShiftCard]] = {}
    for row in rows:
        card = builder.card(row, row.shift.id in marked)
        days.setdefault(card.day, []).append(card)
    return sorted(days.items())
