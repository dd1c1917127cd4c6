"""Applying to a campaign, changing and withdrawing an application, and a person's
applications. Reviewing them lives in `app.recruitment.review`. Services only flush; the
caller commits once."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.common.db import flush_or_conflict, get_or_not_found, update_if
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.recruitment import review
from app.recruitment.answers import checked_answers
from app.recruitment.campaigns import OPEN_STATUSES
from app.recruitment.eligibility import (
    eligibility,
    find_application,
    full_message_for_applicant,
    places_left,
)
from app.recruitment.labels import STATUS_LABELS
from app.recruitment.models import Application, Campaign


def get_application(application_id: int) -> Application:
    return get_or_not_found(Application, application_id, _("No such application."))


def apply(
    campaign: Campaign,
    user,
    answers: dict[str, Any],
    *,
    consent: bool = False,
    now: datetime | None = None,
) -> Application:
    """Apply `user` to `campaign`. In first-come mode the application is accepted at once
    while places remain (otherwise Conflict, and nothing is kept). A withdrawn application
    may be sent again while the campaign is open."""
    now = now or utcnow()
    existing = find_application(campaign, user)
    if existing is not None and existing.status != "withdrawn":
        raise Conflict(_("You have already applied to this campaign."))
    verdict = eligibility(campaign, user, now=now)
    if not verdict.ok:
        racing = find_application(campaign, user)
        if racing is not None and racing.status != "withdrawn":
            # A double tap whose first request committed in between.
            raise Conflict(_("You have already applied to this campaign."))
        if campaign.selection_mode == "first_come" and places_left(campaign) <= 0:
            raise Conflict(full_message_for_applicant(campaign))
        raise InvalidInput(" ".join(verdict.reasons))
    cleaned = checked_answers(campaign, answers, consent)
    if existing is not None:  # sent again after withdrawing
        application = existing
        application.status = "submitted"
        application.answers = cleaned
        application.consented_at = now if campaign.consent_text else None
        application.submitted_at = now
        application.updated_at = now
        application.decided_at = None
        application.decided_by_id = None
        db.session.flush()
    else:
        application = Application(
            campaign_id=campaign.id,
            user_id=user.id,
            status="submitted",
            answers=cleaned,
            consented_at=now if campaign.consent_text else None,
            submitted_at=now,
            updated_at=now,
        )
        db.session.add(application)
        # A double tap: the first one stands, the second is a Conflict.
        flush_or_conflict(_("You have already applied to this campaign."))
    audit.record(
        "recruitment.applied",
        application,
        actor=user,
        after={"campaign_id": campaign.id, "status": "submitted"},
        now=now,
    )
    if campaign.selection_mode == "first_come":
        review.accept_first_come(application, now=now)
    return application


def _require_own(application: Application, user) -> None:
    if application.user_id != user.id:
        raise Forbidden(_("This is not your application."))


def can_edit(application: Application, *, now: datetime) -> bool:
    """The applicant may change answers while the application waits for review (submitted;
    once shortlisted the coordinators are judging it) and the campaign is open."""
    return application.status == "submitted" and now < application.campaign.closes_at


def can_withdraw(application: Application, *, now: datetime) -> bool:
    """The applicant may withdraw while undecided (submitted, shortlisted) and the campaign
    is open, and from the waitlist at any time; accepted people ask the coordinator."""
    if application.status == "waitlisted":
        return True
    return application.status in OPEN_STATUSES and now < application.campaign.closes_at


def update_application(
    application: Application,
    user,
    answers: dict[str, Any],
    *,
    consent: bool = False,
    now: datetime | None = None,
) -> Application:
    now = now or utcnow()
    _require_own(application, user)
    campaign = application.campaign
    if now >= campaign.closes_at:
        raise Conflict(_("The campaign has closed; applications can no longer be changed."))
    if application.status != "submitted":
        raise Conflict(
            _(
                "Your application is already being reviewed (%(status)s) and can no longer be "
                "changed.",
                status=STATUS_LABELS[application.status],
            )
        )
    cleaned = checked_answers(campaign, answers, consent)
    before = application.answers
    application.answers = cleaned
    application.consented_at = application.consented_at or (now if campaign.consent_text else None)
    application.updated_at = now
    db.session.flush()
    if before != cleaned:
        audit.record("recruitment.application_edited", application, actor=user, now=now)
    return application


def withdraw_application(
    application: Application, user, *, now: datetime | None = None
) -> Application:
    now = now or utcnow()
    _require_own(application, user)
    if application.status == "accepted":
        raise Conflict(
            _("You have been accepted; please ask the team's coordinator if you cannot take part.")
        )
    if application.status == "withdrawn":
        raise Conflict(_("This application is already withdrawn."))
    if not can_withdraw(application, now=now):
        if now >= application.campaign.closes_at:
            raise Conflict(_("The campaign has closed; please ask the team's coordinator."))
        raise Conflict(_("This application can no longer be withdrawn."))
    before = application.status
    if not update_if(application, Application.status == before, status="withdrawn", updated_at=now):
        raise Conflict(_("The application changed meanwhile; please reload the page."))
    audit.record(
        "recruitment.application_withdrawn",
        application,
        actor=user,
        before={"status": before},
        after={"status": "withdrawn"},
        now=now,
    )
    return application


def applications_of(user, *, limit: int | None = None) -> list[Application]:
    """A person's applications, newest first, with their campaigns and teams."""
    values = {"user_id": user.id, "limit": limit} if limit else {"user_id": user.id}
    return list(db.session.scalars(_applications_query(bool(limit)), values))


@functools.cache
def _applications_query(limited: bool) -> Select:
    """Built once (every home page asks): the person and the limit are bound parameters."""
    query = (
        select(Application)
        .where(Application.user_id == bindparam("user_id"))
        .options(selectinload(Application.campaign).selectinload(Campaign.team))
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    return query.limit(bindparam("limit")) if limited else query
