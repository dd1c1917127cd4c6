"""National batches built at the same moment still send each attendance revision (and each
approved outside claim) once, and leave the Second Classroom's claims alone (real threads,
real database)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.accounts.models import User
from app.credits import batch_building
from app.credits.batches import BatchScope
from app.credits.models import CreditBatch, CreditBatchItem
from app.extensions import db as _db
from app.natrecord import identity
from app.recruitment import membership as members
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.credits.batch_data import LATER, OCTOBER
from tests.helpers import race
from tests.natrecord.test_national_outside import elsewhere
from tests.shifts import signup_data


def test_national_batches_built_at_once_claim_each_record_once(app, db, monkeypatch):
    monkeypatch.setattr(batch_building, "overlapping_batch", lambda scope: None)
    data.seed()
    team = credits_data.team(name="图书馆志愿者队")
    desk = credits_data.task(team)
    for index in range(5):
        person = credits_data.person(f"同学{index}")
        identity.save_national_number(person, f"3101000000000{index}")
        data.served(person, task=desk)
    classroom = data.build(data.admin("管理员"), team_id=team.id)  # the other destination
    builders = [data.admin(f"管理员{index}").id for index in range(4)]
    db.session.commit()

    def build(user_id: int) -> None:
        actor = _db.session.get(User, user_id)
        scope = BatchScope(*OCTOBER, destination="national")
        batch_building.build_batch(actor, title="并发", scope=scope, now=LATER)

    outcomes = race(app, build, builders)

    assert outcomes.count("ok") == 1, outcomes
    _db.session.expire_all()
    national = select(CreditBatch.id).where(CreditBatch.destination == "national")
    counted = CreditBatchItem.claim_key.is_not(None)
    lines = select(func.count(CreditBatchItem.id)).where(counted)
    assert _db.session.scalar(lines.where(CreditBatchItem.batch_id.in_(national))) == 5
    assert _db.session.scalar(lines.where(CreditBatchItem.batch_id == classroom.id)) == 5


def test_two_teams_ticking_outside_hours_at_once_send_a_shared_members_claim_once(app, db):
    """A volunteer in two teams: both teams' coordinators build a national batch with
    outside hours at the same moment; the claim goes out in one of them only."""
    data.seed()
    teams = [credits_data.team(name=name) for name in ("阅览室志愿者队", "古籍修复队")]
    builders = [data.coordinator(team, f"{team.name}老师").id for team in teams]
    person = signup_data.member(teams[0], name="李明")
    members.join_team(teams[1].id, person.id)
    identity.save_national_number(person, "31010000000001")
    elsewhere(person, data.admin(), date(2025, 10, 11), "3")
    db.session.commit()

    def build(index: int) -> None:
        actor = _db.session.get(User, builders[index])
        scope = BatchScope(
            *OCTOBER, team_id=teams[index].id, destination="national", include_outside=True
        )
        batch_building.build_batch(actor, title="并发", scope=scope, now=LATER)

    outcomes = race(app, build, [0, 1])

    assert outcomes.count("ok") == 1, outcomes
    other = next(outcome for outcome in outcomes if outcome != "ok")
    assert other == "conflict" or other.startswith("InvalidInput"), outcomes
    _db.session.expire_all()
    counted = select(func.count(CreditBatchItem.id)).where(CreditBatchItem.claim_key.is_not(None))
    assert _db.session.scalar(counted) == 1
