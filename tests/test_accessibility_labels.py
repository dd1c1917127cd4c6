"""Every form field on every page has a label a screen reader can read out: a crawl of
every GET page, as every demo role, with ids of demo objects, parsing each page's HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from app.demo import services as demo
from app.demo.data import DEMO_PASSWORD
from tests.e2e.a11y.urls import ROLES, add_shared_objects, page_urls

FIELDS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    text: list[str] = field(default_factory=list)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def has_text(self) -> bool:
        return bool("".join(self.text).strip())


class PageParser(HTMLParser):
    """Keeps every element with its text (its descendants' text included)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.open[-1] if self.open else None
        element = Element(tag, {name: value or "" for name, value in attrs}, parent)
        self.elements.append(element)
        if tag == "img" and element.attrs.get("alt"):
            self.handle_data(element.attrs["alt"])
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text.append(data)


def unlabelled_fields(html: str) -> list[str]:
    """A description of every visible form field that has no label."""
    parser = PageParser()
    parser.feed(html)
    by_id = {e.attrs["id"]: e for e in parser.elements if e.attrs.get("id")}
    labelled_ids = {
        e.attrs["for"]
        for e in parser.elements
        if e.tag == "label" and e.has_text() and "for" in e.attrs
    }
    missing = []
    for element in parser.elements:
        if element.tag not in FIELDS:
            continue
        if element.attrs.get("type", "text").lower() in UNLABELLED_TYPES or _hidden(element):
            continue
        if not _has_label(element, by_id, labelled_ids):
            attrs = " ".join(f'{k}="{v}"' for k, v in element.attrs.items() if k != "value")
            missing.append(f"<{element.tag} {attrs}>")
    return missing


def _hidden(element: Element) -> bool:
    """Hidden from everyone, screen readers included (`hidden`, Bootstrap's d-none)."""
    return any(
        "hidden" in node.attrs or "d-none" in node.attrs.get("class", "").split()
        for node in (element, *element.ancestors())
    )


def _has_label(element: Element, by_id: dict[str, Element], labelled_ids: set[str]) -> bool:
    attrs = element.attrs
    if attrs.get("aria-label", "").strip():
        return True
    if attrs.get("id") in labelled_ids:
        return True
    if any(node.tag == "label" and node.has_text() for node in element.ancestors()):
        return True
    references = attrs.get("aria-labelledby", "").split()
    return bool(references) and all(ref in by_id and by_id[ref].has_text() for ref in references)


def test_the_checker_finds_a_field_without_a_label():
    html = """
        <label for="a">Name</label><input id="a">
        <label>Email <input type="email"></label>
        <input aria-label="Search">
        <span id="t">Title</span><input aria-labelledby="t">
        <input type="hidden" name="csrf"><button type="submit">Go</button>
        <label for="b"></label><input id="b" name="empty-label">
        <select name="lonely"></select>
        <input aria-labelledby="nowhere" name="dangling">
        <select class="d-none" name="not-shown"></select><div hidden><input name="x"></div>
    """
    assert [line.split()[-1] for line in unlabelled_fields(html)] == [
        'name="empty-label">',
        'name="lonely">',
        'name="dangling">',
    ]


def test_every_form_field_on_every_page_has_a_label(app, db):
    demo.load_demo_data()
    add_shared_objects()
    db.session.commit()
    urls = page_urls(app)
    checked, problems = 0, []
    for role, login in ROLES.items():
        client = app.test_client()
        if login:
            client.post("/login", data={"identifier": login, "password": DEMO_PASSWORD})
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            checked += 1
            problems += [f"{role} {url}: {f}" for f in unlabelled_fields(response.text)]
    # Each role sees its own pages: a crawl that reached few pages checked nothing.
    assert checked > 150
    assert not problems, "fields without a label:\n" + "\n".join(problems)
