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
)


def feature_wiring() -> list[Callable[[], None]]:
    """Every feature's `connect_hooks`, named one by one. The order is the order of the
    personal data export's sections and of the credit sources."""
    from app.accounts import personal_data, sessions
    from app.admin import personal as admin_personal
    from app.api import personal as api_personal
    from app.checkin import hooks as checkin
    from app.checkin import personal as checkin_personal
    from app.columns import personal as columns_personal
    from app.columns import providers as columns
    from app.credits import personal as credits_personal
    from app.credits import sources as credits
    from app.engagement import personal as engagement
    from app.notifications import services as notifications
    from app.recruitment import personal as recruitment_personal
    from app.recruitment import profiles
    from app.rewards import personal as rewards_personal
    from app.shifts import personal as shifts_personal
    from app.shifts import trainings

    return [
        personal_data.connect_hooks,
        sessions.connect_hooks,
        notifications.connect_hooks,
        profiles.connect_hooks,
        admin_personal.connect_hooks,
        api_personal.connect_hooks,
        shifts_personal.connect_hooks,
        checkin_personal.connect_hooks,
        columns_personal.connect_hooks,
        credits_personal.connect_hooks,
        engagement.connect_hooks,
        recruitment_personal.connect_hooks,
        rewards_personal.connect_hooks,
        checkin.connect_hooks,
        trainings.connect_hooks,
        credits.connect_hooks,  # the built-in credit sources come first
        columns.connect_hooks,
    ]


def missing(hooks: Iterable[Hook] = HOOKS) -> list[str]:
    """Names of the required hooks that have no provider."""
    return [hook.name for hook in hooks if hook.required and not hook.providers]


def wire_hooks() -> None:
    """Connect every feature's providers afresh; raise RuntimeError naming any required
    hook left without one (and keep the previous wiring then)."""
    before = {hook: list(hook.providers) for hook in HOOKS}
    for hook in HOOKS:
        hook.providers = []
    for connect in feature_wiring():
        connect()
    if names := missing():
        for hook, providers in before.items():
            hook.providers = providers
        raise RuntimeError(f"No provider connected for the required hook(s): {', '.join(names)}")
