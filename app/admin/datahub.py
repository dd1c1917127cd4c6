"""Scheduled pulls from the campus data hub (数据中台): people (the roster) and library use,
read from an HTTP API as JSON records and imported through the same checks as the uploaded
files, so a pulled row is accepted or rejected exactly as the same row in a file would be.

- A source answers a JSON list of records, or an object holding the list under "data",
  "records", "items" or "rows". `mapping` names the hub's field for each of our columns.
- A pull is all or nothing: it runs in a savepoint; when anything fails (the hub is down,
  slow, answers garbage, or an import refuses the whole batch) nothing of it is written,
  the failure is recorded and the next pull is tried sooner (15 minutes, doubling up to
  6 hours); after a success the next pull is the next day at the source's hour.
- Rerunning the same data changes nothing (unchanged people; the same library-use rows are
  found present). A dry run does everything and then rolls back.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts import services as accounts
from app.admin import roster_apply, roster_plan
from app.admin.models import SOURCE_KINDS, DataHubPull, DataHubSource
from app.admin.roster_apply import Checkpoint
from app.audit import services as audit
from app.common import http, tabular
from app.common.db import begin_write_transaction, get_or_not_found
from app.common.time import from_local_date, local_day, utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.rewards.library_use import imports, results

FIELDS: dict[str, tuple[str, ...]] = {
    "roster": (
        "student_number",
        "name",
        "college",
        "major",
        "enrolment_year",
        "user_type",
        "phone",
        "email",
    ),
    "library_use": ("student_number", "date", "month", "loans", "visits", "minutes", "e_sessions"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "roster": ("student_number", "name"),
    "library_use": ("student_number", "loans", "visits", "minutes", "e_sessions"),
}
KIND_LABELS = {"roster": _l("People (roster)"), "library_use": _l("Library use")}
LIST_KEYS = ("data", "records", "items", "rows")
MAX_ANSWER_BYTES = 50 * 1024 * 1024
FIRST_RETRY = timedelta(minutes=15)
LONGEST_RETRY = timedelta(hours=6)
REJECTED_KEPT = 200


class PullFailed(DomainError):
    status = 502
    code = "pull_failed"


@dataclass
class PullReport:
    status: str  # applied, unchanged, failed
    records: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


# Sources ----------------------------------------------------------------------------------


@dataclass
class SourceFields:
    name: str
    kind: str
    url: str
    token: str | None  # None or "": keep the stored one
    mapping_text: str
    hour: int
    enabled: bool


def parse_mapping(text: str | None, kind: str) -> dict[str, str]:
    """ "student_number=xh" lines (or commas) into {our field: the hub's field}."""
    mapping: dict[str, str] = {}
    for part in (text or "").replace(",", "\n").splitlines():
        if not part.strip():
            continue
        ours, _sep, theirs = part.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if ours not in FIELDS[kind] or not theirs or len(theirs) > 100:
            raise InvalidInput(
                _(
                    "“%(line)s” is not a mapping line: write our field=the hub's field, with "
                    "our fields among %(fields)s.",
                    line=part.strip()[:60],
                    fields=", ".join(FIELDS[kind]),
                ),
                field="mapping",
            )
        mapping[ours] = theirs
    missing = [name for name in REQUIRED[kind] if name not in mapping]
    if kind == "library_use" and not ({"date", "month"} & set(mapping)):
        missing.append("date/month")
    if missing:
        raise InvalidInput(
            _("The mapping needs %(fields)s.", fields=", ".join(missing)), field="mapping"
        )
    return mapping


def mapping_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{ours}={theirs}" for ours, theirs in mapping.items())


def _clean(fields: SourceFields) -> SourceFields:
    if fields.kind not in SOURCE_KINDS:
        raise InvalidInput(_("Choose what the source gives."), field="kind")
    url = urlparse((fields.url or "").strip())
    if url.scheme not in ("http", "https") or not url.netloc:
        raise InvalidInput(_("The address must start with http:// or https://."), field="url")
    if not (fields.name or "").strip():
        raise InvalidInput(_("Please give the source a name."), field="name")
    if not 0 <= fields.hour <= 23:
        raise InvalidInput(_("The hour must be between 0 and 23."), field="hour")
    return fields


def save_source(
    source: DataHubSource | None, fields: SourceFields, *, actor, now: datetime | None = None
) -> DataHubSource:
    now = now or utcnow()
    fields = _clean(fields)
    mapping = parse_mapping(fields.mapping_text, fields.kind)
    name = fields.name.strip()[:100]
    clash = db.session.scalar(select(DataHubSource).where(DataHubSource.name == name))
    if clash is not None and clash is not source:
        raise InvalidInput(_("Another source already has this name."), field="name")
    if source is None:
        source = DataHubSource(name=name, kind=fields.kind, url="")
        db.session.add(source)
    source.name, source.kind, source.url = name, fields.kind, fields.url.strip()
    if fields.token:
        source.token = fields.token.strip()
    source.mapping, source.hour, source.enabled = mapping, fields.hour, fields.enabled
    source.updated_at, source.updated_by_id = now, actor.id
    source.next_pull_at = next_daily_pull(source, now) if fields.enabled else None
    audit.record(
        "admin.datahub_source_saved",
        source,
        actor=actor,
        after={"name": name, "kind": fields.kind, "url": source.url, "mapping": mapping},
        now=now,
    )
    return source


def all_sources() -> list[DataHubSource]:
    return list(db.session.scalars(select(DataHubSource).order_by(DataHubSource.name)))


def get_source(source_id: int) -> DataHubSource:
    return get_or_not_found(DataHubSource, source_id, _("There is no such data-hub source."))


def recent_pulls(source: DataHubSource, limit: int = 20) -> list[DataHubPull]:
    query = (
        select(DataHubPull)
        .where(DataHubPull.source_id == source.id)
        .order_by(DataHubPull.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def next_daily_pull(source: DataHubSource, now: datetime) -> datetime:
    """The next time it is `source.hour` o'clock locally."""
    today = local_day(now)
    candidate = from_local_date(today) + timedelta(hours=source.hour)
    return candidate if candidate > now else candidate + timedelta(days=1)


# Fetching ---------------------------------------------------------------------------------


def _timeout() -> float:
    return float(current_app.config.get("DATAHUB_TIMEOUT", 30))


def _fetch_failure(error: http.FetchFailed) -> str:
    if error.reason == http.FetchFailed.BAD_STATUS:
        return _("The data hub answered with an error (HTTP %(code)s).", code=error.status)
    if error.reason == http.FetchFailed.TOO_LARGE:
        return _("The data hub's answer is too large.")
    return _("The data hub did not answer in time, or could not be reached.")


def fetch_records(source: DataHubSource) -> list[Any]:
    headers = {"Accept": "application/json"}
    if source.token:
        headers["Authorization"] = f"Bearer {source.token}"
    try:
        body = http.fetch(
            "GET", source.url, headers=headers, timeout=_timeout(), max_bytes=MAX_ANSWER_BYTES
        ).body
    except http.FetchFailed as error:
        raise PullFailed(_fetch_failure(error)) from None
    try:
        data = json.loads(body)
    except ValueError:
        raise PullFailed(_("The data hub's answer is not JSON.")) from None
    if isinstance(data, dict):
        data = next((data[key] for key in LIST_KEYS if isinstance(data.get(key), list)), None)
    if not isinstance(data, list):
        raise PullFailed(_("The data hub's answer holds no list of records."))
    return data


def _cell(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def records_to_table(source: DataHubSource, records: list[Any]) -> bytes:
    """The records as the CSV file an admin would upload (our column names as headers). A
    record that is no JSON object becomes a blank line, skipped, and reported by `_run`."""
    columns = list(source.mapping)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for record in records:
        record = record if isinstance(record, dict) else {}
        writer.writerow([_cell(record.get(source.mapping[column])) for column in columns])
    return out.getvalue().encode("utf-8")


# Importing --------------------------------------------------------------------------------


def _import_roster(data: bytes, now: datetime, checkpoint: Checkpoint | None) -> PullReport:
    plan = roster_plan.plan_import(data, now=now)
    # Nobody knows this password: an admin resets it when the person needs a local login.
    password_hash = accounts.hash_password(secrets.token_urlsafe(32))
    counts = roster_apply.apply_plan(
        plan, actor=None, password_hash=password_hash, now=now, checkpoint=checkpoint
    )
    rejected = [
        {"line": row.line, "reason": " ".join(str(reason) for reason in row.reasons)}
        for row in plan.rejected
    ]
    changed = counts.get(roster_plan.CREATE, 0) + counts.get(roster_plan.UPDATE, 0)
    return PullReport("applied" if changed else "unchanged", counts=counts, rejected=rejected)


def _import_library_use(
    source: DataHubSource, data: bytes, now: datetime, checkpoint: Checkpoint | None
) -> PullReport:
    try:
        imp = imports.import_library_use(
            data,
            f"datahub:{source.name}",
            actor=None,
            now=now,
            by_job=True,
            checkpoint=checkpoint,
        )
    except imports.AlreadyImported:
        return PullReport("unchanged", counts={"accepted": 0})
    rejected = [
        {"line": row.line, "reason": " ".join(row.reasons)} for row in results.rejected_rows(imp)
    ]
    counts = {"accepted": imp.rows_accepted, "rejected": len(rejected)}
    return PullReport(
        "applied" if imp.rows_accepted else "unchanged", counts=counts, rejected=rejected
    )


def _run(
    source: DataHubSource, records: list[Any], now: datetime, checkpoint: Checkpoint | None = None
) -> PullReport:
    data = records_to_table(source, records)
    try:
        if source.kind == "roster":
            report = _import_roster(data, now, checkpoint)
        else:
            report = _import_library_use(source, data, now, checkpoint)
    except tabular.TableError as error:
        raise PullFailed(error.message) from error
    not_records = [
        {"line": index + 2, "reason": _("The record is not a JSON object.")}
        for index, record in enumerate(records)
        if not isinstance(record, dict)
    ]
    if not_records:
        report.counts["not_records"] = len(not_records)
    report.records = len(records)
    report.rejected = sorted(report.rejected + not_records, key=lambda row: row["line"])
    report.rejected = report.rejected[:REJECTED_KEPT]
    return report


def dry_run(source: DataHubSource, *, now: datetime | None = None) -> PullReport:
    """What a pull would do now; everything it wrote is rolled back."""
    now = now or utcnow()
    try:
        records = fetch_records(source)
    except DomainError as error:
        return PullReport("failed", error=str(error.message))
    begin_write_transaction()
    savepoint = db.session.begin_nested()
    try:
        return _run(source, records, now)
    except DomainError as error:
        return PullReport("failed", error=str(error.message))
    finally:
        savepoint.rollback()


def pull(
    source: DataHubSource,
    *,
    actor=None,
    now: datetime | None = None,
    checkpoint: Checkpoint | None = None,
) -> DataHubPull:
    """Pull `source` now and record how it went.

    Without a `checkpoint`, all or nothing (a savepoint). The job passes one that commits
    after each chunk of IMPORT_CHUNK_ROWS rows, so a large pull never holds the write lock
    for long (nor while it waits for the hub's answer); a pull that fails halfway keeps
    the chunks already applied, and the next pull, being idempotent, completes them. A
    failure then rolls the session back: the caller commits its own work before.
    """
    now = now or utcnow()
    try:
        # Before anything is written: the hub may take DATAHUB_TIMEOUT seconds to answer,
        # and nobody else's write should wait for it.
        records = fetch_records(source)
    except DomainError as error:
        report = PullReport("failed", error=str(error.message))
        return _record_pull(source, report, actor=actor, now=now)
    if checkpoint is not None:
        try:
            report = _run(source, records, now, checkpoint)
        except DomainError as error:
            db.session.rollback()
            source = db.session.get(DataHubSource, source.id)
            report = PullReport("failed", error=str(error.message))
        return _record_pull(source, report, actor=actor, now=now)
    begin_write_transaction()
    savepoint = db.session.begin_nested()
    try:
        report = _run(source, records, now)
    except DomainError as error:
        savepoint.rollback()
        report = PullReport("failed", error=str(error.message))
    else:
        savepoint.commit()
    return _record_pull(source, report, actor=actor, now=now)


def _record_pull(source: DataHubSource, report: PullReport, *, actor, now: datetime) -> DataHubPull:
    record = DataHubPull(
        source_id=source.id,
        started_at=now,
        finished_at=utcnow(),
        status=report.status,
        records=report.records,
        counts=report.counts,
        rejected=report.rejected,
        error=report.error,
        actor_id=actor.id if actor is not None else None,
    )
    db.session.add(record)
    _schedule_next(source, failed=report.status == "failed", now=now)
    audit.record(
        "admin.datahub_pulled",
        source,
        actor=actor,
        after={"status": report.status, "records": report.records, **report.counts},
        note=report.error or None,
        now=now,
    )
    return record


def _schedule_next(source: DataHubSource, *, failed: bool, now: datetime) -> None:
    if failed:
        source.failures += 1
        wait = min(FIRST_RETRY * 2 ** (source.failures - 1), LONGEST_RETRY)
        source.next_pull_at = now + wait
    else:
        source.failures = 0
        source.next_pull_at = next_daily_pull(source, now)


def pull_due(
    *, now: datetime | None = None, checkpoint: Checkpoint | None = None
) -> dict[str, int]:
    """The job: pull every enabled source whose time has come. With a `checkpoint` (see
    `pull`), each pull's record is committed through it before the next pull starts."""
    now = now or utcnow()
    due = db.session.scalars(
        select(DataHubSource)
        .where(DataHubSource.enabled.is_(True), DataHubSource.next_pull_at <= now)
        .order_by(DataHubSource.id)
    )
    counts = {"applied": 0, "unchanged": 0, "failed": 0}
    for source in list(due):
        counts[pull(source, now=now, checkpoint=checkpoint).status] += 1
        if checkpoint is not None:
            checkpoint(0, 0)
    return counts
