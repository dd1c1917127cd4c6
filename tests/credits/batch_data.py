"""Building credit batches for tests, through the services: records from verified
attendances (tests.credits.credits_data), batches built, approved and exported as a
coordinator would."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from app.credits import batch_building, batch_export, batches, export_templates, records, rules
from app.credits.batches import BatchScope
from app.credits.models import CreditBatch, CreditBatchItem, CreditRecord
from app.extensions import db
from tests import factories
from tests.credits import credits_data
from tests.recruitment import recruiting

AUTUMN = datetime(2025, 10, 6, 2, 0)  # 10:00 in Shanghai, semester 2025-2026-1
LATER = datetime(2025, 12, 1, 4, 0)
OCTOBER = (date(2025, 10, 1), date(2025, 10, 31))


def seed() -> None:
    rules.seed_rules()  # 600 minutes a credit, to a tenth
    export_templates.seed_default_template()


def admin(name: str = "管理员"):
    return factories.person(roles=["admin"], name=name)


def coordinator(team, name: str = "陈老师"):
    return recruiting.coordinator(team, name=name)


def desk():
    """A service task of a team with a coordinator (陈老师) and a second one (李老师)."""
    team = credits_data.team(name="图书馆志愿者队")
    task = credits_data.task(team, title="总服务台值班")
    coordinator(team, "陈老师")
    coordinator(team, "李老师")
    return task


def scope(period=OCTOBER, **fields) -> BatchScope:
    return BatchScope(period_start=period[0], period_end=period[1], **fields)


def record_of(attendance) -> CreditRecord:
    return db.session.scalar(
        select(CreditRecord).where(
            CreditRecord.source == "attendance", CreditRecord.source_id == attendance.id
        )
    )


def served(person, *, task, starts_at: datetime = AUTUMN, minutes: int = 600):
    """A verified attendance and its (synced) credit record."""
    attendance = credits_data.verified_attendance(
        person, task=task, starts_at=starts_at, minutes=minutes
    )
    records.sync_records(now=starts_at)
    return attendance


def build(actor, *, title: str = "2025 年 10 月第二课堂学分", now: datetime = LATER, **fields):
    return batch_building.build_batch(actor, title=title, scope=scope(**fields), now=now)


def approve(batch: CreditBatch, approver, *, now: datetime = LATER) -> CreditBatch:
    return batches.approve_batch(approver, batch.id, now=now)


def export(batch: CreditBatch, actor, *, template_id: int | None = None, now: datetime = LATER):
    template_id = template_id or export_templates.default_template().id
    return batch_export.export_batch(actor, batch.id, template_id, now=now)


def sent(batch: CreditBatch, approver, *, now: datetime = LATER):
    """Approve and export `batch` (the approver, not its builder, does both)."""
    approve(batch, approver, now=now)
    return export(batch, approver, now=now)


def items_of(batch: CreditBatch) -> list[CreditBatchItem]:
    return list(
        db.session.scalars(
            select(CreditBatchItem)
            .where(CreditBatchItem.batch_id == batch.id)
            .order_by(CreditBatchItem.id)
        )
    )


def line_numbers(batch: CreditBatch) -> list[str]:
    return [item.line_number for item in items_of(batch) if item.claim_key is not None]
