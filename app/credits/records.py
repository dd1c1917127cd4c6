"""Credit records: one per source, recomputed from the sources and the rules.

A sync reads the sources, the people's existing records and the rules once each, computes
every record's values (credits capped per person, semester and category in chronological
order), and writes only what changed. A record whose source no longer counts is made void,
never deleted: it may already be in an exported file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.common.db import begin_write_transaction
from app.common.rows import fields_of
from app.common.semesters import semester_of
from app.common.time import utcnow
from app.credits import rules as credit_rules
from app.credits.models import CreditRecord, CreditRule
from app.credits.sources import CreditSource, all_sources
from app.extensions import db

SOURCE_LETTERS = {"attendance": "A", "training": "T", "contribution": "C", "outside": "O"}
# What a file shows of a record: a change to any of these is a new revision.
EXPORTED_FIELDS = (
    "minutes",
    "credits",
    "category",
    "activity_name",
    "role",
    "started_on",
    "ended_on",
    "void",
)
# Kept up to date without a new revision: not sent, or sent from the batch's own copy.
OTHER_FIELDS = ("user_id", "team_id", "task_id", "semester", "organiser")

# A source's values a record takes as they are (the others are cut to the columns' lengths).
SOURCE_FIELDS = ("source", "source_id", "user_id", "team_id", "task_id", "started_on", "ended_on")

Key = tuple[str, int]


@dataclass(frozen=True)
class _Values(CreditSource):
    """What a record should hold now: its source's values, with the organiser, semester
    and credits."""

    organiser: str
    semester: str
    credits: int
    void: bool = False


def record_number_for(source: str, source_id: int) -> str:
    """The stable 记录编号: "GC", a letter for the source and the id on 8 digits."""
    return f"GC{SOURCE_LETTERS[source]}{source_id:08d}"


def _ordered(sources: list[CreditSource]) -> list[CreditSource]:
    return sorted(sources, key=lambda s: (s.started_on, s.source, s.source_id))


def _computed(sources: list[CreditSource], rules: dict[str, CreditRule]) -> dict[Key, _Values]:
    """Each source's values, credits capped per (person, semester, category) in the order
    the service happened."""
    organiser = current_app.config["CREDIT_ORGANISER"]
    semesters: dict[date, str] = {}
    groups: dict[tuple[int, str, str], list[CreditSource]] = defaultdict(list)
    for source in sources:
        if source.started_on not in semesters:
            semesters[source.started_on] = semester_of(source.started_on).code
        groups[(source.user_id, semesters[source.started_on], source.category)].append(source)
    computed: dict[Key, _Values] = {}
    for (_user_id, semester, category), group in groups.items():
        group = _ordered(group)
        rule = rules.get(category)
        amounts = [0 if rule is None else credit_rules.convert(s.minutes, rule) for s in group]
        cap = rule.semester_cap if rule is not None else None
        for source, credits in zip(group, credit_rules.capped(amounts, cap), strict=True):
            computed[(source.source, source.source_id)] = _Values(
                **fields_of(source, *SOURCE_FIELDS),
                category=category,
                activity_name=source.activity_name[:200],
                role=source.role[:32],
                minutes=max(0, source.minutes),
                organiser=organiser,
                semester=semester,
                credits=credits,
            )
    return computed


def _existing(user_ids: list[int] | None) -> dict[Key, CreditRecord]:
    query = select(CreditRecord)
    if user_ids is not None:
        query = query.where(CreditRecord.user_id.in_(user_ids))
    return {(r.source, r.source_id): r for r in db.session.scalars(query)}


def _apply(record: CreditRecord, values: _Values, now: datetime) -> str:
    """Bring the record to `values`; "updated", "voided" or "unchanged"."""
    changed = [name for name in EXPORTED_FIELDS if getattr(record, name) != getattr(values, name)]
    for name in (*EXPORTED_FIELDS, *OTHER_FIELDS):
        setattr(record, name, getattr(values, name))
    if not changed:
        return "unchanged"
    record.revision += 1
    record.updated_at = now
    return "voided" if values.void else "updated"


def _voided(record: CreditRecord) -> _Values:
    """The record's values once its source no longer counts: worth nothing."""
    kept = fields_of(record, "source", "source_id", *EXPORTED_FIELDS, *OTHER_FIELDS)
    return _Values(**{**kept, "minutes": 0, "credits": 0, "void": True})


def _new_record(values: _Values, now: datetime) -> CreditRecord:
    fields = fields_of(values, *EXPORTED_FIELDS, *OTHER_FIELDS)
    return CreditRecord(
        record_number=record_number_for(values.source, values.source_id),
        source=values.source,
        source_id=values.source_id,
        revision=1,
        created_at=now,
        updated_at=now,
        **fields,
    )


def _find(key: Key) -> CreditRecord:
    return db.session.scalar(
        select(CreditRecord).where(CreditRecord.source == key[0], CreditRecord.source_id == key[1])
    )


def _create(new: list[_Values], now: datetime, counts: dict[str, int]) -> None:
    """Insert the new records in one savepoint; when another sync inserted some of them
    first (the unique source key says so), retry one by one and update those instead."""
    if not new:
        return
    try:
        with db.session.begin_nested():
            db.session.add_all([_new_record(values, now) for values in new])
        counts["created"] += len(new)
        return
    except IntegrityError:
        pass
    for values in new:
        try:
            with db.session.begin_nested():
                db.session.add(_new_record(values, now))
            counts["created"] += 1
        except IntegrityError:
            counts[_apply(_find((values.source, values.source_id)), values, now)] += 1


def sync_records(
    *, now: datetime | None = None, user_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Recompute the records of these people (None = everyone) from what counts now.
    Returns how many were created, updated, voided and left unchanged; flushes only."""
    now = now or utcnow()
    ids = None if user_ids is None else sorted(set(user_ids))
    counts = {"created": 0, "updated": 0, "voided": 0, "unchanged": 0}
    if ids == []:
        return counts
    # On SQLite, take the write lock before reading: a second sync waits and then sees the
    # records this one creates. Other databases rely on the unique key and the savepoint.
    begin_write_transaction()
    computed = _computed(list(all_sources(ids)), credit_rules.rules_by_category())
    existing = _existing(ids)
    new = []
    for key, values in computed.items():
        record = existing.pop(key, None)
        if record is None:
            new.append(values)
        else:
            counts[_apply(record, values, now)] += 1
    for record in existing.values():
        counts[_apply(record, _voided(record), now)] += 1
    db.session.flush()
    _create(new, now, counts)
    return counts


def records_of(user_id: int) -> list[CreditRecord]:
    """A person's records, newest first."""
    return list(
        db.session.scalars(
            select(CreditRecord)
            .where(CreditRecord.user_id == user_id)
            .order_by(CreditRecord.started_on.desc(), CreditRecord.id.desc())
        )
    )
