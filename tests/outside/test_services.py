"""Hours served elsewhere: claims, bad input refused with nothing written, decisions by the
claimant's coordinators only, and approved hours kept apart from library hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.checkin import hours
from app.errors import Conflict, InvalidInput, NotFound
from app.notifications.models import Notification
from app.outside import evidence, services
from app.outside.models import OutsideClaim
from app.rewards import points
from app.rewards.models import PointEntry
from tests.outside import outside_data
from tests.outside.outside_data import NOW, PNG, TODAY
from tests.rewards import rewards_data


def _count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def _stored_files() -> list:
    return [p for p in evidence.directory().iterdir() if not p.name.startswith(".")]


def test_a_claim_is_kept_with_its_evidence_and_waits(db):
    world = outside_data.world()
    claim = outside_data.claim(world.people[0], hours="2.5")
    assert (claim.status, claim.claimed_minutes, claim.evidence_type) == (
        "pending",
        150,
        "application/pdf",
    )
    assert evidence.path(claim).read_bytes() == outside_data.PDF
    assert services.pending_count(world.boss) == 1
    assert services.pending_count(world.other_boss) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"served_on": TODAY + timedelta(days=1)}, "served_on"),
        ({"served_on": TODAY - timedelta(days=400)}, "served_on"),
        ({"served_on": None}, "served_on"),
        ({"hours": "0"}, "hours"),
        ({"hours": "-2"}, "hours"),
        ({"hours": "abc"}, "hours"),
        ({"hours": "13"}, "hours"),  # over OUTSIDE_CLAIM_MAX_HOURS (12)
        ({"organiser": "  "}, "organiser"),
        ({"evidence_link": "javascript:alert(1)"}, "evidence_link"),
    ],
)
def test_bad_claims_are_refused_and_nothing_is_written(db, fields, field):
    world = outside_data.world(people=1)
    before = len(_stored_files()) if evidence.directory().exists() else 0
    with pytest.raises(InvalidInput) as refused:
        outside_data.claim(world.people[0], **fields)
    assert refused.value.field == field
    assert _count(db, OutsideClaim) == 0
    assert len(_stored_files()) == before


def test_a_day_holds_at_most_24_hours_of_claims(db):
    world = outside_data.world(people=1)
    outside_data.claim(world.people[0], hours="12")
    outside_data.claim(world.people[0], hours="10")
    with pytest.raises(InvalidInput) as refused:
        outside_data.claim(world.people[0], hours="3")
    assert refused.value.field == "hours"
    assert _count(db, OutsideClaim) == 2


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00" + b"\x00" * 64, "证明.pdf"),
        (b"", "空.pdf"),
        (b"GIF89a" + b"\0" * 64, "x.gif"),
    ],
)
def test_evidence_of_the_wrong_type_is_refused(db, data, name):
    world = outside_data.world(people=1)
    with pytest.raises(InvalidInput) as refused:
        services.claim(
            world.people[0],
            services.ClaimFields("望江社区", TODAY, "2"),
            upload=outside_data.upload(data, name),
            now=NOW,
        )
    assert refused.value.field == "evidence"
    assert _count(db, OutsideClaim) == 0


def test_evidence_over_the_size_limit_is_refused(app, db):
    world = outside_data.world(people=1)
    app.config["OUTSIDE_EVIDENCE_MAX_MB"] = 1
    try:
        with pytest.raises(InvalidInput) as refused:
            services.claim(
                world.people[0],
                services.ClaimFields("望江社区", TODAY, "2"),
                upload=outside_data.upload(PNG + b"\0" * (1024 * 1024), "大.png"),
                now=NOW,
            )
    finally:
        app.config["OUTSIDE_EVIDENCE_MAX_MB"] = 10
    assert refused.value.field == "evidence"
    assert _count(db, OutsideClaim) == 0


def test_a_claim_needs_a_file_or_a_link(db):
    world = outside_data.world(people=1)
    with pytest.raises(InvalidInput) as refused:
        services.claim(world.people[0], services.ClaimFields("望江社区", TODAY, "2"), now=NOW)
    assert refused.value.field == "evidence"
    linked = services.claim(
        world.people[0],
        services.ClaimFields("望江社区", TODAY, "2", evidence_link="https://example.org/z"),
        now=NOW,
    )
    assert linked.evidence_file is None


def test_approval_counts_apart_from_library_hours_and_tells_the_volunteer(db):
    world = outside_data.world(people=1)
    person = world.people[0]
    claim = outside_data.claim(person, hours="3")
    services.decide(claim, "approve", actor=world.boss, now=NOW)
    assert claim.status == "approved" and claim.approved_minutes == 180
    assert services.approved_minutes_by_user([person.id]) == {person.id: 180}
    assert hours.verified_minutes_by_user([person.id]) == {}
    notice = db.session.scalar(select(Notification).where(Notification.user_id == person.id))
    assert notice.kind == "outside.decided"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"outside.claimed", "outside.approved"} <= actions


def test_changing_the_hours_needs_a_reason_and_keeps_both_values(db):
    world = outside_data.world(people=1)
    claim = outside_data.claim(world.people[0], hours="5")
    with pytest.raises(InvalidInput) as refused:
        services.decide(claim, "change", actor=world.boss, hours="4", reason=" ", now=NOW)
    assert refused.value.field == "reason"
    assert claim.status == "pending"
    services.decide(claim, "change", actor=world.boss, hours="4", reason="只算服务时段", now=NOW)
    assert (claim.claimed_minutes, claim.approved_minutes, claim.changed) == (300, 240, True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outside.changed"))
    assert entry.note == "只算服务时段"


def test_rejecting_needs_a_reason_and_counts_nothing(db):
    world = outside_data.world(people=1)
    claim = outside_data.claim(world.people[0])
    with pytest.raises(InvalidInput):
        services.decide(claim, "reject", actor=world.boss, now=NOW)
    services.decide(claim, "reject", actor=world.boss, reason="证明看不清", now=NOW)
    assert claim.status == "rejected"
    assert services.approved_minutes_by_user([world.people[0].id]) == {}


def test_a_claim_is_decided_once(db):
    world = outside_data.world(people=1)
    claim = outside_data.claim(world.people[0])
    services.decide(claim, "approve", actor=world.boss, now=NOW)
    with pytest.raises(Conflict):
        services.decide(claim, "reject", actor=world.boss, reason="重复", now=NOW)
    assert claim.status == "approved"


def test_only_the_claimants_coordinators_and_admins_decide(db, admin):
    world = outside_data.world(people=2)
    claim = outside_data.claim(world.people[0])
    with pytest.raises(NotFound):
        services.decide(claim, "approve", actor=world.other_boss, now=NOW)
    with pytest.raises(NotFound):
        services.decide(claim, "approve", actor=world.people[1], now=NOW)
    assert claim.status == "pending"
    services.decide(claim, "approve", actor=admin, now=NOW)
    assert claim.status == "approved"


def test_outside_hours_earn_no_points_while_the_rule_is_off(db):
    world = outside_data.world(people=1)
    rewards_data.rules()[points.OUTSIDE_HOUR].active = False
    claim = outside_data.claim(world.people[0], hours="3")
    services.decide(claim, "approve", actor=world.boss, now=NOW)
    assert _count(db, PointEntry) == 0


def test_outside_hours_earn_points_once_an_admin_switches_the_rule_on(db):
    world = outside_data.world(people=1)
    rewards_data.rules(outside_hour=10)[points.OUTSIDE_HOUR].active = True
    claim = outside_data.claim(world.people[0], hours="3")
    services.decide(claim, "approve", actor=world.boss, now=NOW)
    assert points.balance(world.people[0].id) == 30


def test_the_outside_rule_is_seeded_switched_off(db):
    from app.rewards import defaults

    defaults.seed_defaults()
    rule = db.session.scalar(
        select(points.PointRule).where(points.PointRule.code == points.OUTSIDE_HOUR)
    )
    assert rule is not None and rule.active is False
    assert points.rule_points(points.VERIFIED_HOUR) is not None
