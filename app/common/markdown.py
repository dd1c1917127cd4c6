"""Markdown written by people (campaign descriptions, later column texts) as safe HTML.

The Markdown is rendered without raw HTML (a `<script>` or an `<a onclick>` typed into a
description comes out as text, escaped by Markdown itself) and then cleaned with an
allow-list by `nh3`, which drops any other tag Markdown makes (images, rules, `<pre>`) and
keeps its text. Bare web addresses become links; links get `rel="nofollow noopener"`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown as markdown_lib
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "a", "ul", "ol", "li", "strong", "em", "h3", "h4", "blockquote", "code", "br"}
)
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}}  # "*": no `title` or `lang` anywhere
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
MAX_SOURCE_LENGTH = 50_000

# A web address in running text: with a scheme, or starting "www."; trailing punctuation
# (a full stop ending the sentence, a closing bracket) stays outside the link.
BARE_URL = re.compile(
    r"((?:https?://|mailto:|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?)\]}，。；：！？）])"
)


def _links(text: str) -> tuple[str, list[etree.Element]]:
    """`text` up to its first bare address, then one link per address with the text after it
    as the link's tail."""
    parts = BARE_URL.split(text)
    links = []
    for address, tail in zip(parts[1::2], parts[2::2], strict=True):
        link = etree.Element(
            "a", href=f"http://{address}" if address.startswith("www.") else address
        )
        link.text, link.tail = address, tail
        links.append(link)
    return parts[0], links


class _LinkifyBareUrls(Treeprocessor):
    """Turns bare addresses in running text into links, leaving links and code alone."""

    def run(self, root: etree.Element) -> None:
        self._linkify(root)

    def _linkify(self, element: etree.Element) -> None:
        children = list(element)
        for child in children:
            if child.tag not in {"a", "code", "pre"}:
                self._linkify(child)
        if element.text:
            element.text, links = _links(element.text)
            for offset, link in enumerate(links):
                element.insert(offset, link)
        for child in children:
            if child.tail:
                child.tail, links = _links(child.tail)
                position = list(element).index(child) + 1
                for offset, link in enumerate(links):
                    element.insert(position + offset, link)


class _SafeMarkdown(Extension):
    """No raw HTML (it is shown as text) and bare addresses linked."""

    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_LinkifyBareUrls(md), "linkify", 15)


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for `text`; headings are shifted down to h3/h4 to sit under a page's
    own title."""
    source = (text or "")[:MAX_SOURCE_LENGTH]
    if not source.strip():
        return Markup("")
    html = markdown_lib.markdown(source, extensions=["nl2br", "sane_lists", _SafeMarkdown()])
    for level, target in (("1", "3"), ("2", "3"), ("5", "4"), ("6", "4")):
        html = html.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return Markup(
        nh3.clean(
            html,
            tags=set(ALLOWED_TAGS),
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=set(ALLOWED_PROTOCOLS),
            link_rel=LINK_REL,
        )
    )
