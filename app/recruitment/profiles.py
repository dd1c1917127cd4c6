"""Volunteer profiles: skills, the weekly availability grid, an introduction, and what the
person's teams and completed trainings say about them.

Trainings are shifts of kind "training", which the shifts feature owns: it registers a
function to the `app.hooks.TRAININGS` hook and the profile lists what it returns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import hooks
from app.accounts import personal_data
from app.common.rows import fields_of
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.recruitment import membership as members
from app.recruitment.access import managed_team_ids
from app.recruitment.labels import WEEKDAY_LABELS
from app.recruitment.models import DAY_PARTS, WEEKDAYS, Membership, VolunteerProfile

MAX_SKILLS = 20
MAX_SKILL_LENGTH = 30
MAX_INTRODUCTION = 1000
# Skills typed in one box are separated by commas (half- or full-width), 、 or new lines.
SKILL_SEPARATORS = re.compile(r"[,，、;；\n\r]+")


@dataclass(frozen=True)
class CompletedTraining:
    title: str
    completed_at: datetime
    team: str | None = None
    hours: float | None = None


def trainings_completed(user_id: int) -> list[CompletedTraining]:
    found = [training for provider in hooks.TRAININGS.providers for training in provider(user_id)]
    return sorted(found, key=lambda training: training.completed_at, reverse=True)


# Reading and writing the profile --------------------------------------------------------------


def find_profile(user_id: int) -> VolunteerProfile | None:
    return db.session.get(VolunteerProfile, user_id)


def get_profile(user) -> VolunteerProfile:
    """The person's profile; an empty, unsaved one when they have not written it yet."""
    profile = find_profile(user.id)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id, skills=[], availability={}, introduction="")
    return profile


def parse_skills(text: str | None) -> list[str]:
    """Skills typed in one box: "摄影, 英语、PPT" → ["摄影", "英语", "PPT"]."""
    return SKILL_SEPARATORS.split(text or "")


def clean_skills(skills: Iterable[str]) -> list[str]:
    """Stripped, without empty or repeated tags (any case), at most 20 of at most 30
    characters each; else InvalidInput on the field "skills"."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for skill in skills:
        skill = " ".join(str(skill or "").split())
        if not skill:
            continue
        if len(skill) > MAX_SKILL_LENGTH:
            raise InvalidInput(
                _(
                    "A skill can be at most %(n)d characters long: “%(skill)s”.",
                    n=MAX_SKILL_LENGTH,
                    skill=skill[:MAX_SKILL_LENGTH] + "…",
                ),
                field="skills",
            )
        if skill.casefold() in seen:
            continue
        seen.add(skill.casefold())
        cleaned.append(skill)
    if len(cleaned) > MAX_SKILLS:
        raise InvalidInput(
            _("You can list at most %(n)d skills (you gave %(m)d).", n=MAX_SKILLS, m=len(cleaned)),
            field="skills",
        )
    return cleaned


def clean_availability(grid: Mapping[str, Iterable[str]] | None) -> dict[str, list[str]]:
    """The weekly grid {day: [parts]} in the usual order, without empty days; unknown days
    or parts are refused with InvalidInput on the field "availability"."""
    if grid is None:
        return {}
    if not isinstance(grid, Mapping):
        raise InvalidInput(_("The availability grid is not valid."), field="availability")
    cleaned: dict[str, list[str]] = {}
    for day, parts in grid.items():
        if day not in WEEKDAYS:
            raise InvalidInput(
                _("“%(day)s” is not a day of the week.", day=str(day)[:20]), field="availability"
            )
        if isinstance(parts, str) or not isinstance(parts, Iterable):
            raise InvalidInput(_("The availability grid is not valid."), field="availability")
        parts = set(parts)
        unknown = parts - set(DAY_PARTS)
        if unknown:
            raise InvalidInput(
                _(
                    "“%(part)s” is not a part of the day (morning, afternoon or evening).",
                    part=str(sorted(map(str, unknown))[0])[:20],
                ),
                field="availability",
            )
        if parts:
            cleaned[day] = [part for part in DAY_PARTS if part in parts]
    return {day: cleaned[day] for day in WEEKDAYS if day in cleaned}


def parse_availability(values: Iterable[str]) -> dict[str, list[str]]:
    """Ticked grid boxes, each "day:part" (as the profile form sends them), as a grid. Boxes
    that are not "day:part" are kept as they are, so `clean_availability` refuses them."""
    grid: dict[str, list[str]] = {}
    for value in values:
        day, _sep, part = str(value).partition(":")
        grid.setdefault(day, []).append(part)
    return grid


def update_profile(
    user,
    *,
    skills: Iterable[str],
    availability: Mapping[str, Iterable[str]] | None,
    introduction: str,
    now: datetime | None = None,
) -> VolunteerProfile:
    """Save the person's skills, availability and introduction; all checked before anything
    is written."""
    skills = clean_skills(skills)
    availability = clean_availability(availability)
    introduction = clean_text(
        introduction,
        field="introduction",
        limit=MAX_INTRODUCTION,
        too_long=_l("The introduction can be at most %(n)d characters long.", n=MAX_INTRODUCTION),
    )
    profile = find_profile(user.id)
    if profile is None:
        profile = VolunteerProfile(user_id=user.id)
        db.session.add(profile)
    profile.skills = skills
    profile.availability = availability
    profile.introduction = introduction
    profile.updated_at = now or utcnow()
    db.session.flush()
    return profile


# What a page shows ---------------------------------------------------------------------------


@dataclass
class ProfileOverview:
    user: Any
    profile: VolunteerProfile
    memberships: list[Membership] = field(default_factory=list)
    trainings: list[CompletedTraining] = field(default_factory=list)


def overview(user, *, viewer=None) -> ProfileOverview:
    """The person's profile with their teams and trainings. For a `viewer` other than the
    person, only the teams the viewer runs are listed (every team for an admin)."""
    memberships = members.memberships_of(user.id)
    if viewer is not None and viewer.id != user.id:
        team_ids = managed_team_ids(viewer)
        if team_ids is not None:
            memberships = [m for m in memberships if m.team_id in team_ids]
    return ProfileOverview(
        user=user,
        profile=get_profile(user),
        memberships=memberships,
        trainings=trainings_completed(user.id),
    )


def can_view_member(viewer, team_id: int, user_id: int) -> bool:
    """Coordinators of a team the person belongs to, and admins, may read the profile of
    a member through that team."""
    team_ids = managed_team_ids(viewer)
    if team_ids is not None and team_id not in team_ids:
        return False
    return members.find_membership(team_id, user_id) is not None


# Personal data and anonymisation -------------------------------------------------------------


def personal_data_of(user) -> dict[str, Any]:
    """Memberships, skills, availability and introduction, for the person's data export."""
    profile = find_profile(user.id)
    return {
        "memberships": [
            {
                "id": membership.id,
                "team": membership.team.name,
                **fields_of(membership, "status", "joined_at", "onboarded", "onboarded_at"),
            }
            for membership in members.memberships_of(user.id)
        ],
        "skills": list(profile.skills) if profile else [],
        "availability": dict(profile.availability) if profile else {},
        "introduction": profile.introduction if profile else "",
    }


def forget_person(user) -> None:
    """On anonymisation: skills and introduction describe the person, so they go;
    memberships stay (without identity) for team statistics."""
    profile = db.session.scalar(select(VolunteerProfile).where(VolunteerProfile.user_id == user.id))
    if profile is not None:
        profile.skills = []
        profile.introduction = ""
        profile.availability = {}
        db.session.flush()


def connect_hooks() -> None:
    """This feature's sections of the personal data export, and what anonymising forgets."""
    personal_data.register_section(
        "volunteer",
        _l("Volunteer"),
        personal_data_of,
        covers={"memberships.user_id": "memberships", "volunteer_profiles.user_id": "introduction"},
        labels={
            "memberships": _l("Teams"),
            "team": _l("Team"),
            "status": _l("Status"),
            "joined_at": _l("Joined"),
            "onboarded": _l("Onboarding done"),
            "onboarded_at": _l("Onboarding done on"),
            "skills": _l("Skills"),
            "availability": _l("Availability"),
            "introduction": _l("Introduction"),
            **WEEKDAY_LABELS,
        },
        forget=forget_person,
    )
