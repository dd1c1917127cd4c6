"""A volunteer's hours (by month and semester) and service certificates (志愿服务证明).

A certificate counts verified hours only. Its content is frozen at issue in the row, labels
included (in Chinese whatever the UI language), and the PDF is rendered from that content
alone, deterministically: "download again" renders the same bytes, and the stored sha256
lets the public verification page tell the issued file from an altered one. The bytes are
not stored. The number is a readable prefix and a random part ("GC2026-K7QX-M4PD-2WHT"), so
nobody finds other people's certificates by counting; numbers issued before the random part
(`GC2026-000123`) stay valid as they are.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.checkin.certificate_pdf import font_path, render_pdf
from app.checkin.hours import verified_attendances
from app.checkin.models import Attendance, Certificate
from app.common.semesters import Semester, current_semester, semester_by_code, semester_of
from app.common.time import LocalDays, local_day, local_today, to_local, utcnow
from app.common.urls import external_url
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.outside import services as outside
from app.recruitment.membership import memberships_of
from app.shifts.models import Shift, Task
from app.stars import services as stars

# A certificate covers at most this many years (a degree's length, with room for a gap year).
MAX_PERIOD_YEARS = 5
# The largest PDF the verification page accepts.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# 2: the PDF embeds a TrueType font (content "font") and keeps its last lines with the
# signature; content of version 1 still renders as issued.
CONTENT_VERSION = 2
NUMBER_PREFIX = "GC"
# Crockford's base32 (no I, L, O, U, which people misread): 5 random bits a symbol.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_GROUPS = 3  # of 4 symbols: 60 random bits


def format_hours(minutes: int) -> str:
    """Minutes as hours with at most two decimals: 150 → "2.5", 180 → "3"."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


# --- My hours -------------------------------------------------------------------------


# The page lists this many of the newest shifts (in their months and semesters); every
# total still counts them all, and "show all" lists the rest.
LINES_SHOWN = 40


@dataclass
class HoursLine:
    """One shift on the hours page: its task, local times and the minutes by source."""

    attendance_id: int
    starts_at: datetime  # local
    ends_at: datetime  # local
    task_title: str
    scan_minutes: int
    added_minutes: int
    in_progress: bool = False

    @property
    def minutes(self) -> int:
        return self.scan_minutes + self.added_minutes


@dataclass
class HoursGroup:
    """A month ("2026-03") or a semester ("2025-2026-2"): the minutes of all its shifts, and
    the lines shown (newest first; fewer than `shifts` when the page lists only the newest)."""

    key: str
    label: str
    minutes: int = 0
    shifts: int = 0
    lines: list[HoursLine] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.shifts - len(self.lines)


@dataclass
class MyHours:
    by_month: list[HoursGroup]
    by_semester: list[HoursGroup]
    pending: list[HoursLine]

    @property
    def verified_minutes(self) -> int:
        return sum(group.minutes for group in self.by_month)

    @property
    def pending_minutes(self) -> int:
        return sum(line.minutes for line in self.pending)

    @property
    def hidden(self) -> int:
        return sum(group.hidden for group in self.by_month)


def _lines(*where) -> list[HoursLine]:
    """A person's records as lines, newest first: one query of plain columns (no records,
    shifts or tasks loaded one by one)."""
    query = (
        select(
            Attendance.id,
            Shift.starts_at,
            Shift.ends_at,
            Task.title,
            Attendance.scan_minutes,
            Attendance.added_minutes,
            Attendance.status,
        )
        .join(Shift, Shift.id == Attendance.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .where(*where)
        .order_by(Shift.starts_at.desc(), Attendance.id.desc())
    )
    return [
        HoursLine(
            attendance_id=row.id,
            starts_at=to_local(row.starts_at),
            ends_at=to_local(row.ends_at),
            task_title=row.title,
            scan_minutes=row.scan_minutes or 0,
            added_minutes=row.added_minutes or 0,
            in_progress=row.status == "in",
        )
        for row in db.session.execute(query)
    ]


class _SemesterOf:
    """`semester_of` for days mostly in order: works out a semester only when a day falls
    outside the last one (a year of shifts asks two or three times, not once a shift)."""

    def __init__(self) -> None:
        self.last: Semester | None = None

    def __call__(self, day: date) -> Semester:
        if self.last is None or not self.last.start <= day <= self.last.end:
            self.last = semester_of(day)
        return self.last


def _grouped(lines: list[HoursLine], key_of, label_of, shown: int | None) -> list[HoursGroup]:
    """Lines grouped by `key_of(line)`, newest group first; `label_of(key)` once a group."""
    groups: dict[str, HoursGroup] = {}
    for number, line in enumerate(lines):
        key = key_of(line)
        group = groups.get(key)
        if group is None:
            group = groups[key] = HoursGroup(key, label_of(key))
        group.minutes += line.minutes
        group.shifts += 1
        if shown is None or number < shown:
            group.lines.append(line)
    return [groups[key] for key in sorted(groups, reverse=True)]


def _by_month(lines: list[HoursLine], shown: int | None) -> list[HoursGroup]:
    return _grouped(lines, lambda line: line.starts_at.strftime("%Y-%m"), str, shown)


def _by_semester(lines: list[HoursLine], shown: int | None) -> list[HoursGroup]:
    of = _SemesterOf()
    labels: dict[str, str] = {}

    def key_of(line: HoursLine) -> str:
        semester = of(line.starts_at.date())
        if semester.code not in labels:
            labels[semester.code] = semester.label
        return semester.code

    return _grouped(lines, key_of, labels.__getitem__, shown)


def _verified_lines(user_id: int) -> list[HoursLine]:
    return _lines(
        Attendance.user_id == user_id,
        Attendance.verified_at.is_not(None),
        Attendance.status != "undone",
    )


def pending_lines(user_id: int) -> list[HoursLine]:
    """A person's records not verified yet (still checked in, or out and awaiting a
    coordinator), newest first. Undone check-ins count as none."""
    return _lines(
        Attendance.user_id == user_id,
        Attendance.verified_at.is_(None),
        Attendance.status != "undone",
    )


def my_hours(user_id: int, *, shown: int | None = LINES_SHOWN) -> MyHours:
    """Verified hours grouped by local month and by semester, newest first, and the hours
    awaiting verification apart. Totals count every shift; the groups list the newest
    `shown` shifts (all with None)."""
    lines = _verified_lines(user_id)
    return MyHours(
        by_month=_by_month(lines, shown),
        by_semester=_by_semester(lines, shown),
        pending=pending_lines(user_id),
    )


def default_semester(hours: MyHours) -> str:
    """The certificate form's first choice: the newest semester with verified hours, so
    that downloading at once works; without any, the dates (and the page says why)."""
    return next((group.key for group in hours.by_semester if group.minutes > 0), "")


# --- Periods --------------------------------------------------------------------------


class Period(LocalDays):
    """The days a certificate covers."""


def semester_choices(user_id: int, *, now: datetime | None = None) -> list[Semester]:
    """The semesters a certificate may be asked for: the current one and every one with
    verified hours, newest first."""
    semesters = {current_semester(now or utcnow())}
    of = _SemesterOf()
    starts = (
        select(Shift.starts_at)
        .join(Attendance, Attendance.shift_id == Shift.id)
        .where(
            Attendance.user_id == user_id,
            Attendance.verified_at.is_not(None),
            Attendance.status != "undone",
        )
    )
    for starts_at in db.session.scalars(starts.order_by(Shift.starts_at)):
        semesters.add(of(local_day(starts_at)))
    return sorted(semesters, key=lambda semester: semester.start, reverse=True)


def _semester_period(code: str, today: date) -> Period:
    semester = semester_by_code(code)
    if semester is None or semester.start > today:
        raise InvalidInput(_("Please choose a semester from the list."), field="semester")
    return Period(semester.start, min(semester.end, today))


def _dates_period(start: date | None, end: date | None, today: date) -> Period:
    if start is None or end is None:
        raise InvalidInput(_("Please choose a semester or give both dates."), field="start")
    if start > end:
        raise InvalidInput(_("The first day must not be after the last day."), field="end")
    if end > today:
        raise InvalidInput(_("The last day must not be in the future."), field="end")
    if end - start > timedelta(days=366 * MAX_PERIOD_YEARS):
        raise InvalidInput(
            _("A certificate covers at most %(years)s years.", years=MAX_PERIOD_YEARS),
            field="start",
        )
    return Period(start, end)


def period_from(
    semester_code: str | None,
    start: date | None,
    end: date | None,
    *,
    now: datetime | None = None,
) -> Period:
    """The period a volunteer asked for: a semester (up to today), or from/to dates."""
    today = local_today(now)
    if semester_code:
        return _semester_period(semester_code, today)
    return _dates_period(start, end, today)


# --- Issue ----------------------------------------------------------------------------


def verification_url(number: str) -> str:
    """The public verification page's absolute address (the certificate's QR code)."""
    return external_url("certificates.verify", number=number)


def new_number(issued_at: datetime) -> str:
    """The year of issue, readable, then random groups: unguessable, so the number itself is
    the permission to see the public verification page."""
    groups = (
        "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(4)) for _ in range(NUMBER_GROUPS)
    )
    return "-".join((f"{NUMBER_PREFIX}{to_local(issued_at).year}", *groups))


def _team_names(user_id: int, attendances: list[Attendance]) -> list[str]:
    """The person's teams they served in during the period (all their teams when they
    served only in teams they do not belong to, e.g. as a walk-in)."""
    memberships = memberships_of(user_id)
    served = {attendance.shift.task.team_id for attendance in attendances}
    names = [m.team.name for m in memberships if m.team_id in served]
    return names or [m.team.name for m in memberships]


def _service_lines(attendances: list[Attendance]) -> list[dict]:
    lines = []
    for attendance in attendances:
        starts_at = to_local(attendance.shift.starts_at)
        ends_at = to_local(attendance.shift.ends_at)
        lines.append(
            {
                "date": starts_at.date().isoformat(),
                "time": f"{starts_at:%H:%M}–{ends_at:%H:%M}",
                "task": attendance.shift.task.title,
                "hours": format_hours(attendance.total_minutes),
            }
        )
    return lines


def person_and_issuer_labels() -> dict[str, str]:
    """The labels every kind of certificate shares (the person, the issuer, the QR code),
    in the language in force (callers force Chinese)."""
    return {
        "number": _("Certificate number"),
        "name": _("Name"),
        "student_number": _("Student number"),
        "college": _("College"),
        "teams": _("Volunteer team"),
        "issuer": _("Issued by"),
        "signatory": _("Person in charge"),
        "contact": _("Contact"),
        "issued_on": _("Date of issue"),
        "verify": _("Scan to verify this certificate online"),
        "page": _("Page"),
    }


def _labels(data: dict) -> dict[str, str]:
    """The certificate's wording, in Chinese whatever the reader's UI language."""
    with force_locale("zh"):
        return {
            "title": _("Certificate of Volunteer Service"),
            "statement": _(
                "This is to certify that %(name)s (student number %(student_number)s) took "
                "part in volunteer service at the library from %(start)s to %(end)s, with "
                "%(hours)s verified hours of service in total.",
                name=data["name"],
                student_number=data["student_number"],
                start=data["period_start"],
                end=data["period_end"],
                hours=data["total_hours"],
            ),
            **person_and_issuer_labels(),
            "period": _("Service period"),
            "total_hours": _("Total verified hours"),
            "content": _("Service content"),
            "date": _("Date"),
            "time": _("Time"),
            "task": _("Task"),
            "hours": _("Hours"),
            "outside": _(
                "Volunteer service elsewhere, approved by the library (not included in the "
                "hours above)"
            ),
            "organiser": _("Organiser"),
            "outside_total": _("Approved hours served elsewhere"),
            "star_level": _("Service star level (on the day of issue)"),
        }


def embedded_font() -> str | None:
    """The CERTIFICATE_FONT setting when its file is there; else none (the CID font, which
    the PDF viewer substitutes), so a wrong setting never stops certificates."""
    setting = current_app.config.get("CERTIFICATE_FONT") or ""
    if setting and font_path(setting).is_file():
        return setting
    if setting:
        current_app.logger.warning("CERTIFICATE_FONT %s is not a file", setting)
    return None


def _content(
    user: User, period: Period, attendances: list[Attendance], number: str, now: datetime
) -> dict:
    config = current_app.config
    data = {
        "version": CONTENT_VERSION,
        "number": number,
        "issued_on": local_day(now).isoformat(),
        "name": user.name,
        "student_number": user.student_number,
        "college": user.college.name if user.college else "",
        "teams": _team_names(user.id, attendances),
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "total_minutes": sum(a.total_minutes for a in attendances),
        "lines": _service_lines(attendances),
        "issuer": config.get("CERTIFICATE_ISSUER") or "",
        "signatory": config.get("CERTIFICATE_SIGNATORY") or "",
        "contact": config.get("CERTIFICATE_CONTACT") or "",
        "verify_url": verification_url(number),
        "font": embedded_font(),
    }
    data["total_hours"] = format_hours(data["total_minutes"])
    data.update(_outside_content(user.id, period))
    if level := stars.stars_of(user.id).level:
        data["star_level"] = level  # on the day of issue
    data["text"] = _labels(data)
    return data


def _outside_content(user_id: int, period: Period) -> dict:
    """Approved hours served elsewhere in the period, in a section of their own (none when
    there are none, so the certificate reads as before)."""
    claims = outside.approved_claims(
        user_id, since=period.start, until=period.end + timedelta(days=1)
    )
    if not claims:
        return {}
    minutes = sum(claim.approved_minutes or 0 for claim in claims)
    return {
        "outside_minutes": minutes,
        "outside_total_hours": format_hours(minutes),
        "outside_lines": [
            {
                "date": claim.served_on.isoformat(),
                "organiser": claim.organiser,
                "hours": format_hours(claim.approved_minutes or 0),
            }
            for claim in claims
        ],
    }


def issue_certificate(
    user: User, period: Period, *, now: datetime | None = None
) -> tuple[Certificate, bytes]:
    """Issue a certificate of the person's verified hours in the period; returns the row
    and the PDF. Refused when the period holds no verified hours."""
    now = now or utcnow()
    attendances = [
        a
        for a in verified_attendances(user.id, since=period.starts_at, until=period.ends_before)
        if a.total_minutes > 0
    ]
    if not attendances:
        raise InvalidInput(
            _(
                "You have no verified hours from %(start)s to %(end)s, so there is nothing "
                "to certify yet.",
                start=period.start.isoformat(),
                end=period.end.isoformat(),
            )
        )
    certificate = Certificate(
        number=new_number(now),
        user_id=user.id,
        period_start=period.start,
        period_end=period.end,
        total_minutes=0,
        content={},
        pdf_sha256="",
        issued_at=now,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate.content = _content(user, period, attendances, certificate.number, now)
    certificate.total_minutes = certificate.content["total_minutes"]
    pdf = render_pdf(certificate.content)
    certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    audit.record(
        "certificates.issued",
        certificate,
        actor=user,
        after={
            "period": [certificate.content["period_start"], certificate.content["period_end"]],
            "minutes": certificate.total_minutes,
        },
        now=now,
    )
    return certificate, pdf


def certificates_of(user_id: int) -> list[Certificate]:
    """A person's certificates, newest first."""
    query = (
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return list(db.session.scalars(query))


def own_certificate(certificate_id: int, user_id: int) -> Certificate:
    """A certificate of this person; someone else's is "not found", like a missing one."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.user_id != user_id:
        raise NotFound(_("This certificate does not exist."))
    return certificate


def certificate_pdf(certificate: Certificate) -> bytes:
    """The issued PDF again, byte for byte, rendered from the frozen content."""
    pdf = render_pdf(certificate.content)
    if hashlib.sha256(pdf).hexdigest() != certificate.pdf_sha256:
        # Only a change of the PDF library can cause this: serving a file that would fail
        # verification is worse than refusing.
        current_app.logger.error("Certificate %s no longer renders identically", certificate.number)
        raise Conflict(
            _(
                "This certificate can no longer be reproduced exactly. Please issue a new "
                "one for the same period."
            )
        )
    return pdf


def pdf_filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"


# --- Public verification --------------------------------------------------------------


@dataclass(frozen=True)
class PublicView:
    """What the verification page shows: only what the certificate itself states, with the
    student number partly masked."""

    number: str
    name: str
    student_number: str
    period_start: str
    period_end: str
    total_hours: str
    issuer: str
    issued_on: str
    revoked: bool
    star_level: int = 0  # service star level the certificate states (none before them)
    outside_hours: str = ""  # approved hours served elsewhere it lists apart
    star_certificate: bool = False  # a certificate of star level, not of a period's service


def mask_student_number(number: str) -> str:
    """Keep the first and last few characters: "2024000123" → "2024****23"."""
    if len(number) <= 4:
        return "*" * len(number)
    keep_start = min(4, len(number) // 2 - 1)
    hidden = len(number) - keep_start - 2
    return number[:keep_start] + "*" * hidden + number[-2:]


def find_certificate(number: str) -> Certificate:
    """The certificate of a number as printed, typed in any case."""
    wanted = (number or "").strip().upper()
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == wanted))
    if certificate is None:
        raise NotFound(_("No certificate with the number %(number)s exists.", number=number))
    return certificate


def public_view(certificate: Certificate) -> PublicView:
    content = certificate.content
    return PublicView(
        number=certificate.number,
        name=content["name"],
        student_number=mask_student_number(content["student_number"]),
        period_start=content["period_start"],
        period_end=content["period_end"],
        total_hours=content["total_hours"],
        issuer=content["issuer"],
        issued_on=content["issued_on"],
        revoked=certificate.revoked_at is not None,
        star_level=int(content.get("star_level") or 0),
        outside_hours=content.get("outside_total_hours", ""),
        star_certificate=content.get("kind") == "star_level",
    )


def matches_issued_pdf(certificate: Certificate, data: bytes) -> bool:
    """Whether an uploaded file is byte for byte the certificate as issued. Refuses files
    that are no PDF or too large."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("The file is larger than %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024)),
            field="file",
        )
    if not data.startswith(b"%PDF-"):
        raise InvalidInput(_("This file is not a PDF."), field="file")
    return hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
