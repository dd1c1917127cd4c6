"""Batches: build for a period and scope, exclude, approve, export; and a record's status.

A batch takes the PENDING credit records of its period and scope as items. Each counting
item holds `claim_key` = "{record id}:{revision}" under a unique constraint, so a revision of
a record goes out in at most one batch even when two batches are built at the same moment:
the later build fails on the constraint and is refused as a conflict. An item sends the
record's current amounts minus what the record's other claimed items sent: the whole record
the first time ("new"), the difference after a change ("adjustment"), everything back once
the source no longer counts ("withdrawal").

Only drafts change; an approved batch is exported once, and its file is kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Select, and_, case, delete, exists, func, insert, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import College, Major, User
from app.audit import services as audit
from app.common.db import begin_write_transaction
from app.common.time import local_day, utcnow
from app.credits import export_templates, exporter, records
from app.credits.exporter import ExportRow
from app.credits.models import (
    CreditBatch,
    CreditBatchItem,
    CreditExport,
    CreditRecord,
    CreditRule,
    CreditTemplate,
    hundredths,
    minutes_as_hours,
)
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.recruitment.access import managed_team_ids
from app.recruitment.models import Team
from app.shifts.models import Task

# Words written into export files (data for the Second Classroom system, not UI text).
FILE_VOCABULARY = {
    "new": "新增",
    "adjustment": "调整",
    "withdrawal": "撤销",
    "adjustment_note": "调整 {record_number}",
    "withdrawal_note": "撤销 {record_number}",
}
OPEN_STATUSES = ("draft", "approved")
TITLE_LENGTH = 200
REASON_LENGTH = 500
FILENAME = "second-classroom-batch-{id}-{day:%Y%m%d}{extension}"
# Rows fetched at a time when a batch's lines are streamed into a file.
EXPORT_CHUNK = 2000

STATUS_LABELS = {
    "draft": _l("Draft"),
    "approved": _l("Approved"),
    "exported": _l("Exported"),
}
RECORD_STATUS_LABELS = {
    "pending": _l("Waiting for a batch"),
    "in_batch": _l("In a batch"),
    "exported": _l("Exported"),
    "accepted": lazy_pgettext("credit result", "Accepted"),
    "rejected": lazy_pgettext("credit result", "Rejected"),
    "void": _l("Does not count"),
}
KIND_LABELS = {
    "new": _l("New record"),
    "adjustment": _l("Adjustment"),
    "withdrawal": _l("Withdrawal"),
}

audit.describe_actions(
    {
        "credits.batch_built": _l("Credit batch built"),
        "credits.item_excluded": _l("Credit line excluded from a batch"),
        "credits.item_restored": _l("Credit line restored to a batch"),
        "credits.batch_discarded": _l("Credit batch discarded"),
        "credits.batch_approved": _l("Credit batch approved"),
        "credits.batch_exported": _l("Credit batch exported"),
    }
)


@dataclass(frozen=True)
class BatchScope:
    period_start: date
    period_end: date  # inclusive
    semester: str | None = None
    team_id: int | None = None
    task_id: int | None = None
    category: str | None = None


@dataclass(frozen=True)
class RecordStatus:
    code: str  # pending, in_batch, exported, accepted, rejected, void
    reason: str | None = None
    line_number: str | None = None
    batch_id: int | None = None

    @property
    def label(self):
        return RECORD_STATUS_LABELS[self.code]


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
    batch = db.session.get(CreditBatch, batch_id)
    if batch is None:
        raise NotFound(_("This credit batch does not exist."))
    if teams is not None and batch.team_id not in teams:
        raise Forbidden(_("Only the coordinators of this batch's team can see it."))
    return batch


def _get_item(actor: User, item_id: int) -> CreditBatchItem:
    item = db.session.get(CreditBatchItem, item_id)
    if item is None:
        raise NotFound(_("This line does not exist."))
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


# Building ----------------------------------------------------------------------------------


def _checked_scope(actor: User, scope: BatchScope) -> BatchScope:
    """The scope with its task's team filled in, after checking that it makes sense and
    that the actor may build it."""
    if scope.period_end < scope.period_start:
        raise InvalidInput(_("The period must end on or after its start."), field="period_end")
    team_id = scope.team_id
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise InvalidInput(_("This team does not exist."), field="team_id")
    if scope.task_id is not None:
        task = db.session.get(Task, scope.task_id)
        if task is None:
            raise InvalidInput(_("This task does not exist."), field="task_id")
        if team_id is not None and task.team_id != team_id:
            raise InvalidInput(_("This task does not belong to the team."), field="task_id")
        team_id = task.team_id
    teams = require_manager(actor)
    if teams is not None and team_id not in teams:
        raise Forbidden(_("Choose one of the teams you coordinate."))
    category = (scope.category or "").strip() or None
    return dataclasses.replace(scope, team_id=team_id, category=category)


def _scope_filter(column, value) -> object:
    """Overlap on one dimension: either side is "every", or both name the same thing."""
    if value is None:
        return true()
    return or_(column.is_(None), column == value)


def overlapping_batch(scope: BatchScope) -> CreditBatch | None:
    """A draft or approved batch whose period and scope overlap `scope`."""
    return db.session.scalar(
        select(CreditBatch)
        .where(
            CreditBatch.status.in_(OPEN_STATUSES),
            CreditBatch.period_start <= scope.period_end,
            CreditBatch.period_end >= scope.period_start,
            _scope_filter(CreditBatch.team_id, scope.team_id),
            _scope_filter(CreditBatch.task_id, scope.task_id),
            _scope_filter(CreditBatch.category, scope.category),
        )
        .order_by(CreditBatch.id)
        .limit(1)
    )


def _claimed_sums():
    """Per record: how many of its items count, and the minutes and credits they sent."""
    item = CreditBatchItem
    return (
        select(
            item.record_id,
            func.count(item.id).label("lines"),
            func.sum(item.minutes).label("minutes"),
            func.sum(item.credits).label("credits"),
        )
        .where(item.claim_key.is_not(None))
        .group_by(item.record_id)
        .subquery()
    )


def pending_records_query(scope: BatchScope) -> Select:
    """Rows of the pending records of a period and scope, with what they sent so far.

    Pending: no counting item holds the record's current revision, and there is something to
    send (the record counts, or it is void and what went out earlier must be taken back).
    """
    record = CreditRecord
    claimed = _claimed_sums()
    current_claimed = exists().where(
        CreditBatchItem.record_id == record.id,
        CreditBatchItem.revision == record.revision,
        CreditBatchItem.claim_key.is_not(None),
    )
    query = (
        select(
            record.id,
            record.record_number,
            record.revision,
            record.void,
            record.minutes,
            record.credits,
            record.category,
            record.activity_name,
            record.role,
            record.organiser,
            record.started_on,
            record.ended_on,
            func.coalesce(claimed.c.lines, 0).label("sent_lines"),
            func.coalesce(claimed.c.minutes, 0).label("sent_minutes"),
            func.coalesce(claimed.c.credits, 0).label("sent_credits"),
        )
        .outerjoin(claimed, claimed.c.record_id == record.id)
        .where(
            record.started_on >= scope.period_start,
            record.started_on <= scope.period_end,
            ~current_claimed,
            or_(
                record.void.is_(False),
                func.coalesce(claimed.c.minutes, 0) != 0,
                func.coalesce(claimed.c.credits, 0) != 0,
            ),
        )
        .order_by(record.started_on, record.id)
    )
    for column, value in (
        (record.team_id, scope.team_id),
        (record.task_id, scope.task_id),
        (record.category, scope.category),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def _item_values(batch_id: int, row, levels: dict[str, str]) -> dict:
    """The item sending what a pending record has not sent yet."""
    first = not row.sent_lines
    if row.void:
        kind, minutes, credits = "withdrawal", 0, 0
    else:
        kind, minutes, credits = ("new" if first else "adjustment"), row.minutes, row.credits
    note = "" if kind == "new" else FILE_VOCABULARY[f"{kind}_note"]
    return {
        "batch_id": batch_id,
        "record_id": row.id,
        "revision": row.revision,
        "kind": kind,
        "line_number": row.record_number if first else f"{row.record_number}-{row.revision}",
        "claim_key": f"{row.id}:{row.revision}",
        "minutes": minutes - int(row.sent_minutes),
        "credits": credits - int(row.sent_credits),
        "category": row.category,
        "activity_name": row.activity_name,
        "role": row.role,
        "organiser": row.organiser,
        "level": levels.get(row.category, ""),
        "started_on": row.started_on,
        "ended_on": row.ended_on,
        "note": note.format(record_number=row.record_number),
    }


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput(_("Give the batch a title."), field="title")
    if len(title) > TITLE_LENGTH:
        raise InvalidInput(
            _("The title is longer than %(n)d characters.", n=TITLE_LENGTH), field="title"
        )
    return title


def _refuse_overlap(scope: BatchScope) -> None:
    other = overlapping_batch(scope)
    if other is not None:
        raise Conflict(
            _(
                "Batch #%(id)d “%(title)s” already covers part of this period and scope. "
                "Export or discard it first.",
                id=other.id,
                title=other.title,
            )
        )


def build_batch(
    actor: User, *, title: str, scope: BatchScope, now: datetime | None = None
) -> CreditBatch:
    """A draft batch of the pending records of the period and scope, after bringing the
    records up to date. Refused when another open batch overlaps, or nothing is pending."""
    now = now or utcnow()
    title = _title(title)
    scope = _checked_scope(actor, scope)
    # On SQLite this takes the write lock now, so builds run one after the other and the
    # overlap check sees a batch committed a moment ago.
    begin_write_transaction()
    _refuse_overlap(scope)
    records.sync_records(now=now)
    rows = db.session.execute(pending_records_query(scope)).all()
    if not rows:
        _refuse_overlap(scope)  # another build may have taken them while this one waited
        raise InvalidInput(_("There are no pending credit records in this period and scope."))
    levels = dict(db.session.execute(select(CreditRule.category, CreditRule.level)).all())
    batch = CreditBatch(
        title=title,
        period_start=scope.period_start,
        period_end=scope.period_end,
        semester=scope.semester,
        team_id=scope.team_id,
        task_id=scope.task_id,
        category=scope.category,
        status="draft",
        created_by_id=actor.id,
        created_at=now,
    )
    session = db.session
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
            session.execute(
                insert(CreditBatchItem), [_item_values(batch.id, row, levels) for row in rows]
            )
    except IntegrityError as error:
        raise Conflict(
            _("Another batch took some of these records at the same moment. Please try again.")
        ) from error
    audit.record(
        "credits.batch_built",
        actor=actor,
        object_type="credit_batch",
        object_id=batch.id,
        after={**_scope_audit(batch), "lines": len(rows)},
        now=now,
    )
    return batch


def _scope_audit(batch: CreditBatch) -> dict:
    return {
        "title": batch.title,
        "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(),
        "semester": batch.semester,
        "team_id": batch.team_id,
        "task_id": batch.task_id,
        "category": batch.category,
    }


# Changing a draft --------------------------------------------------------------------------


def exclude_item(
    actor: User, item_id: int, reason: str, *, now: datetime | None = None
) -> CreditBatchItem:
    """Take a line out of a draft: the record's revision is free for a later batch."""
    item = _get_item(actor, item_id)
    _require_draft(item.batch)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(_("Say why this line is excluded."), field="reason")
    if len(reason) > REASON_LENGTH:
        raise InvalidInput(
            _("The reason is longer than %(n)d characters.", n=REASON_LENGTH), field="reason"
        )
    if item.excluded_reason is not None:
        return item
    now = now or utcnow()
    item.claim_key = None
    item.excluded_reason = reason
    item.excluded_by_id = actor.id
    item.excluded_at = now
    db.session.flush()
    audit.record(
        "credits.item_excluded",
        actor=actor,
        object_type="credit_batch",
        object_id=item.batch_id,
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
    claim_key = f"{item.record_id}:{item.revision}"
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
        actor=actor,
        object_type="credit_batch",
        object_id=item.batch_id,
        before={"line_number": item.line_number, "reason": reason},
        now=now,
    )
    return item


def discard_batch(actor: User, batch_id: int, *, now: datetime | None = None) -> None:
    """Delete a draft and its lines: their records are pending again."""
    batch = get_batch(actor, batch_id)
    _require_draft(batch)
    before = {**_scope_audit(batch), **dataclasses.asdict(summaries([batch.id])[batch.id])}
    db.session.execute(delete(CreditBatchItem).where(CreditBatchItem.batch_id == batch.id))
    db.session.delete(batch)
    db.session.flush()
    audit.record(
        "credits.batch_discarded",
        actor=actor,
        object_type="credit_batch",
        object_id=batch_id,
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
    db.session.flush()
    audit.record(
        "credits.batch_approved",
        actor=actor,
        object_type="credit_batch",
        object_id=batch.id,
        before={"status": "draft"},
        after={"status": "approved"},
        now=now,
    )
    return batch


# Exporting ---------------------------------------------------------------------------------


def _template(template_id: int | None) -> CreditTemplate:
    if not template_id:
        return export_templates.default_template()
    return export_templates.get_template(template_id)


def export_batch(
    actor: User, batch_id: int, template_id: int, *, now: datetime | None = None
) -> CreditExport:
    """Write an approved batch as a file in a template and keep the file; once only."""
    batch = get_batch(actor, batch_id)
    if batch.status == "exported":
        raise Conflict(_("Batch #%(id)d was already exported; download its file.", id=batch.id))
    if batch.status != "approved":
        raise Conflict(_("Batch #%(id)d must be approved before it is exported.", id=batch.id))
    template = _template(template_id)
    now = now or utcnow()
    today = local_day(now)
    content, row_count = exporter.render(template, export_rows(batch.id, recognised_on=today))
    export = CreditExport(
        batch_id=batch.id,
        template_name=template.name,
        file_type=template.file_type,
        filename=FILENAME.format(
            id=batch.id, day=today, extension=exporter.EXTENSIONS[template.file_type]
        ),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        row_count=row_count,
        created_by_id=actor.id,
        created_at=now,
    )
    begin_write_transaction()
    try:
        with db.session.begin_nested():
            db.session.add(export)
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(_("Batch #%(id)d was exported a moment ago.", id=batch.id)) from error
    batch.status = "exported"
    batch.exported_by_id = actor.id
    batch.exported_at = now
    db.session.flush()
    audit.record(
        "credits.batch_exported",
        actor=actor,
        object_type="credit_batch",
        object_id=batch.id,
        before={"status": "approved"},
        after={
            "status": "exported",
            "template": template.name,
            "filename": export.filename,
            "sha256": export.sha256,
            "rows": row_count,
        },
        now=now,
    )
    return export


def export_rows(batch_id: int, *, recognised_on: date) -> Iterator[ExportRow]:
    """The counted lines of a batch as file rows, in line order, read a chunk at a time."""
    item = CreditBatchItem
    query = (
        select(
            User.student_number,
            User.name,
            College.name.label("college"),
            Major.name.label("major"),
            User.enrolment_year,
            item.activity_name,
            item.category,
            item.level,
            item.role,
            item.started_on,
            item.ended_on,
            item.minutes,
            item.credits,
            item.organiser,
            item.line_number,
            item.note,
            item.kind,
        )
        .join(CreditRecord, CreditRecord.id == item.record_id)
        .join(User, User.id == CreditRecord.user_id)
        .outerjoin(College, College.id == User.college_id)
        .outerjoin(Major, Major.id == User.major_id)
        .where(and_(item.batch_id == batch_id, item.claim_key.is_not(None)))
        .order_by(item.id)
    )
    result = db.session.execute(query, execution_options={"yield_per": EXPORT_CHUNK})
    for row in result:
        yield ExportRow(
            student_number=row.student_number,
            name=row.name,
            college=row.college or "",
            class_name="",
            activity_name=row.activity_name,
            category=row.category,
            level=row.level,
            role=row.role,
            started_on=row.started_on,
            ended_on=row.ended_on,
            hours=minutes_as_hours(row.minutes),
            credits=hundredths(row.credits),
            recognised_on=recognised_on,
            organiser=row.organiser,
            line_number=row.line_number,
            note=row.note,
            major=row.major or "",
            enrolment_year=str(row.enrolment_year or ""),
            kind=FILE_VOCABULARY[row.kind],
        )


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
            .where(CreditBatchItem.record_id.in_(lines))
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
