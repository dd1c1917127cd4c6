"""Seeded rules and the default export template (jobs, the admin pages and demo data call
this; it changes nothing that exists)."""

from __future__ import annotations

from app.credits import export_templates, rules


def seed_defaults() -> None:
    rules.seed_rules()
    export_templates.seed_default_template()
    export_templates.seed_national_template()
