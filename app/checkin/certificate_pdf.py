"""Rendering a service certificate (志愿服务证明) as a PDF, from its frozen content only.

Same content, same bytes: reportlab's invariant mode fixes the dates and the document id,
and pages are left uncompressed so the output does not depend on the zlib build either.
Certificates name their font in their frozen content ("font", a TrueType file such as the
vendored WenQuanYi Micro Hei, setting CERTIFICATE_FONT): reportlab embeds the subset of glyphs
used, so the PDF looks the same on every phone, whatever fonts its viewer has. Certificates
issued before that have no "font" and keep reportlab's built-in CID font STSong-Light (which
the viewer must substitute), so they still render byte for byte as issued.
"""

from __future__ import annotations

import io
from pathlib import Path
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
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

CID_FONT = "STSong-Light"
EMBEDDED_FONT = "GongchuangCertificate"
PROJECT = Path(__file__).resolve().parent.parent.parent
MARGIN = 20 * mm
QR_SIZE = 32 * mm
SERVICE_COLUMNS = (28 * mm, 30 * mm, 90 * mm, 22 * mm)
OUTSIDE_COLUMNS = (28 * mm, 120 * mm, 22 * mm)
# This many last service lines stay on the page of the signature block.
LINES_WITH_SIGNATURE = 2


def font_path(setting: str) -> Path:
    """The font file a CERTIFICATE_FONT setting names (relative to the project)."""
    path = Path(setting)
    return path if path.is_absolute() else PROJECT / path


def register_font(setting: str | None) -> str:
    """Register the certificate's font once per process; returns its reportlab name."""
    if not setting:
        name = CID_FONT
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        return name
    name = f"{EMBEDDED_FONT}-{setting}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(font_path(setting)), subfontIndex=0))
    return name


class Styles:
    """The paragraph styles, in one font."""

    def __init__(self, font: str) -> None:
        self.font = font
        body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
        cell = ParagraphStyle("cell", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
        self.title = ParagraphStyle(
            "title", fontName=font, fontSize=24, leading=32, alignment=TA_CENTER
        )
        self.body = body
        self.cell = cell
        self.statement = ParagraphStyle("statement", parent=body, firstLineIndent=24)
        self.heading = ParagraphStyle(
            "heading", parent=body, fontSize=13, spaceBefore=10, spaceAfter=6
        )
        self.right = ParagraphStyle("right", parent=body, alignment=TA_RIGHT)
        self.small = ParagraphStyle(
            "small", parent=cell, fontSize=8, leading=10, alignment=TA_CENTER
        )


GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
)


def paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _facts(content: dict, styles: Styles) -> Table:
    text = content["text"]
    rows = [
        (text["name"], content["name"]),
        (text["student_number"], content["student_number"]),
        (text["college"], content["college"]),
        (text["teams"], "、".join(content["teams"])),
        (text["period"], f"{content['period_start']} — {content['period_end']}"),
        (text["total_hours"], content["total_hours"]),
    ]
    if content.get("star_level"):  # certificates issued before star levels have none
        rows.append((text["star_level"], "★" * content["star_level"]))
    cells = [
        [paragraph(label, styles.cell), paragraph(value, styles.cell)] for label, value in rows
    ]
    table = Table(cells, colWidths=(40 * mm, 130 * mm))
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke)]))
    return table


def _service_table(rows: list, *, header: bool) -> Table:
    table = Table(rows, colWidths=SERVICE_COLUMNS, repeatRows=1 if header else 0)
    table.setStyle(GRID)
    if header:
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    return table


def _services(content: dict, styles: Styles, *, keep_last: int) -> tuple[list, list]:
    """The service lines: the table (it continues on the next pages under its header), and
    its last `keep_last` lines apart, to keep on the page of the signature."""
    text = content["text"]
    header = [paragraph(text[key], styles.cell) for key in ("date", "time", "task", "hours")]
    body = [
        [paragraph(line[key], styles.cell) for key in ("date", "time", "task", "hours")]
        for line in content["lines"]
    ]
    if not keep_last:
        return [_service_table([header, *body], header=True)], []
    if len(body) <= keep_last:
        return [], [_service_table([header, *body], header=True)]
    head, tail = body[:-keep_last], body[-keep_last:]
    return [_service_table([header, *head], header=True)], [_service_table(tail, header=False)]


def _outside(content: dict, styles: Styles) -> list:
    """Hours served elsewhere, in their own table after the library's (only certificates
    that have some; older content has no such key and renders as it was issued)."""
    lines = content.get("outside_lines")
    if not lines:
        return []
    text = content["text"]
    keys = ("date", "organiser", "hours")
    header = [paragraph(text[key], styles.cell) for key in keys]
    body = [[paragraph(line[key], styles.cell) for key in keys] for line in lines]
    total = [
        paragraph(text["outside_total"], styles.cell),
        "",
        paragraph(content["outside_total_hours"], styles.cell),
    ]
    table = Table([header, *body, total], colWidths=OUTSIDE_COLUMNS, repeatRows=1)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    return [paragraph(text["outside"], styles.heading), table]


def qr_drawing(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    return drawing


def _issuer_block(content: dict, styles: Styles, last_lines: list) -> KeepTogether:
    text = content["text"]
    lines = [
        f"{text['issuer']}：{content['issuer']}",
        f"{text['signatory']}：{content['signatory']}",
        f"{text['contact']}：{content['contact']}",
        f"{text['issued_on']}：{content['issued_on']}",
    ]
    signature = [paragraph(line, styles.right) for line in lines]
    verify = [qr_drawing(content["verify_url"]), paragraph(text["verify"], styles.small)]
    block = Table([[verify, signature]], colWidths=(QR_SIZE + 8 * mm, None))
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return KeepTogether([*last_lines, Spacer(1, 10 * mm), block])


def _footer(content: dict, font: str):
    label = f"{content['text']['number']}：{content['number']}"

    def draw(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        page = f"{content['text']['page']} {document.page}"
        canvas.drawString(MARGIN, 10 * mm, label)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, page)
        canvas.restoreState()

    return draw


def render_pdf(content: dict) -> bytes:
    """The certificate as PDF bytes; deterministic for a given content (and font file).

    Content of version 1 (before the embedded font) renders exactly as it was issued: the CID
    font, and the signature block kept together on its own."""
    current = content.get("version", 1) >= 2
    styles = Styles(register_font(content.get("font") if current else None))
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
    table, last_lines = _services(content, styles, keep_last=LINES_WITH_SIGNATURE if current else 0)
    story = [
        paragraph(text["title"], styles.title),
        paragraph(f"{text['number']}：{content['number']}", styles.right),
        Spacer(1, 6 * mm),
        paragraph(text["statement"], styles.statement),
        Spacer(1, 4 * mm),
        _facts(content, styles),
        paragraph(text["content"], styles.heading),
        *table,
        *_outside(content, styles),
        _issuer_block(content, styles, last_lines),
    ]
    footer = _footer(content, styles.font)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
