"""What the credits feature keeps about a person, for their personal data export: their
Second Classroom credit records, and the batches, exports and result files they handled
as a coordinator (numbers and times only: the lines are other students' data)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.credits.models import (
    CreditBatch,
    CreditBatchItem,
    CreditExport,
    CreditRecord,
    CreditResultUpload,
    hundredths,
)


def _record(row: CreditRecord) -> dict[str, Any]:
    return {
        "record_number": row.record_number,
        "activity_name": row.activity_name,
        "category": row.category,
        "started_on": row.started_on.isoformat(),
        "ended_on": row.ended_on.isoformat(),
        "semester": row.semester,
        "minutes": row.minutes,
        "credits": str(hundredths(row.credits)),
        "void": row.void,
    }


def _batch(when: str):
    return lambda row: {"title": row.title, "time": getattr(row, when)}


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "credits",
        _l("Second Classroom credits"),
        {
            "credit_records": Rows(CreditRecord.user_id, _record),
            "batches_built": Rows(CreditBatch.created_by_id, _batch("created_at"), staff=True),
            "batches_approved": Rows(CreditBatch.approved_by_id, _batch("approved_at"), staff=True),
            "batches_exported": Rows(CreditBatch.exported_by_id, _batch("exported_at"), staff=True),
            "lines_excluded": Rows(
                CreditBatchItem.excluded_by_id, lambda row: {"time": row.excluded_at}, staff=True
            ),
            "files_exported": Rows(
                CreditExport.created_by_id, lambda row: {"time": row.created_at}, staff=True
            ),
            "result_files": Rows(
                CreditResultUpload.uploaded_by_id, lambda row: {"time": row.uploaded_at}, staff=True
            ),
        },
        labels={
            "credit_records": _l("Credit records"),
            "batches_built": _l("Credit batches I built"),
            "batches_approved": _l("Credit batches I approved"),
            "batches_exported": _l("Credit batches I exported"),
            "lines_excluded": _l("Batch lines I excluded"),
            "files_exported": _l("Credit files I exported"),
            "result_files": _l("Result files I uploaded"),
            "record_number": _l("Record number"),
            "activity_name": _l("Activity"),
            "category": _l("Category"),
            "started_on": _l("From"),
            "ended_on": _l("To"),
            "credits": _l("Credits"),
            "void": _l("Withdrawn"),
            "title": _l("Title"),
        },
    )
