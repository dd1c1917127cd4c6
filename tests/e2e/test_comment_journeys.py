"""A reader comments on a published column post on a phone, and the author sees it: the
notification opens the post at its comments."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from app.accounts.models import User
from app.columns import catalogue, contributions, editorial
from app.columns.contribution_fields import ContributionFields
from app.columns.models import ColumnEditor
from app.extensions import db
from app.rewards import defaults
from tests.e2e.pages import log_in


def published_post(live_server, author, editor) -> str:
    """A post by `author` in the picks column, published by `editor`; its address."""
    with live_server.app.app_context():
        catalogue.seed_columns()
        defaults.seed_defaults()
        column = catalogue.get_column("picks")
        db.session.add(ColumnEditor(column_id=column.id, user_id=editor.id))
        writer = db.session.get(User, author.id)
        draft = contributions.create_draft(
            writer, column.id, ContributionFields(title="推荐《额尔古纳河右岸》", body="值得一读。")
        )
        contributions.submit(writer, draft.id)
        editorial.approve(db.session.get(User, editor.id), draft.id)
        db.session.commit()
        address = f"/columns/picks/{draft.id}"
        db.session.remove()
    return address


def test_a_reader_comments_and_the_author_sees_it(
    page: Page, new_page, live_server, make_person, tmp_path
):
    author = make_person(name="陈作者")
    editor = make_person(name="林编辑")
    reader = make_person(name="李读者")
    address = published_post(live_server, author, editor)

    # The reader opens the post, sees no comments yet, and writes one.
    log_in(page, reader)
    page.goto(address)
    expect(page.get_by_test_id("comment-count")).to_have_text("0")
    page.get_by_test_id("comment-input").fill("读完很感动，**推荐**给室友了。")
    page.get_by_test_id("post-comment").tap()
    expect(page.get_by_test_id("comment-count")).to_have_text("1")
    comment = page.get_by_test_id("comment").last
    expect(comment.locator("strong")).to_have_text("推荐")
    expect(comment.get_by_test_id("commenter")).to_have_text("李*者")
    page.screenshot(path=str(tmp_path / "comments-390.png"), full_page=True)

    # The author, on their own phone, is told and the notification opens the comments.
    author_page = new_page()
    log_in(author_page, author)
    author_page.goto("/notifications/")
    told = author_page.get_by_test_id("notification").first
    expect(told).to_contain_text("额尔古纳河右岸")
    told.locator("button[type=submit]").tap()
    expect(author_page).to_have_url(f"{live_server.url}{address}#comments")
    expect(author_page.get_by_test_id("comment-body")).to_contain_text("读完很感动")
    # The author has no moderation buttons: only the column's editors do.
    expect(author_page.get_by_test_id("close-comments")).to_have_count(0)
