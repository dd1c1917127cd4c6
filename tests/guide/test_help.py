"""The help page (/help) shows the user guide in the reader's language, to everyone."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


class PageParts(HTMLParser):
    """The ids, the table of contents' links, the images and the links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.headings: set[str] = set()
        self.toc_links: list[str] = []
        self.images: list[str] = []
        self.links: list[tuple[str, str | None]] = []
        self._in_toc = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
            if tag in {"h1", "h2", "h3", "h4"}:
                self.headings.add(attributes["id"])
        if attributes.get("data-testid") == "guide-toc":
            self._in_toc = 1
        elif self._in_toc and tag == "nav":
            self._in_toc += 1
        if tag == "a" and attributes.get("href"):
            self.links.append((attributes["href"], attributes.get("data-testid")))
            if self._in_toc:
                self.toc_links.append(attributes["href"])
        if tag == "img":
            self.images.append(attributes.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._in_toc and tag == "nav":
            self._in_toc -= 1


def parts(response) -> PageParts:
    parser = PageParts()
    parser.feed(response.get_data(as_text=True))
    return parser


def choose_language(client, locale: str) -> None:
    client.post("/locale", data={"locale": locale, "next": "/help"})


@pytest.mark.parametrize(
    ("locale", "heading", "section"),
    [("zh", "共创 用户指南", "指导老师"), ("en", "Gongchuang user guide", "Coordinators")],
)
def test_anyone_reads_the_guide_in_their_language(client, db, locale, heading, section):
    choose_language(client, locale)

    response = client.get("/help")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f">{heading}</h1>" in page
    assert f">{section}</h2>" in page
    assert f"<title>{heading} · " in page


def test_a_logged_in_person_reads_the_guide_in_the_language_they_chose(client, login, student):
    login(student)
    choose_language(client, "en")

    page = client.get("/help").get_data(as_text=True)

    assert ">Gongchuang user guide</h1>" in page
    assert 'data-testid="current-user"' in page


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_contents_link_leads_to_a_heading(client, db, locale):
    choose_language(client, locale)

    page = parts(client.get("/help"))

    assert len(page.toc_links) >= 20
    for href in page.toc_links:
        assert href.startswith("#")
        assert unquote(href[1:]) in page.headings, f"{href} leads nowhere"


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_image_of_the_guide_is_served_from_static(client, db, locale):
    choose_language(client, locale)

    images = parts(client.get("/help")).images

    assert len(images) >= 30
    for src in images:
        assert src.startswith("/static/guide/"), src
        assert (ROOT / src.lstrip("/")).is_file(), f"{src} is missing"
        assert client.get(src).status_code == 200


def test_guide_images_carry_their_real_size_so_the_page_does_not_jump_while_loading(client, db):
    html = client.get("/help").get_data(as_text=True)

    sized = re.findall(r'src="/static/guide/([\w.-]+)" width="(\d+)" height="(\d+)"', html)
    assert len(sized) >= 30
    for name, width, height in sized:
        with Image.open(ROOT / "static" / "guide" / name) as image:
            assert (int(width), int(height)) == image.size, name


@pytest.mark.parametrize("who", ["anonymous", "student", "admin"])
def test_the_menu_links_to_help_on_every_page(client, login, student, admin, who):
    if who != "anonymous":
        login(student if who == "student" else admin)
    start = "/login" if who == "anonymous" else "/"

    links = parts(client.get(start)).links

    assert ("/help", "nav-help") in links
    assert ("/help", "footer-help") in links


def test_the_guide_in_the_repository_shows_images_with_paths_that_work_on_github():
    """The Markdown's image paths are relative to docs/guide/, as GitHub resolves them."""
    for guide in ("zh.md", "en.md"):
        folder = ROOT / "docs" / "guide"
        text = (folder / guide).read_text(encoding="utf-8")
        targets = [part.split(")")[0] for part in text.split("](")[1:]]
        images = [target for target in targets if target.endswith(".png")]
        assert images, guide
        for target in images:
            assert (folder / target).resolve().is_file(), f"{guide}: {target}"
