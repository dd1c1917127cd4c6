"""Comments on a contribution's page: the count and the thread (newest last), posting one,
a refused one shown clearly, markup kept inert, the editors' hide and close buttons, and
the per-person limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.columns import comments
from app.columns.models import Contribution
from app.extensions import db as _db
from app.extensions import limiter
from tests.columns import columns_data
from tests.columns import reading_data as data
from tests.columns.reading_data import START
from tests.columns.test_views import XSS_PAYLOADS, live_markup, page_url
from tests.helpers import choose_english


def thread_html(page: str) -> str:
    start = page.index('id="comments"')
    return page[start : page.index("</section>", start)]


def test_a_reader_posts_a_comment_and_sees_it_last_in_the_thread(client, login, db):
    world = data.world()
    shown = data.published(world)
    earlier = columns_data.author(name="王五")
    comments.add_comment(earlier, shown.id, "第一条评论", now=START)
    reader = columns_data.author(name="李小四")
    db.session.commit()
    login(reader)
    choose_english(client)
    url = page_url(shown)

    response = client.post(url + "/comments", data={"body": "第二条：*很有用*"})
    assert response.status_code == 302 and response.location.endswith(url + "#comments")
    page = client.get(url).get_data(as_text=True)
    thread = thread_html(page)
    assert 'data-testid="comment-count">2<' in thread
    assert thread.index("第一条评论") < thread.index("第二条：<em>很有用</em>")
    assert "李*四" in thread and "李小四" not in thread  # names masked, as on public boards
    assert "Your comment is posted." in page


def test_an_empty_comment_is_refused_with_a_message_and_nothing_saved(client, login, db):
    world = data.world()
    shown = data.published(world)
    db.session.commit()
    login(world.author)
    choose_english(client)
    url = page_url(shown)

    client.post(url + "/comments", data={"body": "   "})
    page = client.get(url).get_data(as_text=True)
    assert "Please write a comment." in page
    assert 'data-testid="no-comments"' in page


def test_a_visitor_is_asked_to_log_in_to_comment(client, db):
    world = data.world()
    shown = data.published(world)
    db.session.commit()
    url = page_url(shown)

    assert 'data-testid="login-to-comment"' in client.get(url).get_data(as_text=True)
    response = client.post(url + "/comments", data={"body": "匿名评论"})
    assert response.status_code == 302 and "/login" in response.location
    assert comments.thread(shown) == []


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markup_in_a_comment_comes_out_inert(client, login, db, payload):
    world = data.world()
    shown = data.published(world)
    comments.add_comment(world.author, shown.id, payload)
    db.session.commit()

    page = client.get(page_url(shown)).get_data(as_text=True)
    for body in page.split('data-testid="comment-body">')[1:]:
        assert live_markup(body.split("</div>")[0]) == []


def test_an_editor_hides_a_comment_and_closes_the_post(client, login, db):
    world = data.world()
    shown = data.published(world)
    spam = comments.add_comment(columns_data.author(), shown.id, "广告链接", now=START)
    db.session.commit()
    url = page_url(shown)
    login(world.editor)
    choose_english(client)

    client.post(f"{url}/comments/{spam.id}/hide", data={"reason": ""})
    assert "Please give a reason for hiding this comment." in client.get(url).get_data(as_text=True)
    client.post(f"{url}/comments/{spam.id}/hide", data={"reason": "广告"})
    editor_page = client.get(url).get_data(as_text=True)
    assert 'data-testid="hidden-note"' in editor_page and "广告" in editor_page
    client.post(f"{url}/comments/close")

    client.post("/logout")
    reader_page = client.get(url).get_data(as_text=True)
    assert "广告链接" not in reader_page
    assert 'data-testid="comment-count">0<' in reader_page
    assert 'data-testid="comments-closed"' in reader_page


def test_a_closed_post_refuses_a_comment_with_a_message(client, login, db):
    world = data.world()
    shown = data.published(world)
    comments.set_comments_closed(world.editor, shown.id, True, now=START)
    db.session.commit()
    login(world.author)
    choose_english(client)
    url = page_url(shown)

    client.post(url + "/comments", data={"body": "还能说话吗"})
    page = client.get(url).get_data(as_text=True)
    assert "Comments on this contribution are closed." in page
    _db.session.expire_all()
    assert _db.session.get(Contribution, shown.id).comment_count == 0


def test_a_reader_cannot_hide_or_close(client, login, db):
    world = data.world()
    shown = data.published(world)
    comment = comments.add_comment(world.author, shown.id, "你好", now=START)
    reader = columns_data.author()
    db.session.commit()
    login(reader)
    url = page_url(shown)

    assert client.post(f"{url}/comments/{comment.id}/hide", data={"reason": "x"}).status_code == 403
    assert client.post(f"{url}/comments/close").status_code == 403
    assert 'data-testid="hide-comment"' not in client.get(url).get_data(as_text=True)


def test_comments_are_limited_per_person(app, client, login, db, monkeypatch):
    monkeypatch.setitem(app.config, "COMMENT_RATE_LIMIT", "2 per minute")
    limiter.reset()
    world = data.world()
    shown = data.published(world, at=START - timedelta(days=1))
    reader = columns_data.author()
    db.session.commit()
    login(reader)
    url = page_url(shown) + "/comments"

    for number in range(2):
        assert client.post(url, data={"body": f"第{number}条"}).status_code == 302
    blocked = client.post(url, data={"body": "第三条"})
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)
    client.post("/logout")
    login(world.author)  # another person is not held back
    assert client.post(url, data={"body": "作者回复"}).status_code == 302
    assert len(comments.thread(shown)) == 3
    limiter.reset()
