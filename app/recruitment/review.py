"""Reviewing applications: the status table, decisions (one or many), notes, the
quota-safe accept, and the lottery draw.

The invariant: a campaign never accepts more people than its quota, even when two
coordinators accept at the same moment. Every acceptance takes a place with one
conditional UPDATE (`accepted_count = accepted_count + 1 WHERE accepted_count < quota`) in
the same transaction as the application's new status and the membership; an application
moving out of "accepted" gives its place back in the same way. The application's status
changes by a conditional UPDATE too (`WHERE status = <the status we saw>`), so the same
application accepted twice at once takes one place, not two.

Services only flush; the caller commits once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app import hooks
from app.accounts.models import User
from app.audit import services as audit
from app.common.db import give_one_back, take_one, update_if
from app.common.rows import fields_of
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Conflict, DomainError, InvalidInput
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import APPLICATION_DECIDED
from app.recruitment import membership
from app.recruitment.access import require_team_manager
from app.recruitment.eligibility import full_message_for_applicant
from app.recruitment.labels import STATUS_LABELS
from app.recruitment.models import Application, ApplicationNote, Campaign

# Where an application may go from each status, by a coordinator (or the system).
TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"shortlisted", "accepted", "rejected", "waitlisted"}),
    "shortlisted": frozenset({"accepted", "rejected", "waitlisted"}),
    "waitlisted": frozenset({"accepted", "rejected"}),
    "accepted": frozenset({"rejected"}),  # gives the place back
    "rejected": frozenset(),
    "withdrawn": frozenset(),
}
# Decisions the applicant is told about.
NOTIFIED_STATUSES = ("accepted", "rejected", "waitlisted")
NOTE_MAX = 2_000
BULK_MAX = 500


def full_message(campaign: Campaign) -> str:
    return _(
        "All %(n)d places are taken. Waitlist the application, or free a place first.",
        n=campaign.quota,
    )


def allowed_transitions(application: Application) -> list[str]:
    """The statuses a coordinator may move this application to now, in a stable order."""
    if _awaits_lottery(application.campaign):
        return []
    targets = TRANSITIONS.get(application.status, frozenset())
    return [status for status in STATUS_LABELS if status in targets]


def _awaits_lottery(campaign: Campaign) -> bool:
    return campaign.selection_mode == "lottery" and campaign.lottery_drawn_at is None


# --- The quota ---------------------------------------------------------------------------


def _take_place(campaign: Campaign) -> bool:
    """Take one of the campaign's places; False when all are taken."""
    return take_one(campaign, "accepted_count", "quota")


def _give_place_back(campaign: Campaign) -> None:
    give_one_back(campaign, "accepted_count")


def _claim(application: Application, before: str, after: str, *, actor, now: datetime) -> None:
    """Move the application from `before` to `after`, only if nobody moved it meanwhile."""
    if not update_if(
        application,
        Application.status == before,
        status=after,
        decided_at=now,
        decided_by_id=getattr(actor, "id", None),
        updated_at=now,
    ):
        current = STATUS_LABELS.get(application.status, application.status)
        raise Conflict(
            _(
                "This application was changed meanwhile (it is now “%(status)s”). "
                "Please reload the page.",
                status=current,
            )
        )


def _unclaim(application: Application, previous: dict) -> None:
    """Put back what `_claim` changed (we still hold the row: nobody changed it since)."""
    table = Application.__table__
    db.session.execute(update(table).where(table.c.id == application.id).values(**previous))
    db.session.expire(application, list(previous))


# --- Decisions ---------------------------------------------------------------------------


def _notify(application: Application, status: str, *, now: datetime) -> None:
    if status not in NOTIFIED_STATUSES:
        return
    campaign = application.campaign
    notifications.notify(
        application.user,
        APPLICATION_DECIDED.id,
        context={
            "campaign_title": campaign.title,
            "team_name": campaign.team.name,
            "status": status,
        },
        link=f"/recruitment/campaigns/{campaign.id}",
        now=now,
        dedupe_key=f"application:{application.id}:{status}",
    )


def _end_membership(application: Application, *, actor, now: datetime) -> None:
    """An acceptance taken back ends the membership it created (history is kept)."""
    member = membership.find_membership(application.campaign.team_id, application.user_id)
    if member is not None and member.application_id == application.id and member.status != "alumni":
        membership.set_member_status(member, "alumni", actor=actor, now=now)


def _decide(
    application: Application, status: str, *, actor, now: datetime, reason: str | None = None
) -> Application:
    before = application.status
    campaign = application.campaign
    if status == before:
        # Typically a second coordinator deciding the same at the same moment.
        raise Conflict(
            _(
                "This application is already “%(status)s”.",
                status=STATUS_LABELS.get(status, status),
            )
        )
    if status not in TRANSITIONS.get(before, ()):
        raise InvalidInput(
            _(
                "An application that is “%(before)s” cannot become “%(after)s”.",
                before=STATUS_LABELS.get(before, before),
                after=STATUS_LABELS.get(status, status),
            ),
            field="status",
        )
    previous = {
        "status": before,
        **fields_of(application, "decided_at", "decided_by_id", "updated_at"),
    }
    # The application row first, then the campaign's: every path takes them in this order.
    _claim(application, before, status, actor=actor, now=now)
    if status == "accepted":
        if not _take_place(campaign):
            # No savepoint to roll back to (see app.common.db.flush_or_conflict): undo by hand,
            # so a bulk decision or a lottery draw can carry on with the next application.
            _unclaim(application, previous)
            raise Conflict(full_message(campaign))
        membership.join_team(
            campaign.team_id, application.user_id, application_id=application.id, now=now
        )
    elif before == "accepted":
        _give_place_back(campaign)
        _end_membership(application, actor=actor, now=now)
    audit.record(
        "recruitment.application_decided",
        application,
        actor=actor,
        before={"status": before},
        after={"status": status, "campaign_id": campaign.id},
        note=reason,
        now=now,
    )
    decision = {
        "application_id": application.id,
        "campaign_id": campaign.id,
        "team_id": campaign.team_id,
        "person_id": application.user_id,
        "status": status,
        "previous_status": before,
    }
    hooks.publish("application.decided", decision, now=now)
    _notify(application, status, now=now)
    return application


def decide(
    application: Application, status: str, *, actor, now: datetime | None = None
) -> Application:
    """A coordinator moves an application along the status table. Accepting takes a place
    (Conflict when all are taken) and makes the person an active team member; taking an
    acceptance back frees the place. The applicant is notified of decisions."""
    now = now or utcnow()
    campaign = application.campaign
    require_team_manager(actor, campaign.team_id)
    if _awaits_lottery(campaign):
        raise InvalidInput(
            _("This campaign selects by lottery; decisions can be made after the draw.")
        )
    return _decide(application, status, actor=actor, now=now)


def accept_first_come(application: Application, *, now: datetime | None = None) -> Application:
    """First come, first served: the system accepts a new application while places remain
    (Conflict "full" otherwise, and the caller rolls the application back)."""
    now = now or utcnow()
    try:
        return _decide(application, "accepted", actor=None, now=now, reason="first_come")
    except Conflict:
        raise Conflict(full_message_for_applicant(application.campaign)) from None


@dataclass
class RowResult:
    application_id: int
    name: str
    ok: bool
    message: str


def decide_many(
    campaign: Campaign,
    application_ids: list[int],
    status: str,
    *,
    actor,
    now: datetime | None = None,
) -> list[RowResult]:
    """The same decision for several applications of one campaign, each on its own: a
    row that fails (the quota filled, a status that cannot change so) is reported and
    the others go through. A failing row writes nothing: every check comes before the
    writes, and a full quota undoes the row's status change."""
    now = now or utcnow()
    require_team_manager(actor, campaign.team_id)
    if status not in STATUS_LABELS or status == "withdrawn" or status == "submitted":
        raise InvalidInput(_("Please choose a decision."), field="status")
    wanted = list(dict.fromkeys(int(i) for i in application_ids))
    if not wanted:
        raise InvalidInput(_("Please tick at least one application."))
    if len(wanted) > BULK_MAX:
        raise InvalidInput(_("At most %(n)d applications at once, please.", n=BULK_MAX))
    found = {
        application.id: application
        for application in db.session.scalars(
            select(Application)
            .where(Application.id.in_(wanted), Application.campaign_id == campaign.id)
            .options(selectinload(Application.user))
        )
    }
    results = []
    for application_id in wanted:
        application = found.get(application_id)
        if application is None:
            results.append(
                RowResult(application_id, "", False, _("Not an application of this campaign."))
            )
            continue
        name = application.user.name
        try:
            decide(application, status, actor=actor, now=now)
        except DomainError as error:
            results.append(RowResult(application_id, name, False, str(error.message)))
        else:
            results.append(RowResult(application_id, name, True, str(STATUS_LABELS[status])))
    return results


# --- Notes -------------------------------------------------------------------------------


def add_note(
    application: Application, body: str, *, actor, now: datetime | None = None
) -> ApplicationNote:
    """A coordinator's note on an application (never shown to the applicant)."""
    require_team_manager(actor, application.campaign.team_id)
    body = clean_text(
        body,
        field="body",
        limit=NOTE_MAX,
        missing=_l("The note is empty."),
        too_long=_l("A note can be at most %(n)d characters long.", n=NOTE_MAX),
    )
    now = now or utcnow()
    note = ApplicationNote(application_id=application.id, author_id=actor.id, body=body)
    note.created_at = now
    db.session.add(note)
    audit.record("recruitment.note_added", application, actor=actor, now=now)
    return note


# --- The lottery -------------------------------------------------------------------------

# Applications taking part in the draw: everyone still waiting for a decision.
DRAWN_STATUSES = ("submitted", "shortlisted")


def lottery_key(seed: str, application_id: int) -> str:
    return hashlib.sha256(f"{seed}:{application_id}".encode()).hexdigest()


def lottery_order(seed: str, application_ids) -> list[int]:
    """The draw: application ids sorted by sha256(seed + ":" + id). Anyone holding the
    seed and the ids can repeat it."""
    return sorted(application_ids, key=lambda application_id: lottery_key(seed, application_id))


@dataclass
class LotteryResult:
    seed: str
    accepted: int = 0
    waitlisted: int = 0
    order: list[int] = field(default_factory=list)


def draw_lottery(
    campaign: Campaign, *, now: datetime | None = None, actor=None, seed: str | None = None
) -> LotteryResult:
    """Draw a closed lottery campaign once: the first `quota` drawn are accepted (through
    the quota-safe accept), the rest waitlisted; everyone's rank is recorded, and the seed
    is kept on the campaign and in the audit log so the draw can be checked."""
    now = now or utcnow()
    if actor is not None:
        require_team_manager(actor, campaign.team_id)
    if campaign.selection_mode != "lottery":
        raise InvalidInput(_("This campaign does not select by lottery."))
    if now < campaign.closes_at:
        raise Conflict(_("The lottery is drawn after the campaign closes."))
    seed = seed or secrets.token_hex(16)
    if not update_if(
        campaign, Campaign.lottery_drawn_at.is_(None), lottery_seed=seed, lottery_drawn_at=now
    ):
        raise Conflict(_("The lottery of this campaign has already been drawn."))
    entrants = {
        application.id: application
        for application in db.session.scalars(
            select(Application)
            .where(
                Application.campaign_id == campaign.id,
                Application.status.in_(DRAWN_STATUSES),
            )
            .options(selectinload(Application.user))
        )
    }
    result = LotteryResult(seed=seed, order=lottery_order(seed, entrants))
    for rank, application_id in enumerate(result.order, start=1):
        application = entrants[application_id]
        application.lottery_rank = rank
        db.session.flush()
        status = "waitlisted"
        if campaign.accepted_count < campaign.quota:
            try:
                _decide(application, "accepted", actor=actor, now=now, reason="lottery")
                status = "accepted"
            except Conflict:
                pass
        if status == "waitlisted":
            _decide(application, "waitlisted", actor=actor, now=now, reason="lottery")
            result.waitlisted += 1
        else:
            result.accepted += 1
    audit.record(
        "recruitment.lottery_drawn",
        campaign,
        actor=actor,
        after={
            "seed": seed,
            "entrants": len(result.order),
            "accepted": result.accepted,
            "waitlisted": result.waitlisted,
            "quota": campaign.quota,
        },
        now=now,
    )
    return result


def verify_lottery(campaign: Campaign) -> bool:
    """Recompute the draw from the recorded seed: True when the recorded ranks are exactly
    the order sha256(seed:id) gives (1, 2, 3 … with no gaps)."""
    if campaign.lottery_seed is None or campaign.lottery_drawn_at is None:
        return False
    ranked = db.session.execute(
        select(Application.id, Application.lottery_rank).where(
            Application.campaign_id == campaign.id, Application.lottery_rank.is_not(None)
        )
    ).all()
    recorded = [application_id for application_id, _rank in sorted(ranked, key=lambda r: r[1])]
    ranks = sorted(rank for _id, rank in ranked)
    if ranks != list(range(1, len(ranks) + 1)):
        return False
    return recorded == lottery_order(campaign.lottery_seed, recorded)


def ranked_entrants(campaign: Campaign) -> list[Application]:
    """The draw's applications by rank, for the audit page."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.campaign_id == campaign.id, Application.lottery_rank.is_not(None))
            .options(selectinload(Application.user))
            .order_by(Application.lottery_rank)
        )
    )


# --- The review list ---------------------------------------------------------------------


@dataclass
class ReviewFilter:
    status: str = ""
    college_id: int | None = None
    year: int | None = None
    text: str = ""


def _search_text(application: Application) -> str:
    user = application.user
    answers = json.dumps(application.answers or {}, ensure_ascii=False)
    return " ".join([user.name, user.student_number, answers]).casefold()


def review_list(campaign: Campaign, filters: ReviewFilter) -> list[Application]:
    """The campaign's applications matching `filters`, oldest first (lottery campaigns by
    rank once drawn). A campaign has at most a few thousand applications, so they are
    loaded with their applicants in two queries and filtered here; the text search looks
    in the name, the student number and every answer."""
    applications = list(
        db.session.scalars(
            select(Application)
            .where(Application.campaign_id == campaign.id)
            .options(selectinload(Application.user))
            .order_by(Application.submitted_at, Application.id)
        )
    )
    if campaign.lottery_drawn_at is not None:
        applications.sort(key=lambda a: (a.lottery_rank is None, a.lottery_rank or 0))
    text = (filters.text or "").strip().casefold()
    return [
        application
        for application in applications
        if (not filters.status or application.status == filters.status)
        and (not filters.college_id or application.user.college_id == filters.college_id)
        and (not filters.year or application.user.enrolment_year == filters.year)
        and (not text or text in _search_text(application))
    ]


def applicant_years(campaign: Campaign) -> list[int]:
    """The enrolment years among a campaign's applicants, for the filter."""
    return list(
        db.session.scalars(
            select(User.enrolment_year)
            .join(Application, Application.user_id == User.id)
            .where(Application.campaign_id == campaign.id, User.enrolment_year.is_not(None))
            .distinct()
            .order_by(User.enrolment_year)
        )
    )
