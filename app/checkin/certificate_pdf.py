"""Rendering a service certificate (志愿服务证明) as a PDF, from its frozen content only.

Same content, same bytes: reportlab's invariant mode fixes the dates and the document id,
and pages are left uncompressed so the output does not depend on the zlib build either.
The Chinese text uses reportlab's built-in CID font STSong-Light: no font file to ship,
every PDF reader has a substitute, and the text stays extractable (pypdf reads it back).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
MARGIN = 20 * mm
QR_SIZE = 32 * mm
SERVICE_COLUMNS = (28 * mm, 30 * mm, 90 * mm, 22 * mm)

TITLE = ParagraphStyle("title", fontName=FONT, fontSize=24, leading=32, alignment=TA_CENTER)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK")
STATEMENT = ParagraphStyle("statement", parent=BODY, firstLineIndent=24)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
HEADING = ParagraphStyle("heading", parent=BODY, fontSize=13, spaceBefore=10, spaceAfter=6)
RIGHT = ParagraphStyle("right", parent=BODY, alignment=TA_RIGHT)
SMALL = ParagraphStyle("small", parent=CELL, fontSize=8, leading=10, alignment=TA_CENTER)

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _p(text: object, style: ParagraphStyle = CELL) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _facts(content: dict) -> Table:
    text = content["text"]
    rows = [
        (text["name"], content["name"]),
        (text["student_number"], content["student_number"]),
        (text["college"], content["college"]),
        (text["teams"], "、".join(content["teams"])),
        (text["period"], f"{content['period_start']} — {content['period_end']}"),
        (text["total_hours"], content["total_hours"]),
    ]
    table = Table([[_p(label), _p(value)] for label, value in rows], colWidths=(40 * mm, 130 * mm))
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    return table


def _services(content: dict) -> Table:
    """The service lines; a long table continues on the next pages under its header."""
    text = content["text"]
    header = [_p(text[key]) for key in ("date", "time", "task", "hours")]
    body = [
        [_p(line["date"]), _p(line["time"]), _p(line["task"]), _p(line["hours"])]
        for line in content["lines"]
    ]
    table = Table([header, *body], colWidths=SERVICE_COLUMNS, repeatRows=1)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    return table


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


def _issuer_block(content: dict) -> KeepTogether:
    text = content["text"]
    lines = [
        f"{text['issuer']}：{content['issuer']}",
        f"{text['signatory']}：{content['signatory']}",
        f"{text['contact']}：{content['contact']}",
        f"{text['issued_on']}：{content['issued_on']}",
    ]
    signature = [_p(line, RIGHT) for line in lines]
    verify = [_qr(content["verify_url"]), _p(text["verify"], SMALL)]
    block = Table([[verify, signature]], colWidths=(QR_SIZE + 8 * mm, None))
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return KeepTogether([Spacer(1, 10 * mm), block])


def _footer(content: dict):
    label = f"{content['text']['number']}：{content['number']}"

    def draw(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        page = f"{content['text']['page']} {document.page}"
        canvas.drawString(MARGIN, 10 * mm, label)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, page)
        canvas.restoreState()

    return draw


def render_pdf(content: dict) -> bytes:
    """The certificate as PDF bytes; deterministic for a given content."""
    _font()
    text = content["text"]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{text['title']} {content['number']}",
        author=content["issuer"],
        subject=content["name"],
        creator="Gongchuang",
        producer="Gongchuang",
        invariant=1,
        pageCompression=0,
        lang="zh-CN",
    )
    story = [
        _p(text["title"], TITLE),
        _p(f"{text['number']}：{content['number']}", RIGHT),
        Spacer(1, 6 * mm),
        _p(text["statement"], STATEMENT),
        Spacer(1, 4 * mm),
        _facts(content),
        _p(text["content"], HEADING),
        _services(content),
        _issuer_block(content),
    ]
    footer = _footer(content)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
