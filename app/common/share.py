"""Sharing a public page the way students share: its QR code, and a poster image (PNG) with
the page's title, a line under it, the programme's name and the QR code, to save on a
phone and send in WeChat.

Chinese text needs a CJK font: POSTER_FONT names one, else the first of the usual system
fonts found (Debian: `apt-get install fonts-wqy-microhei`); without one the poster still
carries the QR code and address, with Latin text only.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from pathlib import Path

import qrcode
from flask import current_app
from PIL import Image, ImageDraw, ImageFont

from app.common.tables import download

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
WIDTH, HEIGHT, MARGIN = 750, 1150, 56
BRAND = (13, 110, 253)
INK = (33, 37, 41)
MUTED = (108, 117, 125)


def _qr(url: str) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@lru_cache(maxsize=512)
def qr_data_uri(url: str) -> str:
    """The QR code of `url` as a data: address for an <img> (the CSP allows data: images);
    kept per address, as a page's code never changes and makes a page 10 ms slower."""
    return "data:image/png;base64," + base64.b64encode(_png(_qr(url))).decode()


@lru_cache(maxsize=8)
def _font_file(configured: str) -> str | None:
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file(current_app.config.get("POSTER_FONT", ""))
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _lines(draw: ImageDraw.ImageDraw, text: str, font, width: int, most: int) -> list[str]:
    """`text` broken to fit `width`, character by character (Chinese has no spaces), in at
    most `most` lines, the last one ending in … when cut."""
    lines, line = [], ""
    for char in " ".join(text.split()):
        if draw.textlength(line + char, font=font) > width:
            lines.append(line)
            line = char.strip()
        else:
            line += char
    lines.append(line)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][:-1] + "…"
    return [line for line in lines if line]


def poster_png(*, title: str, subtitle: str, url: str, site: str, hint: str) -> bytes:
    """The share poster: brand band, title, subtitle, QR code, hint and the address."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 120), fill=BRAND)
    draw.text((MARGIN, 42), site, font=_font(34), fill="white")
    y = 170
    for line in _lines(draw, title, _font(52), WIDTH - 2 * MARGIN, 3):
        draw.text((MARGIN, y), line, font=_font(52), fill=INK)
        y += 70
    for line in _lines(draw, subtitle, _font(30), WIDTH - 2 * MARGIN, 2):
        draw.text((MARGIN, y + 10), line, font=_font(30), fill=MUTED)
        y += 44
    code = _qr(url).resize((420, 420), Image.NEAREST)
    image.paste(code, ((WIDTH - 420) // 2, HEIGHT - 640))
    draw.text((WIDTH // 2, HEIGHT - 190), hint, font=_font(30), fill=INK, anchor="mm")
    for index, line in enumerate(_lines(draw, url, _font(22), WIDTH - 2 * MARGIN, 2)):
        draw.text(
            (WIDTH // 2, HEIGHT - 130 + 32 * index), line, font=_font(22), fill=MUTED, anchor="mm"
        )
    return _png(image)


def poster_response(*, title: str, subtitle: str, url: str):
    """The poster as a PNG response, in the reader's language."""
    from flask_babel import gettext as _

    png = poster_png(
        title=title,
        subtitle=subtitle,
        url=url,
        site=_("Gongchuang · library volunteers and co-creation"),
        hint=_("Long-press or scan the QR code to open"),
    )
    response = download(png, "poster.png", "image/png", inline=True)
    response.headers["Cache-Control"] = "private, max-age=600"
    return response
