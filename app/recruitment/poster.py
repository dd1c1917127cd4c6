"""The printable campaign poster: the campaign page's address and its QR code as SVG."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.svg import SvgPathImage

from app.common.markdown import render_markdown
from app.common.urls import external_url

SUMMARY_LENGTH = 240
# Enough redundancy to survive a crease or a smudge on a printed poster.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


def campaign_url(campaign_id: int) -> str:
    """The campaign page's absolute address (the poster's QR code)."""
    return external_url("recruitment.campaign", campaign_id=campaign_id)


def qr_svg(text: str) -> bytes:
    """`text` as a QR code: an SVG document with one path, no styles or scripts."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4, box_size=10)
    code.add_data(text)
    code.make(fit=True)
    image = code.make_image(image_factory=SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def summary(description: str | None, length: int = SUMMARY_LENGTH) -> str:
    """The campaign's Markdown description as a short plain text for the poster."""
    text = render_markdown(description).striptags()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
