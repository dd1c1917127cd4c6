"""The points ledger: awarding exactly once, reversing, balances, rules, and the job that
turns verified hours, trainings and no-shows into entries.

Exactly-once rests on the unique idempotency key, not on a read-then-write: an entry is
inserted in a savepoint (after `begin_write_transaction`, so on SQLite the savepoint stays
inside the caller's transaction), and a duplicate key means "already awarded", leaving the
caller's transaction intact. A correction is a reversing entry (`reversal:{id}`, so an
entry is reversed at most once); entries are never updated or deleted, and a balance is
always the sum of a person's entries.

Keys: `attendance:{id}:{verified_at:%Y%m%d%H%M%S}` (re-verifying with a new stamp reverses
the old entry and awards anew), `training:{record id}`, `noshow:{signup id}`,
`adjustment:{uuid}`, `commendation:{member note id}`, `reversal:{entry id}`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.audit import services as audit
from app.checkin.models import Attendance
from app.common.db import add_once, get_or_not_found
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import POINTS_CHANGED
from app.rewards.models import PointEntry, PointRule
from app.shifts.models import Shift, ShiftSignup, Task, TrainingRecord

VERIFIED_HOUR = "verified_hour"
TRAINING_COMPLETED = "training_completed"
CONTRIBUTION_PUBLISHED = "contribution_published"
NO_SHOW = "no_show"
COMMENDATION = "commendation"
# Approved hours served elsewhere: a rule seeded switched off (app.outside books it).
OUTSIDE_HOUR = "outside_hour"
ADJUSTMENT = "adjustment"
REVERSAL = "reversal"

KIND_LABELS = {
    VERIFIED_HOUR: _l("Verified service hours"),
    TRAINING_COMPLETED: _l("Training completed"),
    CONTRIBUTION_PUBLISHED: _l("Contribution published"),
    NO_SHOW: _l("No-show"),
    COMMENDATION: _l("Commended by a coordinator"),
    OUTSIDE_HOUR: _l("Approved hours served elsewhere"),
    ADJUSTMENT: _l("Adjustment by an administrator"),
    REVERSAL: _l("Reversal"),
}
RULE_LABELS = {
    code: KIND_LABELS[code]
    for code in (
        VERIFIED_HOUR,
        TRAINING_COMPLETED,
        CONTRIBUTION_PUBLISHED,
        NO_SHOW,
        COMMENDATION,
        OUTSIDE_HOUR,
    )
}
# A reversal the job made (no actor), by what it reverses.
AUTOMATIC_REVERSAL_LABELS = {
    "attendance": _l("Hours no longer verified as they were"),
    "shift_signup": _l("No-show excused"),
}
REASON_MAX = 500
ADJUSTMENT_MAX = 100_000
RULE_POINTS_MAX = 10_000
ACHIEVEMENTS_LINK = "/achievements"


# The ledger ----------------------------------------------------------------------------------


def _key_exists(key: str) -> bool:
    return (
        db.session.scalar(select(PointEntry.id).where(PointEntry.idempotency_key == key))
        is not None
    )


def entry_for_key(key: str) -> PointEntry | None:
    """The entry booked under this idempotency key, if any (to reverse it later)."""
    return db.session.scalar(select(PointEntry).where(PointEntry.idempotency_key == key))


def _insert(entry: PointEntry) -> bool:
    """False when the key is taken (by us earlier, or by a concurrent transaction that
    committed first)."""
    return add_once(entry, existing=lambda: entry_for_key(entry.idempotency_key)) is None


def award(
    user_id: int,
    points: int,
    *,
    kind: str,
    key: str,
    occurred_at: datetime,
    source_type: str | None = None,
    source_id: int | None = None,
    note: str = "",
    actor=None,
    now: datetime | None = None,
    reverses_id: int | None = None,
) -> PointEntry | None:
    """Book `points` for the person once per `key`; None when the key was booked before."""
    if _key_exists(key):
        return None
    entry = PointEntry(
        user_id=user_id,
        points=int(points),
        kind=kind,
        idempotency_key=key,
        source_type=source_type,
        source_id=source_id,
        note=(note or "")[:REASON_MAX],
        occurred_at=occurred_at,
        created_at=now or utcnow(),
        actor_id=getattr(actor, "id", None),
        reverses_id=reverses_id,
    )
    return entry if _insert(entry) else None


def reverse(
    entry: PointEntry, *, reason: str, actor=None, now: datetime | None = None
) -> PointEntry | None:
    """Cancel an entry with a reversing one (same period: it takes the entry's occurred_at).
    None when it was reversed before. Audited when a person does it."""
    if entry.reverses_id is not None:
        raise InvalidInput(_("A reversal cannot be reversed; add an adjustment instead."))
    now = now or utcnow()
    reversal = award(
        entry.user_id,
        -entry.points,
        kind=REVERSAL,
        key=f"reversal:{entry.id}",
        occurred_at=entry.occurred_at,
        source_type=entry.source_type,
        source_id=entry.source_id,
        note=reason,
        actor=actor,
        now=now,
        reverses_id=entry.id,
    )
    if reversal is not None and actor is not None:
        audit.record(
            "rewards.entry_reversed",
            entry,
            actor=actor,
            after={"reversal_id": reversal.id, "points": reversal.points, "user_id": entry.user_id},
            note=reason,
            now=now,
        )
    return reversal


def balance_of(user_id: int):
    """The person's balance as a scalar subquery, to read with other figures in one query."""
    return (
        select(func.coalesce(func.sum(PointEntry.points), 0))
        .where(PointEntry.user_id == user_id)
        .scalar_subquery()
    )


def balance(user_id: int) -> int:
    return int(db.session.scalar(select(balance_of(user_id))))


def is_reversed(entry: PointEntry) -> bool:
    return _key_exists(f"reversal:{entry.id}")


def entry_label(entry: PointEntry):
    """What an entry is for, as a lazy string rendered in the reader's language (the note
    says which shift, or gives the administrator's reason)."""
    if entry.kind == REVERSAL and entry.actor_id is None:
        return AUTOMATIC_REVERSAL_LABELS.get(entry.source_type or "", KIND_LABELS[REVERSAL])
    return KIND_LABELS.get(entry.kind, entry.kind)


def get_entry(entry_id: int) -> PointEntry:
    return get_or_not_found(PointEntry, entry_id, _("No such points entry."))


def history_query(user_id: int):
    """A person's entries, newest first (for paginating)."""
    return (
        select(PointEntry)
        .where(PointEntry.user_id == user_id)
        .order_by(PointEntry.occurred_at.desc(), PointEntry.id.desc())
    )


def history_page(query, *, limit: int) -> list[PointEntry]:
    """Up to `limit` entries of `history_query` (narrowed by the caller), newest first."""
    ordered = query.order_by(PointEntry.occurred_at.desc(), PointEntry.id.desc())
    return list(db.session.scalars(ordered.limit(limit)))


def reversed_ids(entry_ids: list[int]) -> set[int]:
    """Which of these entries have been reversed (looked up by the reversals' keys, which
    are indexed)."""
    if not entry_ids:
        return set()
    keys = [f"reversal:{entry_id}" for entry_id in entry_ids]
    return set(
        db.session.scalars(
            select(PointEntry.reverses_id).where(PointEntry.idempotency_key.in_(keys))
        )
    )


# Admin adjustments ---------------------------------------------------------------------------


def _reason(text: str | None) -> str:
    return clean_text(
        text,
        field="reason",
        limit=REASON_MAX,
        missing=_l("Please give a reason."),
        too_long=_l("The reason can be at most %(count)d characters.", count=REASON_MAX),
    )


def adjust(
    user: User, points: int | None, *, reason: str, actor, now: datetime | None = None
) -> PointEntry:
    """An administrator adds (or takes away) points with a reason; audited."""
    now = now or utcnow()
    reason = _reason(reason)
    if not points or abs(points) > ADJUSTMENT_MAX:
        raise InvalidInput(
            _(
                "Give a number of points other than 0, at most %(max)d either way.",
                max=ADJUSTMENT_MAX,
            ),
            field="points",
        )
    entry = award(
        user.id,
        points,
        kind=ADJUSTMENT,
        key=f"adjustment:{uuid.uuid4().hex}",
        occurred_at=now,
        source_type="user",
        source_id=user.id,
        note=reason,
        actor=actor,
        now=now,
    )
    audit.record(
        "rewards.points_adjusted",
        user,
        actor=actor,
        after={"entry_id": entry.id, "points": points},
        note=reason,
        now=now,
    )
    _notify({user.id: [entry]}, now=now)
    return entry


def reverse_by_admin(
    entry: PointEntry, *, reason: str, actor, now: datetime | None = None
) -> PointEntry:
    now = now or utcnow()
    reason = _reason(reason)
    reversal = reverse(entry, reason=reason, actor=actor, now=now)
    if reversal is None:
        raise InvalidInput(_("This entry has already been reversed."))
    _notify({entry.user_id: [reversal]}, now=now)
    return reversal


def find_people(text: str, *, limit: int = 20) -> list[User]:
    """People whose name or student number contains `text` (admins' search)."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = f"%{text}%"
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.name.like(pattern), User.student_number.like(pattern)))
            .order_by(User.student_number)
            .limit(limit)
        )
    )


def get_person(user_id: int) -> User:
    return get_or_not_found(User, user_id, _("No such person."))


# Rules ---------------------------------------------------------------------------------------


def rule_points(code: str) -> PointRule | None:
    """The active rule with this code, or None (missing or switched off: award nothing)."""
    return db.session.scalar(
        select(PointRule).where(PointRule.code == code, PointRule.active.is_(True))
    )


def all_rules() -> list[PointRule]:
    return list(db.session.scalars(select(PointRule).order_by(PointRule.code)))


def get_rule(rule_id: int) -> PointRule:
    return get_or_not_found(PointRule, rule_id, _("No such rule."))


def update_rule(
    rule: PointRule, *, points: int | None, active: bool, actor, now: datetime | None = None
) -> PointRule:
    """Change a rule's points or switch it off; entries already booked keep their points."""
    now = now or utcnow()
    if points is None or abs(points) > RULE_POINTS_MAX:
        raise InvalidInput(
            _("Points must be a whole number between -%(max)d and %(max)d.", max=RULE_POINTS_MAX),
            field="points",
        )
    before = {"points": rule.points, "active": rule.active}
    rule.points, rule.active = points, active
    rule.updated_at, rule.updated_by_id = now, actor.id
    db.session.flush()
    audit.record_change(
        "rewards.rule_changed",
        rule,
        actor=actor,
        before=before,
        after={"points": points, "active": active},
        only_changed=True,
        now=now,
    )
    return rule


# The job -------------------------------------------------------------------------------------


@dataclass
class _Run:
    now: datetime
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    booked: dict[int, list[PointEntry]] = field(default_factory=lambda: defaultdict(list))

    def book(self, entry: PointEntry | None, count: str) -> None:
        if entry is not None:
            self.counts[count] += 1
            self.booked[entry.user_id].append(entry)


def _stamp(column):
    """`column` as YYYYMMDDHHMMSS in SQL, to build attendance keys inside a query."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYYMMDDHH24MISS")
    return func.strftime("%Y%m%d%H%M%S", column)


def _attendance_key_sql():
    return (
        literal("attendance:", String)
        + cast(Attendance.id, String)
        + literal(":", String)
        + _stamp(Attendance.verified_at)
    )


def _keyed(prefix: str, column):
    return literal(prefix, String) + cast(column, String)


def attendance_key(attendance: Attendance) -> str:
    return f"attendance:{attendance.id}:{attendance.verified_at:%Y%m%d%H%M%S}"


def _not_reversed():
    reversal = aliased(PointEntry)
    return ~exists().where(reversal.idempotency_key == _keyed("reversal:", PointEntry.id))


def hour_points(minutes: int, per_hour: int, multiplier: float) -> int:
    """round(hours × points per hour × multiplier), halves away from zero."""
    value = Decimal(minutes) / 60 * Decimal(per_hour) * Decimal(str(multiplier or 0))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _reverse_no_longer_earned(
    run: _Run, source: type[db.Model], kind: str, source_type: str, *conditions
) -> None:
    """Reverse the unreversed entries of `kind` whose `source` row meets `conditions` (it
    no longer earns them). Set-based: one query, not one service call per row."""
    stale = db.session.scalars(
        select(PointEntry)
        .join(source, source.id == PointEntry.source_id)
        .where(
            PointEntry.kind == kind,
            PointEntry.source_type == source_type,
            _not_reversed(),
            *conditions,
        )
    ).all()
    for entry in stale:
        run.book(reverse(entry, reason=entry.note, now=run.now), "reversed")


def _reverse_stale_attendance(run: _Run) -> None:
    _reverse_no_longer_earned(
        run,
        Attendance,
        VERIFIED_HOUR,
        "attendance",
        or_(
            Attendance.verified_at.is_(None),
            Attendance.status == "undone",
            PointEntry.idempotency_key != _attendance_key_sql(),
        ),
    )


def _award_attendance(run: _Run) -> None:
    rule = rule_points(VERIFIED_HOUR)
    if rule is None or rule.points == 0:
        return
    # Joins to the check-in and shift tables: one query for every unawarded record.
    rows = db.session.execute(
        select(Attendance, Shift.starts_at, Task.title, Task.points_multiplier)
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(
            Attendance.verified_at.is_not(None),
            Attendance.status != "undone",
            Task.points_multiplier > 0,
            ~exists().where(PointEntry.idempotency_key == _attendance_key_sql()),
        )
        .order_by(Attendance.id)
    ).all()
    for attendance, starts_at, title, multiplier in rows:
        points = hour_points(attendance.total_minutes, rule.points, multiplier)
        if points == 0:
            continue
        entry = award(
            attendance.user_id,
            points,
            kind=VERIFIED_HOUR,
            key=attendance_key(attendance),
            occurred_at=starts_at,
            source_type="attendance",
            source_id=attendance.id,
            note=title,
            now=run.now,
        )
        run.book(entry, "attendance")


@dataclass(frozen=True)
class _FlatAward:
    """Rows of `model` that each earn their rule's points once, keyed `{prefix}{row id}`:
    the query selects (row, when it happened, task title) for the rows that qualify."""

    model: type[db.Model]
    kind: str
    counted_as: str
    source_type: str
    prefix: str
    query: Select


_FLAT_AWARDS = (
    _FlatAward(
        model=TrainingRecord,
        kind=TRAINING_COMPLETED,
        counted_as="training",
        source_type="training_record",
        prefix="training:",
        query=select(TrainingRecord, TrainingRecord.completed_at, Task.title).join(
            Task, Task.id == TrainingRecord.task_id
        ),
    ),
    _FlatAward(
        model=ShiftSignup,
        kind=NO_SHOW,
        counted_as="no_show",
        source_type="shift_signup",
        prefix="noshow:",
        query=select(ShiftSignup, Shift.starts_at, Task.title)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(ShiftSignup.no_show_at.is_not(None)),
    ),
)


def _award_flat(run: _Run, flat: _FlatAward) -> None:
    rule = rule_points(flat.kind)
    if rule is None or rule.points == 0:
        return
    rows = db.session.execute(
        flat.query.where(
            ~exists().where(PointEntry.idempotency_key == _keyed(flat.prefix, flat.model.id))
        ).order_by(flat.model.id)
    ).all()
    for row, occurred_at, title in rows:
        entry = award(
            row.user_id,
            rule.points,
            kind=flat.kind,
            key=f"{flat.prefix}{row.id}",
            occurred_at=occurred_at,
            source_type=flat.source_type,
            source_id=row.id,
            note=title,
            now=run.now,
        )
        run.book(entry, flat.counted_as)


def _reverse_excused_no_shows(run: _Run) -> None:
    _reverse_no_longer_earned(
        run, ShiftSignup, NO_SHOW, "shift_signup", ShiftSignup.no_show_at.is_(None)
    )


def award_pending(*, now: datetime | None = None) -> dict[str, int]:
    """Book everything due and not booked yet, and reverse what no longer holds. Safe to
    rerun and to run twice at once: each key is booked once. Each person whose points
    changed gets one notification summing up this run."""
    run = _Run(now=now or utcnow())
    _reverse_stale_attendance(run)
    _award_attendance(run)
    for flat in _FLAT_AWARDS:
        _award_flat(run, flat)
    _reverse_excused_no_shows(run)
    run.counts["notified"] = _notify(run.booked, now=run.now)
    return {
        key: run.counts.get(key, 0)
        for key in ("attendance", "training", "no_show", "reversed", "notified")
    }


def _notify(booked: dict[int, list[PointEntry]], *, now: datetime) -> int:
    if not booked:
        return 0
    people = db.session.scalars(select(User).where(User.id.in_(list(booked)))).all()
    for person in people:
        entries = booked[person.id]
        notifications.notify(
            person,
            POINTS_CHANGED.id,
            context={
                "change": sum(entry.points for entry in entries),
                "lines": [(entry_label(entry), entry.points, entry.note) for entry in entries],
                "balance": balance(person.id),
            },
            link=ACHIEVEMENTS_LINK,
            now=now,
        )
    return len(people)


def points_between(user_id: int, since: datetime, until: datetime) -> int:
    """The sum of a person's entries that occurred in [since, until) (reversals included)."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(PointEntry.points), 0)).where(
                PointEntry.user_id == user_id,
                PointEntry.occurred_at >= since,
                PointEntry.occurred_at < until,
            )
        )
    )
