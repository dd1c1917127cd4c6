"""Building recruitment data for tests, through the services."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from app.common.time import utcnow
from app.recruitment import applying, campaigns
from app.recruitment import membership as members
from app.recruitment.campaigns import CampaignFields, QuestionFields
from app.recruitment.teams import services as team_services
from tests import factories

_names = itertools.count(1)

STANDARD_QUESTIONS = (
    QuestionFields(kind="short_text", label="Why do you want to join?"),
    QuestionFields(kind="single_choice", label="Campus", options=["江安", "望江", "华西"]),
    QuestionFields(
        kind="multiple_choice", label="Skills", options=["摄影", "写作", "外语"], required=False
    ),
    QuestionFields(kind="availability", label="When are you free?", required=False),
    QuestionFields(kind="long_text", label="Anything else?", required=False),
)


def admin():
    return factories.person(roles=["admin"], name="管理员")


def team(*, name: str | None = None, kind: str = "volunteer_team", coordinators=()):
    actor = admin()
    created = team_services.create_team(
        name=name or f"志愿者队{next(_names)}",
        kind=kind,
        description="",
        requires_onboarding=False,
        actor=actor,
    )
    for person in coordinators:
        team_services.grant_coordinator(created, person, actor=actor)
    return created


def coordinator(for_team=None, *, name: str = "陈老师"):
    person = factories.person(roles=["coordinator"], name=name)
    if for_team is not None:
        team_services.grant_coordinator(for_team, person, actor=admin())
    return person


def campaign(
    for_team,
    *,
    actor=None,
    questions=STANDARD_QUESTIONS,
    now: datetime | None = None,
    **overrides,
):
    now = now or utcnow()
    values = {
        "team_id": for_team.id,
        "title": "2026 春季志愿者招募",
        "quota": 5,
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=7),
        "description": "欢迎加入 **图书馆志愿者队**。",
        "selection_mode": "review",
        "published": True,
    }
    values.update(overrides)
    return campaigns.create_campaign(
        CampaignFields(**values),
        [QuestionFields(**vars(q)) for q in questions],
        actor=actor or admin(),
        now=now,
    )


def answers_for(campaign_obj, **by_label):
    """Valid answers for the standard questions, keyed by question id; `by_label` overrides."""
    defaults = {
        "Why do you want to join?": "我喜欢图书馆",
        "Campus": "江安",
        "Skills": ["写作"],
        "When are you free?": {"mon": ["morning"], "wed": ["evening"]},
        "Anything else?": "",
    }
    defaults.update(by_label)
    return {str(q.id): defaults.get(q.label) for q in campaign_obj.questions}


def applicant(name: str = "李四", **fields):
    return factories.person(roles=["volunteer"], name=name, **fields)


def apply(campaign_obj, person=None, *, now=None, **by_label):
    person = person or applicant()
    return applying.apply(
        campaign_obj, person, answers_for(campaign_obj, **by_label), consent=True, now=now
    )


def team_with_member(*, now: datetime | None = None) -> dict:
    """A team with two coordinators and a member, a volunteer outside it, and another team
    with its own coordinator: the people of the member notes tests."""
    team_obj = team(name="阅览室志愿者队")
    people = {
        "team": team_obj,
        "coordinator": coordinator(team_obj, name="陈老师"),
        "colleague": coordinator(team_obj, name="王老师"),
        "volunteer": factories.person(roles=["volunteer"], name="张三"),
        "outsider": factories.person(roles=["volunteer"], name="李四"),
        "other_coordinator": coordinator(team(name="古籍修复队"), name="赵老师"),
    }
    members.join_team(team_obj.id, people["volunteer"].id, now=now)
    return people
