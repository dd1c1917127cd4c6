"""Batches: who may manage them, listing and loading them, and changing a draft (exclude,
restore, discard, approve). Building is in `batch_building.py`, exporting in
`batch_export.py`, a record's status in `record_status.py`.

A batch takes the PENDING credit records of its period and scope as items. Each counting
item holds `claim_key` = "{record id}:{revision}" under a unique constraint, so a revision of
a record goes out in at most one batch even when two batches are built at the same moment:
the later build fails on the constraint and is refused as a conflict. An item sends the
record's current amounts minus what the record's other claimed items sent: the whole record
the first time ("new"), the difference after a change ("adjustment"), everything back once
the source no longer counts ("withdrawal").

Only drafts change; an approved batch is exported once, and its file is kept.

A batch has a destination: the Second Classroom (the default) or the national volunteer
record (hours of service only; its claims are "N:{record id}:{revision}" and its line
numbers start with N), so each destination sends a record's revision once, apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import hooks
from app.accounts.models import User
from app.audit import services as audit
from app.common.db import begin_write_transaction, get_or_not_found
from app.common.rows import fields_of
from app.common.text import clean_line
from app.common.time import utcnow
from app.credits.models import (
    CreditBatch,
    CreditBatchItem,
    CreditRecord,
    claim_key_for,
    hundredths,
    minutes_as_hours,
)
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.recruitment.access import managed_team_ids

# Words written into export files (data for the Second Classroom system, not UI text).
FILE_VOCABULARY = {
    "new": "新增",
    "adjustment": "调整",
    "withdrawal": "撤销",
    "adjustment_note": "调整 {record_number}",
    "withdrawal_note": "撤销 {record_number}",
    "outside_note": "校外服务",
}
OPEN_STATUSES = ("draft", "approved")
TITLE_LENGTH = 200
REASON_LENGTH = 500

STATUS_LABELS = {
    "draft": _l("Draft"),
    "approved": _l("Approved"),
    "exported": _l("Exported"),
}

KIND_LABELS = {
    "new": _l("New record"),
    "adjustment": _l("Adjustment"),
    "withdrawal": _l("Withdrawal"),
}


@dataclass(frozen=True)
class BatchScope:
    period_start: date
    period_end: date  # inclusive
    semester: str | None = None
    team_id: int | None = None
    task_id: int | None = None
    category: str | None = None
    destination: str = "second_classroom"
    include_outside: bool = False  # national only: approved hours served elsewhere too


@dataclass(frozen=True)
class BatchSummary:
    """What a batch holds, for lists: counted and excluded lines, totals of counted lines,
    and the results received so far."""

    lines: int = 0
    excluded: int = 0
    minutes: int = 0
    credits: int = 0  # hundredths
    accepted: int = 0
    rejected: int = 0

    @property
    def hours(self):
        return minutes_as_hours(self.minutes)

    @property
    def credit_amount(self):
        return hundredths(self.credits)


# Who may do what ---------------------------------------------------------------------------


def can_manage_credits(actor: User) -> bool:
    """Admins, and coordinators of at least one team."""
    teams = managed_team_ids(actor)
    return teams is None or bool(teams)


def require_manager(actor: User) -> set[int] | None:
    teams = managed_team_ids(actor)
    if teams is not None and not teams:
        raise Forbidden(_("Only coordinators and administrators can manage credits."))
    return teams


def lines_query(batch: CreditBatch) -> Select:
    """The batch's lines with their records and people, in file order (for paging)."""
    return (
        select(CreditBatchItem)
        .where(CreditBatchItem.batch_id == batch.id)
        .options(joinedload(CreditBatchItem.record).joinedload(CreditRecord.user))
        .order_by(CreditBatchItem.id)
    )


def visible_batches(actor: User) -> list[CreditBatch]:
    """Every batch for an admin; a coordinator's teams' batches; newest first."""
    teams = require_manager(actor)
    query = (
        select(CreditBatch)
        .options(
            selectinload(CreditBatch.created_by),
            selectinload(CreditBatch.approved_by),
            selectinload(CreditBatch.exported_by),
        )
        .order_by(CreditBatch.created_at.desc(), CreditBatch.id.desc())
    )
    if teams is not None:
        query = query.where(CreditBatch.team_id.in_(teams))
    return list(db.session.scalars(query))


def get_batch(actor: User, batch_id: int) -> CreditBatch:
    teams = require_manager(actor)
    batch = get_or_not_found(CreditBatch, batch_id, _("This credit batch does not exist."))
    if teams is not None and batch.team_id not in teams:
        raise Forbidden(_("Only the coordinators of this batch's team can see it."))
    return batch


def _get_item(actor: User, item_id: int) -> CreditBatchItem:
    item = get_or_not_found(CreditBatchItem, item_id, _("This line does not exist."))
    get_batch(actor, item.batch_id)
    return item


def _require_draft(batch: CreditBatch) -> None:
    if batch.status != "draft":
        raise Conflict(_("Batch #%(id)d is no longer a draft; it cannot change.", id=batch.id))


def summaries(batch_ids: list[int]) -> dict[int, BatchSummary]:
    """One grouped query for the summaries of many batches."""
    if not batch_ids:
        return {}
    item = CreditBatchItem
    counted = item.claim_key.is_not(None)
    rows = db.session.execute(
        select(
            item.batch_id,
            func.count(item.id).filter(counted),
            func.count(item.id).filter(item.excluded_reason.is_not(None)),
            func.coalesce(func.sum(case((counted, item.minutes), else_=0)), 0),
            func.coalesce(func.sum(case((counted, item.credits), else_=0)), 0),
            func.count(item.id).filter(item.result == "accepted"),
            func.count(item.id).filter(item.result == "rejected"),
        )
        .where(item.batch_id.in_(batch_ids))
        .group_by(item.batch_id)
    )
    found = {row[0]: BatchSummary(*(int(value) for value in row[1:])) for row in rows}
    return {batch_id: found.get(batch_id, BatchSummary()) for batch_id in batch_ids}


def scope_audit(batch: CreditBatch) -> dict:
    return {
        "title": batch.title,
        "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(),
        **fields_of(
            batch, "semester", "team_id", "task_id", "category", "destination", "include_outside"
        ),
    }


# Changing a draft --------------------------------------------------------------------------


def exclude_item(
    actor: User, item_id: int, reason: str, *, now: datetime | None = None
) -> CreditBatchItem:
    """Take a line out of a draft: the record's revision is free for a later batch."""
    item = _get_item(actor, item_id)
    _require_draft(item.batch)
    reason = clean_line(
        reason,
        field="reason",
        limit=REASON_LENGTH,
        missing=_l("Say why this line is excluded."),
        too_long=_l("The reason is longer than %(n)d characters.", n=REASON_LENGTH),
    )
    if item.excluded_reason is not None:
        return item
    now = now or utcnow()
    item.claim_key = None
    item.excluded_reason = reason
    item.excluded_by_id = actor.id
    item.excluded_at = now
    audit.record(
        "credits.item_excluded",
        item.batch,
        actor=actor,
        after={"line_number": item.line_number, "reason": reason},
        now=now,
    )
    return item


def restore_item(actor: User, item_id: int, *, now: datetime | None = None) -> CreditBatchItem:
    """Put an excluded line back, unless its record's revision went out elsewhere since."""
    item = _get_item(actor, item_id)
    _require_draft(item.batch)
    if item.excluded_reason is None:
        return item
    now = now or utcnow()
    claim_key = claim_key_for(item.batch.destination, item.record_id, item.revision)
    holder = db.session.scalar(
        select(CreditBatchItem.batch_id).where(CreditBatchItem.claim_key == claim_key)
    )
    if holder is not None:
        raise Conflict(_("This line went out in batch #%(id)d meanwhile.", id=holder))
    reason = item.excluded_reason
    begin_write_transaction()
    try:
        with db.session.begin_nested():
            item.claim_key = claim_key
            item.excluded_reason = None
            item.excluded_by_id = None
            item.excluded_at = None
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("Another batch took this line at the same moment.")) from error
    audit.record(
        "credits.item_restored",
        item.batch,
        actor=actor,
        before={"line_number": item.line_number, "reason": reason},
        now=now,
    )
    return item


def discard_batch(actor: User, batch_id: int, *, now: datetime | None = None) -> None:
    """Delete a draft and its lines: their records are pending again."""
    batch = get_batch(actor, batch_id)
    _require_draft(batch)
    before = {**scope_audit(batch), **dataclasses.asdict(summaries([batch.id])[batch.id])}
    db.session.execute(delete(CreditBatchItem).where(CreditBatchItem.batch_id == batch.id))
    db.session.delete(batch)
    audit.record(
        "credits.batch_discarded",
        audit.Subject(CreditBatch.audit_type, batch_id),
        actor=actor,
        before=before,
        now=now or utcnow(),
    )


def needs_another_approver(actor: User, batch: CreditBatch) -> bool:
    """With CREDIT_SECOND_APPROVER, the person who built a batch may not approve it."""
    return bool(current_app.config.get("CREDIT_SECOND_APPROVER")) and (
        batch.created_by_id == actor.id
    )


def approve_batch(actor: User, batch_id: int, *, now: datetime | None = None) -> CreditBatch:
    """Approve a draft; with CREDIT_SECOND_APPROVER, not by the person who built it."""
    batch = get_batch(actor, batch_id)
    _require_draft(batch)
    if needs_another_approver(actor, batch):
        raise Forbidden(_("Another coordinator or an administrator must approve this batch."))
    if not summaries([batch.id])[batch.id].lines:
        raise InvalidInput(_("Every line of this batch is excluded; there is nothing to approve."))
    now = now or utcnow()
    batch.status = "approved"
    batch.approved_by_id = actor.id
    batch.approved_at = now
    audit.record(
        "credits.batch_approved",
        batch,
        actor=actor,
        before={"status": "draft"},
        after={"status": "approved"},
        now=now,
    )
    approved = {
        "batch_id": batch.id,
        "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(),
        "semester": batch.semester,
    }
    hooks.publish("credit_batch.approved", approved, now=now)
    return batch
