"""Who may apply to a campaign now, and every reason why not, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.lists import format_list
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import services as accounts
from app.common.time import utcnow
from app.extensions import db
from app.recruitment.campaigns import open_campaigns_with_applications
from app.recruitment.labels import USER_TYPE_GROUPS
from app.recruitment.models import Application, Campaign


@dataclass
class Eligibility:
    ok: bool
    reasons: list[str]


def _format_time(value: datetime) -> str:
    return format_datetime(value, "short")


def _format_list(items) -> str:
    """ "a, b and c" / "a、b和c" in the current language."""
    return format_list([str(item) for item in items], locale=get_locale() or "zh")


def find_application(campaign: Campaign, user) -> Application | None:
    return db.session.scalar(
        select(Application).where(
            Application.campaign_id == campaign.id, Application.user_id == user.id
        )
    )


def full_message_for_applicant(campaign: Campaign) -> str:
    return _("Full: all %(n)d places are taken.", n=campaign.quota)


def places_left(campaign: Campaign) -> int:
    return max(campaign.quota - campaign.accepted_count, 0)


_LOOK_UP = object()


def eligibility(
    campaign: Campaign, user, *, now: datetime | None = None, application: Any = _LOOK_UP
) -> Eligibility:
    """Whether `user` may apply to `campaign` now, and every reason why not, in words.
    `application` is the person's application to it when the caller has it already."""
    now = now or utcnow()
    reasons: list[str] = []
    if not getattr(user, "active", False):
        reasons.append(_("Your account is not active."))
    existing = find_application(campaign, user) if application is _LOOK_UP else application
    if existing is not None and existing.status != "withdrawn":
        reasons.append(_("You have already applied to this campaign."))
    if not campaign.published or not campaign.team.active:
        reasons.append(_("This campaign is not open for applications."))
    elif now < campaign.opens_at:
        reasons.append(
            _("Not open yet: applications open at %(time)s.", time=_format_time(campaign.opens_at))
        )
    elif now >= campaign.closes_at:
        reasons.append(_("Applications closed at %(time)s.", time=_format_time(campaign.closes_at)))
    types = campaign.eligible_user_types or []
    if types and user.user_type not in types:
        names = _format_list(USER_TYPE_GROUPS[kind] for kind in types)
        reasons.append(_("This campaign is for %(types)s only.", types=names))
    college_ids = campaign.eligible_college_ids or []
    if college_ids:
        if user.college_id is None:
            reasons.append(
                _(
                    "This campaign is for some colleges only; please add your college to "
                    "your profile."
                )
            )
        elif user.college_id not in college_ids:
            names = _format_list(c.name for c in accounts.colleges() if c.id in college_ids)
            reasons.append(
                _(
                    "Your college is not among the colleges this campaign is for: %(names)s.",
                    names=names,
                )
            )
    years = campaign.eligible_years or []
    if years:
        listed = _format_list(years)
        if user.enrolment_year is None:
            reasons.append(
                _(
                    "This campaign is for students enrolled in %(years)s; please add your "
                    "enrolment year to your profile.",
                    years=listed,
                )
            )
        elif user.enrolment_year not in years:
            reasons.append(_("This campaign is for students enrolled in %(years)s.", years=listed))
    if campaign.selection_mode == "first_come" and places_left(campaign) <= 0:
        reasons.append(full_message_for_applicant(campaign))
    return Eligibility(ok=not reasons, reasons=reasons)


def eligible_open_campaigns(user, *, now: datetime | None = None) -> list[Campaign]:
    """Open campaigns `user` may apply to now (for the home page), in one query."""
    now = now or utcnow()
    return [
        campaign
        for campaign, application in open_campaigns_with_applications(user, now=now)
        if eligibility(campaign, user, now=now, application=application).ok
    ]
