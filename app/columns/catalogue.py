"""Columns and their editors: seeding, admin changes, who edits what.

Admins edit every column; other editors are the people an admin named for one column
(ColumnEditor rows).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import User
from app.audit import services as audit
from app.columns.models import COLUMN_KINDS, ColumnEditor, ContentColumn
from app.common.db import add_seeded
from app.common.rows import fields_of
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db

CODE_PATTERN = re.compile(r"^[a-z0-9-]{2,32}$")
NAME_MAX = 100
CREDIT_MINUTES_MAX = 6000
CREDIT_CATEGORY_MAX = 32
TEXT_MAX = 20_000


@dataclass(frozen=True)
class ColumnFields:
    code: str
    name: str
    kind: str
    description: str = ""
    guidelines: str = ""
    accepts_audio: bool = False
    accepts_video: bool = False
    accepts_links: bool = False
    max_media_mb: int = 20
    credit_category: str | None = None
    credit_minutes: int = 120
    position: int = 0
    active: bool = True


SEEDED_COLUMNS = (
    ColumnFields(
        code="audio",
        name="有声阅读",
        kind="audio",
        description="用声音分享阅读：朗读一段喜爱的文字，讲一讲它打动你的地方。",
        guidelines=(
            "- 上传清晰的录音（MP3、M4A、OGG 等），时长建议 3–10 分钟。\n"
            "- 在正文中注明朗读的书名、作者和章节。\n"
            "- 请勿上传侵犯他人版权的内容。"
        ),
        accepts_audio=True,
        max_media_mb=50,
        position=1,
    ),
    ColumnFields(
        code="video",
        name="微视频阅读",
        kind="video",
        description="用几分钟的短视频推荐一本书、介绍一个馆藏或记录一次阅读活动。",
        guidelines=(
            "- 上传 MP4 或 WebM 视频，时长建议不超过 5 分钟。\n"
            "- 出镜人物须本人同意；请勿使用未经授权的音乐和画面。\n"
            "- 可上传一张封面图片。"
        ),
        accepts_video=True,
        max_media_mb=200,
        position=2,
    ),
    ColumnFields(
        code="picks",
        name="每周资源推介",
        kind="article",
        description="每周推荐图书馆的好书、数据库和电子资源，附上索书号或访问地址。",
        guidelines=(
            "- 写清推荐理由，适合哪些读者。\n"
            "- 每条资源附上书名或资源名，以及索书号或链接。\n"
            "- 一次推荐不超过 20 条资源。"
        ),
        accepts_links=True,
        position=3,
    ),
    ColumnFields(
        code="ideas",
        name="我看我馆",
        kind="ideas",
        description="说说你眼中的图书馆：服务、空间、活动，好的和需要改进的都欢迎。",
        guidelines=("- 就事论事，尽量给出具体的场景和建议。\n- 请勿涉及他人隐私或人身攻击。"),
        position=4,
    ),
)


def _is_admin(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role("admin")


def _require_admin(actor: User) -> None:
    if not _is_admin(actor):
        raise Forbidden(_("Only administrators can change columns."))


def seed_columns() -> None:
    """Insert the seeded columns that are missing (by code); existing ones are left as the
    admins changed them. Safe to run any number of times."""
    existing = set(db.session.scalars(select(ContentColumn.code)))
    missing = [
        ContentColumn(**asdict(fields)) for fields in SEEDED_COLUMNS if fields.code not in existing
    ]
    if missing:
        add_seeded(*missing)


def all_columns(*, active_only: bool = True) -> list[ContentColumn]:
    query = select(ContentColumn).order_by(ContentColumn.position, ContentColumn.id)
    if active_only:
        query = query.where(ContentColumn.active.is_(True))
    return list(db.session.scalars(query))


def get_column(code: str) -> ContentColumn:
    """The column with this code (NotFound when unknown or inactive)."""
    column = db.session.scalar(
        select(ContentColumn).where(
            ContentColumn.code == (code or "").strip().lower(), ContentColumn.active.is_(True)
        )
    )
    if column is None:
        raise NotFound(_("No such column."))
    return column


def get_column_by_id(column_id: int, *, active_only: bool = False) -> ContentColumn:
    """The column with this id, inactive ones too unless `active_only` (admin pages)."""
    column = db.session.get(ContentColumn, column_id)
    if column is None or (active_only and not column.active):
        raise NotFound(_("No such column."))
    return column


def _snapshot(column: ContentColumn) -> dict:
    return fields_of(column, *ColumnFields.__dataclass_fields__)


def _clean_text(value: str | None, *, field: str, limit: int, label: str) -> str:
    return clean_text(
        value,
        field=field,
        limit=limit,
        too_long=_l("%(field)s may have at most %(count)d characters.", field=label, count=limit),
    )


def _check_unique(column_id: int | None, attribute, value: str, message: str, field: str):
    other = db.session.scalar(select(ContentColumn.id).where(attribute == value))
    if other is not None and other != column_id:
        raise InvalidInput(message, field=field)


def _check_numbers(fields: ColumnFields) -> None:
    media_max = current_app.config["MEDIA_MAX_MB"]
    if not 1 <= int(fields.max_media_mb) <= media_max:
        raise InvalidInput(
            _("The upload limit must be between 1 and %(max)d MB.", max=media_max),
            field="max_media_mb",
        )
    if not 0 <= int(fields.credit_minutes) <= CREDIT_MINUTES_MAX:
        raise InvalidInput(
            _("Credit minutes must be between 0 and %(max)d.", max=CREDIT_MINUTES_MAX),
            field="credit_minutes",
        )


def _validated(column_id: int | None, fields: ColumnFields) -> ColumnFields:
    """The fields cleaned, or InvalidInput naming the first wrong one."""
    code = (fields.code or "").strip().lower()
    if not CODE_PATTERN.match(code):
        raise InvalidInput(
            _("The code must be 2–32 lower-case letters, digits or hyphens."), field="code"
        )
    _check_unique(column_id, ContentColumn.code, code, _("Another column has this code."), "code")
    name_length = _l("The name must have 1 to %(max)d characters.", max=NAME_MAX)
    name = clean_text(
        fields.name, field="name", limit=NAME_MAX, missing=name_length, too_long=name_length
    )
    _check_unique(column_id, ContentColumn.name, name, _("Another column has this name."), "name")
    if fields.kind not in COLUMN_KINDS:
        raise InvalidInput(_("Choose a kind of column from the list."), field="kind")
    _check_numbers(fields)
    category = (
        clean_text(
            fields.credit_category,
            field="credit_category",
            limit=CREDIT_CATEGORY_MAX,
            too_long=_l(
                "The credit category may have at most %(max)d characters.", max=CREDIT_CATEGORY_MAX
            ),
        )
        or None
    )
    return replace(
        fields,
        code=code,
        name=name,
        description=_clean_text(
            fields.description, field="description", limit=TEXT_MAX, label=_("The description")
        ),
        guidelines=_clean_text(
            fields.guidelines, field="guidelines", limit=TEXT_MAX, label=_("The guidelines")
        ),
        max_media_mb=int(fields.max_media_mb),
        credit_minutes=int(fields.credit_minutes),
        credit_category=category,
        position=int(fields.position or 0),
    )


def save_column(
    actor: User, column_id: int | None, fields: ColumnFields, *, now: datetime | None = None
) -> ContentColumn:
    """Create a column (`column_id` None) or change one; admins only, audited."""
    _require_admin(actor)
    now = now or utcnow()
    column = None if column_id is None else get_column_by_id(column_id)
    clean = _validated(column_id, fields)
    if column is None:
        column = ContentColumn(created_at=now, **asdict(clean))
        db.session.add(column)
        audit.record(
            "columns.column_created", column, actor=actor, after=_snapshot(column), now=now
        )
        return column
    with audit.edit("columns.column_changed", column, _snapshot, actor=actor, now=now):
        for name, value in asdict(clean).items():
            setattr(column, name, value)
        db.session.flush()
    return column


def _people_by_login(logins: list[str]) -> list[User]:
    """The people named by student number or email, each once, in the order given."""
    people: dict[int, User] = {}
    for login in logins:
        login = (login or "").strip()
        if not login:
            continue
        person = accounts.find_by_login(login)
        if person is None:
            raise InvalidInput(
                _("No one has the student number or email “%(login)s”.", login=login),
                field="editors",
            )
        people.setdefault(person.id, person)
    return list(people.values())


def set_editors(
    actor: User, column_id: int, logins: list[str], *, now: datetime | None = None
) -> ContentColumn:
    """Make exactly these people (student numbers or emails) the column's editors;
    admins only, audited."""
    _require_admin(actor)
    now = now or utcnow()
    column = get_column_by_id(column_id)
    wanted = {person.id for person in _people_by_login(logins)}
    current = {editor.user_id: editor for editor in column.editors}
    for user_id in sorted(set(current) - wanted):
        column.editors.remove(current[user_id])
    for user_id in sorted(wanted - set(current)):
        column.editors.append(ColumnEditor(user_id=user_id, added_at=now))
    audit.record_change(
        "columns.editors_changed",
        column,
        actor=actor,
        before={"editor_ids": sorted(current)},
        after={"editor_ids": sorted(wanted)},
        now=now,
    )
    return column


def editors_of(column: ContentColumn) -> list[User]:
    """The people named editors of this column (not the admins), by name."""
    return sorted((editor.user for editor in column.editors), key=lambda user: user.name)


def is_editor(user: User, column: ContentColumn) -> bool:
    ids = edited_column_ids(user)
    return ids is None or column.id in ids


def require_editor(user: User) -> None:
    """Forbidden unless the person edits at least one column (admins edit them all)."""
    if edited_column_ids(user) == set():
        raise Forbidden(_("You do not have permission to see this page."))


def edited_column_ids(user: User) -> set[int] | None:
    """Columns this person reviews; None = every column (admins)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.has_role("admin"):
        return None
    return set(
        db.session.scalars(select(ColumnEditor.column_id).where(ColumnEditor.user_id == user.id))
    )
