"""A credit record's status: waiting for a batch, in one, exported, accepted, rejected or void."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.credits.models import (
    CreditBatch,
    CreditBatchItem,
    CreditRecord,
)
from app.extensions import db

RECORD_STATUS_LABELS = {
    "pending": _l("Waiting for a batch"),
    "in_batch": _l("In a batch"),
    "exported": _l("Exported"),
    "accepted": lazy_pgettext("credit result", "Accepted"),
    "rejected": lazy_pgettext("credit result", "Rejected"),
    "void": _l("Does not count"),
}


@dataclass(frozen=True)
class RecordStatus:
    code: str  # pending, in_batch, exported, accepted, rejected, void
    reason: str | None = None
    line_number: str | None = None
    batch_id: int | None = None

    @property
    def label(self):
        return RECORD_STATUS_LABELS[self.code]


# A record's status -------------------------------------------------------------------------


def _has_something_to_send(record: CreditRecord, claimed: list[CreditBatchItem]) -> bool:
    if not record.void:
        return True
    return any(sum(getattr(item, amount) for item in claimed) for amount in ("minutes", "credits"))


def status_of(record: CreditRecord) -> RecordStatus:
    """Where a record stands, for its student and the coordinators."""
    return statuses_of([record])[record.id]


def statuses_of(credit_records: list[CreditRecord]) -> dict[int, RecordStatus]:
    """The status of each record (by id), reading their lines in one query."""
    lines: dict[int, list[CreditBatchItem]] = {record.id: [] for record in credit_records}
    if lines:
        items = db.session.scalars(
            select(CreditBatchItem)
            .join(CreditBatch, CreditBatch.id == CreditBatchItem.batch_id)
            .where(
                CreditBatchItem.record_id.in_(lines),
                CreditBatch.destination == "second_classroom",  # the national record is apart
            )
            .options(selectinload(CreditBatchItem.batch))
            .order_by(CreditBatchItem.id)
        )
        for item in items:
            lines[item.record_id].append(item)
    return {record.id: _status(record, lines[record.id]) for record in credit_records}


def _status(record: CreditRecord, items: list[CreditBatchItem]) -> RecordStatus:
    claimed = [item for item in items if item.claim_key is not None]
    current = next((item for item in claimed if item.revision == record.revision), None)
    if current is not None:
        code = "in_batch"
        if current.batch.status == "exported":
            code = "accepted" if current.result == "accepted" else "exported"
        return RecordStatus(code, line_number=current.line_number, batch_id=current.batch_id)
    rejected = next((item for item in reversed(items) if item.result == "rejected"), None)
    if rejected is not None and not any(item.id > rejected.id for item in claimed):
        return RecordStatus(
            "rejected",
            reason=rejected.result_reason,
            line_number=rejected.line_number,
            batch_id=rejected.batch_id,
        )
    if _has_something_to_send(record, claimed):
        return RecordStatus("pending")
    return RecordStatus("void")
