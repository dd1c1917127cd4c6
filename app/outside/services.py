"""Hours served elsewhere: a volunteer's claim, a coordinator's decision, and the approved
minutes other features read (My hours, certificates, star levels, points by rule).

Who decides: a coordinator of a team the claimant belongs to (any membership), or an admin.
Approved outside minutes are never added to library hours; readers ask for them apart
(`approved_minutes_by_user`, `approved_claims`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import get_or_not_found, update_if
from app.common.text import clean_line, clean_text
from app.common.time import local_today, utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import OUTSIDE_DECIDED
from app.outside import evidence
from app.outside.models import (
    DESCRIPTION_MAX,
    LINK_MAX,
    ORGANISER_MAX,
    REASON_MAX,
    OutsideClaim,
)
from app.recruitment.access import ASK, managed_team_ids
from app.recruitment.models import Membership
from app.rewards import points

DAY_MINUTES = 24 * 60
DECISIONS = ("approve", "change", "reject")
MY_HOURS_LINK = "/hours"


@dataclass(frozen=True)
class ClaimFields:
    organiser: str | None
    served_on: date | None
    hours: object  # a Decimal, float or text from the form
    description: str | None = None
    evidence_link: str | None = None


# Reading ---------------------------------------------------------------------------------


def claims_of(user_id: int) -> list[OutsideClaim]:
    """A person's claims, newest day first."""
    return list(
        db.session.scalars(
            select(OutsideClaim)
            .where(OutsideClaim.user_id == user_id)
            .order_by(OutsideClaim.served_on.desc(), OutsideClaim.id.desc())
        )
    )


def approved_claims(
    user_id: int, *, since: date | None = None, until: date | None = None
) -> list[OutsideClaim]:
    """A person's approved claims of days in [since, until), oldest first (certificates)."""
    query = select(OutsideClaim).where(
        OutsideClaim.user_id == user_id, OutsideClaim.status == "approved"
    )
    if since is not None:
        query = query.where(OutsideClaim.served_on >= since)
    if until is not None:
        query = query.where(OutsideClaim.served_on < until)
    return list(db.session.scalars(query.order_by(OutsideClaim.served_on, OutsideClaim.id)))


def approved_minutes_of(user_id):
    """One person's approved outside minutes, as a scalar subquery to read with other figures
    in one query (`user_id` may be a bound parameter)."""
    return (
        select(func.coalesce(func.sum(OutsideClaim.approved_minutes), 0))
        .where(OutsideClaim.status == "approved", OutsideClaim.user_id == user_id)
        .scalar_subquery()
    )


def approved_minutes_by_user(user_ids: list[int] | None = None) -> dict[int, int]:
    """Approved outside minutes per person (None: everyone), in one grouped query."""
    query = (
        select(OutsideClaim.user_id, func.sum(OutsideClaim.approved_minutes))
        .where(OutsideClaim.status == "approved")
        .group_by(OutsideClaim.user_id)
    )
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.where(OutsideClaim.user_id.in_(list(user_ids)))
    return {user_id: int(total or 0) for user_id, total in db.session.execute(query)}


def _decidable(actor: User, known: Any = ASK) -> Select | None:
    """Claims whose claimant belongs to a team `actor` runs (all for an admin); None when
    they run no team."""
    teams = managed_team_ids(actor, known)
    query = select(OutsideClaim)
    if teams is None:
        return query
    if not teams:
        return None
    members = select(Membership.user_id).where(Membership.team_id.in_(teams))
    return query.where(OutsideClaim.user_id.in_(members))


def pending_for(actor: User) -> list[OutsideClaim]:
    """Claims waiting for `actor`'s decision, oldest first."""
    query = _decidable(actor)
    if query is None:
        return []
    query = query.where(OutsideClaim.status == "pending").order_by(OutsideClaim.id)
    return list(db.session.scalars(query))


def pending_count(actor: User) -> int:
    """How many claims wait for `actor`'s decision."""
    column = pending_count_column(actor)
    return 0 if column is None else int(db.session.scalar(select(column)) or 0)


def pending_count_column(actor: User, known: Any = ASK) -> Any | None:
    """How many claims wait for `actor`'s decision, as a scalar subquery the coordinator's
    home selects with its other counts; None when `actor` runs no team."""
    query = _decidable(actor, known)
    if query is None:
        return None
    counted = query.where(OutsideClaim.status == "pending")
    return counted.with_only_columns(func.count(OutsideClaim.id)).scalar_subquery()


def get_claim(claim_id: int) -> OutsideClaim:
    return get_or_not_found(OutsideClaim, claim_id, _("This claim was not found."))


def claim_for_decider(actor: User, claim_id: int) -> OutsideClaim:
    """A claim `actor` may decide; NotFound for others' (nobody learns it exists)."""
    query = _decidable(actor)
    found = None if query is None else db.session.scalar(query.where(OutsideClaim.id == claim_id))
    if found is None:
        raise NotFound(_("This claim was not found."))
    return found


def claim_for_viewer(actor: User, claim_id: int) -> OutsideClaim:
    """The claimant's own claim, or one `actor` may decide; NotFound otherwise."""
    claim = db.session.get(OutsideClaim, claim_id)
    if claim is not None and claim.user_id == actor.id:
        return claim
    return claim_for_decider(actor, claim_id)


# Claiming --------------------------------------------------------------------------------


def max_claim_minutes() -> int:
    return int(current_app.config["OUTSIDE_CLAIM_MAX_HOURS"]) * 60


def parse_hours(value: object, *, field: str = "hours") -> int:
    """Hours as typed ("2.5") to whole minutes; refused when not a positive number or more
    than one claim may hold."""
    try:
        minutes = int((Decimal(str(value).strip()) * 60).to_integral_value())
    except (InvalidOperation, ValueError):
        minutes = 0
    if minutes <= 0:
        raise InvalidInput(_("Please give the hours served, more than 0."), field=field)
    if minutes > max_claim_minutes():
        raise InvalidInput(
            _(
                "One claim can hold at most %(hours)d hours.",
                hours=current_app.config["OUTSIDE_CLAIM_MAX_HOURS"],
            ),
            field=field,
        )
    return minutes


def _check_day(day: date | None, now: datetime) -> date:
    if day is None:
        raise InvalidInput(_("Please give the day of the service."), field="served_on")
    today = local_today(now)
    if day > today:
        raise InvalidInput(_("The day of the service cannot be in the future."), field="served_on")
    oldest = today - timedelta(days=int(current_app.config["OUTSIDE_CLAIM_MAX_AGE_DAYS"]))
    if day < oldest:
        raise InvalidInput(
            _("Service before %(day)s can no longer be claimed.", day=oldest.isoformat()),
            field="served_on",
        )
    return day


def _check_day_total(user_id: int, day: date, minutes: int) -> None:
    """A day has 24 hours: the person's claims for it, not rejected, stay within them."""
    claimed = db.session.scalar(
        select(
            func.coalesce(
                func.sum(
                    func.coalesce(OutsideClaim.approved_minutes, OutsideClaim.claimed_minutes)
                ),
                0,
            )
        ).where(
            OutsideClaim.user_id == user_id,
            OutsideClaim.served_on == day,
            OutsideClaim.status != "rejected",
        )
    )
    if int(claimed or 0) + minutes > DAY_MINUTES:
        raise InvalidInput(
            _("Your claims for this day would add up to more than 24 hours."), field="hours"
        )


def _check_link(link: str | None) -> str:
    text = clean_line(link, field="evidence_link", limit=LINK_MAX)
    if text and not text.lower().startswith(("https://", "http://")):
        raise InvalidInput(_("A link starts with https:// or http://."), field="evidence_link")
    return text


def _checked(user: User, fields: ClaimFields, now: datetime) -> dict:
    organiser = clean_line(
        fields.organiser,
        field="organiser",
        limit=ORGANISER_MAX,
        missing=_("Please name the organiser."),
    )
    day = _check_day(fields.served_on, now)
    minutes = parse_hours(fields.hours)
    _check_day_total(user.id, day, minutes)
    return {
        "organiser": organiser,
        "served_on": day,
        "claimed_minutes": minutes,
        "description": clean_text(fields.description, field="description", limit=DESCRIPTION_MAX),
        "evidence_link": _check_link(fields.evidence_link),
    }


def claim(
    user: User, fields: ClaimFields, *, upload=None, now: datetime | None = None
) -> OutsideClaim:
    """File a claim; every field is checked before the evidence file is kept, and a file
    kept for a claim that is then refused is removed again."""
    now = now or utcnow()
    values = _checked(user, fields, now)
    if not values["evidence_link"] and (upload is None or not upload.filename):
        raise InvalidInput(
            _("Please add evidence: a file (certificate, photo) or a link."), field="evidence"
        )
    stored = evidence.store(upload)
    try:
        row = OutsideClaim(user_id=user.id, created_at=now, **values, **stored)
        db.session.add(row)
        db.session.flush()
        audit.record(
            "outside.claimed",
            row,
            actor=user,
            after={
                "organiser": row.organiser,
                "served_on": str(row.served_on),
                "minutes": row.claimed_minutes,
            },
            now=now,
        )
    except BaseException:
        evidence.discard(stored)
        raise
    return row


# Deciding --------------------------------------------------------------------------------


def _reason(text: str | None, missing: str) -> str:
    return clean_text(text, field="reason", limit=REASON_MAX, missing=missing)


def decide(
    claim: OutsideClaim,
    decision: str,
    *,
    actor: User,
    hours: object = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> OutsideClaim:
    """Approve (as claimed), change (other hours, with a reason) or reject (with a reason),
    once: a claim decided meanwhile, even at the same moment, is a Conflict. The volunteer
    is told; points are booked only where the admins switched the outside-hours rule on."""
    now = now or utcnow()
    claim = claim_for_decider(actor, claim.id)
    if decision not in DECISIONS:
        raise InvalidInput(_("Please choose a decision."), field="decision")
    approved: int | None = claim.claimed_minutes
    if decision == "change":
        approved = parse_hours(hours)
        if approved == claim.claimed_minutes:
            raise InvalidInput(
                _("The hours are the same as claimed: approve the claim instead."), field="hours"
            )
        reason = _reason(reason, _("Please say why the hours are changed."))
    elif decision == "reject":
        approved = None
        reason = _reason(reason, _("Please say why the claim is rejected."))
    else:
        reason = clean_text(reason, field="reason", limit=REASON_MAX)
    status = "rejected" if decision == "reject" else "approved"
    if claim.status != "pending" or not update_if(
        claim,
        OutsideClaim.status == "pending",
        status=status,
        approved_minutes=approved,
        reason=reason,
        decided_at=now,
        decided_by_id=actor.id,
    ):
        raise Conflict(_("This claim has already been decided."))
    audit.record(
        f"outside.{'changed' if decision == 'change' else status}",
        claim,
        actor=actor,
        before={"status": "pending", "minutes": claim.claimed_minutes},
        after={"status": status, "minutes": approved},
        note=reason or None,
        now=now,
    )
    if status == "approved":
        _book_points(claim, now)
    _tell(claim, now)
    return claim


def _book_points(claim: OutsideClaim, now: datetime) -> None:
    rule = points.rule_points(points.OUTSIDE_HOUR)
    if rule is None:
        return
    points.award(
        claim.user_id,
        points.hour_points(claim.approved_minutes or 0, rule.points, 1),
        kind=points.OUTSIDE_HOUR,
        key=f"outside:{claim.id}",
        occurred_at=now,
        source_type="outside_claim",
        source_id=claim.id,
        note=claim.organiser,
        now=now,
    )


def format_hours(minutes: int | None) -> str:
    """Minutes as hours for people ("2.5"), without a trailing ".0"."""
    value = Decimal(minutes or 0) / 60
    return f"{value.quantize(Decimal('0.01')).normalize():f}"


def _tell(claim: OutsideClaim, now: datetime) -> None:
    notifications.notify(
        claim.user,
        OUTSIDE_DECIDED.id,
        context={
            "organiser": claim.organiser,
            "day": claim.served_on.isoformat(),
            "status": claim.status,
            "changed": claim.changed,
            "claimed": format_hours(claim.claimed_minutes),
            "approved": format_hours(claim.approved_minutes),
            "reason": claim.reason,
        },
        link=MY_HOURS_LINK,
        now=now,
        dedupe_key=f"outside:{claim.id}:decided",
    )
