"""Export templates: which columns a file has, their headers, order, date format, type.

A template is data an administrator edits, because every school's Second Classroom system
imports different columns. Exactly one template is the default; the seeded one has the
columns DESIGN.md lists. Headers are checked like cells: one that a spreadsheet would run as
a formula is refused rather than quietly changed.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.common.db import add_seeded, begin_write_transaction, get_or_not_found
from app.common.rows import fields_of
from app.common.tabular import FORMULA_PREFIXES
from app.common.text import clean_line
from app.common.time import utcnow
from app.credits.models import FILE_TYPES, TEMPLATE_FIELDS, CreditTemplate
from app.errors import Forbidden, InvalidInput
from app.extensions import db

DEFAULT_NAME = "第二课堂默认模板"
DEFAULT_COLUMNS = (
    ("student_number", "学号"),
    ("name", "姓名"),
    ("college", "学院"),
    ("class_name", "班级"),
    ("activity_name", "项目名称"),
    ("category", "模块类别"),
    ("level", "级别"),
    ("role", "参与角色"),
    ("started_on", "开始日期"),
    ("ended_on", "结束日期"),
    ("hours", "学时"),
    ("credits", "学分"),
    ("recognised_on", "认定日期"),
    ("organiser", "认定单位"),
    ("line_number", "记录编号"),
    ("note", "备注"),
)
# The national volunteer record's hours import sheet (全国志愿服务信息系统, 服务时长导入):
# the volunteer is identified by their 志愿者编号 (and 证件号码 where the library collects it).
NATIONAL_NAME = "全国志愿服务信息系统时长导入模板"
NATIONAL_COLUMNS = (
    ("national_number", "志愿者编号"),
    ("name", "姓名"),
    ("id_number", "证件号码"),
    ("hours", "服务时长(小时)"),
    ("started_on", "服务日期"),
    ("activity_name", "项目名称"),
    ("organiser", "服务组织"),
    ("line_number", "记录编号"),
    ("note", "备注"),
)
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
NAME_MAX = 100
HEADER_MAX = 50
DATE_FORMAT_MAX = 32
COLUMNS_MAX = 40
DATE_DIRECTIVES = ("%Y", "%m", "%d")
SAMPLE_DAY = date(2026, 10, 8)
# "field = header" or "field: header" (a full-width colon too, as typed with a Chinese IME).
SEPARATORS = ("=", ":", "：")


def validate_columns(columns: list[dict]) -> list[dict]:
    """The columns cleaned ({"field", "header"}, headers trimmed), or InvalidInput naming
    the first bad field or header."""
    return _checked(columns, lines=None)


def parse_columns(text: str) -> list[dict]:
    """Columns from text with one "field = header" (or "field: header") a line; blank lines
    are skipped and errors name the line."""
    columns, lines = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        cut = min((line.find(mark) for mark in SEPARATORS if mark in line), default=-1)
        if cut < 0:
            raise InvalidInput(
                _('Line %(n)d: write a field and its header as "field = header".', n=number),
                field="columns",
            )
        columns.append({"field": line[:cut].strip(), "header": line[cut + 1 :]})
        lines.append(number)
    return _checked(columns, lines=lines)


def columns_text(columns: list[dict]) -> str:
    """The columns as parse_columns reads them back."""
    return "\n".join(f"{column['field']} = {column['header']}" for column in columns)


def all_templates() -> list[CreditTemplate]:
    return list(
        db.session.scalars(
            select(CreditTemplate).order_by(CreditTemplate.is_default.desc(), CreditTemplate.name)
        )
    )


def get_template(template_id: int) -> CreditTemplate:
    return get_or_not_found(CreditTemplate, template_id, _("No such export template."))


def is_national(template: CreditTemplate) -> bool:
    """A template for the national record names each volunteer by their national number."""
    return any(column["field"] == "national_number" for column in template.columns)


def templates_for(destination: str) -> list[CreditTemplate]:
    """The templates a batch of this destination may be exported in."""
    national = destination == "national"
    if national:
        national_template()  # seeded on first use
    return [template for template in all_templates() if is_national(template) == national]


def national_template() -> CreditTemplate:
    """The built-in national template (seeded when there is no national template yet), or
    the first national one when an administrator renamed it."""
    seed_national_template()
    named = db.session.scalar(select(CreditTemplate).where(CreditTemplate.name == NATIONAL_NAME))
    if named is not None and is_national(named):
        return named
    return next(template for template in all_templates() if is_national(template))


def seed_national_template() -> None:
    """Add the national record's template unless a national template exists or one has its
    name; never the default (that stays the Second Classroom's)."""
    named = select(CreditTemplate.id).where(CreditTemplate.name == NATIONAL_NAME)
    if db.session.scalar(named) is not None or any(map(is_national, all_templates())):
        return
    add_seeded(_built_in(NATIONAL_NAME, NATIONAL_COLUMNS, is_default=False))


def _built_in(name: str, columns: tuple, *, is_default: bool) -> CreditTemplate:
    """A seeded XLSX template with these (field, header) columns."""
    return CreditTemplate(
        name=name,
        file_type="xlsx",
        date_format=DEFAULT_DATE_FORMAT,
        columns=[{"field": field, "header": header} for field, header in columns],
        is_default=is_default,
    )


def default_template() -> CreditTemplate:
    """The template marked default, seeding the built-in one when there is none yet (the
    oldest template when the built-in one exists but lost the mark outside this module)."""
    template = _marked_default()
    if template is None:
        seed_default_template()
        template = _marked_default() or db.session.scalar(
            select(CreditTemplate).order_by(CreditTemplate.id).limit(1)
        )
    return template


def save_template(
    actor: User,
    template_id: int | None,
    *,
    name: str,
    file_type: str,
    date_format: str,
    columns: list[dict],
    is_default: bool = False,
    now: datetime | None = None,
) -> CreditTemplate:
    """Create (template_id None) or change a template; an administrator's job (audited).
    Making one the default takes the mark from the others; the default cannot simply lose
    it, so some template is always the default."""
    if not actor.has_role("admin"):
        raise Forbidden(_("Only an administrator can change export templates."))
    now = now or utcnow()
    template = get_template(template_id) if template_id is not None else None
    values = {
        "name": _name(name, template),
        "file_type": _file_type(file_type),
        "date_format": _date_format(date_format),
        "columns": validate_columns(columns),
        "is_default": bool(is_default),
    }
    if template is not None and template.is_default and not values["is_default"]:
        raise InvalidInput(
            _("Make another template the default instead; one template is always the default."),
            field="is_default",
        )
    if values["is_default"]:
        _clear_default(actor, keep=template, now=now)
    if template is None:
        return _create(actor, values, now)
    with audit.edit("credits.template_changed", template, _snapshot, actor=actor, now=now):
        _store(template, {**values, "updated_at": now})
    return template


def seed_default_template() -> None:
    """Add the built-in template, as the default, when there is no default yet and no
    template has its name (an administrator may have renamed it). Changes nothing that
    exists, so it is safe to run on every deploy."""
    named = select(CreditTemplate.id).where(CreditTemplate.name == DEFAULT_NAME)
    if _marked_default() is not None or db.session.scalar(named) is not None:
        return
    add_seeded(_built_in(DEFAULT_NAME, DEFAULT_COLUMNS, is_default=True))


def _marked_default() -> CreditTemplate | None:
    return db.session.scalar(
        select(CreditTemplate)
        .where(CreditTemplate.is_default.is_(True))
        .order_by(CreditTemplate.id)
        .limit(1)
    )


def _checked(columns: list[dict], *, lines: list[int] | None) -> list[dict]:
    if not isinstance(columns, list) or not columns:
        raise InvalidInput(_("A template needs at least one column."), field="columns")
    if len(columns) > COLUMNS_MAX:
        raise InvalidInput(
            _("A template can have at most %(n)d columns.", n=COLUMNS_MAX), field="columns"
        )
    cleaned, seen = [], set()
    for index, column in enumerate(columns):
        field, header = _column_parts(column)
        problem = _problem(field, header, seen)
        if problem:
            if lines is not None:
                problem = _("Line %(n)d: %(problem)s", n=lines[index], problem=problem)
            raise InvalidInput(problem, field="columns")
        seen.add(_header_key(header))
        cleaned.append({"field": field, "header": header})
    return cleaned


def _column_parts(column: object) -> tuple[str, str]:
    if not isinstance(column, dict):
        return "", ""
    field, header = column.get("field"), column.get("header")
    return (
        field.strip() if isinstance(field, str) else "",
        " ".join(header.split()) if isinstance(header, str) else "",
    )


def _problem(field: str, header: str, seen: set[str]) -> str | None:
    """What is wrong with one column, or None."""
    if field not in TEMPLATE_FIELDS:
        return _(
            "Unknown field “%(field)s”; use one of: %(fields)s.",
            field=field,
            fields=", ".join(TEMPLATE_FIELDS),
        )
    if not header:
        return _("The column “%(field)s” needs a header.", field=field)
    if len(header) > HEADER_MAX:
        return _(
            "The header “%(header)s” is longer than %(n)d characters.", header=header, n=HEADER_MAX
        )
    if header.startswith(FORMULA_PREFIXES):
        return _(
            "The header “%(header)s” starts with = + - or @, which spreadsheets read as a formula.",
            header=header,
        )
    if _header_key(header) in seen:
        return _("The header “%(header)s” appears twice.", header=header)
    return None


def _header_key(header: str) -> str:
    """Headers that differ only in case or spaces are the same header to an importer."""
    return "".join(header.split()).casefold()


def _name(name: str, template: CreditTemplate | None) -> str:
    name = clean_line(
        name,
        field="name",
        limit=NAME_MAX,
        missing=_l("Please give the template a name."),
        too_long=_l("This can be at most %(n)d characters long.", n=NAME_MAX),
    )
    taken = db.session.scalar(select(CreditTemplate.id).where(CreditTemplate.name == name))
    if taken is not None and (template is None or taken != template.id):
        raise InvalidInput(_("Another template is called “%(name)s”.", name=name), field="name")
    return name


def _file_type(file_type: str) -> str:
    if file_type not in FILE_TYPES:
        raise InvalidInput(_("Choose XLSX or one of the CSV types."), field="file_type")
    return file_type


def _date_format(date_format: str) -> str:
    """A strftime format with at least a year, month or day that formats a date cleanly."""
    date_format = (date_format or "").strip()
    problem = None
    if not date_format or len(date_format) > DATE_FORMAT_MAX:
        problem = _("A date format has 1 to %(n)d characters.", n=DATE_FORMAT_MAX)
    elif not date_format.isprintable():
        problem = _("A date format cannot contain control characters.")
    elif not any(directive in date_format for directive in DATE_DIRECTIVES):
        problem = _(
            "A date format needs at least one of %(directives)s.",
            directives=", ".join(DATE_DIRECTIVES),
        )
    else:
        try:
            SAMPLE_DAY.strftime(date_format)
        except (ValueError, UnicodeError):
            problem = _("This date format does not work: %(format)s", format=date_format)
    if problem:
        raise InvalidInput(problem, field="date_format")
    return date_format


def _clear_default(actor: User, *, keep: CreditTemplate | None, now: datetime) -> None:
    for other in db.session.scalars(
        select(CreditTemplate).where(CreditTemplate.is_default.is_(True))
    ):
        if other is keep:
            continue
        other.is_default = False
        other.updated_at = now
        audit.record(
            "credits.template_changed",
            other,
            actor=actor,
            before={"is_default": True},
            after={"is_default": False},
            now=now,
        )


def _create(actor: User, values: dict, now: datetime) -> CreditTemplate:
    template = CreditTemplate()
    _store(template, {**values, "created_at": now, "updated_at": now})
    audit.record(
        "credits.template_created", template, actor=actor, after=_snapshot(template), now=now
    )
    return template


def _store(template: CreditTemplate, values: dict) -> None:
    """Write `values` in a savepoint: a name another request took a moment ago is bad
    input, not a crash."""
    begin_write_transaction()
    try:
        with db.session.begin_nested():
            for key, value in values.items():
                setattr(template, key, value)
            db.session.add(template)
    except IntegrityError as error:
        raise InvalidInput(_("Another template has this name."), field="name") from error


def _snapshot(template: CreditTemplate) -> dict:
    return {
        **fields_of(template, "name", "file_type", "date_format"),
        "columns": [dict(column) for column in template.columns],
        "is_default": template.is_default,
    }
