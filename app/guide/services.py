"""Render the user guide's Markdown (ours, in the repository, never user input) to HTML."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

import markdown
from markdown.extensions.toc import slugify_unicode
from PIL import Image

BASE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUIDE_DIR = os.path.join(BASE_DIR, "docs", "guide")
GUIDE_LOCALES = ("zh", "en")
# The Markdown points at the screenshots relative to docs/guide/, so that GitHub shows them.
REPO_IMAGE_PREFIX = "../../static/guide/"
IMAGES_DIR = os.path.join(BASE_DIR, "static", "guide")
IMAGE_TAG = re.compile(r'<img alt="([^"]*)" src="([^"]*/([\w.-]+\.png))" />')


@dataclass(frozen=True)
class Guide:
    locale: str
    title: str
    toc_html: str
    body_html: str


def guide_path(locale: str) -> str:
    """The Markdown file for a locale; Chinese for any other."""
    return os.path.join(GUIDE_DIR, f"{locale if locale in GUIDE_LOCALES else 'zh'}.md")


def load_guide(locale: str, image_prefix: str) -> Guide:
    """The guide for a locale, its images under `image_prefix` (the app's /static/guide/)."""
    path = guide_path(locale)
    return _render(path, os.path.getmtime(path), image_prefix)


@lru_cache(maxsize=8)
def _render(path: str, mtime: float, image_prefix: str) -> Guide:
    """Rendered once per file version (the mtime is part of the cache key)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read().replace(REPO_IMAGE_PREFIX, image_prefix)
    md = markdown.Markdown(
        extensions=["toc", "tables", "attr_list"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
    )
    body = IMAGE_TAG.sub(_sized_image, md.convert(text))
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    locale = os.path.splitext(os.path.basename(path))[0]
    return Guide(locale=locale, title=title, toc_html=md.toc, body_html=body)


def _sized_image(match: re.Match) -> str:
    """An <img> with its width and height, so the page does not jump as screenshots load
    (a link to a heading lands on it), and loaded only when scrolled near."""
    alt, src, name = match.groups()
    size = png_size(os.path.join(IMAGES_DIR, name))
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return f'<img alt="{alt}" src="{src}"{dimensions} loading="lazy" />'


def png_size(path: str) -> tuple[int, int] | None:
    """A PNG's width and height; None for a missing or broken file or another format."""
    try:
        with Image.open(path) as image:
            return image.size if image.format == "PNG" else None
    except OSError:
        return None
