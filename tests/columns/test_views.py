"""The public column pages: anyone reads published contributions; logged-in readers like
them and are counted once a day; nothing unpublished shows; typed-in markup stays inert."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.columns.models import Contribution
from app.extensions import db as _db
from tests.columns import columns_data
from tests.columns import reading_data as data
from tests.columns.reading_data import START
from tests.helpers import choose_english

# Script in every form a contribution's Markdown body might smuggle in.
XSS_PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<svg onload="alert(1)"><circle r="5"/></svg>',
    '<p style="width: expression(alert(1))">styled</p>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    "[a link](javascript:alert(1))",
    "[entity link](jav&#x61;script:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt; and &#60;img src=x onerror=alert(1)&#62;",
    '<div onmouseover="alert(1)">hover</div>',
    "![pic](javascript:alert(1))",
]
SAFE_TAGS = {"p", "a", "ul", "ol", "li", "strong", "em", "h3", "h4", "blockquote", "code", "br"}


class Markup(HTMLParser):
    """The tags and attributes a browser would build from a piece of HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def live_markup(html: str) -> list[str]:
    """What in `html` could run script: unknown tags, event handlers, odd link schemes."""
    found = []
    for tag, attrs in Markup(html).tags:
        if tag not in SAFE_TAGS:
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or name in ("style", "src"):
                found.append(f"{tag}[{name}]")
            scheme = urlsplit((value or "").strip()).scheme.lower()
            if name == "href" and scheme not in ("http", "https", "mailto", ""):
                found.append(f"{tag}[href={value}]")
    return found


def body_html(page: str) -> str:
    """The rendered body of a contribution page."""
    match = re.search(r'data-testid="contribution-body">(.*?)</div>', page, re.DOTALL)
    assert match, page
    return match.group(1)


def page_url(contribution: Contribution) -> str:
    return f"/columns/{contribution.column.code}/{contribution.id}"


def test_the_columns_page_shows_every_active_column_with_its_latest_three(client, db):
    world = data.world()
    for day in range(4):
        data.published(world, title=f"推荐{day}", at=START + timedelta(days=day))
    data.draft(world, title="还没写完")
    db.session.commit()

    page = client.get("/columns/").get_data(as_text=True)

    for code in ("audio", "video", "picks", "ideas"):
        assert f'data-testid="column-{code}"' in page
        assert f'href="/contribute/new?column={code}"' in page
    assert "推荐3" in page and "推荐2" in page and "推荐1" in page
    assert "推荐0" not in page and "还没写完" not in page


def test_a_column_lists_only_published_contributions_with_cards(client, db):
    world = data.world(author_name="王小明")
    data.published(world, title="旧的", at=START, body="很**好**的一本书。" * 3)
    data.published(world, title="精选的", at=START - timedelta(days=9), featured=True)
    data.published(world, title="实名的", at=START + timedelta(days=1), show_full_name=True)
    data.draft(world, title="草稿")
    data.submitted(world, title="待审")
    data.unpublished(world, title="撤下")
    db.session.commit()

    response = client.get("/columns/picks")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    titles = re.findall(r'class="stretched-link[^"]*" href="[^"]+">([^<]+)</a>', page)
    assert titles == ["精选的", "实名的", "旧的"]
    assert page.count('data-testid="featured"') == 1
    assert "王*明" in page and "王小明" in page  # masked, and the one who chose the full name
    assert "很好的一本书。" in page and "**" not in page
    assert 'href="/contribute/new?column=picks"' in page
    assert (
        '<link rel="alternate" type="application/atom+xml" title="每周资源推介" '
        'href="/columns/picks/feed.atom">' in page
    )


def test_a_column_is_paginated(app, client, db):
    world = data.world()
    size = app.config["PAGE_SIZE"]
    for number in range(size + 2):
        data.published(world, title=f"第{number:02d}篇", at=START + timedelta(hours=number))
    db.session.commit()

    first = client.get("/columns/picks").get_data(as_text=True)
    second = client.get("/columns/picks?page=2").get_data(as_text=True)

    assert f"第{size + 1:02d}篇" in first and "第01篇" not in first
    assert "第01篇" in second and "第00篇" in second and f"第{size + 1:02d}篇" not in second
    assert client.get("/columns/picks?page=abc").status_code == 200
    assert client.get("/columns/picks?page=99").status_code == 200


def test_unknown_columns_give_404(client, db):
    data.world()
    db.session.commit()
    assert client.get("/columns/nope").status_code == 404
    assert client.get("/columns/nope/1").status_code == 404
    assert client.get("/columns/nope/feed.atom").status_code == 404


@pytest.mark.parametrize("state", ["draft", "submitted", "unpublished"])
def test_unpublished_contributions_are_not_found(client, login, db, state):
    world = data.world()
    hidden = getattr(data, state)(world)
    db.session.commit()
    url = page_url(hidden)

    assert client.get(url).status_code == 404
    login(world.author)
    assert client.get(url).status_code == 404
    assert client.post(url + "/like").status_code == 404


def test_a_contribution_is_shown_only_under_its_own_column(client, db):
    world = data.world()
    shown = data.published(world)
    db.session.commit()
    assert client.get(f"/columns/audio/{shown.id}").status_code == 404
    assert client.get(f"/columns/picks/{shown.id}").status_code == 200


def test_anyone_reads_a_contribution_with_its_resources(client, db):
    world = data.world(author_name="李四")
    shown = data.published(
        world,
        title="本周推荐",
        body="### 为什么\n\n值得一读。",
        links=[("三体", "https://opac.example.edu/123", "I247.5/123"), ("线下讲座", "", "")],
    )
    db.session.commit()

    response = client.get(page_url(shown))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "本周推荐" in page and "李*" in page and "李四" not in page
    assert "<h3>为什么</h3>" in body_html(page)
    assert (
        '<a href="https://opac.example.edu/123" rel="nofollow noopener" target="_blank">三体</a>'
        in page
    )
    assert "I247.5/123" in page and "线下讲座" in page
    assert 'data-testid="login-to-like"' in page
    _db.session.expire_all()
    assert _db.session.get(Contribution, shown.id).view_count == 0  # anonymous: not counted


def test_an_audio_contribution_has_a_player_that_seeks(client, db):
    world = data.world()
    sound = data.audio_file(world.author)
    shown = data.published(world, world.audio, title="朗读", media_id=sound.id)
    db.session.commit()

    page = client.get(page_url(shown)).get_data(as_text=True)

    assert '<audio class="w-100 mb-3" controls preload="metadata"' in page
    assert f'<source src="/media/{sound.id}" type="{sound.mime_type}">' in page
    media = client.get(f"/media/{sound.id}", headers={"Range": "bytes=0-3"})
    assert media.status_code == 206 and media.data == b"RIFF"


def test_a_logged_in_reader_is_counted_once_a_day(client, login, db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()
    db.session.commit()
    login(reader)
    choose_english(client)

    client.get(page_url(shown))
    page = client.get(page_url(shown)).get_data(as_text=True)

    assert 'data-testid="view-count">1 views<' in page
    _db.session.expire_all()
    assert _db.session.get(Contribution, shown.id).view_count == 1


def test_a_reader_likes_and_unlikes_with_the_button(client, login, db):
    world = data.world()
    shown = data.published(world)
    reader = columns_data.author()
    db.session.commit()
    login(reader)
    choose_english(client)
    url = page_url(shown)

    assert 'data-testid="like"' in client.get(url).get_data(as_text=True)
    response = client.post(url + "/like")
    assert response.status_code == 302 and response.location.endswith(url + "#likes")
    client.post(url + "/like")
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="unlike"' in page and 'data-testid="like-count">1 likes<' in page
    card = client.get("/columns/picks").get_data(as_text=True)
    assert '♥ <span data-testid="like-count">1</span>' in card

    client.post(url + "/unlike")
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="like"' in page and 'data-testid="like-count">0 likes<' in page


def test_liking_needs_a_login_and_the_form_token(app, client, login, db, monkeypatch):
    world = data.world()
    shown = data.published(world)
    db.session.commit()
    url = page_url(shown)

    response = client.post(url + "/like")
    assert response.status_code == 302 and "/login" in response.location
    login(world.author)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(url + "/like").status_code == 400
    _db.session.expire_all()
    assert _db.session.get(Contribution, shown.id).like_count == 0


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markup_in_a_published_body_comes_out_inert(client, db, payload):
    world = data.world()
    shown = data.published(world, title="<script>alert('t')</script>", body=payload)
    db.session.commit()

    page = client.get(page_url(shown)).get_data(as_text=True)
    card = client.get("/columns/picks").get_data(as_text=True)

    assert live_markup(body_html(page)) == []
    assert "<script>alert" not in page and "<script>alert" not in card
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in page
    excerpt = re.search(r'data-testid="excerpt">(.*?)</p>', card, re.DOTALL).group(1)
    assert Markup(excerpt).tags == []
