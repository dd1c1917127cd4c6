"""Result files from the Second Classroom system: accepted and rejected lines.

The file (CSV in UTF-8 with or without BOM or GB18030, or XLSX; read by
`app.common.tabular`) has a header row naming 记录编号, 结果 and 原因 (or line_number,
result, reason). The whole file is refused, and nothing stored, when it cannot be read or
lacks the line-number or result column. Every other problem sets aside just its row, with
why, in `CreditResultUpload.problems`: an empty or unknown line number, a line number given
twice in the file, a line not exported yet, a line of a batch the uploader does not manage,
a result that is neither accepted nor rejected, a rejection without a reason.

An accepted line is marked accepted. A rejected line keeps the reason and gives up its claim:
the record is pending again and the student is told why. A row that repeats what is known
already changes nothing, so the same file uploaded twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.audit import services as audit
from app.common import tabular
from app.common.time import utcnow
from app.credits import batches
from app.credits.models import CreditBatch, CreditBatchItem, CreditRecord, CreditResultUpload
from app.errors import Forbidden, NotFound
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import CREDIT_REJECTED
from app.recruitment.access import managed_team_ids

# Where a student reads their credit records (credits.mine).
RECORDS_LINK = "/credits/me"
FILENAME_LENGTH = 200
REASON_LENGTH = 500
LOOKUP_CHUNK = 500

# Canonical column → accepted headers.
COLUMNS: dict[str, tuple[str, ...]] = {
    "line_number": ("记录编号", "line_number", "line number", "record_number", "record number"),
    "result": ("结果", "审核结果", "认定结果", "result", "status"),
    "reason": ("原因", "退回原因", "拒绝原因", "reason"),
}
REQUIRED = ("line_number", "result")

# Result words of the Second Classroom system (data read from files, not UI text).
RESULT_WORDS = {
    "通过": "accepted",
    "接受": "accepted",
    "成功": "accepted",
    "accepted": "accepted",
    "不通过": "rejected",
    "拒绝": "rejected",
    "退回": "rejected",
    "失败": "rejected",
    "rejected": "rejected",
}

# Why a row changed nothing, shown in the reader's language; %(value)s is the detail.
PROBLEMS = {
    "missing_line_number": _l("The line number is missing."),
    "unknown_line_number": _l("No exported line has the number “%(value)s”."),
    "duplicate": _l("The line number appears more than once in the file (rows %(value)s)."),
    "not_exported": _l("The line “%(value)s” has not been exported yet."),
    "bad_result": _l("“%(value)s” is not a result: use 通过 (accepted) or 不通过 (rejected)."),
    "missing_reason": _l("A rejected line needs a reason."),
    "not_yours": _l("The line “%(value)s” belongs to a batch you do not manage."),
    "already_resent": _l("The line “%(value)s” was sent again in a later batch."),
}


def uploads_query(actor: User) -> Select:
    """Result files the actor may see, newest first: an admin every one, a coordinator
    their own (a report names lines of the batches it touched)."""
    teams = batches.require_manager(actor)
    query = select(CreditResultUpload).options(joinedload(CreditResultUpload.uploaded_by))
    if teams is not None:
        query = query.where(CreditResultUpload.uploaded_by_id == actor.id)
    return query.order_by(CreditResultUpload.uploaded_at.desc(), CreditResultUpload.id.desc())


def get_upload(actor: User, upload_id: int) -> CreditResultUpload:
    upload = db.session.scalar(uploads_query(actor).where(CreditResultUpload.id == upload_id))
    if upload is None:
        raise NotFound(_("No such result file."))
    return upload


def describe_problem(problem: dict) -> str:
    """A stored problem in the reader's language."""
    message = PROBLEMS.get(problem.get("code", ""))
    if message is None:
        return problem.get("problem", "")
    return str(message) % {"value": problem.get("detail", "")}


def _problem(row: int, line_number: str, code: str, detail: object = "") -> dict:
    problem = {"row": row, "line_number": line_number, "code": code, "detail": str(detail)}
    problem["problem"] = describe_problem(problem)
    return problem


def _result_of(text: str) -> str | None:
    return RESULT_WORDS.get(" ".join(text.split()).lower())


def _latest_exported_items(line_numbers: set[str]) -> tuple[dict[str, CreditBatchItem], set[str]]:
    """The newest exported, not excluded item per line number; and the numbers that exist at
    all (in any batch)."""
    latest: dict[str, CreditBatchItem] = {}
    known: set[str] = set()
    numbers = sorted(line_numbers)
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        items = db.session.scalars(
            select(CreditBatchItem)
            .join(CreditBatch)
            .where(
                CreditBatchItem.line_number.in_(chunk),
                CreditBatch.destination == "second_classroom",  # its system answers for these
            )
            .options(
                joinedload(CreditBatchItem.batch),
                joinedload(CreditBatchItem.record).joinedload(CreditRecord.user),
            )
            .order_by(CreditBatchItem.id)
        )
        for item in items:
            known.add(item.line_number)
            if item.batch.status == "exported" and item.excluded_reason is None:
                latest[item.line_number] = item
    return latest, known


class _Import:
    """One upload being applied: the counts and the problems."""

    def __init__(self, upload: CreditResultUpload, teams: set[int] | None, now: datetime) -> None:
        self.upload = upload
        self.teams = teams
        self.now = now
        self.problems: list[dict] = []
        self.rejected_items: list[CreditBatchItem] = []

    def row_problem(self, row: tabular.TableRow, line_number: str) -> tuple[str, str] | None:
        """The problem code and detail of a row that can be checked on its own."""
        if not line_number:
            return "missing_line_number", ""
        result_text = row.get("result")
        result = _result_of(result_text)
        if result is None:
            return "bad_result", result_text
        if result == "rejected" and not row.get("reason"):
            return "missing_reason", ""
        return None

    def item_problem(self, item: CreditBatchItem | None, known: bool, line_number: str):
        if item is None:
            return ("not_exported" if known else "unknown_line_number"), line_number
        if self.teams is not None and item.batch.team_id not in self.teams:
            return "not_yours", line_number
        return None

    def apply(self, item: CreditBatchItem, result: str, reason: str | None) -> str | None:
        """Record one line's result; returns a problem code when it cannot be applied."""
        if item.result == result and item.result_reason == reason:
            self.upload.unchanged_count += 1
            return None
        if result == "accepted":
            if item.claim_key is None and not self._reclaim(item):
                return "already_resent"
            self.upload.accepted_count += 1
        else:
            item.claim_key = None
            _send_again(item)
            self.upload.rejected_count += 1
            self.rejected_items.append(item)
        item.result = result
        item.result_reason = reason
        item.result_at = self.now
        item.result_upload_id = self.upload.id
        return None

    @staticmethod
    def _reclaim(item: CreditBatchItem) -> bool:
        """A line rejected before and accepted now counts again, unless its record's
        revision went out again meanwhile."""
        claim_key = f"{item.record_id}:{item.revision}"
        taken = db.session.scalar(
            select(CreditBatchItem.id).where(CreditBatchItem.claim_key == claim_key)
        )
        if taken is not None:
            return False
        item.claim_key = claim_key
        return True


def _send_again(rejected: CreditBatchItem) -> None:
    """Put the record back in the queue. Giving up the claim is enough when the rejected line
    held the record's current revision; when a later line (an adjustment) holds it, the
    revision moves on, so that the next batch sends what the rejected line carried."""
    record = rejected.record
    holder = db.session.scalar(
        select(CreditBatchItem.id).where(
            CreditBatchItem.claim_key == f"{record.id}:{record.revision}"
        )
    )
    if holder is not None:
        record.revision += 1


def _rows_by_line_number(table: tabular.Table) -> dict[str, list[tabular.TableRow]]:
    rows: dict[str, list[tabular.TableRow]] = defaultdict(list)
    for row in table.rows:
        rows[row.get("line_number")].append(row)
    return rows


def _filename(filename: str) -> str:
    name = " ".join((filename or "").split()) or "results"
    return name[-FILENAME_LENGTH:]


def import_results(
    actor: User, *, filename: str, data: bytes, now: datetime | None = None
) -> CreditResultUpload:
    """Apply a result file; rows with problems change nothing and are listed on the upload."""
    if not batches.can_manage_credits(actor):
        raise Forbidden(_("Only coordinators and administrators can upload result files."))
    teams = managed_team_ids(actor)
    table = tabular.read_table(data, aliases=COLUMNS, required=REQUIRED)
    now = now or utcnow()
    upload = CreditResultUpload(
        filename=_filename(filename),
        sha256=hashlib.sha256(data).hexdigest(),
        accepted_count=0,
        rejected_count=0,
        unchanged_count=0,
        problems=[],
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    db.session.add(upload)
    db.session.flush()
    work = _Import(upload, teams, now)
    by_number = _rows_by_line_number(table)
    latest, known = _latest_exported_items({number for number in by_number if number})
    for row in table.rows:
        line_number = row.get("line_number")
        problem = work.row_problem(row, line_number)
        if problem is None and len(by_number[line_number]) > 1:
            problem = "duplicate", ", ".join(str(r.number) for r in by_number[line_number])
        if problem is None:
            problem = work.item_problem(latest.get(line_number), line_number in known, line_number)
        if problem is None:
            result = _result_of(row.get("result"))
            reason = row.get("reason")[:REASON_LENGTH] if result == "rejected" else None
            code = work.apply(latest[line_number], result, reason)
            problem = (code, line_number) if code else None
        if problem is not None:
            work.problems.append(_problem(row.number, line_number, *problem))
    upload.problems = work.problems
    db.session.flush()
    for item in work.rejected_items:
        _tell_student(item, now)
    audit.record(
        "credits.results_imported",
        upload,
        actor=actor,
        after={
            "filename": upload.filename,
            "sha256": upload.sha256,
            "accepted": upload.accepted_count,
            "rejected": upload.rejected_count,
            "unchanged": upload.unchanged_count,
            "problems": len(work.problems),
        },
        now=now,
    )
    return upload


def _tell_student(item: CreditBatchItem, now: datetime) -> None:
    notifications.notify(
        item.record.user,
        CREDIT_REJECTED.id,
        context={
            "line_number": item.line_number,
            "activity_name": item.activity_name,
            "reason": item.result_reason,
        },
        link=RECORDS_LINK,
        now=now,
        dedupe_key=f"credits.rejected:{item.id}:{item.result_upload_id}",
    )
