"""A record's revision is claimed by one batch only, and a batch is exported once, even when
coordinators click at the same moment, against a real database (the suite's SQLite file, or
PostgreSQL when TEST_DATABASE_URL names one)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.credits import batch_building, batch_export, export_templates
from app.credits.batches import BatchScope
from app.credits.models import CreditBatch, CreditBatchItem, CreditExport, CreditRecord
from app.extensions import db as _db
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.credits.batch_data import LATER, OCTOBER
from tests.helpers import race


def claimed_lines() -> tuple[int, int, int]:
    """(counted items, distinct records among them, records), freshly read."""
    _db.session.expire_all()
    counted = CreditBatchItem.claim_key.is_not(None)
    return (
        _db.session.scalar(select(func.count(CreditBatchItem.id)).where(counted)),
        _db.session.scalar(
            select(func.count(func.distinct(CreditBatchItem.record_id))).where(counted)
        ),
        _db.session.scalar(select(func.count(CreditRecord.id))),
    )


def test_batches_built_at_once_over_the_same_records_claim_each_record_once(app, db):
    data.seed()
    team = credits_data.team(name="图书馆志愿者队")
    desk = credits_data.task(team)
    for index in range(6):
        data.served(credits_data.person(f"同学{index}"), task=desk)
    # The same records reached by a team, a task, a category and the whole programme.
    scopes = [
        BatchScope(*OCTOBER, team_id=team.id),
        BatchScope(*OCTOBER, task_id=desk.id),
        BatchScope(*OCTOBER, category="志愿公益"),
        BatchScope(*OCTOBER),
    ]
    builders = [data.admin(f"管理员{index}").id for index in range(len(scopes))]
    db.session.commit()

    def build(index: int) -> None:
        actor = _db.session.get(User, builders[index])
        batch_building.build_batch(actor, title=f"并发 {index}", scope=scopes[index], now=LATER)

    outcomes = race(app, build, list(range(len(scopes))))

    assert sorted(outcomes) == ["conflict"] * (len(scopes) - 1) + ["ok"], outcomes
    assert claimed_lines() == (6, 6, 6)
    assert _db.session.scalar(select(func.count(CreditBatch.id))) == 1


def test_the_claims_alone_keep_a_record_in_one_batch(app, db, monkeypatch):
    """Without the overlap check (as when two builds pass it at the same instant), the
    unique claim still lets one batch take the records; the others take nothing."""
    monkeypatch.setattr(batch_building, "overlapping_batch", lambda scope: None)
    data.seed()
    team = credits_data.team(name="图书馆志愿者队")
    desk = credits_data.task(team)
    for index in range(6):
        data.served(credits_data.person(f"同学{index}"), task=desk)
    builders = [data.admin(f"管理员{index}").id for index in range(4)]
    db.session.commit()

    def build(user_id: int) -> None:
        actor = _db.session.get(User, user_id)
        batch_building.build_batch(actor, title="并发", scope=BatchScope(*OCTOBER), now=LATER)

    outcomes = race(app, build, builders)

    assert outcomes.count("ok") == 1, outcomes
    refused = [outcome for outcome in outcomes if outcome != "ok"]
    assert all(o == "conflict" or o.startswith("InvalidInput") for o in refused), outcomes
    assert claimed_lines() == (6, 6, 6)


def test_a_batch_exported_twice_at_once_is_exported_once(app, db):
    data.seed()
    team = credits_data.team(name="图书馆志愿者队")
    builder = data.coordinator(team, "陈老师")
    approvers = [data.coordinator(team, f"老师{index}") for index in range(2)]
    data.served(credits_data.person(), task=credits_data.task(team))
    batch = data.build(builder, team_id=team.id)
    data.approve(batch, approvers[0])
    batch_id, template_id = batch.id, export_templates.default_template().id
    people = [approver.id for approver in approvers]
    db.session.commit()

    def export(user_id: int) -> None:
        actor = _db.session.get(User, user_id)
        batch_export.export_batch(actor, batch_id, template_id, now=LATER)

    outcomes = race(app, export, people)

    assert sorted(outcomes) == ["conflict", "ok"], outcomes
    _db.session.expire_all()
    assert _db.session.scalar(select(func.count(CreditExport.id))) == 1
    assert _db.session.get(CreditBatch, batch_id).status == "exported"
