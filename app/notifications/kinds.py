"""Every notification kind of the product, in one place.

A kind has a stable id ("account.password_reset"), a label people see on their settings
page, whether it is emailed unless the person says otherwise, and two plain-text Jinja
templates under `templates/notifications/email/`: `<id>.subject.txt` (the one-line title)
and `<id>.body.txt`. Each kind is declared here once, grouped by feature, and the feature
that notifies imports its constant (`notify(user, HANDOVER_TAKEN.id, ...)`); nothing is
added by importing a feature module, so the settings page always lists every kind. The
labels of audit actions are declared the same way, in `app/audit/actions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    id: str
    label: Any  # a lazy string, shown in the reader's language
    email_default: bool

    @property
    def template(self) -> str:
        """Path under templates/, without ".subject.txt" / ".body.txt"."""
        return f"notifications/email/{self.id}"

    @property
    def subject_template(self) -> str:
        return f"{self.template}.subject.txt"

    @property
    def body_template(self) -> str:
        return f"{self.template}.body.txt"


# Accounts and the programme
PASSWORD_RESET = Kind(
    "account.password_reset", _l("My password was reset by an administrator"), email_default=True
)
ANNOUNCEMENT = Kind(
    "system.announcement", _l("Announcements from the programme"), email_default=False
)
ANNOUNCEMENT_REMINDER = Kind(
    "system.announcement_reminder",
    _l("Reminders of announcements I have not read yet"),
    email_default=False,
)

# Shifts: sign-ups and the waitlist
WAITLIST_PROMOTED = Kind(
    "shifts.promoted", _l("I got a place on a shift from the waitlist"), email_default=True
)
DRAW_RESULT = Kind(
    "shifts.draw_result", _l("The result of a shift's sign-up draw"), email_default=True
)
SHIFT_ASSIGNED = Kind("shifts.assigned", _l("A coordinator put me on a shift"), email_default=True)
SHIFT_REMOVED = Kind("shifts.removed", _l("A coordinator took me off a shift"), email_default=True)
PLACE_OFFERED = Kind(
    "shifts.place_offered",
    _l("A place on a shift is offered to me from the waitlist"),
    email_default=True,
)
OFFER_EXPIRED = Kind(
    "shifts.offer_expired", _l("A place offered to me ran out"), email_default=True
)
SHIFT_REMINDER = Kind(
    "shifts.reminder", _l("Reminders before my shifts (24 h and 2 h)"), email_default=True
)
RELEASE_REQUESTED = Kind(
    "shifts.release_requested",
    _l("A volunteer asks to be released from a shift past the cancel deadline"),
    email_default=True,
)

# Shifts: a shift changed or cancelled
SHIFT_CANCELLED = Kind(
    "shifts.cancelled", _l("A shift I signed up for was cancelled"), email_default=True
)
SHIFT_TIME_CHANGED = Kind(
    "shifts.time_changed", _l("The time of a shift I signed up for changed"), email_default=True
)

# Shifts: handovers
HANDOVER_TAKEN = Kind(
    "shifts.handover_taken", _l("Someone took over a shift place I offered"), email_default=True
)
HANDOVER_REQUESTED = Kind(
    "shifts.handover_requested",
    _l("A takeover of a shift place waits for my approval"),
    email_default=True,
)
HANDOVER_APPROVED = Kind(
    "shifts.handover_approved", _l("My takeover of a shift place was approved"), email_default=True
)
HANDOVER_REFUSED = Kind(
    "shifts.handover_refused", _l("My takeover of a shift place was refused"), email_default=True
)

# Shifts: reliability
NO_SHOW = Kind(
    "shifts.no_show", _l("I was recorded as not having come to a shift"), email_default=True
)
SIGNUP_PAUSED = Kind(
    "shifts.paused", _l("My self sign-up was paused after missed shifts"), email_default=True
)
PAUSE_LIFTED = Kind(
    "shifts.pause_lifted", _l("A coordinator lifted my sign-up pause"), email_default=True
)

# Recruitment
APPLICATION_DECIDED = Kind(
    "recruitment.decision", _l("Decisions on my applications"), email_default=True
)
COMMENDED = Kind("recruitment.commended", _l("A coordinator commended me"), email_default=True)

# Columns
CONTRIBUTION_SUBMITTED = Kind(
    "columns.submitted", _l("A contribution to a column I edit awaits review"), email_default=True
)
CHANGES_REQUESTED = Kind(
    "columns.changes_requested",
    _l("An editor asked me to change a contribution"),
    email_default=True,
)
CONTRIBUTION_SCHEDULED = Kind(
    "columns.scheduled", _l("My contribution was approved for a later date"), email_default=False
)
CONTRIBUTION_PUBLISHED = Kind(
    "columns.published", _l("My contribution was published"), email_default=True
)
CONTRIBUTION_REJECTED = Kind(
    "columns.rejected", _l("My contribution was rejected"), email_default=True
)
CONTRIBUTION_UNPUBLISHED = Kind(
    "columns.unpublished", _l("My contribution was taken offline"), email_default=True
)
CONTRIBUTION_FEATURED = Kind(
    "columns.featured", _l("My contribution was featured"), email_default=False
)
CONTRIBUTION_COMMENTED = Kind(
    "columns.commented", _l("A reader commented on my contribution"), email_default=False
)

# Rewards: points and badges
POINTS_CHANGED = Kind("rewards.points", _l("Points I was awarded or lost"), email_default=False)
BADGE_AWARDED = Kind("badges.awarded", _l("I earned a badge"), email_default=True)
BADGE_REVOKED = Kind("badges.revoked", _l("A badge of mine was taken back"), email_default=True)

# Credits
CREDIT_REJECTED = Kind(
    "credits.rejected",
    _l("A credit record of mine was rejected by the Second Classroom system"),
    email_default=True,
)

# Feedback after service
FEEDBACK_ASKED = Kind(
    "feedback.asked",
    _l("How was my shift? (asked once after a verified shift)"),
    email_default=False,
)

# Hours served elsewhere and star levels
OUTSIDE_DECIDED = Kind(
    "outside.decided",
    _l("A coordinator decided my claim of hours served elsewhere"),
    email_default=True,
)
STAR_LEVEL_REACHED = Kind("stars.reached", _l("I reached a service star level"), email_default=True)

# Messages to a team's coordinators
MESSAGE_ANSWERED = Kind(
    "messages.answered", _l("A coordinator answered my message"), email_default=True
)
MESSAGE_RECEIVED = Kind(
    "messages.received",
    _l("A volunteer wrote to the coordinators of my team"),
    email_default=True,
)

# Engagement
NUDGE = Kind("engagement.nudge", _l("Messages from my team's coordinators"), email_default=True)


# Every kind above, by id.
KINDS: dict[str, Kind] = {
    kind.id: kind for kind in list(globals().values()) if isinstance(kind, Kind)
}


def get(kind_id: str) -> Kind:
    """The declared kind; an unknown id is a programming error, not bad input."""
    try:
        return KINDS[kind_id]
    except KeyError:
        raise ValueError(f"unknown notification kind {kind_id!r}") from None


def all_kinds() -> list[Kind]:
    return sorted(KINDS.values(), key=lambda kind: kind.id)
