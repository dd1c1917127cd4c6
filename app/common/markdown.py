"""Markdown written by people (campaign descriptions, later column texts) as safe HTML.

The Markdown is rendered without raw HTML and then cleaned with an allow-list, so a
`<script>` or an `onclick` typed into a description comes out as harmless text; links
get `rel="nofollow noopener"`.
"""

from __future__ import annotations

from functools import partial

import bleach
import markdown as markdown_lib
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "a", "ul", "ol", "li", "strong", "em", "h3", "h4", "blockquote", "code", "br"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MAX_SOURCE_LENGTH = 50_000


def _link_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=False,
    filters=[partial(bleach.linkifier.LinkifyFilter, callbacks=[_link_rel], skip_tags=["code"])],
)


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for `text`; headings are shifted down to h3/h4 to sit under a page's
    own title, and any tag outside the allow-list (raw HTML typed into the source included) is
    shown as escaped text."""
    source = (text or "")[:MAX_SOURCE_LENGTH]
    if not source.strip():
        return Markup("")
    html = markdown_lib.markdown(source, extensions=["nl2br", "sane_lists"])
    for level, target in (("1", "3"), ("2", "3"), ("5", "4"), ("6", "4")):
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return Markup(_cleaner.clean(html))
