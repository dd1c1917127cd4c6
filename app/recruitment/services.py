"""Business rules for recruitment: teams and their coordinators, campaigns with their
questions, eligibility, and applying.

Reviewing applications (status changes, notes, the quota-safe accept, the lottery) lives
in `app.recruitment.review`. Services only flush; the caller commits once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.lists import format_list
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.accounts import services as accounts
from app.accounts.models import COORDINATOR_ROLES, USER_TYPES
from app.audit import services as audit
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.recruitment.access import managed_team_ids, require_team_manager
from app.recruitment.models import (
    DAY_PARTS,
    QUESTION_KINDS,
    SELECTION_MODES,
    TEAM_KINDS,
    WEEKDAYS,
    Application,
    Campaign,
    CampaignQuestion,
    Membership,
    Team,
    TeamCoordinator,
)

TEAM_NAME_MAX = 100

audit.describe_actions(
    {
        "recruitment.team_created": _l("Team created"),
        "recruitment.team_updated": _l("Team changed"),
        "recruitment.coordinator_granted": _l("Team coordinator added"),
        "recruitment.coordinator_revoked": _l("Team coordinator removed"),
    }
)

TEAM_KIND_LABELS = {
    "volunteer_team": _l("Volunteer team"),
    "student_assistants": _l("Student assistants"),
    "special_role": _l("Special role"),
}


# --- Teams -------------------------------------------------------------------------------


def _flush_or_conflict(message: str, *, field: str | None = None) -> None:
    """Flush; a unique constraint hit by a concurrent request becomes a Conflict, and the
    caller rolls back. (No savepoint: with SQLite's Python driver a savepoint that opens
    the transaction is committed by its release, which would break "one transaction".)"""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(message, field=field) from None


def get_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound(_("No such team."))
    return team


def teams_for(user) -> list[Team]:
    """The teams `user` manages (every team for an admin), by name."""
    team_ids = managed_team_ids(user)
    query = select(Team).order_by(Team.name)
    if team_ids is not None:
        if not team_ids:
            return []
        query = query.where(Team.id.in_(team_ids))
    return list(db.session.scalars(query))


def _team_snapshot(team: Team) -> dict:
    return {
        "name": team.name,
        "kind": team.kind,
        "requires_onboarding": team.requires_onboarding,
        "active": team.active,
    }


def _check_team_fields(team: Team | None, name: str, kind: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Please give the team a name."), field="name")
    if len(name) > TEAM_NAME_MAX:
        raise InvalidInput(
            _("The name can be at most %(n)d characters long.", n=TEAM_NAME_MAX), field="name"
        )
    if kind not in TEAM_KINDS:
        raise InvalidInput(_("Please choose a kind of team."), field="kind")
    query = select(Team.id).where(Team.name == name)
    if team is not None and team.id is not None:
        query = query.where(Team.id != team.id)
    if db.session.scalar(query) is not None:
        raise Conflict(_("A team with this name already exists."), field="name")
    return name


def create_team(
    *,
    name: str,
    kind: str,
    description: str = "",
    requires_onboarding: bool = False,
    actor,
    now: datetime | None = None,
) -> Team:
    name = _check_team_fields(None, name, kind)
    team = Team(
        name=name,
        kind=kind,
        description=(description or "").strip(),
        requires_onboarding=bool(requires_onboarding),
        active=True,
        created_at=now or utcnow(),
    )
    db.session.add(team)
    _flush_or_conflict(_("A team with this name already exists."), field="name")
    audit.record(
        "recruitment.team_created",
        actor=actor,
        object_type="team",
        object_id=team.id,
        after=_team_snapshot(team),
        now=now,
    )
    if actor is not None and actor.has_role("coordinator") and not actor.has_role("admin"):
        # A coordinator runs the team they create; admins run every team anyway.
        grant_coordinator(team, actor, actor=actor)
    return team


def update_team(
    team: Team,
    *,
    name: str,
    kind: str,
    description: str,
    requires_onboarding: bool,
    active: bool,
    actor,
) -> Team:
    name = _check_team_fields(team, name, kind)
    before = _team_snapshot(team)
    team.name = name
    team.kind = kind
    team.description = (description or "").strip()
    team.requires_onboarding = bool(requires_onboarding)
    team.active = bool(active)
    _flush_or_conflict(_("A team with this name already exists."), field="name")
    audit.record_change(
        "recruitment.team_updated",
        actor=actor,
        object_type="team",
        object_id=team.id,
        before=before,
        after=_team_snapshot(team),
    )
    return team


def _coordinator_grant(team: Team, user) -> TeamCoordinator | None:
    return db.session.scalar(
        select(TeamCoordinator).where(
            TeamCoordinator.team_id == team.id, TeamCoordinator.user_id == user.id
        )
    )


def grant_coordinator(team: Team, user, *, actor) -> TeamCoordinator:
    """Make `user` a coordinator of `team`; they need the coordinator role to act on it.
    Granting twice is harmless."""
    if not user.has_any_role(COORDINATOR_ROLES):
        raise InvalidInput(
            _("Only people with the coordinator role can coordinate a team."), field="user"
        )
    grant = _coordinator_grant(team, user)
    if grant is not None:
        return grant
    grant = TeamCoordinator(team_id=team.id, user_id=user.id, granted_at=utcnow())
    db.session.add(grant)
    _flush_or_conflict(_("This person was made a coordinator of the team meanwhile."))
    audit.record(
        "recruitment.coordinator_granted",
        actor=actor,
        object_type="team",
        object_id=team.id,
        after={"coordinator_id": user.id},
    )
    return grant


def revoke_coordinator(team: Team, user, *, actor) -> None:
    """Remove `user` from `team`'s coordinators; removing a non-coordinator is harmless."""
    grant = _coordinator_grant(team, user)
    if grant is None:
        return
    db.session.delete(grant)
    db.session.flush()
    audit.record(
        "recruitment.coordinator_revoked",
        actor=actor,
        object_type="team",
        object_id=team.id,
        before={"coordinator_id": user.id},
    )


# --- Campaigns and their questions -------------------------------------------------------

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
CONSENT_MAX = 5_000
QUOTA_MAX = 100_000
LABEL_MAX = 300
HELP_MAX = 500
OPTION_MAX = 100
OPTIONS_MAX = 30
QUESTIONS_MAX = 30
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2_000
# Where an AnswersInvalid puts the error about the consent box.
CONSENT_KEY = "consent"
# Still waiting for a decision: the review queue and "applications waiting" counts.
OPEN_STATUSES = ("submitted", "shortlisted")

SELECTION_MODE_LABELS = {
    "review": _l("Review by the coordinators"),
    "first_come": _l("First come, first served"),
    "lottery": _l("Lottery at closing time"),
}
QUESTION_KIND_LABELS = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "availability": _l("Weekly availability"),
}
# As eligibility reasons name them: "This campaign is for postgraduates only."
USER_TYPE_GROUPS = {
    "undergraduate": _l("undergraduates"),
    "postgraduate": _l("postgraduates"),
    "staff": _l("staff"),
    "other": _l("other people"),
}
STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "shortlisted": _l("Shortlisted"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"),
    "waitlisted": _l("Waitlisted"),
    "withdrawn": _l("Withdrawn"),
}
# On the buttons that move an application to a status.
DECISION_LABELS = {
    "shortlisted": _l("Shortlist"),
    "accepted": _l("Accept"),
    "rejected": _l("Reject"),
    "waitlisted": _l("Waitlist"),
}
WEEKDAY_LABELS = {
    "mon": _l("Mon"),
    "tue": _l("Tue"),
    "wed": _l("Wed"),
    "thu": _l("Thu"),
    "fri": _l("Fri"),
    "sat": _l("Sat"),
    "sun": _l("Sun"),
}
DAY_PART_LABELS = {
    "morning": _l("Morning"),
    "afternoon": _l("Afternoon"),
    "evening": _l("Evening"),
}

audit.describe_actions(
    {
        "recruitment.campaign_created": _l("Recruitment campaign created"),
        "recruitment.campaign_updated": _l("Recruitment campaign changed"),
        "recruitment.applied": _l("Applied to a campaign"),
        "recruitment.application_edited": _l("Application edited"),
        "recruitment.application_withdrawn": _l("Application withdrawn"),
    }
)


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
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("No such campaign."))
    return campaign


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
    title = " ".join((data.title or "").split())
    if not title:
        raise InvalidInput(_("Please give the campaign a title."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(
            _("The title can be at most %(n)d characters long.", n=TITLE_MAX), field="title"
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
        team_id=data.team_id,
        title=data.title,
        description=data.description,
        quota=data.quota,
        accepted_count=0,
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        selection_mode=data.selection_mode,
        eligible_user_types=data.eligible_user_types,
        eligible_college_ids=data.eligible_college_ids,
        eligible_years=data.eligible_years,
        consent_text=data.consent_text,
        published=data.published,
        created_by_id=getattr(actor, "id", None),
        created_at=now or utcnow(),
    )
    db.session.add(campaign)
    _apply_questions(campaign, questions)
    db.session.flush()
    audit.record(
        "recruitment.campaign_created",
        actor=actor,
        object_type="campaign",
        object_id=campaign.id,
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
    for name in (
        "team_id",
        "title",
        "description",
        "quota",
        "opens_at",
        "closes_at",
        "selection_mode",
        "eligible_user_types",
        "eligible_college_ids",
        "eligible_years",
        "consent_text",
        "published",
    ):
        setattr(campaign, name, getattr(data, name))
    _apply_questions(campaign, questions)
    db.session.flush()
    after = _campaign_snapshot(campaign)
    audit.record(
        "recruitment.campaign_updated",
        actor=actor,
        object_type="campaign",
        object_id=campaign.id,
        before=before,
        after=after,
        now=now,
    )
    return campaign


def is_open(campaign: Campaign, now: datetime) -> bool:
    return campaign.published and campaign.opens_at <= now < campaign.closes_at


def open_campaigns(*, now: datetime | None = None) -> list[Campaign]:
    """Published campaigns taking applications now, closing soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Campaign)
            .join(Team)
            .where(
                Campaign.published.is_(True),
                Campaign.opens_at <= now,
                Campaign.closes_at > now,
                Team.active.is_(True),
            )
            .options(selectinload(Campaign.team))
            .order_by(Campaign.closes_at, Campaign.id)
        )
    )


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


def review_queue(user) -> list[tuple[Campaign, int]]:
    """Campaigns of `user`'s teams with applications waiting for a decision, and how many
    wait (submitted or shortlisted), in one query."""
    team_ids = managed_team_ids(user)
    if team_ids is not None and not team_ids:
        return []
    waiting = func.count(Application.id)
    query = (
        select(Campaign, waiting)
        .join(Application, Application.campaign_id == Campaign.id)
        .where(Application.status.in_(OPEN_STATUSES))
        .group_by(Campaign.id)
        .order_by(Campaign.closes_at, Campaign.id)
        .options(selectinload(Campaign.team))
    )
    if team_ids is not None:
        query = query.where(Campaign.team_id.in_(team_ids))
    return [(campaign, count) for campaign, count in db.session.execute(query)]


# --- Eligibility ---------------------------------------------------------------------------


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


# --- Answers ---------------------------------------------------------------------------------


class AnswersInvalid(InvalidInput):
    """Some answers are missing or wrong; `errors` maps a question id (as a string) to the
    message for that question."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Please check your answers: %(n)d need attention.", n=len(errors)))
        self.errors = errors
        if list(errors) == [CONSENT_KEY]:
            self.message = errors[CONSENT_KEY]
            self.field = CONSENT_KEY


def _clean_answer(question: CampaignQuestion, raw: Any) -> tuple[Any, str | None]:
    """(the answer to store, or None when unanswered; an error message or None)."""
    kind = question.kind
    if raw is None or raw == "":
        return None, None
    if kind in ("short_text", "long_text", "single_choice"):
        if not isinstance(raw, str):
            return None, _("Please answer with text.")
        text = raw.strip()
        if kind == "single_choice":
            if text and text not in question.options:
                return None, _("Please choose one of the options.")
            return text or None, None
        limit = SHORT_TEXT_MAX if kind == "short_text" else LONG_TEXT_MAX
        if len(text) > limit:
            return None, _("At most %(n)d characters, please.", n=limit)
        return text or None, None
    if kind == "multiple_choice":
        if not isinstance(raw, list | tuple) or any(
            not isinstance(item, str) or item not in question.options for item in raw
        ):
            return None, _("Please choose among the options.")
        # In the order of the options, each once.
        answer = [option for option in question.options if option in raw]
        return answer or None, None
    # availability: {"mon": ["morning", ...], ...}
    if not isinstance(raw, dict):
        return None, _("Please use the weekly grid.")
    grid: dict[str, list[str]] = {}
    for day, parts in raw.items():
        if (
            day not in WEEKDAYS
            or not isinstance(parts, list | tuple)
            or any(part not in DAY_PARTS for part in parts)
        ):
            return None, _("Please use the weekly grid.")
    for day in WEEKDAYS:
        chosen = [part for part in DAY_PARTS if part in raw.get(day, ())]
        if chosen:
            grid[day] = chosen
    return grid or None, None


def clean_answers(campaign: Campaign, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers to store, keyed by question id (as a string); AnswersInvalid lists every
    question that needs attention. Answers to unknown questions are dropped."""
    raw = raw or {}
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in campaign.questions:
        key = str(question.id)
        answer, error = _clean_answer(question, raw.get(key))
        if error is None and answer is None and question.required:
            error = _("This question needs an answer.")
        if error is not None:
            errors[key] = error
        elif answer is not None:
            answers[key] = answer
    if errors:
        raise AnswersInvalid(errors)
    return answers


def _checked_answers(campaign: Campaign, answers: dict[str, Any], consent: bool) -> dict:
    """The cleaned answers; AnswersInvalid names every question that needs attention, and
    the consent box (under CONSENT_KEY) when the campaign asks for consent and it is not
    ticked."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = clean_answers(campaign, answers)
    except AnswersInvalid as error:
        errors.update(error.errors)
    if campaign.consent_text and not consent:
        errors[CONSENT_KEY] = _("Please tick the consent statement to apply.")
    if errors:
        raise AnswersInvalid(errors)
    return cleaned


# --- Applying --------------------------------------------------------------------------------


def get_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound(_("No such application."))
    return application


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
    from app.recruitment import review  # review imports this module

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
    cleaned = _checked_answers(campaign, answers, consent)
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
        _flush_or_conflict(_("You have already applied to this campaign."))
    audit.record(
        "recruitment.applied",
        actor=user,
        object_type="application",
        object_id=application.id,
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
    cleaned = _checked_answers(campaign, answers, consent)
    before = application.answers
    application.answers = cleaned
    application.consented_at = application.consented_at or (now if campaign.consent_text else None)
    application.updated_at = now
    db.session.flush()
    if before != cleaned:
        audit.record(
            "recruitment.application_edited",
            actor=user,
            object_type="application",
            object_id=application.id,
            now=now,
        )
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
    changed = db.session.execute(
        update(Application.__table__)
        .where(Application.id == application.id, Application.status == before)
        .values(status="withdrawn", updated_at=now)
    ).rowcount
    if changed != 1:
        raise Conflict(_("The application changed meanwhile; please reload the page."))
    db.session.expire(application, ["status", "updated_at"])
    audit.record(
        "recruitment.application_withdrawn",
        actor=user,
        object_type="application",
        object_id=application.id,
        before={"status": before},
        after={"status": "withdrawn"},
        now=now,
    )
    return application


def applications_of(user, *, limit: int | None = None) -> list[Application]:
    """A person's applications, newest first, with their campaigns and teams."""
    query = (
        select(Application)
        .where(Application.user_id == user.id)
        .options(selectinload(Application.campaign).selectinload(Campaign.team))
        .order_by(Application.submitted_at.desc(), Application.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def eligible_open_campaigns(user, *, now: datetime | None = None) -> list[Campaign]:
    """Open campaigns `user` may apply to now (for the home page), in two queries."""
    now = now or utcnow()
    campaigns = open_campaigns(now=now)
    applied = (
        {
            application.campaign_id: application
            for application in db.session.scalars(
                select(Application).where(
                    Application.user_id == user.id,
                    Application.campaign_id.in_([c.id for c in campaigns]),
                )
            )
        }
        if campaigns
        else {}
    )
    return [
        campaign
        for campaign in campaigns
        if eligibility(campaign, user, now=now, application=applied.get(campaign.id)).ok
    ]


def active_memberships(team_ids: list[int] | None = None) -> Select:
    """(team_id, user_id) of every active membership, optionally of some teams only: the
    people a team's engagement figures are about."""
    query = select(Membership.team_id.label("team_id"), Membership.user_id.label("user_id")).where(
        Membership.status == "active"
    )
    if team_ids is not None:
        query = query.where(Membership.team_id.in_(team_ids))
    return query
