"""Exporting an approved batch once into the file of its destination (the Second Classroom
system's, or the national volunteer record's), and the rows of that file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import College, Major, User
from app.audit import services as audit
from app.common.db import begin_write_transaction
from app.common.time import local_day, utcnow
from app.credits import export_templates, exporter
from app.credits.batches import FILE_VOCABULARY, get_batch
from app.credits.exporter import ExportRow
from app.credits.models import (
    CreditBatchItem,
    CreditExport,
    CreditRecord,
    CreditTemplate,
    hundredths,
    minutes_as_hours,
)
from app.errors import Conflict, InvalidInput
from app.extensions import db
from app.natrecord import crypto, identity
from app.natrecord.models import VolunteerIdentity

FILENAMES = {
    "second_classroom": "second-classroom-batch-{id}-{day:%Y%m%d}{extension}",
    "national": "national-record-batch-{id}-{day:%Y%m%d}{extension}",
}
# Rows fetched at a time when a batch's lines are streamed into a file.
EXPORT_CHUNK = 2000

# Exporting ---------------------------------------------------------------------------------


def _template(template_id: int | None, destination: str) -> CreditTemplate:
    national = destination == "national"
    if not template_id:
        if national:
            return export_templates.national_template()
        return export_templates.default_template()
    template = export_templates.get_template(template_id)
    if national and not export_templates.is_national(template):
        raise InvalidInput(
            _("The national record's file needs a template with a national_number column."),
            field="template_id",
        )
    return template


def _id_numbers(actor: User, batch_id: int, template: CreditTemplate) -> dict[int, str]:
    """Full ID numbers of the batch's people, read (and audited) only when the template has
    the column."""
    if not any(column["field"] == "id_number" for column in template.columns):
        return {}
    people = select(CreditRecord.user_id).join(
        CreditBatchItem, CreditBatchItem.record_id == CreditRecord.id
    )
    user_ids = db.session.scalars(people.where(CreditBatchItem.batch_id == batch_id))
    return identity.reveal_id_numbers(user_ids, actor=actor, purpose=f"credit batch #{batch_id}")


def export_batch(
    actor: User, batch_id: int, template_id: int, *, now: datetime | None = None
) -> CreditExport:
    """Write an approved batch as a file in a template and keep the file; once only."""
    batch = get_batch(actor, batch_id)
    if batch.status == "exported":
        raise Conflict(_("Batch #%(id)d was already exported; download its file.", id=batch.id))
    if batch.status != "approved":
        raise Conflict(_("Batch #%(id)d must be approved before it is exported.", id=batch.id))
    template = _template(template_id, batch.destination)
    now = now or utcnow()
    today = local_day(now)
    id_numbers = _id_numbers(actor, batch.id, template)
    rows = export_rows(batch.id, recognised_on=today, id_numbers=id_numbers)
    content, row_count = exporter.render(template, rows)
    export = CreditExport(
        batch_id=batch.id,
        template_name=template.name,
        file_type=template.file_type,
        filename=FILENAMES[batch.destination].format(
            id=batch.id, day=today, extension=exporter.EXTENSIONS[template.file_type]
        ),
        # A file with full ID numbers is kept encrypted, like the numbers themselves.
        content=crypto.encrypt_bytes(content) if id_numbers else content,
        encrypted=bool(id_numbers),
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
    audit.record(
        "credits.batch_exported",
        batch,
        actor=actor,
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


def export_rows(
    batch_id: int, *, recognised_on: date, id_numbers: dict[int, str] | None = None
) -> Iterator[ExportRow]:
    """The counted lines of a batch as file rows, in line order, read a chunk at a time;
    `id_numbers` are the full ID numbers by person, for a template that has the column."""
    item = CreditBatchItem
    id_numbers = id_numbers or {}
    query = (
        select(
            User.id.label("user_id"),
            VolunteerIdentity.national_number,
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
        .outerjoin(VolunteerIdentity, VolunteerIdentity.user_id == User.id)
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
            national_number=row.national_number or "",
            id_number=id_numbers.get(row.user_id, ""),
        )
