"""Badge administration: the list with award counts, and an administrator's audited edit of
a badge (texts, threshold, parameters checked against its criterion)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit import services as audit
from app.common.db import get_or_not_found, lock_for_transaction
from app.common.rows import fields_of
from app.common.text import clean_line
from app.errors import InvalidInput
from app.extensions import db
from app.rewards.badge_rules import RULES
from app.rewards.models import Badge, BadgeAward
from app.rewards.star_rules import STAR_RULES

THRESHOLD_MAX = 100_000
NAME_MAX = 80
DESCRIPTION_MAX = 500


def all_badges() -> list[Badge]:
    return list(db.session.scalars(select(Badge).order_by(Badge.sort_order, Badge.id)))


def get_badge(badge_id: int) -> Badge:
    return get_or_not_found(Badge, badge_id, _("No such badge."))


def award_counts() -> dict[int, int]:
    """Awards in force per badge."""
    query = (
        select(BadgeAward.badge_id, func.count())
        .where(BadgeAward.revoked_at.is_(None))
        .group_by(BadgeAward.badge_id)
    )
    return dict(db.session.execute(query).all())


def param_types(criterion: str) -> dict[str, type]:
    rule = RULES.get(criterion) or STAR_RULES.get(criterion)
    return rule.params if rule is not None else {}


def threshold_limit(criterion: str) -> int:
    """The highest threshold a badge of this criterion may have (five for star levels)."""
    rule = RULES.get(criterion)
    limit = rule.max_threshold if rule is not None else None
    return min(THRESHOLD_MAX, limit) if limit is not None else THRESHOLD_MAX


def _check_param(name: str, value: Any, kind: type) -> Any:
    if kind is str:
        if not isinstance(value, str) or not value.strip() or len(value) > 40:
            raise InvalidInput(_("“%(name)s” must be a short text.", name=name), field="params")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidInput(
            _("“%(name)s” must be a number of at least 0.", name=name), field="params"
        )
    if kind is int and not float(value).is_integer():
        raise InvalidInput(_("“%(name)s” must be a whole number.", name=name), field="params")
    if name == "top_percent" and not 0 < value <= 100:
        raise InvalidInput(_("“top_percent” must be above 0 and at most 100."), field="params")
    return int(value) if kind is int else value


def parse_params(text: str | None, criterion: str) -> dict[str, Any]:
    """A badge's parameters from the admin form's JSON text, checked against its criterion."""
    try:
        params = json.loads(text or "{}")
    except ValueError:
        raise InvalidInput(_("The parameters must be a JSON object."), field="params") from None
    if not isinstance(params, dict):
        raise InvalidInput(_("The parameters must be a JSON object."), field="params")
    allowed = param_types(criterion)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidInput(
            _(
                "Unknown parameters: %(names)s. This criterion takes: %(allowed)s.",
                names=", ".join(unknown),
                allowed=", ".join(allowed) or "—",
            ),
            field="params",
        )
    return {name: _check_param(name, value, allowed[name]) for name, value in params.items()}


@dataclass(frozen=True)
class BadgeChanges:
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    threshold: int
    params: dict[str, Any]
    revocable: bool
    active: bool


def snapshot(badge: Badge) -> dict[str, Any]:
    return {
        **fields_of(badge, "name_zh", "name_en", "description_zh", "description_en", "threshold"),
        "params": dict(badge.params or {}),
        **fields_of(badge, "revocable", "active"),
    }


def _clean(text: str | None, *, field: str, limit: int, required: bool) -> str:
    return clean_line(
        text,
        field=field,
        limit=limit,
        missing=_l("Please fill this in.") if required else None,
    )


def checked_fields(changes: BadgeChanges, criterion: str) -> dict[str, Any]:
    """The badge's columns from an admin's form, checked: texts, the threshold and the
    parameters of its criterion; InvalidInput names the field that is wrong."""
    highest = threshold_limit(criterion)
    if not 1 <= changes.threshold <= highest:
        raise InvalidInput(
            _("The threshold must be between 1 and %(n)d.", n=highest), field="threshold"
        )
    allowed = param_types(criterion)
    return {
        "name_zh": _clean(changes.name_zh, field="name_zh", limit=NAME_MAX, required=True),
        "name_en": _clean(changes.name_en, field="name_en", limit=NAME_MAX, required=True),
        "description_zh": _clean(
            changes.description_zh, field="description_zh", limit=DESCRIPTION_MAX, required=False
        ),
        "description_en": _clean(
            changes.description_en, field="description_en", limit=DESCRIPTION_MAX, required=False
        ),
        "threshold": changes.threshold,
        "params": {
            name: _check_param(name, value, allowed[name])
            for name, value in changes.params.items()
            if name in allowed
        },
        "revocable": changes.revocable,
        "active": changes.active,
    }


def refuse_taken_names(name_zh: str, name_en: str, *, except_id: int | None = None) -> None:
    """Two badges may not share a name (in either language, ignoring case): the caller holds
    the `badges.names` lock, so two admins saving the same name at once cannot both pass."""
    lock_for_transaction("badges.names")
    for field, name in (("name_zh", name_zh), ("name_en", name_en)):
        column = getattr(Badge, field)
        query = select(Badge.id).where(func.lower(column) == name.lower())
        if except_id is not None:
            query = query.where(Badge.id != except_id)
        if db.session.scalar(query.limit(1)) is not None:
            raise InvalidInput(_("Another badge already has this name."), field=field)


def update_badge(
    badge: Badge, changes: BadgeChanges, *, actor, now: datetime | None = None
) -> Badge:
    """An administrator edits a badge (audited). The next evaluation applies it to
    everyone: a lower threshold awards more people at once."""
    fields = checked_fields(changes, badge.criterion)
    refuse_taken_names(fields["name_zh"], fields["name_en"], except_id=badge.id)
    with audit.edit("badges.badge_edited", badge, snapshot, actor=actor, now=now):
        for field, value in fields.items():
            setattr(badge, field, value)
        db.session.flush()
    return badge
