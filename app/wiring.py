"""The wiring of hooks between features: each feature's `connect_hooks`, called once by
`create_app`. Features import `app.hooks` (the hook points) and never this module, so
imports run one way: this module imports the features."""

from __future__ import annotations

from collections.abc import Callable

from app import hooks
from app.accounts import personal_data, sessions
from app.admin import personal as admin_personal
from app.announcements import personal as announcements_personal
from app.api import personal as api_personal
from app.api import webhooks as api_webhooks
from app.checkin import hooks as checkin
from app.checkin import personal as checkin_personal
from app.columns import personal as columns_personal
from app.columns import providers as columns
from app.credits import personal as credits_personal
from app.credits import sources as credits
from app.engagement import personal as engagement
from app.feedback import personal as feedback_personal
from app.messages import personal as messages_personal
from app.messages import waiting as messages_waiting
from app.natrecord import personal as natrecord_personal
from app.notifications import services as notifications
from app.outside import credits as outside_credits
from app.outside import personal as outside_personal
from app.outside import waiting as outside_waiting
from app.recruitment import personal as recruitment_personal
from app.recruitment import profiles
from app.recruitment import waiting as recruitment_waiting
from app.rewards import personal as rewards_personal
from app.shifts import personal as shifts_personal
from app.shifts import trainings
from app.shifts import waiting as shifts_waiting
from app.stars import personal as stars_personal
from app.wechat import outbox as wechat_outbox
from app.wechat import personal as wechat_personal
from app.wechat import views as wechat_views


def feature_wiring() -> list[Callable[[], None]]:
    """Every feature's `connect_hooks`, named one by one. The order is the order of the
    personal data export's sections and of the credit sources."""
    return [
        personal_data.connect_hooks,
        sessions.connect_hooks,
        notifications.connect_hooks,
        profiles.connect_hooks,
        admin_personal.connect_hooks,
        api_personal.connect_hooks,
        announcements_personal.connect_hooks,
        shifts_personal.connect_hooks,
        checkin_personal.connect_hooks,
        columns_personal.connect_hooks,
        credits_personal.connect_hooks,
        engagement.connect_hooks,
        feedback_personal.connect_hooks,
        outside_personal.connect_hooks,
        messages_personal.connect_hooks,
        natrecord_personal.connect_hooks,
        recruitment_personal.connect_hooks,
        rewards_personal.connect_hooks,
        stars_personal.connect_hooks,
        wechat_personal.connect_hooks,
        wechat_outbox.connect_hooks,
        checkin.connect_hooks,
        trainings.connect_hooks,
        credits.connect_hooks,  # the built-in credit sources come first
        columns.connect_hooks,
        outside_credits.connect_hooks,
        wechat_views.connect_hooks,
        recruitment_waiting.connect_hooks,
        shifts_waiting.connect_hooks,
        messages_waiting.connect_hooks,
        api_webhooks.connect_hooks,
        outside_waiting.connect_hooks,
    ]


def wire_hooks() -> None:
    """Connect every feature's providers afresh; raise RuntimeError naming any required
    hook left without one (and keep the previous wiring then)."""
    before = {hook: list(hook.providers) for hook in hooks.HOOKS}
    for hook in hooks.HOOKS:
        hook.providers = []
    for connect in feature_wiring():
        connect()
    if names := hooks.missing():
        for hook, providers in before.items():
            hook.providers = providers
        raise RuntimeError(f"No provider connected for the required hook(s): {', '.join(names)}")
