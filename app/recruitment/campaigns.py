"""Business rules for recruitment campaigns and their questions: the limits, creating and
changing them, and the lists of campaigns pages show (open, upcoming, managed, the review
queue). Services only flush; the caller commits once."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.accounts import services as accounts
from app.accounts.models import USER_TYPES
from app.audit import services as audit
from app.common.db import get_or_not_found
from app.common.rows import set_fields
from app.common.text import clean_line
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.recruitment.access import ASK, managed_team_ids, require_team_manager
from app.recruitment.models import (
    QUESTION_KINDS,
    SELECTION_MODES,
    Application,
    Campaign,
    CampaignQuestion,
    Team,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
CONSENT_MAX = 5_000
QUOTA_MAX = 100_000
LABEL_MAX = 300
HELP_MAX = 500
OPTION_MAX = 100
OPTIONS_MAX = 30
QUESTIONS_MAX = 30
# Still waiting for a decision: the review queue and "applications waiting" counts.
OPEN_STATUSES = ("submitted", "shortlisted")


@dataclass
class QuestionFields:
    """One question as the campaign editor gives it; `id` is set for an existing one."""

    kind: str
    label: str
    help_text: str = ""
    required: bool = True
    options: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass
class CampaignFields:
    team_id: int
    title: str
    quota: int
    opens_at: datetime
    closes_at: datetime
    description: str = ""
    selection_mode: str = "review"
    eligible_user_types: list[str] = field(default_factory=list)
    eligible_college_ids: list[int] = field(default_factory=list)
    eligible_years: list[int] = field(default_factory=list)
    consent_text: str = ""
    published: bool = False


def get_campaign(campaign_id: int) -> Campaign:
    return get_or_not_found(Campaign, campaign_id, _("No such campaign."))


def _campaign_snapshot(campaign: Campaign) -> dict:
    return {
        "team_id": campaign.team_id,
        "title": campaign.title,
        "quota": campaign.quota,
        "opens_at": campaign.opens_at.isoformat(timespec="minutes"),
        "closes_at": campaign.closes_at.isoformat(timespec="minutes"),
        "selection_mode": campaign.selection_mode,
        "eligible_user_types": list(campaign.eligible_user_types or []),
        "eligible_college_ids": list(campaign.eligible_college_ids or []),
        "eligible_years": list(campaign.eligible_years or []),
        "published": campaign.published,
        "questions": len(campaign.questions),
    }


def _check_campaign_fields(data: CampaignFields, actor) -> CampaignFields:
    title = clean_line(
        data.title,
        field="title",
        limit=TITLE_MAX,
        missing=_l("Please give the campaign a title."),
        too_long=_l("The title can be at most %(n)d characters long.", n=TITLE_MAX),
    )
    team = db.session.get(Team, data.team_id) if data.team_id else None
    if team is None:
        raise InvalidInput(_("Please choose a team."), field="team_id")
    require_team_manager(actor, team)
    if not team.active:
        raise InvalidInput(_("This team is no longer active."), field="team_id")
    if data.quota is None or not 1 <= data.quota <= QUOTA_MAX:
        raise InvalidInput(
            _("The quota must be a whole number from 1 to %(n)d.", n=QUOTA_MAX), field="quota"
        )
    if data.opens_at is None or data.closes_at is None:
        raise InvalidInput(_("Please give the opening and closing times."), field="closes_at")
    if data.closes_at <= data.opens_at:
        raise InvalidInput(_("The closing time must be after the opening time."), field="closes_at")
    if data.selection_mode not in SELECTION_MODES:
        raise InvalidInput(_("Please choose how people are selected."), field="selection_mode")
    if len(data.description or "") > DESCRIPTION_MAX:
        raise InvalidInput(_("The description is too long."), field="description")
    if len(data.consent_text or "") > CONSENT_MAX:
        raise InvalidInput(_("The consent statement is too long."), field="consent_text")
    types = sorted(set(data.eligible_user_types or []))
    if any(kind not in USER_TYPES for kind in types):
        raise InvalidInput(_("Unknown kind of person."), field="eligible_user_types")
    college_ids = sorted(set(data.eligible_college_ids or []))
    if college_ids:
        known = {college.id for college in accounts.colleges()}
        if not set(college_ids) <= known:
            raise InvalidInput(_("Unknown college."), field="eligible_college_ids")
    years = sorted(set(data.eligible_years or []))
    if any(not 1950 <= year <= 2100 for year in years):
        raise InvalidInput(_("An enrolment year is not plausible."), field="eligible_years")
    return CampaignFields(
        team_id=team.id,
        title=title,
        quota=data.quota,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        description=(data.description or "").strip(),
        selection_mode=data.selection_mode,
        eligible_user_types=types,
        eligible_college_ids=college_ids,
        eligible_years=years,
        consent_text=(data.consent_text or "").strip(),
        published=bool(data.published),
    )


def _clean_questions(questions: list[QuestionFields]) -> list[QuestionFields]:
    cleaned = []
    for number, question in enumerate(questions, start=1):
        label = " ".join((question.label or "").split())
        if not label:
            continue  # a blank row of the editor
        where = {"n": number}
        if question.kind not in QUESTION_KINDS:
            raise InvalidInput(_("Question %(n)d: please choose a kind.", **where))
        if len(label) > LABEL_MAX:
            raise InvalidInput(_("Question %(n)d: the question is too long.", **where))
        help_text = (question.help_text or "").strip()
        if len(help_text) > HELP_MAX:
            raise InvalidInput(_("Question %(n)d: the help text is too long.", **where))
        options: list[str] = []
        if question.kind in ("single_choice", "multiple_choice"):
            for option in question.options or []:
                option = " ".join(str(option).split())
                if option and option not in options:
                    options.append(option)
            if len(options) < 2:
                raise InvalidInput(_("Question %(n)d: give at least two options.", **where))
            if len(options) > OPTIONS_MAX or any(len(o) > OPTION_MAX for o in options):
                raise InvalidInput(_("Question %(n)d: too many or too long options.", **where))
        cleaned.append(
            QuestionFields(
                kind=question.kind,
                label=label,
                help_text=help_text,
                required=bool(question.required),
                options=options,
                id=question.id,
            )
        )
    if len(cleaned) > QUESTIONS_MAX:
        raise InvalidInput(_("A campaign can ask at most %(n)d questions.", n=QUESTIONS_MAX))
    return cleaned


def application_count(campaign: Campaign) -> int:
    return db.session.scalar(
        select(func.count(Application.id)).where(Application.campaign_id == campaign.id)
    )


def _apply_questions(campaign: Campaign, questions: list[QuestionFields]) -> None:
    """Replace the campaign's questions. Once people have applied, only the wording (label,
    help text) may change: their answers are kept by question."""
    existing = {question.id: question for question in campaign.questions}
    if campaign.id is not None and existing and application_count(campaign):
        same_shape = [q.id for q in questions] == [q.id for q in campaign.questions] and all(
            (q.kind, q.required, q.options)
            == (existing[q.id].kind, existing[q.id].required, list(existing[q.id].options))
            for q in questions
        )
        if not same_shape:
            raise InvalidInput(
                _(
                    "People have already applied, so questions can no longer be added, "
                    "removed or changed; only their wording can."
                )
            )
    kept = []
    for position, data in enumerate(questions):
        question = existing.get(data.id) if data.id is not None else None
        if question is None:
            question = CampaignQuestion()
        question.position = position
        question.kind = data.kind
        question.label = data.label
        question.help_text = data.help_text
        question.required = data.required
        question.options = list(data.options)
        kept.append(question)
    campaign.questions = kept


def create_campaign(
    data: CampaignFields,
    questions: list[QuestionFields] = (),
    *,
    actor,
    now: datetime | None = None,
) -> Campaign:
    data = _check_campaign_fields(data, actor)
    questions = _clean_questions(list(questions))
    for question in questions:
        question.id = None  # a new campaign has only new questions
    campaign = Campaign(
        accepted_count=0, created_by_id=getattr(actor, "id", None), created_at=now or utcnow()
    )
    set_fields(campaign, data)
    db.session.add(campaign)
    _apply_questions(campaign, questions)
    audit.record(
        "recruitment.campaign_created",
        campaign,
        actor=actor,
        after=_campaign_snapshot(campaign),
        now=now,
    )
    return campaign


def update_campaign(
    campaign: Campaign,
    data: CampaignFields,
    questions: list[QuestionFields],
    *,
    actor,
    now: datetime | None = None,
) -> Campaign:
    require_team_manager(actor, campaign.team_id)
    data = _check_campaign_fields(data, actor)
    questions = _clean_questions(list(questions))
    own_ids = {question.id for question in campaign.questions}
    if any(q.id is not None and q.id not in own_ids for q in questions):
        raise InvalidInput(_("A question does not belong to this campaign."))
    if data.quota < campaign.accepted_count:
        raise InvalidInput(
            _(
                "%(n)d people are already accepted; the quota cannot be smaller.",
                n=campaign.accepted_count,
            ),
            field="quota",
        )
    has_applications = application_count(campaign) > 0
    if has_applications and data.selection_mode != campaign.selection_mode:
        raise InvalidInput(
            _("People have already applied, so the selection mode can no longer change."),
            field="selection_mode",
        )
    if has_applications and data.team_id != campaign.team_id:
        raise InvalidInput(
            _("People have already applied, so the campaign cannot move to another team."),
            field="team_id",
        )
    minute = {"second": 0, "microsecond": 0}  # the editor works in whole minutes
    if campaign.lottery_drawn_at is not None and (
        data.quota != campaign.quota
        or data.closes_at.replace(**minute) != campaign.closes_at.replace(**minute)
    ):
        raise InvalidInput(
            _("The lottery has been drawn; the quota and closing time can no longer change.")
        )
    before = _campaign_snapshot(campaign)
    set_fields(campaign, data)
    _apply_questions(campaign, questions)
    db.session.flush()
    after = _campaign_snapshot(campaign)
    audit.record(
        "recruitment.campaign_updated", campaign, actor=actor, before=before, after=after, now=now
    )
    return campaign


def is_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.published and campaign.opens_at <= now < campaign.closes_at


def _open(now) -> Select:
    """Published campaigns taking applications now with their teams, closing soonest first."""
    return (
        select(Campaign)
        .join(Team)
        .where(
            Campaign.published.is_(True),
            Campaign.opens_at <= now,
            Campaign.closes_at > now,
            Team.active.is_(True),
        )
        .options(contains_eager(Campaign.team))
        .order_by(Campaign.closes_at, Campaign.id)
    )


def open_campaigns(*, now: datetime | None = None) -> list[Campaign]:
    """Published campaigns taking applications now, closing soonest first (one query)."""
    return list(db.session.scalars(_open(now or utcnow())))


def open_campaigns_with_applications(
    user, *, now: datetime | None = None
) -> list[tuple[Campaign, Application | None]]:
    """`open_campaigns`, each with `user`'s application to it (None: not applied), in one
    query (the home page)."""
    values = {"user_id": user.id, "now": now or utcnow()}
    rows = db.session.execute(_open_with_applications_query(), values)
    return [(campaign, application) for campaign, application in rows]


@functools.cache
def _open_with_applications_query() -> Select:
    """Built once (every home page asks): the person and the time are bound parameters."""
    mine = and_(Application.campaign_id == Campaign.id, Application.user_id == bindparam("user_id"))
    return _open(bindparam("now")).add_columns(Application).outerjoin(Application, mine)


def upcoming_campaigns(*, now: datetime | None = None) -> list[Campaign]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.published.is_(True), Campaign.opens_at > now)
            .options(selectinload(Campaign.team))
            .order_by(Campaign.opens_at, Campaign.id)
            .limit(20)
        )
    )


def managed_campaigns(user) -> list[Campaign]:
    """The campaigns of the teams `user` runs, newest first."""
    team_ids = managed_team_ids(user)
    query = select(Campaign).options(selectinload(Campaign.team))
    if team_ids is not None:
        if not team_ids:
            return []
        query = query.where(Campaign.team_id.in_(team_ids))
    return list(db.session.scalars(query.order_by(Campaign.closes_at.desc(), Campaign.id.desc())))


def status_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {status: count}} in one query."""
    counts: dict[int, dict[str, int]] = {campaign_id: {} for campaign_id in campaign_ids}
    if not campaign_ids:
        return counts
    rows = db.session.execute(
        select(Application.campaign_id, Application.status, func.count(Application.id))
        .where(Application.campaign_id.in_(campaign_ids))
        .group_by(Application.campaign_id, Application.status)
    )
    for campaign_id, status, count in rows:
        counts[campaign_id][status] = count
    return counts


def review_queue_columns(user, known: Any = ASK) -> tuple[Any, Any, Any] | None:
    """(applications waiting for a decision in `user`'s teams, how many campaigns hold them,
    the lowest such campaign's id) as scalar subqueries the coordinator's home selects with
    its other counts; None when `user` runs no team."""
    team_ids = managed_team_ids(user, known)
    if team_ids is not None and not team_ids:
        return None
    waiting = (
        select(Application.campaign_id)
        .join(Campaign, Campaign.id == Application.campaign_id)
        .where(Application.status.in_(OPEN_STATUSES))
    )
    if team_ids is not None:
        waiting = waiting.where(Campaign.team_id.in_(team_ids))
    rows = waiting.subquery()
    return (
        select(func.count()).select_from(rows).scalar_subquery(),
        select(func.count(rows.c.campaign_id.distinct())).scalar_subquery(),
        select(func.min(rows.c.campaign_id)).scalar_subquery(),
    )


def review_queue(user, known: Any = ASK) -> list[tuple[Campaign, int]]:
    """Campaigns of `user`'s teams with applications waiting for a decision, and how many
    wait (submitted or shortlisted), in one query."""
    team_ids = managed_team_ids(user, known)
    if team_ids is not None and not team_ids:
        return []
    waiting = func.count(Application.id)
    query = (
        select(Campaign, waiting)
        .join(Application, Application.campaign_id == Campaign.id)
        .where(Application.status.in_(OPEN_STATUSES))
        .group_by(Campaign.id)
        .order_by(Campaign.closes_at, Campaign.id)
    )
    if team_ids is not None:
        query = query.where(Campaign.team_id.in_(team_ids))
    return [(campaign, count) for campaign, count in db.session.execute(query)]
