"""The lottery: drawn once after closing, seeded, reproducible and recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.errors import Conflict, InvalidInput
from app.recruitment import applying, jobs, review
from app.recruitment.models import Application
from tests.recruitment import recruiting

pytestmark = pytest.mark.usefixtures("english_messages")


@pytest.fixture
def lottery(db):
    now = utcnow()
    team = recruiting.team()
    campaign = recruiting.campaign(
        team,
        quota=3,
        selection_mode="lottery",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=1),
    )
    applications = [
        recruiting.apply(campaign, recruiting.applicant(f"抽签{i}"), now=now) for i in range(7)
    ]
    applying.withdraw_application(applications[-1], applications[-1].user, now=now)
    db.session.commit()
    return campaign, applications, campaign.closes_at + timedelta(minutes=1)


def test_applying_to_a_lottery_is_just_submitting_and_coordinators_wait(db, lottery):
    _campaign, applications, _after = lottery
    assert {a.status for a in applications[:-1]} == {"submitted"}
    with pytest.raises(InvalidInput, match="lottery"):
        review.decide(applications[0], "accepted", actor=recruiting.admin())


def test_the_draw_accepts_the_quota_waitlists_the_rest_and_ranks_everyone(db, lottery):
    campaign, applications, after = lottery
    result = review.draw_lottery(campaign, now=after, seed="0" * 32)
    db.session.commit()
    assert (result.accepted, result.waitlisted) == (3, 3)
    entrants = [a for a in applications if a.status != "withdrawn"]
    order = review.lottery_order("0" * 32, [a.id for a in entrants])
    db.session.expire_all()
    by_id = {a.id: a for a in applications}
    assert [by_id[i].lottery_rank for i in order] == [1, 2, 3, 4, 5, 6]
    assert [by_id[i].status for i in order] == ["accepted"] * 3 + ["waitlisted"] * 3
    assert applications[-1].lottery_rank is None  # withdrawn people are not drawn
    assert campaign.accepted_count == 3
    assert campaign.lottery_seed == "0" * 32 and campaign.lottery_drawn_at == after
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "recruitment.lottery_drawn")
    )
    assert entry.after["seed"] == "0" * 32
    assert (entry.after["accepted"], entry.after["waitlisted"]) == (3, 3)


def test_the_draw_is_reproducible_and_verifiable(db, lottery):
    campaign, _applications, after = lottery
    review.draw_lottery(campaign, now=after)
    db.session.commit()
    assert len(campaign.lottery_seed) == 32
    assert review.verify_lottery(campaign) is True
    # Anyone with the seed gets the same order.
    ranked = [a.id for a in review.ranked_entrants(campaign)]
    assert ranked == review.lottery_order(campaign.lottery_seed, reversed(ranked))


def test_a_tampered_rank_fails_verification(db, lottery):
    campaign, _applications, after = lottery
    review.draw_lottery(campaign, now=after)
    db.session.commit()
    first, second = review.ranked_entrants(campaign)[:2]
    first.lottery_rank, second.lottery_rank = 2, 1
    db.session.flush()
    assert review.verify_lottery(campaign) is False


def test_different_seeds_give_different_orders():
    ids = list(range(1, 50))
    assert review.lottery_order("a", ids) != review.lottery_order("b", ids)
    assert review.lottery_order("a", ids) == review.lottery_order("a", list(reversed(ids)))


def test_no_draw_before_closing_and_never_twice(db, lottery):
    campaign, _applications, after = lottery
    with pytest.raises(Conflict, match="after the campaign closes"):
        review.draw_lottery(campaign, now=after - timedelta(days=1))
    review.draw_lottery(campaign, now=after)
    db.session.commit()
    with pytest.raises(Conflict, match="already been drawn"):
        review.draw_lottery(campaign, now=after)


def test_after_the_draw_a_freed_place_goes_to_the_waitlist(db, lottery):
    campaign, _applications, after = lottery
    review.draw_lottery(campaign, now=after)
    admin = recruiting.admin()
    ranked = review.ranked_entrants(campaign)
    review.decide(ranked[0], "rejected", actor=admin)
    review.decide(ranked[3], "accepted", actor=admin)
    assert campaign.accepted_count == 3
    with pytest.raises(Conflict):
        review.decide(ranked[4], "accepted", actor=admin)


def test_the_job_draws_due_campaigns_once(db, lottery):
    campaign, _applications, after = lottery
    early = jobs.draw_lotteries(now=after - timedelta(days=1))
    assert early["drawn"] == 0
    counts = jobs.draw_lotteries(now=after)
    assert counts == {"drawn": 1, "accepted": 3, "waitlisted": 3, "skipped": 0}
    again = jobs.draw_lotteries(now=after + timedelta(minutes=5))
    assert again["drawn"] == 0
    statuses = db.session.scalars(
        select(Application.status).where(Application.campaign_id == campaign.id)
    ).all()
    assert sorted(statuses).count("accepted") == 3


def test_a_draw_with_fewer_entrants_than_places_accepts_everyone(db):
    now = utcnow()
    campaign = recruiting.campaign(
        recruiting.team(),
        quota=5,
        selection_mode="lottery",
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(hours=1),
    )
    recruiting.apply(campaign, now=now)
    result = review.draw_lottery(campaign, now=now + timedelta(hours=2))
    assert (result.accepted, result.waitlisted) == (1, 0)


def test_the_job_is_in_the_catalogue_every_five_minutes():
    from jobs import registry

    spec = registry.get_job("recruitment.draw_lotteries")
    assert spec.load() is jobs.draw_lotteries
    assert spec.schedule.seconds == 300
