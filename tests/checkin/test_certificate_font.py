"""A certificate PDF looks the same on every phone: it embeds its Chinese font, and its
signature block never stands alone on a page."""

from __future__ import annotations

import copy
import io
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader

from app.checkin import certificates
from app.checkin.certificate_pdf import font_path, render_pdf
from app.checkin.certificates import Period
from tests.checkin.test_certificates import NOW, desk, pdf_text, request_context, served, volunteer

__all__ = ["desk", "request_context"]  # fixtures used here


@pytest.fixture
def issued(desk, request_context):
    team, task = desk
    person = volunteer(team, name="王小明")
    served(person, task, datetime(2026, 3, 1, 1, 0), hours=3)
    return certificates.issue_certificate(
        person, Period(date(2026, 2, 20), date(2026, 3, 20)), now=NOW
    )


def test_the_pdf_embeds_a_chinese_truetype_font_and_its_text_reads_back(issued):
    certificate, pdf = issued

    assert b"/FontFile2" in pdf  # a TrueType font program inside the file
    assert b"WenQuanYi" in pdf
    assert b"STSong-Light" not in pdf  # no font the viewer must bring
    text = pdf_text(pdf)
    for expected in ("志愿服务证明", "王小明", "总服务台值班", "2026-03-01", certificate.number):
        assert expected in text, expected


def test_an_embedded_font_certificate_downloads_again_byte_for_byte(issued):
    certificate, pdf = issued

    assert certificates.certificate_pdf(certificate) == pdf


def _issue_with_font(monkeypatch, app, issued, setting: str):
    monkeypatch.setitem(app.config, "CERTIFICATE_FONT", setting)
    return certificates.issue_certificate(
        issued[0].user, Period(date(2026, 2, 20), date(2026, 3, 20)), now=NOW
    )


def test_another_font_file_can_be_set(monkeypatch, app, issued):
    elsewhere = str(font_path("static/vendor/fonts/wqy-microhei/wqy-microhei.ttc"))

    certificate, pdf = _issue_with_font(monkeypatch, app, issued, elsewhere)

    assert certificate.content["font"] == elsewhere
    assert b"/FontFile2" in pdf and "王小明" in pdf_text(pdf)


def test_a_missing_font_file_still_issues_the_certificate(monkeypatch, app, issued):
    missing = "static/vendor/fonts/none/missing.ttf"

    certificate, pdf = _issue_with_font(monkeypatch, app, issued, missing)

    assert certificate.content["font"] is None
    assert "王小明" in pdf_text(pdf)


def test_a_certificate_issued_before_the_embedded_font_renders_as_it_was(issued):
    certificate, _pdf = issued
    old = copy.deepcopy(dict(certificate.content))
    old["version"] = 1
    old.pop("font")

    pdf = render_pdf(old)

    assert b"STSong-Light" in pdf and b"/FontFile2" not in pdf
    assert "王小明" in pdf_text(pdf)


def _page_of(pages: list[str], needle: str) -> int:
    return next(number for number, text in enumerate(pages) if needle in text)


def test_the_signature_stays_with_the_last_lines_of_a_long_certificate(issued):
    certificate, _pdf = issued
    content = copy.deepcopy(dict(certificate.content))
    line = content["lines"][0]
    issuer = content["text"]["issuer"]
    for count in range(25, 75):  # every way the last page can fall
        lines = []
        for day in range(count):
            when = (date(2025, 9, 1) + timedelta(days=day)).isoformat()
            lines.append({**line, "date": when, "task": f"服务{day:03d}"})
        content["lines"] = lines
        reader = PdfReader(io.BytesIO(render_pdf(content)))
        pages = [page.extract_text() for page in reader.pages]
        signed = _page_of(pages, issuer)
        assert _page_of(pages, f"服务{count - 1:03d}") == signed, count
        assert _page_of(pages, f"服务{count - 2:03d}") == signed, count
