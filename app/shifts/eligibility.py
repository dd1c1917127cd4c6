"""Who may sign up for a shift: team membership, required trainings, overlaps and the
shift's state, for one shift or many at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import (
    CompoundSelect,
    Select,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)

from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.recruitment import membership as members
from app.recruitment.models import Membership, VolunteerProfile
from app.shifts import reliability, rush
from app.shifts.models import Shift, SignupPause, Task, TrainingRecord


class NotEligible(InvalidInput):
    """The person may not sign up (now): the reasons' codes are in `details`."""

    status = 409
    code = "not_eligible"


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    # One code a reason ("paused", "onboarding", "training", "skills", …), for the list's
    # empty state to say which applies (app/shifts/empty_state.py).
    codes: list[str] = field(default_factory=list)
    missing_trainings: list[int] = field(default_factory=list)  # training task ids

    def refuse_unless_ok(self, shift: Shift) -> None:
        """Raise NotEligible with every reason (and their codes, and when sign-up opens if
        it has not yet) unless the person may sign up."""
        if self.ok:
            return
        details: dict[str, object] = {"reasons": self.codes}
        if "not_open" in self.codes:
            details["opens_at"] = shift.signup_opens_at.isoformat(timespec="seconds") + "Z"
        raise NotEligible(" ".join(self.reasons), details=details)

    def reasons_besides(self, code: str) -> list[str]:
        """The reasons other than `code`'s (said once elsewhere on the page)."""
        pairs = zip(self.codes, self.reasons, strict=True)
        return [reason for each, reason in pairs if each != code]


@dataclass
class Person:
    """What eligibility needs to know about one person, read once for many shifts."""

    user: object
    memberships: dict  # team id -> Membership
    trainings: set[int]
    skills: set[str]
    paused_team_ids: set[int]


def person_of(user, *, memberships: list | None = None) -> Person:
    """`memberships`: the person's, when the page has them already (one query fewer)."""
    if memberships is None:
        memberships = members.memberships_of(user.id)
    by_team = {m.team_id: m for m in memberships}
    facts: dict[str, set] = {"skills": set(), "training": set(), "paused": set()}
    for kind, number, listed in db.session.execute(_facts_query(), {"user_id": user.id}):
        if kind == "skills":
            facts[kind].update(skill.casefold() for skill in listed or [])
        else:
            facts[kind].add(number)
    return Person(
        user=user,
        memberships=by_team,
        trainings=facts["training"],
        skills=facts["skills"],
        paused_team_ids=facts["paused"],
    )


@functools.cache
def _facts_query() -> CompoundSelect:
    """The person's skills, trainings done and paused teams in one statement (one round
    trip, not three: every shift list and sign-up asks), one tagged row each. Built once:
    the person is a bound parameter. The skills come first: their column's type (JSON)
    is the union's."""
    user_id = bindparam("user_id")
    no_number = cast(null(), sa.Integer)
    no_skills = cast(null(), VolunteerProfile.skills.type)
    return union_all(
        select(literal_column("'skills'"), no_number, VolunteerProfile.skills).where(
            VolunteerProfile.user_id == user_id
        ),
        select(literal_column("'training'"), TrainingRecord.task_id, no_skills).where(
            TrainingRecord.user_id == user_id
        ),
        reliability.paused_teams(user_id).with_only_columns(
            literal_column("'paused'"), SignupPause.team_id, no_skills
        ),
    )


def _trainings_of(user_id: int) -> set[int]:
    return set(db.session.scalars(_trainings_query(), {"user_id": user_id}))


def _skills_of(user_id: int) -> set[str]:
    listed = db.session.scalar(_skills_query(), {"user_id": user_id})
    return {skill.casefold() for skill in listed or []}


# Built once (every shift list and sign-up asks): the person is a bound parameter.


@functools.cache
def _membership_query() -> Select:
    """The person's membership of one team, and whether their sign-up is paused there."""
    paused = (
        select(SignupPause.id)
        .where(
            SignupPause.user_id == bindparam("user_id"),
            SignupPause.team_id == bindparam("team_id"),
            SignupPause.lifted_at.is_(None),
        )
        .exists()
    )
    return select(Membership, paused).where(
        Membership.user_id == bindparam("user_id"), Membership.team_id == bindparam("team_id")
    )


@functools.cache
def _trainings_query() -> Select:
    return select(TrainingRecord.task_id).where(TrainingRecord.user_id == bindparam("user_id"))


@functools.cache
def _skills_query() -> Select:
    """The skills of the person's volunteer profile (a column, not the profile)."""
    return select(VolunteerProfile.skills).where(VolunteerProfile.user_id == bindparam("user_id"))


def training_titles(task_ids) -> dict[int, str]:
    ids = set(task_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Task.id, Task.title).where(Task.id.in_(ids))).all())


def check_eligibility(shift: Shift, person: Person, titles: dict[int, str], now: datetime):
    task = shift.task
    reasons: list[str] = []
    codes: list[str] = []

    def refuse(code: str, reason: str) -> None:
        codes.append(code)
        reasons.append(reason)

    if not person.user.active:
        refuse("inactive", _("Your account is not active."))
    if shift.status != "scheduled":
        refuse("cancelled", _("This shift has been cancelled."))
    elif shift.starts_at <= now:
        refuse("started", _("This shift has already started."))
    elif (not_yet := rush.opening_refusal(shift, now)) is not None:
        refuse("not_open", not_yet)
    if not task.active:
        refuse("task_inactive", _("This task is no longer offered."))
    membership = person.memberships.get(task.team_id)
    if membership is None or membership.status != "active":
        refuse("not_member", _("Only active members of the task's team can sign up."))
    elif not task.is_onboarding and members.needs_onboarding(membership):
        refuse("onboarding", _("Complete the team's onboarding training first."))
    if task.team_id in person.paused_team_ids:
        refuse(
            "paused",
            _(
                "Your self sign-up in this team is paused after missed shifts; "
                "a coordinator can lift the pause."
            ),
        )
    missing = [tid for tid in task.required_training_ids or [] if tid not in person.trainings]
    if missing:
        names = "、".join(titles.get(tid, str(tid)) for tid in missing)
        refuse("training", _("Complete the required training first: %(names)s.", names=names))
    lacking = [s for s in task.required_skills or [] if s.casefold() not in person.skills]
    if lacking:
        refuse(
            "skills",
            _(
                "This task needs these skills in your volunteer profile: %(skills)s.",
                skills="、".join(lacking),
            ),
        )
    return Eligibility(ok=not reasons, reasons=reasons, codes=codes, missing_trainings=missing)


def shift_eligibility(shift: Shift, user, *, now: datetime | None = None) -> Eligibility:
    """Whether `user` may sign up for `shift` themselves, and if not, every reason why."""
    now = now or utcnow()
    titles = training_titles(shift.task.required_training_ids or [])
    return check_eligibility(shift, person_for(shift.task, user), titles, now)


def person_for(task: Task, user) -> Person:
    """What eligibility needs to know about the person for one task's shifts (each sign-up
    asks): their membership of its team and whether they are paused there, in one query;
    their trainings and skills only when the task asks for some."""
    row = db.session.execute(
        _membership_query(), {"user_id": user.id, "team_id": task.team_id}
    ).first()
    if row is None:  # not a member: whether they are paused is still said
        is_paused = task.team_id in reliability.paused_team_ids(user.id)
        memberships = {}
    else:
        memberships, is_paused = {task.team_id: row[0]}, bool(row[1])
    return Person(
        user=user,
        memberships=memberships,
        trainings=_trainings_of(user.id) if task.required_training_ids else set(),
        skills=_skills_of(user.id) if task.required_skills else set(),
        paused_team_ids={task.team_id} if is_paused else set(),
    )


def eligibility_for(shifts: list[Shift], user, *, now: datetime | None = None) -> dict:
    """`shift_eligibility` for many shifts at once (shift id -> Eligibility), reading the
    person and the training names once."""
    now = now or utcnow()
    person = person_of(user)
    titles = training_titles(
        tid for shift in shifts for tid in shift.task.required_training_ids or []
    )
    return {shift.id: check_eligibility(shift, person, titles, now) for shift in shifts}
