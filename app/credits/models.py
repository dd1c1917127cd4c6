"""Second Classroom (第二课堂) credit records, conversion rules, batches, export templates,
stored export files and uploaded result files.

A `CreditRecord` is what one source (a verified attendance, a completed training, a
published contribution) is worth, recomputed when the source changes (`revision` goes up).
A batch lists records as `CreditBatchItem` rows. An item that is in a batch and not excluded
or rejected holds `claim_key` = "{record id}:{revision}" under a unique constraint: a
revision of a record goes out in at most one batch, even when two batches are built at
once. A record that changes after it went out is sent again as an adjustment item carrying
the difference, under its own line number.

Amounts are integers so that every database adds them exactly: minutes, and credits in
hundredths (`credits` 150 = 1.5 credits).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.common.db import sql_in
from app.common.time import utcnow
from app.extensions import db

# "outside": approved hours served elsewhere (app.outside), credited only by an active rule.
CREDIT_SOURCES = ("attendance", "training", "contribution", "outside")
BATCH_STATUSES = ("draft", "approved", "exported")
ITEM_KINDS = ("new", "adjustment", "withdrawal")
ITEM_RESULTS = ("accepted", "rejected")
FILE_TYPES = ("xlsx", "csv_utf8", "csv_gb18030")
# Where a batch goes: the Second Classroom transcript, or the national volunteer record
# (全国志愿服务信息系统, hours only). Each destination claims a record's revision once.
DESTINATIONS = ("second_classroom", "national")
# What a template column may show. Export code maps each to a value of an item.
TEMPLATE_FIELDS = (
    "student_number",  # 学号
    "name",  # 姓名
    "college",  # 学院
    "class_name",  # 班级 (not kept by this system: empty unless a later import adds it)
    "activity_name",  # 项目名称
    "category",  # 模块类别
    "level",  # 级别
    "role",  # 参与角色
    "started_on",  # 开始日期
    "ended_on",  # 结束日期
    "hours",  # 学时
    "credits",  # 学分
    "recognised_on",  # 认定日期 (the export day)
    "organiser",  # 认定单位
    "line_number",  # 记录编号
    "note",  # 备注
    "major",  # 专业
    "enrolment_year",  # 年级
    "kind",  # 新增 / 调整 / 撤销
    "national_number",  # 志愿者编号 (national volunteer record)
    "id_number",  # 证件号码: the full ID-card number, read (and audited) at export only
)


def claim_key_for(destination: str, record_id: int, revision: int) -> str:
    """The unique claim of a record's revision by a counting line of one destination."""
    prefix = "" if destination == "second_classroom" else "N:"
    return f"{prefix}{record_id}:{revision}"


def hundredths(value: int) -> Decimal:
    """An integer amount in hundredths as a decimal: 150 → Decimal('1.50')."""
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def minutes_as_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


class CreditAmounts:
    """A row's `minutes` and `credits` (hundredths) columns as decimal hours and credits."""

    @property
    def hours(self) -> Decimal:
        return minutes_as_hours(self.minutes)

    @property
    def credit_amount(self) -> Decimal:
        return hundredths(self.credits)


class CreditRule(db.Model):
    """How hours of one category become credits."""

    __tablename__ = "credit_rules"
    audit_type: ClassVar[str] = "credit_rule"
    audit_key: ClassVar[str] = "category"
    __table_args__ = (
        sa.CheckConstraint("minutes_per_credit > 0", name="minutes_per_credit"),
        sa.CheckConstraint("rounding_step > 0", name="rounding_step"),
        sa.CheckConstraint("semester_cap IS NULL OR semester_cap >= 0", name="semester_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # One credit for this many minutes of service (600 = 10 hours a credit).
    minutes_per_credit: Mapped[int] = mapped_column(sa.Integer)
    # Credits are rounded to the nearest multiple of this, in hundredths (50 = 0.5).
    rounding_step: Mapped[int] = mapped_column(sa.Integer, default=10)
    # At most this many credits (hundredths) per person, semester and category; None = no cap.
    semester_cap: Mapped[int | None] = mapped_column(sa.Integer)
    level: Mapped[str] = mapped_column(sa.String(32), default="校级")  # 级别 in the file
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class CreditRecord(CreditAmounts, db.Model):
    __tablename__ = "credit_records"
    __table_args__ = (
        sa.UniqueConstraint("source", "source_id"),
        sa.CheckConstraint(sql_in("source", CREDIT_SOURCES), name="source"),
        sa.CheckConstraint("minutes >= 0", name="minutes"),
        sa.CheckConstraint("credits >= 0", name="credits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable 记录编号 of the first line this record goes out as: GC + source letter + id.
    record_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    source: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[int] = mapped_column(sa.Integer)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(32))
    activity_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(32))
    organiser: Mapped[str] = mapped_column(sa.String(100))
    started_on: Mapped[date] = mapped_column(sa.Date, index=True)
    ended_on: Mapped[date] = mapped_column(sa.Date)
    semester: Mapped[str] = mapped_column(sa.String(16), index=True)
    minutes: Mapped[int] = mapped_column(sa.Integer)
    credits: Mapped[int] = mapped_column(sa.Integer)  # hundredths, after rounding and caps
    # The source no longer counts (unverified, undone, unpublished): worth nothing now.
    void: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    user: Mapped[User] = relationship()
    items: Mapped[list[CreditBatchItem]] = relationship(
        back_populates="record", order_by="CreditBatchItem.id"
    )


class CreditTemplate(db.Model):
    """The columns of an export file: data, because every school's system differs."""

    __tablename__ = "credit_templates"
    audit_type: ClassVar[str] = "credit_template"
    __table_args__ = (sa.CheckConstraint(sql_in("file_type", FILE_TYPES), name="file_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    file_type: Mapped[str] = mapped_column(sa.String(16), default="xlsx")
    date_format: Mapped[str] = mapped_column(sa.String(32), default="%Y-%m-%d")
    # [{"field": "student_number", "header": "学号"}, …] in file order.
    columns: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)


class CreditBatch(db.Model):
    __tablename__ = "credit_batches"
    audit_type: ClassVar[str] = "credit_batch"
    __table_args__ = (
        sa.CheckConstraint(sql_in("status", BATCH_STATUSES), name="status"),
        sa.CheckConstraint("period_end >= period_start", name="period"),
        sa.CheckConstraint(sql_in("destination", DESTINATIONS), name="destination"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    destination: Mapped[str] = mapped_column(
        sa.String(24), default="second_classroom", server_default="second_classroom"
    )
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)  # inclusive
    semester: Mapped[str | None] = mapped_column(sa.String(16))  # when built for a semester
    # Scope: None means every team / task / category (a coordinator's batches have a team).
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"))
    category: Mapped[str | None] = mapped_column(sa.String(32))
    # A national batch that also sends approved hours served elsewhere (app.outside): off by
    # default, since the other organiser may record the same hours in the national system.
    include_outside: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="draft", index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    exported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    exported_at: Mapped[datetime | None] = mapped_column(sa.DateTime)

    items: Mapped[list[CreditBatchItem]] = relationship(
        back_populates="batch", order_by="CreditBatchItem.id"
    )
    export: Mapped[CreditExport | None] = relationship(back_populates="batch")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    exported_by: Mapped[User | None] = relationship(foreign_keys=[exported_by_id])


class CreditBatchItem(CreditAmounts, db.Model):
    """One line of a batch: a record's revision, with the amounts this line sends (the
    whole record for a new line, the difference for an adjustment)."""

    __tablename__ = "credit_batch_items"
    __table_args__ = (
        sa.CheckConstraint(sql_in("kind", ITEM_KINDS), name="kind"),
        sa.CheckConstraint(f"result IS NULL OR {sql_in('result', ITEM_RESULTS)}", name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_batches.id"), index=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_records.id"), index=True)
    revision: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(16), default="new")
    line_number: Mapped[str] = mapped_column(sa.String(40), index=True)  # 记录编号 in the file
    # "{record_id}:{revision}" while the line counts; None once excluded or rejected.
    claim_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    minutes: Mapped[int] = mapped_column(sa.Integer)  # may be negative on an adjustment
    credits: Mapped[int] = mapped_column(sa.Integer)  # hundredths, may be negative
    category: Mapped[str] = mapped_column(sa.String(32))
    activity_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(32))
    organiser: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[str] = mapped_column(sa.String(32), default="")
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    excluded_reason: Mapped[str | None] = mapped_column(sa.Text)
    excluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    excluded_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    result: Mapped[str | None] = mapped_column(sa.String(16))
    result_reason: Mapped[str | None] = mapped_column(sa.String(500))
    result_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    result_upload_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_result_uploads.id"))

    batch: Mapped[CreditBatch] = relationship(back_populates="items")
    record: Mapped[CreditRecord] = relationship(back_populates="items")


class CreditExport(db.Model):
    """The file a batch was exported as, kept byte for byte with its checksum."""

    __tablename__ = "credit_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_batches.id"), unique=True)
    template_name: Mapped[str] = mapped_column(sa.String(100))
    file_type: Mapped[str] = mapped_column(sa.String(16))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer)
    row_count: Mapped[int] = mapped_column(sa.Integer)
    # The content is Fernet-encrypted with IDENTITY_ENCRYPTION_KEY: it holds full ID-card
    # numbers, which no backup may hold in readable form. `sha256` is of the plain file.
    encrypted: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    batch: Mapped[CreditBatch] = relationship(back_populates="export")
    created_by: Mapped[User] = relationship()


class CreditResultUpload(db.Model):
    """A result file from the Second Classroom system and what it changed."""

    __tablename__ = "credit_result_uploads"
    audit_type: ClassVar[str] = "credit_result_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    accepted_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Rows that changed nothing, with why: [{"row": 3, "line_number": "…", "problem": "…"}].
    problems: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)

    uploaded_by: Mapped[User] = relationship()
