"""Badge texts in the reader's language: name and description, how a badge is earned, why
a person holds it, and why it was taken back."""

from __future__ import annotations

from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _

from app.rewards.badge_awarding import REVOKED_REASONS, in_language
from app.rewards.models import Badge, BadgeAward
from app.rewards.star_rules import STAR_RULES


def badge_text(badge: Badge, field: str) -> str:
    """`name` or `description` in the reader's language."""
    locale = get_locale()
    return in_language(badge, field, locale.language if locale else None)


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.##")


def _star_criteria(badge: Badge) -> str:
    params = badge.params or {}
    if badge.criterion == "service_star_month":
        return _(
            "Each calendar month, the %(n)d volunteers with the most verified service hours "
            "(at least %(hours)s hours). Ties go to the lower student number.",
            n=badge.threshold,
            hours=_number(float(params.get("min_hours", 1))),
        )
    if params.get("top_percent") is not None:
        who = _(
            "the top %(percent)s%% of the month's readers (rounded down, at least one)",
            percent=_number(float(params["top_percent"])),
        )
    else:
        who = _("the %(n)d readers", n=badge.threshold)
    return _(
        "Each calendar month, %(who)s with the highest reading score from the library's "
        "usage data (loans, visits, time in the library, e-resource use), with at least "
        "%(loans)d loans, %(visits)d visits and a score of %(score)s. Ties go to more loans, "
        "then more visits, then the earlier last day of use, then the lower student number.",
        who=who,
        loans=int(params.get("min_loans", 0)),
        visits=int(params.get("min_visits", 0)),
        score=_number(float(params.get("min_score", 0))),
    )


def criteria_text(badge: Badge) -> str:
    """How the badge is earned, in the reader's language."""
    n = badge.threshold
    if badge.criterion in STAR_RULES:
        text = _star_criteria(badge)
    elif badge.criterion == "hours_total":
        text = _("Reach %(n)d verified hours of volunteer service.", n=n)
    elif badge.criterion == "shifts_total":
        text = _("Complete %(n)d verified shifts.", n=n)
    elif badge.criterion == "weekly_streak":
        text = _("Serve at least one verified shift in each of %(n)d weeks in a row.", n=n)
    elif badge.criterion == "star_level":
        text = _(
            "Be a star volunteer of at least %(n)d stars (library and approved outside hours).",
            n=n,
        )
    elif badge.criterion == "books_borrowed":
        text = _("Borrow %(n)d books from the library.", n=n)
    elif (badge.params or {}).get("column"):
        text = _(
            "Have %(n)d contributions published in the column “%(column)s”.",
            n=n,
            column=badge.params["column"],
        )
    else:
        text = _("Have %(n)d contributions published in the library's columns.", n=n)
    if badge.revocable:
        text += " " + _("The badge is taken back if this stops being true.")
    return text


def award_reason(award: BadgeAward) -> str:
    """Why this person holds the badge, from the award's evidence."""
    facts = award.evidence or {}
    value = _number(facts.get("value", 0))
    criterion = award.badge.criterion
    if criterion == "service_star_month":
        return _(
            "Rank %(rank)d of %(of)d volunteers with verified hours in %(period)s, "
            "with %(value)s hours.",
            rank=facts.get("rank", 0),
            of=facts.get("of", 0),
            period=award.period,
            value=value,
        )
    if criterion == "reading_star_month":
        return _(
            "Rank %(rank)d of %(of)d readers in %(period)s, with a reading score of %(value)s.",
            rank=facts.get("rank", 0),
            of=facts.get("of", 0),
            period=award.period,
            value=value,
        )
    reasons = {
        "hours_total": _("%(value)s verified hours when the badge was awarded."),
        "shifts_total": _("%(value)s verified shifts when the badge was awarded."),
        "weekly_streak": _("%(value)s weeks in a row with a verified shift."),
        "contributions": _("%(value)s published contributions when the badge was awarded."),
        "star_level": _("Star level %(value)s when the badge was awarded."),
        "books_borrowed": _("%(value)s books borrowed when the badge was awarded."),
    }
    return reasons.get(criterion, "%(value)s") % {"value": value}


def revoked_reason_text(award: BadgeAward) -> str:
    label = REVOKED_REASONS.get(award.revoked_reason)
    return str(label) if label is not None else award.revoked_reason
