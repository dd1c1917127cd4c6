"""The printable sign-in sheet (签到表) of a shift, for when scanning fails: the shift's
details and a QR back to its attendance page on every page, the confirmed people (then the
waiting list, marked), columns for the times and a signature, and blank rows for walk-ins.

It reuses the certificates' embedded Chinese font, so it prints the same everywhere."""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle
from sqlalchemy import select

from app.audit import services as audit
from app.checkin.certificate_pdf import (
    GRID,
    MARGIN,
    QR_SIZE,
    Styles,
    paragraph,
    qr_drawing,
    register_font,
)
from app.checkin.certificates import embedded_font
from app.common.time import to_local, utcnow
from app.common.urls import external_url
from app.extensions import db
from app.recruitment.access import require_team_manager
from app.shifts.models import Shift, ShiftSignup
from app.shifts.shift_edits import format_span

BLANK_ROWS = 8
COLUMNS = (10 * mm, 32 * mm, 30 * mm, 26 * mm, 26 * mm, 46 * mm)
HEADER_HEIGHT = QR_SIZE + 6 * mm
WAITING = ("waitlisted", "offered")


def _signups(shift: Shift) -> list[ShiftSignup]:
    """Confirmed sign-ups in arrival order, then the waiting list in its order."""
    signups = db.session.scalars(
        select(ShiftSignup)
        .where(ShiftSignup.shift_id == shift.id, ShiftSignup.status.in_(("confirmed", *WAITING)))
        .order_by(ShiftSignup.ticket)
    )
    return sorted(signups, key=lambda signup: signup.status in WAITING)


def _rows(shift: Shift, styles: Styles) -> list[list]:
    header = [
        _("No."),
        _("Name"),
        _("Student/staff number"),
        _("Check-in time"),
        _("Check-out time"),
        _("Signature"),
    ]
    rows = [[paragraph(text, styles.cell) for text in header]]
    signups = _signups(shift)
    for number, signup in enumerate(signups, start=1):
        name = signup.user.name
        if signup.status in WAITING:
            name = _("%(name)s (waiting list)", name=name)
        cells = [number, name, signup.user.student_number or "", "", "", ""]
        rows.append([paragraph(text, styles.cell) for text in cells])
    for number in range(len(signups) + 1, len(signups) + BLANK_ROWS + 1):
        rows.append([paragraph(number, styles.cell), "", "", "", "", ""])
    return rows


def _header(shift: Shift, *, coordinator: str, font: str):
    """Draws the shift's details and the QR at the top of every page."""
    task = shift.task
    lines = [
        _("Sign-in sheet · %(task)s", task=task.title),
        _("Time: %(when)s", when=format_span(shift)),
        _("Place: %(place)s", place=task.location or "—"),
        _("Coordinator: %(name)s", name=coordinator),
    ]
    qr = qr_drawing(external_url("attendance.shift_sheet", shift_id=shift.id))

    def draw(canvas, document) -> None:
        canvas.saveState()
        top = A4[1] - MARGIN
        canvas.setFont(font, 14)
        canvas.drawString(MARGIN, top - 14, lines[0])
        canvas.setFont(font, 10)
        for index, line in enumerate(lines[1:], start=1):
            canvas.drawString(MARGIN, top - 14 - index * 16, line)
        qr.drawOn(canvas, A4[0] - MARGIN - QR_SIZE, top - QR_SIZE)
        canvas.setFont(font, 8)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, _("Page %(n)d", n=document.page))
        canvas.restoreState()

    return draw


def render_signin_sheet(shift: Shift, *, coordinator: str) -> bytes:
    """The sheet as PDF bytes."""
    font = register_font(embedded_font())
    styles = Styles(font)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN,
        title=_("Sign-in sheet · %(task)s", task=shift.task.title),
        creator="Gongchuang",
        producer="Gongchuang",
        lang="zh-CN",
    )
    table = Table(_rows(shift, styles), colWidths=COLUMNS, repeatRows=1, rowHeights=9 * mm)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    header = _header(shift, coordinator=coordinator, font=font)
    document.build([table], onFirstPage=header, onLaterPages=header)
    return buffer.getvalue()


def signin_sheet_pdf(shift: Shift, *, actor, now: datetime | None = None) -> tuple[bytes, str]:
    """The printable sheet of a shift and its filename; printing people's names and numbers
    is audited like the CSV export."""
    require_team_manager(actor, shift.task.team_id)
    now = now or utcnow()
    data = render_signin_sheet(shift, coordinator=actor.name)
    audit.record("checkin.signin_sheet_printed", shift, actor=actor, now=now)
    return data, f"shift-{shift.id}-signin-{to_local(shift.starts_at):%Y%m%d}.pdf"
