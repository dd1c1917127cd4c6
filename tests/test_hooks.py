"""Hooks between features are wired once in create_app, and a missing provider stops it."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app, hooks, wiring
from app.accounts import personal_data
from app.shifts import trainings
from config import TestConfig

# The feature functions each hook is answered by in the real app.
EXPECTED = {
    "contributions": {"app.columns.providers.published_counts"},
    "attendance": {"app.checkin.presence.attended"},
    "no_show_rates": {"app.shifts.reliability.no_show_rates"},
    "trainings": {"app.shifts.trainings._completed_trainings"},
    "team_hours": {"app.checkin.attendance.verified_team_hours"},
    "credit_sources": {
        "app.credits.sources.verified_attendances",
        "app.credits.sources.completed_trainings",
        "app.columns.providers.credit_sources",
        "app.outside.credits.credit_sources",
    },
    "anonymisers": {
        "app.engagement.personal.forget_person",
        "app.messages.services.forget_person",
        "app.natrecord.identity.forget_person",
        "app.notifications.services.forget_person",
        "app.recruitment.member_notes.forget_person",
        "app.recruitment.profiles.forget_person",
        "app.wechat.personal.forget_person",
        "app.outside.personal.forget_person",
        "app.api.summaries.forget",
    },
    "logged_in": {"app.wechat.views.bind_at_login"},
    "notified": {"app.wechat.outbox.queue_messages"},
    "events": {"app.api.webhooks.queue_event"},
    "waiting": {
        "app.recruitment.waiting.applications_waiting",
        "app.shifts.waiting.releases_waiting",
        "app.shifts.waiting.handovers_waiting",
        "app.checkin.hooks.records_to_verify",
        "app.messages.waiting.messages_waiting",
        "app.outside.waiting.claims_waiting",
    },
}


# The personal data export's sections, in the order the export and its page show them.
SECTIONS = [
    "account",
    "roles",
    "sign_ins",
    "audit_about_me",
    "audit_by_me",
    "login_sessions",
    "notifications",
    "volunteer",
    "admin_work",
    "api",
    "hub",
    "announcements",
    "shifts",
    "calendar_feed",
    "checkin",
    "columns",
    "credits",
    "engagement",
    "feedback",
    "outside",
    "messages",
    "natrecord",
    "recruitment",
    "rewards",
    "stars",
    "wechat",
]
EXPORT_HOOKS = {hooks.PERSONAL_DATA, hooks.PERSONAL_DATA_LABELS, hooks.AUDITED_OBJECTS}


def names(hook: hooks.Hook) -> set[str]:
    return {f"{provider.__module__}.{provider.__name__}" for provider in hook.providers}


def test_every_declared_hook_has_its_providers_in_the_real_app(app):
    functions = {hook.name: names(hook) for hook in hooks.HOOKS if hook not in EXPORT_HOOKS}
    assert functions == EXPECTED
    assert [section.key for section in hooks.PERSONAL_DATA.providers] == SECTIONS
    assert "attendance" in personal_data.audited_objects()
    assert hooks.missing() == []


def test_an_app_wired_without_a_required_provider_fails_at_start_naming_the_hook(app, monkeypatch):
    complete = wiring.feature_wiring()
    without_shifts = [c for c in complete if c is not trainings.connect_hooks]
    monkeypatch.setattr(wiring, "feature_wiring", lambda: without_shifts)

    with pytest.raises(RuntimeError, match="trainings"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")

    # The running app keeps its complete wiring.
    assert names(hooks.TRAININGS) == EXPECTED["trainings"]


def test_wiring_twice_connects_each_provider_once(app):
    labels = len(hooks.PERSONAL_DATA_LABELS.providers)
    create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    for name, providers in EXPECTED.items():
        assert len(names_of(name)) == len(providers)
    assert [section.key for section in hooks.PERSONAL_DATA.providers] == SECTIONS
    assert len(hooks.PERSONAL_DATA_LABELS.providers) == labels


def names_of(name: str) -> list[Any]:
    (hook,) = [hook for hook in hooks.HOOKS if hook.name == name]
    return hook.providers
