"""National batches built at the same moment still send each attendance revision once,
and leave the Second Classroom's claims alone (real threads, real database)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.credits import batch_building
from app.credits.batches import BatchScope
from app.credits.models import CreditBatch, CreditBatchItem
from app.extensions import db as _db
from app.natrecord import identity
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.credits.batch_data import LATER, OCTOBER
from tests.helpers import race


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
