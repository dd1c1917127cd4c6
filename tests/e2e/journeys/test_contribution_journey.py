"""Whole-product journey: on a fresh site the admin creates an editor, a reader and a
micro-video column; the reader sends a video on a phone, the editor asks for changes, the
reader revises, the editor publishes; anyone sees it in the column and in its feed."""

from __future__ import annotations

from xml.etree import ElementTree

from playwright.sync_api import expect

from tests.e2e.journeys import steps

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
COLUMN = "micro-video"
FIRST_TITLE = "三分钟读《额尔古纳河右岸》"
REVISED_TITLE = "三分钟读《额尔古纳河右岸》（修改版）"
COMMENT = "请在视频开头说出书名和索书号，并补充一段文字简介。"


def test_a_reader_s_micro_video_goes_from_phone_to_column_and_feed(
    browser, phone, desk, first_admin, tmp_path
):
    first_video = steps.record_video(browser, tmp_path / "初稿.webm", "#b33")
    revised_video = steps.record_video(browser, tmp_path / "修改版.webm", "#36b", size=(96, 64))

    # The admin's first login, then the editor, the reader and the column.
    admin = desk()
    steps.admin_logs_in_first_time(admin, first_admin)
    given_editor = steps.admin_creates_person(
        admin, number="T0101", name="林编辑", password="editor-first-1", roles=("editor",)
    )
    given_reader = steps.admin_creates_person(
        admin, number="2024141007", name="周小雨", password="reader-first-1"
    )
    steps.admin_creates_video_column(admin, COLUMN, "微视频阅读", [given_editor])

    # The reader, on a phone, chooses a password and sends a first cut.
    reader = phone()
    steps.first_login(reader, given_reader, "reader-password-2")
    steps.reader_submits_video(reader, COLUMN, FIRST_TITLE, "我最喜欢的一本书。", first_video)

    # The editor asks for changes.
    editor = desk()
    steps.first_login(editor, given_editor, "editor-password-2")
    steps.editor_opens_submission(editor, COLUMN, FIRST_TITLE)
    expect(editor.get_by_test_id("contribution").locator("video")).to_be_attached()
    steps.editor_requests_changes(editor, COMMENT)

    # The reader is told, reads the comment and sends a revised video.
    reader.goto("/")
    expect(reader.get_by_test_id("unread-count")).to_be_visible()
    steps.open_newest_notification(reader, FIRST_TITLE)
    expect(reader.get_by_test_id("status-changes_requested")).to_be_visible()
    expect(reader.get_by_test_id("review-note")).to_contain_text(COMMENT)
    steps.reader_revises(
        reader,
        REVISED_TITLE,
        "迟子建的长篇小说，索书号 I247.5/C526。讲述鄂温克族最后的游猎部落。",
        revised_video,
    )

    # The editor publishes the revision.
    editor.reload()
    steps.editor_opens_submission(editor, COLUMN, REVISED_TITLE)
    steps.editor_publishes_now(editor)

    # The reader sees it published, and the points it earned ("Contribution published").
    reader.reload()
    expect(reader.get_by_test_id("status-published")).to_be_visible()
    steps.follow_menu(reader, "nav-achievements", "me")
    expect(reader.get_by_test_id("balance")).to_contain_text("15")
    expect(reader.get_by_test_id("history")).to_contain_text("投稿已发表")

    # Anyone, logged out, finds it in the column; the video plays the revised recording.
    visitor = phone()
    visitor.goto("/")
    steps.follow_menu(visitor, "nav-columns")
    visitor.get_by_test_id(f"column-{COLUMN}").get_by_role("link", name=REVISED_TITLE).click()
    expect(visitor.get_by_role("heading", name=REVISED_TITLE)).to_be_visible()
    video = visitor.get_by_test_id("contribution").locator("video")
    expect(video).to_be_visible()
    video.evaluate(
        "v => v.readyState >= 1 || new Promise(r => v.addEventListener('loadedmetadata', r))"
    )
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [96, 64]

    # The column's feed carries the published revision, with the video as enclosure.
    visitor.get_by_role("link", name="微视频阅读").first.click()
    feed_url = visitor.get_by_test_id("feed-link").get_attribute("href")
    answer = visitor.request.get(feed_url)
    assert answer.ok and answer.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(answer.body())
    entries = feed.findall("atom:entry", ATOM)
    assert [entry.findtext("atom:title", namespaces=ATOM) for entry in entries] == [REVISED_TITLE]
    assert "I247.5/C526" in entries[0].findtext("atom:summary", namespaces=ATOM)
    enclosure = entries[0].find("atom:link[@rel='enclosure']", ATOM)
    assert enclosure.get("type") == "video/webm"
    media = visitor.request.get(enclosure.get("href"))
    assert media.ok and media.body() == revised_video.read_bytes()
