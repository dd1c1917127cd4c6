"""The registry of notification kinds.

A kind has a stable id ("account.password_reset"), a label people see on their settings
page, whether it is emailed unless the person says otherwise, and two plain-text Jinja
templates: `<template>.subject.txt` (the one-line title) and `<template>.body.txt`. A
feature registers its kinds once, at import of its services module, as it describes its
audit actions:

    kinds.register("shifts.reminder", _l("Shift reminders"), email_default=True,
                   template="shifts/email/reminder")
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
    template: str  # path under templates/, without ".subject.txt" / ".body.txt"

    @property
    def subject_template(self) -> str:
        return f"{self.template}.subject.txt"

    @property
    def body_template(self) -> str:
        return f"{self.template}.body.txt"


KINDS: dict[str, Kind] = {}


def register(kind_id: str, label: Any, *, email_default: bool, template: str | None = None) -> Kind:
    kind = Kind(
        id=kind_id,
        label=label,
        email_default=email_default,
        template=template or f"notifications/email/{kind_id}",
    )
    KINDS[kind_id] = kind
    return kind


def get(kind_id: str) -> Kind:
    """The registered kind; an unknown id is a programming error, not bad input."""
    try:
        return KINDS[kind_id]
    except KeyError:
        raise ValueError(f"unknown notification kind {kind_id!r}") from None


def all_kinds() -> list[Kind]:
    return sorted(KINDS.values(), key=lambda kind: kind.id)


PASSWORD_RESET = register(
    "account.password_reset", _l("My password was reset by an administrator"), email_default=True
)
ANNOUNCEMENT = register(
    "system.announcement", _l("Announcements from the programme"), email_default=False
)
