"""A student records an audio reading on a phone and submits it; an editor publishes it; it
plays on the public column page."""

from __future__ import annotations

import struct
import wave

from playwright.sync_api import Page, expect

from app.columns import catalogue
from app.columns.models import ColumnEditor
from app.extensions import db
from app.rewards import defaults
from tests.e2e.pages import log_in


def audio_column_with_editor(live_server, make_person):
    """The seeded columns in the live server, and a new editor of the audio column."""
    editor = make_person(name="林编辑")
    with live_server.app.app_context():
        catalogue.seed_columns()
        defaults.seed_defaults()
        column = catalogue.get_column("audio")
        db.session.add(ColumnEditor(column_id=column.id, user_id=editor.id))
        db.session.commit()
        db.session.remove()
    return editor


def write_wav(path) -> None:
    """Half a second of a quiet square wave: a real WAV the server's content check accepts."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        samples = (800 if (i // 20) % 2 else -800 for i in range(4000))
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))


def test_a_student_submits_an_audio_reading_and_an_editor_publishes_it(
    page: Page, new_page, live_server, make_person, tmp_path
):
    editor = audio_column_with_editor(live_server, make_person)
    student = make_person(name="周小雨")
    recording = tmp_path / "朗读.wav"
    write_wav(recording)
    title = f"朗读《背影》{student.id}"

    # The student picks the audio column and writes.
    log_in(page, student)
    page.goto("/contribute/new")
    page.get_by_test_id("write-audio").tap()
    page.locator("#title").fill(title)
    page.locator("#body").fill("朱自清的**背影**，我最喜欢的一段。")

    # The recording goes up at once, with a progress bar, and can be played back.
    page.locator("#media").set_input_files(recording)
    expect(page.locator("#media-preview audio")).to_be_attached()
    expect(page.locator("#media_id")).not_to_have_value("")
    expect(page.get_by_test_id("submit-for-review")).to_be_enabled()

    # A preview shows the text as readers will see it, and keeps the recording.
    page.get_by_test_id("preview-button").tap()
    expect(page.get_by_test_id("preview-body").locator("strong")).to_have_text("背影")
    expect(page.get_by_test_id("preview").locator("audio")).to_be_attached()
    expect(page.locator("#title")).to_have_value(title)

    page.get_by_test_id("submit-for-review").tap()
    expect(page.get_by_test_id("status-submitted")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_have_text(title)

    # The editor, on another phone, finds it in the queue and publishes it now.
    editor_page = new_page()
    log_in(editor_page, editor)
    editor_page.goto("/editorial/")
    editor_page.get_by_test_id("queue-audio").get_by_text(title).tap()
    expect(editor_page.get_by_test_id("contribution").locator("audio")).to_be_attached()
    editor_page.get_by_test_id("publish-now").tap()
    expect(editor_page.get_by_test_id("status-published")).to_be_visible()

    # The student sees it published; the column page plays it.
    page.reload()
    expect(page.get_by_test_id("status-published")).to_be_visible()
    page.goto("/columns/audio")
    page.get_by_role("link", name=title).tap()
    audio = page.get_by_test_id("contribution").locator("audio")
    expect(audio).to_be_visible()
    source = audio.locator("source").get_attribute("src")
    answer = page.request.get(source, headers={"Range": "bytes=0-11"})
    assert answer.status == 206
    assert answer.body()[:4] == b"RIFF" and answer.body()[8:12] == b"WAVE"


def test_a_recording_chosen_before_the_page_finished_loading_still_goes_up(
    page: Page, live_server, make_person, tmp_path
):
    """On a slow phone the file can be picked before the upload script has arrived."""
    audio_column_with_editor(live_server, make_person)
    student = make_person(name="吴慢网")
    recording = tmp_path / "朗读.wav"
    write_wav(recording)
    log_in(page, student)

    held = []
    page.route("**/static/js/upload.js", lambda route: held.append(route))
    page.goto("/contribute/new?column=audio", wait_until="commit")
    page.locator("#media").set_input_files(recording)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the page never asked for its upload script"
    held[0].continue_()

    expect(page.locator("#media-preview audio")).to_be_attached()
    expect(page.locator("#media_id")).not_to_have_value("")
