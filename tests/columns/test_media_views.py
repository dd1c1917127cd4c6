"""Uploading through /media/upload (what upload.js calls) and serving files with range
requests, to the people who may see them only."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from app.columns import media
from app.columns.models import Contribution, MediaFile
from app.extensions import db
from tests.columns import columns_data
from tests.columns import media_files as samples
from tests.factories import person
from tests.helpers import choose_english


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Each test keeps its files in its own folder."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


@pytest.fixture
def columns(db):
    seeded = columns_data.seeded()
    db.session.commit()
    return seeded


@pytest.fixture
def author(db, client, login):
    user = columns_data.author()
    db.session.commit()
    login(user)
    return user


def post_file(client, data: bytes, name: str, *, column: str = "audio", purpose: str = "media"):
    return client.post(
        f"/media/upload?column={column}&purpose={purpose}",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def kept_files(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"]) / "media"
    return list(directory.iterdir()) if directory.exists() else []


def stored(owner, data: bytes, *, kinds=("audio",)) -> MediaFile:
    sent = FileStorage(stream=io.BytesIO(data), filename="朗读.wav")
    kept = media.store_upload(owner, sent, kinds=kinds, max_bytes=media.MB)
    db.session.commit()
    return kept


def attach(media_file: MediaFile, column, *, status: str) -> Contribution:
    contribution = Contribution(
        column_id=column.id,
        author_id=media_file.owner_id,
        title="朗读《边城》",
        status=status,
        media_id=media_file.id,
    )
    db.session.add(contribution)
    db.session.commit()
    return contribution


# Uploading ----------------------------------------------------------------------------------


def test_an_uploaded_wav_is_described_and_can_be_played_back(client, columns, author):
    data = samples.wav_bytes()
    response = post_file(client, data, "第一章.wav")
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "audio"
    assert body["mime_type"] == "audio/wav"
    assert body["size"] == len(data)
    assert body["name"] == "第一章.wav"
    assert body["url"] == f"/media/{body['id']}"
    kept = db.session.get(MediaFile, body["id"])
    assert kept.owner_id == author.id
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
    played = client.get(body["url"])
    assert played.status_code == 200
    assert played.data == data
    assert played.mimetype == "audio/wav"
    assert played.headers["X-Content-Type-Options"] == "nosniff"
    assert played.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in played.headers["Content-Security-Policy"]
    assert "no-store" in played.headers["Cache-Control"]


def test_the_column_and_purpose_may_come_as_form_fields(client, columns, author):
    response = client.post(
        "/media/upload",
        data={
            "file": (io.BytesIO(samples.png_bytes()), "c.png"),
            "column": "audio",
            "purpose": "cover",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    assert response.get_json()["mime_type"] == "image/png"


@pytest.mark.parametrize(
    ("data", "name", "purpose"),
    [
        (samples.elf_bytes(), "song.mp3", "media"),
        (samples.pe_bytes(), "song.mp3", "media"),
        (samples.mp4_bytes(), "clip.mp3", "media"),
        (b"", "empty.wav", "media"),
        (samples.svg_bytes(), "cover.png", "cover"),
        (samples.wav_bytes(), "cover.png", "cover"),
    ],
    ids=["elf", "pe", "video-in-audio-column", "empty", "svg-cover", "wav-cover"],
)
def test_refused_uploads_answer_an_error_and_keep_nothing(
    app, client, columns, author, data, name, purpose
):
    response = post_file(client, data, name, purpose=purpose)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert db.session.query(MediaFile).count() == 0
    assert kept_files(app) == []


def test_a_refusal_says_what_is_accepted(client, columns, author):
    choose_english(client)
    response = post_file(client, samples.elf_bytes(), "song.mp3")
    assert "Accepted here: audio (MP3" in response.get_json()["error"]


def test_a_column_without_media_refuses_audio(client, columns, author):
    response = post_file(client, samples.wav_bytes(), "a.wav", column="ideas")
    assert response.status_code == 400


def test_an_unknown_column_answers_404(client, columns, author):
    response = post_file(client, samples.wav_bytes(), "a.wav", column="nope")
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_a_request_without_a_file_is_refused(client, columns, author):
    response = client.post("/media/upload?column=audio", data={"name": "x"})
    assert response.status_code == 400


def test_a_file_over_the_column_cap_is_refused(app, client, columns, author):
    columns["audio"].max_media_mb = 1
    db.session.commit()
    choose_english(client)
    within_body_limit = post_file(client, samples.mp3_bytes(frames=3000), "long.mp3")
    assert within_body_limit.status_code == 400
    assert "larger than 1 MB" in within_body_limit.get_json()["error"]
    over_body_limit = post_file(client, samples.mp3_bytes(frames=6000), "longer.mp3")
    assert over_body_limit.status_code == 413
    assert "larger than 1 MB" in over_body_limit.get_json()["error"]
    assert kept_files(app) == []


def test_a_video_column_takes_more_than_the_site_wide_body_limit(
    app, client, columns, author, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", media.MB)
    response = post_file(client, samples.mp4_bytes(size=2 * media.MB), "v.mp4", column="video")
    assert response.status_code == 201
    assert response.get_json()["size"] > 2 * media.MB


def test_uploading_needs_a_login(app, client, columns):
    response = post_file(client, samples.wav_bytes(), "a.wav")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert kept_files(app) == []


def test_uploading_checks_the_csrf_token_from_the_header(app, client, columns, author, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = post_file(client, samples.wav_bytes(), "a.wav")
    assert refused.status_code == 400
    assert refused.get_json()["error"]
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    accepted = client.post(
        "/media/upload?column=audio&purpose=media",
        data={"file": (io.BytesIO(samples.wav_bytes()), "a.wav")},
        content_type="multipart/form-data",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201


# Range requests -----------------------------------------------------------------------------


@pytest.fixture
def wav(columns, author):
    data = samples.wav_bytes()
    return stored(author, data), data


def test_a_range_request_gets_exactly_those_bytes(client, wav):
    kept, data = wav
    response = client.get(f"/media/{kept.id}", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.data == data[:100]
    assert response.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_open_ended_and_suffix_ranges(client, wav):
    kept, data = wav
    rest = client.get(f"/media/{kept.id}", headers={"Range": "bytes=1000-"})
    assert rest.status_code == 206
    assert rest.data == data[1000:]
    assert rest.headers["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    tail = client.get(f"/media/{kept.id}", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206
    assert tail.data == data[-50:]


def test_an_unsatisfiable_range_answers_416(client, wav):
    kept, data = wav
    response = client.get(f"/media/{kept.id}", headers={"Range": f"bytes={len(data) + 10}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(data)}"


def test_an_unchanged_file_answers_304(client, wav):
    kept, _ = wav
    response = client.get(f"/media/{kept.id}", headers={"If-None-Match": f'"{kept.sha256}"'})
    assert response.status_code == 304


# Who may see a file -------------------------------------------------------------------------


def test_a_private_file_is_hidden_from_strangers_as_if_missing(client, login, wav, columns):
    kept, _ = wav
    attach(kept, columns["audio"], status="submitted")
    client.post("/logout")
    assert client.get(f"/media/{kept.id}").status_code == 404
    stranger = person()
    other_editor = columns_data.editor(columns["video"])
    db.session.commit()
    for user in (stranger, other_editor):
        login(user)
        assert client.get(f"/media/{kept.id}").status_code == 404
        client.post("/logout")


def test_a_private_file_is_seen_by_its_owner_and_the_columns_editors(
    client, login, wav, columns, author
):
    kept, data = wav
    attach(kept, columns["audio"], status="submitted")
    assert client.get(f"/media/{kept.id}").data == data
    client.post("/logout")
    editor = columns_data.editor(columns["audio"])
    db.session.commit()
    login(editor)
    response = client.get(f"/media/{kept.id}")
    assert response.status_code == 200
    assert response.data == data


def test_a_published_file_is_public_and_cacheable(client, wav, columns):
    kept, data = wav
    attach(kept, columns["audio"], status="published")
    client.post("/logout")
    response = client.get(f"/media/{kept.id}")
    assert response.status_code == 200
    assert response.data == data
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=86400" in response.headers["Cache-Control"]


def test_a_missing_file_answers_404(client, columns, author):
    assert client.get("/media/999999").status_code == 404
