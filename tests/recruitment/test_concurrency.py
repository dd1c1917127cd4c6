"""The quota holds when many people act at the same moment, against a real database
(the suite's SQLite file, or PostgreSQL when TEST_DATABASE_URL names one).

Each thread has its own app context, so its own database session and connection, and
all of them are released together by a barrier, as coordinators clicking "accept" at once.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.extensions import db as _db
from app.recruitment import applying, campaigns, review
from app.recruitment.models import Application, Campaign, Membership
from tests.helpers import race
from tests.recruitment import recruiting

THREADS = 8


def accepted_state(campaign_id: int) -> tuple[int, int, int]:
    """(accepted_count, accepted applications, memberships of the team), freshly read."""
    _db.session.expire_all()
    campaign = _db.session.get(Campaign, campaign_id)
    accepted = _db.session.scalar(
        select(func.count(Application.id)).where(
            Application.campaign_id == campaign_id, Application.status == "accepted"
        )
    )
    members = _db.session.scalar(
        select(func.count(Membership.id)).where(Membership.team_id == campaign.team_id)
    )
    return campaign.accepted_count, accepted, members


def test_many_coordinators_accepting_at_once_never_exceed_the_quota(app, db):
    team = recruiting.team()
    teacher = recruiting.coordinator(team)
    campaign = recruiting.campaign(team, quota=3)
    ids = [recruiting.apply(campaign, recruiting.applicant(f"并发{i}")).id for i in range(THREADS)]
    campaign_id, teacher_id = campaign.id, teacher.id
    db.session.commit()

    def accept(application_id: int) -> None:
        actor = accounts.get_person(teacher_id)
        review.decide(applying.get_application(application_id), "accepted", actor=actor)

    outcomes = race(app, accept, ids)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 3) + ["ok"] * 3, outcomes
    assert accepted_state(campaign_id) == (3, 3, 3)


def test_two_coordinators_accepting_the_same_application_take_one_place(app, db):
    team = recruiting.team()
    teachers = [recruiting.coordinator(team, name=f"老师{i}") for i in range(2)]
    campaign = recruiting.campaign(team, quota=3)
    application_id = recruiting.apply(campaign).id
    campaign_id = campaign.id
    db.session.commit()

    def accept(teacher_id: int) -> None:
        actor = accounts.get_person(teacher_id)
        review.decide(applying.get_application(application_id), "accepted", actor=actor)

    outcomes = race(app, accept, [t.id for t in teachers])
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    assert accepted_state(campaign_id) == (1, 1, 1)


def test_first_come_applicants_arriving_together_fill_exactly_the_quota(app, db):
    campaign = recruiting.campaign(recruiting.team(), quota=3, selection_mode="first_come")
    people = [recruiting.applicant(f"抢位{i}").id for i in range(THREADS)]
    campaign_id = campaign.id
    db.session.commit()

    def apply(user_id: int) -> None:
        person = accounts.get_person(user_id)
        recruiting.apply(campaigns.get_campaign(campaign_id), person)

    outcomes = race(app, apply, people)
    assert sorted(outcomes) == ["conflict"] * (THREADS - 3) + ["ok"] * 3, outcomes
    assert accepted_state(campaign_id) == (3, 3, 3)
    # The refused applicants left nothing behind.
    total = db.session.scalar(
        select(func.count(Application.id)).where(Application.campaign_id == campaign_id)
    )
    assert total == 3


def test_a_double_tap_on_apply_keeps_one_application(app, db):
    campaign = recruiting.campaign(recruiting.team())
    person_id = recruiting.applicant().id
    campaign_id = campaign.id
    db.session.commit()

    def apply(_argument) -> None:
        person = accounts.get_person(person_id)
        recruiting.apply(campaigns.get_campaign(campaign_id), person)

    outcomes = race(app, apply, [1, 2])
    assert sorted(outcomes) == ["conflict", "ok"], outcomes
