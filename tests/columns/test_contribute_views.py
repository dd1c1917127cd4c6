"""Authors' pages through HTTP: writing, previewing, saving, submitting, editing and
following a contribution."""

from __future__ import annotations

import io
import struct
import wave

import pytest
from sqlalchemy import func, select

from app.columns import editorial
from app.columns.models import Contribution, MediaFile
from app.extensions import db
from tests.columns import columns_data
from tests.helpers import choose_english, page


def wav_bytes(frames: int = 800) -> bytes:
    """A short silent mono WAV, made here."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(struct.pack("<h", 0) * frames)
    return buffer.getvalue()


def contribution_form(**values) -> dict:
    data = {"title": "《活着》读后感", "body": "一本**好书**。"}
    data.update(values)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def columns(db):
    columns = columns_data.seeded()
    db.session.commit()
    return columns


# --- Access ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/contribute/{id}"),
        ("get", "/contribute/{id}/edit"),
        ("post", "/contribute/{id}/edit"),
        ("post", "/contribute/{id}/submit"),
    ],
)
def test_another_persons_contribution_is_not_found(client, login, columns, method, url):
    owner = columns_data.author(name="作者甲")
    mine = columns_data.draft(owner, columns["ideas"], title="甲的草稿", body="秘密的想法")
    stranger = columns_data.author(name="路人乙")
    db.session.commit()
    login(stranger)

    response = getattr(client, method)(url.format(id=mine.id), data=contribution_form())

    assert response.status_code == 404
    assert "秘密的想法" not in page(response)
    db.session.expire_all()
    assert db.session.get(Contribution, mine.id).status == "draft"


# --- Choosing a column and writing --------------------------------------------------------


def test_a_writer_first_chooses_a_column(client, login, student, columns):
    login(student)

    body = page(client.get("/contribute/new"))

    for column in columns.values():
        assert column.name in body
        assert f"/contribute/new?column={column.code}" in body


def test_an_unknown_column_is_not_found(client, login, student, columns):
    login(student)

    assert client.get("/contribute/new?column=nope").status_code == 404


def test_the_form_shows_only_what_the_column_accepts(client, login, student, columns):
    login(student)

    picks = page(client.get("/contribute/new?column=picks"))
    audio = page(client.get("/contribute/new?column=audio"))

    assert 'name="links-4-call_number"' in picks and 'name="media"' not in picks
    assert 'name="media"' in audio and 'accept="audio/*"' in audio
    assert 'name="links-0-title"' not in audio


def test_preview_shows_the_sanitised_text_and_saves_nothing(client, login, student, columns):
    login(student)

    response = client.post(
        "/contribute/new?column=ideas",
        data=contribution_form(
            body="## 建议\n<script>alert(1)</script> 多开**自习室**", preview="y"
        ),
    )

    assert response.status_code == 200
    body = page(response)
    assert "<strong>自习室</strong>" in body
    assert "<script>alert(1)</script>" not in body
    assert "《活着》读后感" in body
    assert count(Contribution) == 0


def test_a_missing_title_keeps_what_was_typed(client, login, student, columns):
    login(student)
    choose_english(client)

    response = client.post(
        "/contribute/new?column=picks",
        data=contribution_form(
            title="", body="我写了很多字", save="y", **{"links-0-title": "三体"}
        ),
    )

    assert response.status_code == 400
    body = page(response)
    assert "Please give your contribution a title." in body
    assert "我写了很多字" in body and 'value="三体"' in body
    assert count(Contribution) == 0


def test_a_too_long_title_is_refused(client, login, student, columns):
    login(student)

    response = client.post(
        "/contribute/new?column=ideas", data=contribution_form(title="书" * 121, save="y")
    )

    assert response.status_code == 400
    assert count(Contribution) == 0


def test_saving_a_draft_keeps_the_filled_resource_rows(client, login, student, columns):
    login(student)

    response = client.post(
        "/contribute/new?column=picks",
        data=contribution_form(
            save="y",
            show_full_name="y",
            **{
                "links-0-title": "三体",
                "links-0-call_number": "I247.55/L55",
                "links-2-title": "中国知网",
                "links-2-url": "https://www.cnki.net/",
            },
        ),
    )

    assert response.status_code == 302
    saved = db.session.scalar(select(Contribution))
    assert response.headers["Location"].endswith(f"/contribute/{saved.id}")
    assert (saved.status, saved.author_id, saved.show_full_name) == ("draft", student.id, True)
    assert [(link.title, link.url, link.call_number) for link in saved.links] == [
        ("三体", "", "I247.55/L55"),
        ("中国知网", "https://www.cnki.net/", ""),
    ]


def test_a_resource_that_is_not_a_web_address_is_explained(client, login, student, columns):
    login(student)
    choose_english(client)

    response = client.post(
        "/contribute/new?column=picks",
        data=contribution_form(
            save="y",
            **{"links-1-title": "坏链接", "links-1-url": "javascript:alert(1)"},
        ),
    )

    assert response.status_code == 400
    body = page(response)
    assert "must start with http:// or https://" in body
    assert 'value="javascript:alert(1)"' in body
    assert count(Contribution) == 0


def test_submit_for_review_sends_it_to_the_editors(client, login, student, columns):
    login(student)

    response = client.post("/contribute/new?column=ideas", data=contribution_form(submit="y"))

    assert response.status_code == 302
    saved = db.session.scalar(select(Contribution))
    assert saved.status == "submitted"
    assert page(client.get(f"/contribute/{saved.id}")).count("status-submitted") == 1


def test_a_draft_is_submitted_from_its_page(client, login, student, columns):
    draft = columns_data.draft(student, columns["ideas"])
    db.session.commit()
    login(student)

    response = client.post(f"/contribute/{draft.id}/submit")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contribution, draft.id).status == "submitted"


# --- Files posted with the form (no JavaScript) --------------------------------------------


def test_an_audio_file_posted_with_the_form_is_attached(client, login, student, columns):
    login(student)

    response = client.post(
        "/contribute/new?column=audio",
        data=contribution_form(save="y", media=(io.BytesIO(wav_bytes()), "朗读.wav")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    saved = db.session.scalar(select(Contribution))
    assert saved.media is not None
    assert (saved.media.kind, saved.media.owner_id) == ("audio", student.id)


def test_a_recording_above_the_sites_form_limit_fits_the_columns_cap(
    client, login, student, columns, app
):
    login(student)
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    recording = wav_bytes() + b"\x00" * size

    response = client.post(
        "/contribute/new?column=audio",
        data=contribution_form(save="y", media=(io.BytesIO(recording), "long.wav")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    assert db.session.scalar(select(MediaFile)).size == len(recording)


def test_a_file_kept_across_a_preview(client, login, student, columns):
    login(student)

    response = client.post(
        "/contribute/new?column=audio",
        data=contribution_form(preview="y", media=(io.BytesIO(wav_bytes()), "朗读.wav")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    stored = db.session.scalar(select(MediaFile))
    assert f'name="media_id" type="hidden" value="{stored.id}"' in page(response)
    assert "<audio" in page(response)
    assert count(Contribution) == 0


def test_a_program_named_mp3_is_refused_and_the_text_kept(client, login, student, columns):
    login(student)

    response = client.post(
        "/contribute/new?column=audio",
        data=contribution_form(
            save="y",
            body="我的朗读",
            media=(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 400), "reading.mp3"),
        ),
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert "我的朗读" in page(response)
    assert count(Contribution) == 0
    assert count(MediaFile) == 0


# --- Following and editing ---------------------------------------------------------------


def test_my_contributions_show_status_and_the_editors_note(client, login, student, columns):
    editor = columns_data.editor(columns["ideas"])
    mine = columns_data.submitted(student, columns["ideas"], title="自习室建议")
    editorial.request_changes(editor, mine.id, "请补充具体的楼层。")
    columns_data.draft(student, columns["picks"], title="我的草稿")
    columns_data.draft(columns_data.author(), columns["picks"], title="别人的草稿")
    db.session.commit()
    login(student)

    body = page(client.get("/contribute/"))

    assert "自习室建议" in body and "我的草稿" in body
    assert "别人的草稿" not in body
    assert "请补充具体的楼层。" in body
    assert "status-changes_requested" in body and "status-draft" in body


def test_the_author_revises_and_resubmits_after_changes_are_requested(
    client, login, student, columns
):
    editor = columns_data.editor(columns["ideas"])
    mine = columns_data.submitted(student, columns["ideas"], title="初稿")
    editorial.request_changes(editor, mine.id, "标题再具体一点。")
    db.session.commit()
    login(student)

    shown = page(client.get(f"/contribute/{mine.id}/edit"))
    assert "标题再具体一点。" in shown and 'value="初稿"' in shown

    response = client.post(
        f"/contribute/{mine.id}/edit", data=contribution_form(title="江安馆三楼自习室", submit="y")
    )

    assert response.status_code == 302
    db.session.expire_all()
    revised = db.session.get(Contribution, mine.id)
    assert (revised.title, revised.status) == ("江安馆三楼自习室", "submitted")
    history = page(client.get(f"/contribute/{mine.id}"))
    assert "标题再具体一点。" in history and "event-changes_requested" in history


@pytest.mark.parametrize("step", ["submitted", "published"])
def test_a_contribution_under_review_cannot_be_edited(client, login, student, columns, step):
    mine = columns_data.submitted(student, columns["ideas"], title="原标题")
    if step == "published":
        columns_data.published(columns_data.editor(columns["ideas"]), mine)
    db.session.commit()
    login(student)

    assert client.get(f"/contribute/{mine.id}/edit").status_code == 409
    response = client.post(
        f"/contribute/{mine.id}/edit", data=contribution_form(title="偷偷改", save="y")
    )

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Contribution, mine.id).title == "原标题"


def test_submitting_twice_is_refused_without_an_error_page(client, login, student, columns):
    mine = columns_data.submitted(student, columns["ideas"])
    db.session.commit()
    login(student)

    response = client.post(f"/contribute/{mine.id}/submit", follow_redirects=True)

    assert response.status_code == 200
    assert "alert-danger" in page(response)
