"""A column's Atom feed: valid Atom 1.0 with absolute addresses, only published
contributions, masked names, and the body as escaped, sanitised HTML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from tests.columns import reading_data as data
from tests.columns.reading_data import START
from tests.columns.test_views import XSS_PAYLOADS, live_markup

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def fetch(client, code: str = "picks") -> ET.Element:
    response = client.get(f"/columns/{code}/feed.atom")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.data)


def text(element: ET.Element, name: str) -> str:
    found = element.find(ATOM + name)
    assert found is not None, f"missing <{name}>"
    return found.text or ""


def links(element: ET.Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in element.findall(ATOM + "link")}


def test_the_feed_is_atom_with_the_published_contributions_newest_first(client, db):
    world = data.world(author_name="赵小六")
    data.published(world, title="第一篇", at=START, body="**好书**推荐")
    data.published(world, title="第二篇", at=START + timedelta(days=1), show_full_name=True)
    data.published(world, title="精选但较早", at=START - timedelta(days=3), featured=True)
    data.published(world, world.audio, title="别的专栏")
    data.draft(world, title="草稿")
    data.submitted(world, title="待审")
    data.unpublished(world, title="撤下")
    db.session.commit()

    feed = fetch(client)

    assert feed.tag == ATOM + "feed"
    assert text(feed, "id") == "http://localhost/columns/picks"
    assert "每周资源推介" in text(feed, "title")
    assert text(feed, "updated") == "2026-03-03T02:00:00Z"
    assert links(feed) == {
        "self": "http://localhost/columns/picks/feed.atom",
        "alternate": "http://localhost/columns/picks",
    }
    entries = feed.findall(ATOM + "entry")
    assert [text(entry, "title") for entry in entries] == ["第二篇", "第一篇", "精选但较早"]
    second, first = entries[0], entries[1]
    for entry in entries:
        assert RFC3339.match(text(entry, "updated")) and RFC3339.match(text(entry, "published"))
        assert links(entry)["alternate"] == text(entry, "id")
        assert text(entry, "id").startswith("http://localhost/columns/picks/")
    assert text(first, "published") == "2026-03-02T02:00:00Z"
    assert first.find(f"{ATOM}author/{ATOM}name").text == "赵*六"
    assert second.find(f"{ATOM}author/{ATOM}name").text == "赵小六"
    content = first.find(ATOM + "content")
    assert content.get("type") == "html"
    assert content.text.strip() == "<p><strong>好书</strong>推荐</p>"
    assert text(first, "summary") == "好书推荐"


def test_an_empty_column_still_has_a_valid_feed(client, db):
    data.world()
    db.session.commit()

    feed = fetch(client, "ideas")

    assert RFC3339.match(text(feed, "updated"))
    assert feed.findall(ATOM + "entry") == []


def test_the_feed_uses_the_public_address_when_one_is_configured(app, client, db, monkeypatch):
    world = data.world()
    shown = data.published(world)
    db.session.commit()
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://gc.library.example.edu/")

    feed = fetch(client)

    assert links(feed)["self"] == "https://gc.library.example.edu/columns/picks/feed.atom"
    entry = feed.find(ATOM + "entry")
    assert text(entry, "id") == f"https://gc.library.example.edu/columns/picks/{shown.id}"


def test_an_audio_entry_carries_its_file_as_an_enclosure(client, db):
    world = data.world()
    sound = data.audio_file(world.author)
    data.published(world, world.audio, title="朗读", media_id=sound.id)
    db.session.commit()

    entry = fetch(client, "audio").find(ATOM + "entry")

    enclosure = next(e for e in entry.findall(ATOM + "link") if e.get("rel") == "enclosure")
    assert enclosure.get("href") == f"http://localhost/media/{sound.id}"
    assert enclosure.get("type") == sound.mime_type
    assert enclosure.get("length") == str(sound.size)


def test_control_characters_typed_into_a_body_do_not_break_the_feed(client, db):
    world = data.world()
    data.published(world, title="换行\x0b标题", body="一段\x01文字\x08。")
    db.session.commit()

    entry = fetch(client).find(ATOM + "entry")

    assert text(entry, "title") == "换行标题"
    assert "一段文字。" in entry.find(ATOM + "content").text


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markup_in_a_body_reaches_feed_readers_sanitised(client, db, payload):
    world = data.world()
    data.published(world, title="<b>粗</b> & <script>x</script>", body=payload)
    db.session.commit()

    response = client.get("/columns/picks/feed.atom")
    entry = ET.fromstring(response.data).find(ATOM + "entry")

    assert b"<script" not in response.data and b"<iframe" not in response.data
    assert text(entry, "title") == "<b>粗</b> & <script>x</script>"
    assert live_markup(entry.find(ATOM + "content").text or "") == []
