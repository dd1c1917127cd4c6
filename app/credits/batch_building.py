"""Building a batch: the pending records of a period and scope become its items, each claiming
its record's revision once (see `batches.py` for the rules).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, insert, or_, select, true
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import begin_write_transaction
from app.common.text import clean_line
from app.common.time import utcnow
from app.credits import records
from app.credits.batches import (
    FILE_VOCABULARY,
    OPEN_STATUSES,
    TITLE_LENGTH,
    BatchScope,
    require_manager,
    scope_audit,
)
from app.credits.models import (
    CreditBatch,
    CreditBatchItem,
    CreditRecord,
    CreditRule,
    claim_key_for,
)
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.natrecord.models import VolunteerIdentity
from app.recruitment.models import Membership, Team
from app.shifts.models import Task

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
    include_outside = scope.include_outside and scope.destination == "national"
    return dataclasses.replace(
        scope, team_id=team_id, category=category, include_outside=include_outside
    )


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
            CreditBatch.destination == scope.destination,
            CreditBatch.period_start <= scope.period_end,
            CreditBatch.period_end >= scope.period_start,
            _scope_filter(CreditBatch.team_id, scope.team_id),
            _scope_filter(CreditBatch.task_id, scope.task_id),
            _scope_filter(CreditBatch.category, scope.category),
        )
        .order_by(CreditBatch.id)
        .limit(1)
    )


def _counted_lines(destination: str):
    """The items that count, in batches of one destination (each keeps its own tally)."""
    item = CreditBatchItem
    return and_(
        item.claim_key.is_not(None),
        item.batch_id.in_(select(CreditBatch.id).where(CreditBatch.destination == destination)),
    )


def _claimed_sums(destination: str):
    """Per record: how many of its items count, and the minutes and credits they sent."""
    item = CreditBatchItem
    return (
        select(
            item.record_id,
            func.count(item.id).label("lines"),
            func.sum(item.minutes).label("minutes"),
            func.sum(item.credits).label("credits"),
        )
        .where(_counted_lines(destination))
        .group_by(item.record_id)
        .subquery()
    )


def _has_national_number(user_id_column) -> object:
    return exists().where(
        VolunteerIdentity.user_id == user_id_column,
        VolunteerIdentity.national_number.is_not(None),
    )


def _national_sources(scope: BatchScope) -> tuple[str, ...]:
    """What a national batch sends: hours of service here, and approved hours served
    elsewhere when its builder ticked them (whatever the Second Classroom rule for them)."""
    return ("attendance", "outside") if scope.include_outside else ("attendance",)


def _in_team(team_id: int) -> object:
    """A record of the team: its own, or hours served elsewhere (which belong to no team) of
    one of its members, as the coordinators who decide such claims see them."""
    record = CreditRecord
    members = select(Membership.user_id).where(Membership.team_id == team_id)
    return or_(
        record.team_id == team_id,
        and_(record.source == "outside", record.user_id.in_(members)),
    )


def pending_records_query(scope: BatchScope, *, numbered: bool = True) -> Select:
    """Rows of the pending records of a period and scope, with what they sent so far.

    Pending: no counting item of the scope's destination holds the record's current
    revision, and there is something to send (the record counts, or it is void and what went
    out earlier must be taken back). The national record takes hours of service (attendance,
    and approved outside hours when the scope includes them) only, of people with a national
    volunteer number (`numbered` False: of those without).
    """
    record = CreditRecord
    claimed = _claimed_sums(scope.destination)
    current_claimed = exists().where(
        CreditBatchItem.record_id == record.id,
        CreditBatchItem.revision == record.revision,
        _counted_lines(scope.destination),
    )
    if scope.destination == "national":
        something_to_send = or_(
            and_(record.void.is_(False), func.coalesce(claimed.c.lines, 0) == 0),
            record.minutes != func.coalesce(claimed.c.minutes, 0),
        )
    else:
        something_to_send = or_(
            record.void.is_(False),
            func.coalesce(claimed.c.minutes, 0) != 0,
            func.coalesce(claimed.c.credits, 0) != 0,
        )
    query = (
        select(
            record.id,
            record.source,
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
            something_to_send,
        )
        .order_by(record.started_on, record.id)
    )
    if scope.destination == "national":
        number = _has_national_number(record.user_id)
        sources = _national_sources(scope)
        query = query.where(record.source.in_(sources), number if numbered else ~number)
    if scope.team_id is not None:
        same_team = record.team_id == scope.team_id
        query = query.where(_in_team(scope.team_id) if scope.include_outside else same_team)
    for column, value in (
        (record.task_id, scope.task_id),
        (record.category, scope.category),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def people_without_national_number(batch: CreditBatch) -> list[tuple[User, int]]:
    """For a national batch: the people whose verified hours in its period and scope wait
    for them to add their national volunteer number, with how many records each."""
    if batch.destination != "national":
        return []
    scope = BatchScope(
        **{field.name: getattr(batch, field.name) for field in dataclasses.fields(BatchScope)}
    )
    waiting = pending_records_query(scope, numbered=False).subquery()
    rows = db.session.execute(
        select(User, func.count(waiting.c.id))
        .join(CreditRecord, CreditRecord.user_id == User.id)
        .join(waiting, waiting.c.id == CreditRecord.id)
        .group_by(User.id)
        .order_by(User.student_number)
    )
    return [(user, count) for user, count in rows]


def _item_values(batch_id: int, row, levels: dict[str, str], destination: str) -> dict:
    """The item sending what a pending record has not sent yet (hours only, to the national
    record, under line numbers of its own: "N" and the record number)."""
    first = not row.sent_lines
    if row.void:
        kind, minutes, credits = "withdrawal", 0, 0
    else:
        kind, minutes, credits = ("new" if first else "adjustment"), row.minutes, row.credits
    if destination == "national":
        credits = int(row.sent_credits)
    note = "" if kind == "new" else FILE_VOCABULARY[f"{kind}_note"]
    number = row.record_number if destination == "second_classroom" else f"N{row.record_number}"
    organiser = row.organiser
    if destination == "national" and row.source == "outside":
        # Served elsewhere: the organiser there is the 服务组织, and the note says so.
        organiser = row.activity_name[: CreditBatchItem.organiser.type.length]
        note = " ".join(filter(None, (FILE_VOCABULARY["outside_note"], note)))
    return {
        "batch_id": batch_id,
        "record_id": row.id,
        "revision": row.revision,
        "kind": kind,
        "line_number": number if first else f"{number}-{row.revision}",
        "claim_key": claim_key_for(destination, row.id, row.revision),
        "minutes": minutes - int(row.sent_minutes),
        "credits": credits - int(row.sent_credits),
        "category": row.category,
        "activity_name": row.activity_name,
        "role": row.role,
        "organiser": organiser,
        "level": levels.get(row.category, ""),
        "started_on": row.started_on,
        "ended_on": row.ended_on,
        "note": note.format(record_number=row.record_number),
    }


def _title(title: str) -> str:
    return clean_line(
        title,
        field="title",
        limit=TITLE_LENGTH,
        missing=_l("Give the batch a title."),
        too_long=_l("The title is longer than %(n)d characters.", n=TITLE_LENGTH),
    )


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
        if scope.destination == "national":
            raise InvalidInput(
                _(
                    "No verified hours of people with a national volunteer number are waiting "
                    "in this period and scope; nothing was built."
                )
            )
        raise InvalidInput(_("There are no pending credit records in this period and scope."))
    levels = dict(db.session.execute(select(CreditRule.category, CreditRule.level)).all())
    batch = CreditBatch(
        title=title,
        **dataclasses.asdict(scope),
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
                insert(CreditBatchItem),
                [_item_values(batch.id, row, levels, scope.destination) for row in rows],
            )
    except IntegrityError as error:
        raise Conflict(
            _("Another batch took some of these records at the same moment. Please try again.")
        ) from error
    audit.record(
        "credits.batch_built",
        batch,
        actor=actor,
        after={**scope_audit(batch), "lines": len(rows)},
        now=now,
    )
    return batch
