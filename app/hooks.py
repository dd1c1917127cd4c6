"""Hooks between features: the one way a feature asks another for data it does not own.

Each hook point is declared here, with what its providers answer and whether the app needs
at least one. `create_app` calls `wire_hooks`, which calls every feature's `connect_hooks()`
by name (no discovery, nothing registered by importing a module) and then checks that each
required hook has a provider, so a missing one stops the app at start-up with the hook's
name instead of showing "—" to users later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Hook:
    """A named hook point; `providers` (functions, or the personal data export's sections,
    labels and audited objects) are used in the order they were connected."""

    name: str
    description: str
    required: bool = True
    providers: list[Any] = field(default_factory=list)

    def connect(self, provider: Any) -> None:
        """Add a provider; connecting the same one twice counts once."""
        if not any(known is provider for known in self.providers):
            self.providers.append(provider)


# Functions `(column code or None for all columns, user ids or None) -> {user_id: count}` of
# published contributions (badges' "contributions" rule); the columns feature provides one.
CONTRIBUTIONS = Hook("contributions", "published contributions per person, for badges")
# Functions `(shift_ids) -> {(shift_id, user_id)}` of the people present (no-show marking).
ATTENDANCE = Hook("attendance", "who was present on shifts, for marking no-shows")
# Functions `(task_ids) -> {task_id: no-show rate 0..1}` for the coordinator's dashboard.
NO_SHOW_RATES = Hook("no_show_rates", "no-show rates per task, for the shifts dashboard")
# Functions `(user_id) -> [profiles.CompletedTraining]` listed on the volunteer profile.
TRAININGS = Hook("trainings", "completed trainings per person, for volunteer profiles")
# Functions `(team_id, user_ids) -> {user_id: hours}`, added up on the team roster.
TEAM_HOURS = Hook("team_hours", "hours served per team member, for the roster")
# Functions `(user_ids or None) -> [sources.CreditSource]`: Second Classroom credit sources.
CREDIT_SOURCES = Hook("credit_sources", "Second Classroom credit sources")
# Functions `(user)` that remove a feature's own identifying copies when a person is
# anonymised; they only flush, inside the anonymisation's transaction.
ANONYMISERS = Hook("anonymisers", "features' own copies of a person's data", required=False)
# The personal data export: `personal_data.Section`s (a later one replaces an earlier one
# with the same key), field labels (mappings; the first name given wins) and
# `personal_data.AuditedObject`s, through the helpers in `app.accounts.personal_data`.
PERSONAL_DATA = Hook("personal_data", "sections of a person's data export")
PERSONAL_DATA_LABELS = Hook("personal_data_labels", "names of export fields", required=False)
AUDITED_OBJECTS = Hook("audited_objects", "audited objects that belong to a person")
# Functions `(user)` run when a person logs in on a device (password, campus login, WeChat),
# inside that login's transaction: they only flush.
LOGGED_IN = Hook("logged_in", "what a feature finishes when a person logs in", required=False)

# Functions `(user id column) -> labelled scalar subquery`: a number about the person that
# every page shows (the bell's unread notifications), read in the same statement as the
# person on a page request (a GET outside /api/ and /static/) instead of a query of its own;
# `User.page_counts` holds them by label. Counted when the request starts.
PAGE_COUNTS = Hook("page_counts", "numbers every page shows, read with the person", required=False)

# Functions `(added, kind, now)` called by `notify` and `notify_many` once new notifications
# are added, `added` being [(notification, user)] (one, or a batch of one kind): other channels
# (WeChat) queue their own messages in the same transaction, set-based; flush only.
NOTIFIED = Hook("notified", "other channels of a new notification", required=False)

# Functions `(desk: DeskOf, now) -> [Waiting | Counted]`: what waits for a coordinator in the
# teams they run (an admin: every team), whatever the teams' size, for their home. `DeskOf`
# carries what the desk already knows (who asks, the teams they run), so no provider asks
# again; a `Counted` gives SQL the desk selects in ONE statement with every other provider's.
# Features register their own (applications, releases, verifications, handovers, messages,
# outside hours).
WAITING = Hook("waiting", "what waits for a coordinator, for the home page", required=False)

# Functions `(event, data, now)` told of something that happened, inside its transaction
# (webhooks queue one delivery per subscription); flush only. Features call `publish`.
EVENTS = Hook("events", "what happened, for webhooks to campus systems", required=False)
# Every event a feature publishes. `data` holds ids and the facts the event needs, never
# names or contact details (README, "Application tokens and webhooks").
EVENT_NAMES = (
    "attendance.verified",
    "hours.changed",
    "credit_batch.approved",
    "contribution.published",
    "application.decided",
    "person.anonymised",
    "summary.changed",
)


@dataclass(frozen=True)
class DeskOf:
    """Whose desk the `WAITING` providers count for: `actor`, and the ids of the teams they
    run (`team_ids`; None: every team, an admin), read once by the desk."""

    actor: Any
    team_ids: set[int] | None


@dataclass(frozen=True)
class Counted:
    """Waiting items a provider counts in SQL: `columns` (scalar subqueries) the desk selects
    together with the other providers' in one statement, and `make(values)`, given their
    values in the same order, gives the `Waiting` items (none when nothing waits)."""

    columns: tuple[Any, ...]
    make: Callable[[tuple[Any, ...]], list[Waiting]]


@dataclass(frozen=True)
class Waiting:
    """Items of one kind waiting for a coordinator: `count` of them, shown as `label`, and
    where to act on them (`endpoint` with `values`, for `url_for`)."""

    key: str
    label: Any
    count: int
    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)


HOOKS: tuple[Hook, ...] = (
    CONTRIBUTIONS,
    ATTENDANCE,
    NO_SHOW_RATES,
    TRAININGS,
    TEAM_HOURS,
    CREDIT_SOURCES,
    ANONYMISERS,
    PERSONAL_DATA,
    PERSONAL_DATA_LABELS,
    AUDITED_OBJECTS,
    LOGGED_IN,
    NOTIFIED,
    WAITING,
    EVENTS,
)


def publish(event: str, data: dict[str, Any], *, now: Any) -> None:
    """Tell the `EVENTS` providers that `event` happened (one of `EVENT_NAMES`)."""
    if event not in EVENT_NAMES:
        raise ValueError(f"unknown event: {event}")
    for provider in EVENTS.providers:
        provider(event, data, now)


def missing(hooks: Iterable[Hook] = HOOKS) -> list[str]:
    """Names of the required hooks that have no provider."""
    return [hook.name for hook in hooks if hook.required and not hook.providers]
