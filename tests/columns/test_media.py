"""The content check, storing uploads, the caps per column and who may see a file."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from app.columns import media
from app.columns.models import Contribution, MediaFile
from app.common import uploads
from app.errors import InvalidInput
from app.extensions import db
from tests.columns import columns_data
from tests.columns import media_files as samples
from tests.factories import person

AUDIO = ("audio",)


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Each test keeps its files in its own folder."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


def upload(data: bytes, name: str = "file.bin") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def kept_files(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"]) / "media"
    return sorted(directory.iterdir()) if directory.exists() else []


def attach(media_file: MediaFile, *, author, column, status: str, as_cover: bool = False):
    """A contribution at `status` with the file as its media (or cover), made directly."""
    link = {"cover_id": media_file.id} if as_cover else {"media_id": media_file.id}
    contribution = Contribution(
        column_id=column.id, author_id=author.id, title="朗读《边城》", status=status, **link
    )
    db.session.add(contribution)
    db.session.flush()
    return contribution


# Sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(samples.ACCEPTED))
def test_sniff_recognises_each_accepted_format_by_its_first_bytes(name):
    make, kind, mime_type = samples.ACCEPTED[name]
    assert media.sniff(make()[: uploads.HEAD_BYTES]) == (kind, mime_type)


@pytest.mark.parametrize("name", sorted(samples.REFUSED))
def test_sniff_refuses_executables_markup_and_noise(name):
    assert media.sniff(samples.REFUSED[name]()[: uploads.HEAD_BYTES]) is None


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"ID",
        b"\xff\xf1\x50\x80",  # AAC (ADTS): frame sync but layer bits 00
        b"\xff\xfb\xf0\x64",  # MPEG frame with the reserved bitrate index
        b"RIFF\x00\x00\x00\x00AVI LIST",
        b"\x00\x00\x00\x18ftyp3gp4",
    ],
)
def test_sniff_refuses_near_misses(head):
    assert media.sniff(head) is None


# Storing ------------------------------------------------------------------------------------


def test_an_accepted_wav_is_kept_under_a_random_name_outside_static(app, db):
    owner = person()
    data = samples.wav_bytes()
    sent = upload(data, "我的朗读.wav")
    stored = media.store_upload(owner, sent, kinds=AUDIO, max_bytes=media.MB)
    assert (stored.kind, stored.mime_type) == ("audio", "audio/wav")
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.original_name == "我的朗读.wav"
    assert re.fullmatch(r"[0-9a-f]{32}\.wav", stored.storage_name)
    path = media.media_path(stored)
    assert path.read_bytes() == data
    assert path.parent == Path(app.config["UPLOAD_DIR"]) / "media"
    assert Path(app.static_folder) not in path.parents
    assert kept_files(app) == [path]


def test_the_stored_extension_follows_the_content_not_the_name(db):
    stored = media.store_upload(
        person(), upload(samples.png_bytes(), "cover.exe"), kinds=("image",), max_bytes=media.MB
    )
    assert stored.mime_type == "image/png"
    assert stored.storage_name.endswith(".png")


def test_two_uploads_of_the_same_file_get_different_names(db):
    owner = person()
    first, second = (
        media.store_upload(owner, upload(samples.mp3_bytes()), kinds=AUDIO, max_bytes=media.MB)
        for _ in range(2)
    )
    assert first.storage_name != second.storage_name
    assert first.sha256 == second.sha256


@pytest.mark.parametrize("name", ["elf", "pe", "html", "svg", "random"])
def test_a_fake_named_mp3_is_refused_and_nothing_is_kept(app, db, name):
    with pytest.raises(InvalidInput):
        media.store_upload(
            person(), upload(samples.REFUSED[name](), "song.mp3"), kinds=AUDIO, max_bytes=media.MB
        )
    assert kept_files(app) == []
    assert db.session.query(MediaFile).count() == 0


def test_a_video_is_refused_where_only_audio_is_accepted(app, db):
    with force_locale("en"), pytest.raises(InvalidInput) as refused:
        media.store_upload(
            person(), upload(samples.mp4_bytes(), "clip.mp3"), kinds=AUDIO, max_bytes=media.MB
        )
    assert "Accepted here: audio (MP3, M4A, WAV, OGG, FLAC)" in str(refused.value.message)
    assert kept_files(app) == []


def test_an_empty_file_is_refused(app, db):
    with pytest.raises(InvalidInput):
        media.store_upload(person(), upload(b"", "empty.wav"), kinds=AUDIO, max_bytes=media.MB)
    assert kept_files(app) == []


def test_a_file_over_the_cap_is_refused_with_the_cap_in_the_message(app, db):
    data = samples.mp4_bytes(size=media.MB)
    with force_locale("en"), pytest.raises(InvalidInput) as refused:
        media.store_upload(person(), upload(data), kinds=("video",), max_bytes=media.MB)
    assert "larger than 1 MB" in str(refused.value.message)
    assert kept_files(app) == []


class EndlessStream(io.RawIOBase):
    """A WAV header followed by zeros forever, counting what was read."""

    def __init__(self) -> None:
        self.head = samples.wav_bytes(seconds=0.01)
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = (self.head if self.sent == 0 else bytes(len(buffer)))[: len(buffer)]
        buffer[: len(chunk)] = chunk
        self.sent += len(chunk)
        return len(chunk)


def test_reading_stops_soon_after_the_cap_is_passed(app, db):
    stream = EndlessStream()
    with pytest.raises(InvalidInput):
        media.store_upload(
            person(), FileStorage(stream=stream, filename="a.wav"), kinds=AUDIO, max_bytes=media.MB
        )
    assert stream.sent <= 2 * media.MB + uploads.CHUNK_BYTES
    assert kept_files(app) == []


def test_the_original_name_is_kept_for_display_only_without_folders(db):
    name = "C:\\Users\\me\\" + "长" * 300 + ".wav"
    stored = media.store_upload(
        person(), upload(samples.wav_bytes(), name), kinds=AUDIO, max_bytes=media.MB
    )
    assert stored.original_name == "长" * 200


# Caps per column ----------------------------------------------------------------------------


def test_each_column_takes_its_own_kinds_within_its_cap(app, db):
    columns = columns_data.seeded()
    audio_cap = columns["audio"].max_media_mb * media.MB
    assert media.upload_rules(columns["audio"], "media") == (("audio",), audio_cap)
    assert media.upload_rules(columns["video"], "media")[0] == ("video",)
    assert media.upload_rules(columns["ideas"], "cover") == (("image",), 5 * media.MB)
    with pytest.raises(InvalidInput):
        media.upload_rules(columns["ideas"], "media")
    with pytest.raises(InvalidInput):
        media.upload_rules(columns["audio"], "avatar")


def test_no_column_allows_more_than_the_site_wide_media_cap(app, db):
    column = columns_data.seeded()["video"]
    column.max_media_mb = app.config["MEDIA_MAX_MB"] + 100
    assert media.max_media_bytes(column) == app.config["MEDIA_MAX_MB"] * media.MB


# Who may see a file -------------------------------------------------------------------------


@pytest.fixture
def draft_media(db):
    columns = columns_data.seeded()
    author = columns_data.author()
    stored = media.store_upload(
        author, upload(samples.wav_bytes()), kinds=AUDIO, max_bytes=media.MB
    )
    contribution = attach(stored, author=author, column=columns["audio"], status="submitted")
    return stored, contribution, columns


def test_a_file_on_a_draft_is_seen_by_its_owner_and_the_columns_editors_only(draft_media):
    stored, contribution, columns = draft_media
    owner = contribution.author
    audio_editor = columns_data.editor(columns["audio"])
    video_editor = columns_data.editor(columns["video"])
    admin = person(roles=["admin"])
    assert media.can_view(owner, stored)
    assert media.can_view(audio_editor, stored)
    assert media.can_view(admin, stored)
    assert not media.can_view(video_editor, stored)
    assert not media.can_view(person(), stored)
    assert not media.can_view(None, stored)
    assert not media.is_public(stored)


def test_a_file_on_a_draft_not_yet_sent_in_is_not_seen_by_the_editors(draft_media, db):
    stored, contribution, columns = draft_media
    contribution.status = "draft"
    db.session.flush()
    assert media.can_view(contribution.author, stored)
    assert not media.can_view(columns_data.editor(columns["audio"]), stored)
    assert not media.can_view(person(roles=["admin"]), stored)


def test_a_file_attached_nowhere_is_seen_by_its_owner_only(db):
    columns = columns_data.seeded()
    owner = person()
    stored = media.store_upload(owner, upload(samples.wav_bytes()), kinds=AUDIO, max_bytes=media.MB)
    assert media.can_view(owner, stored)
    assert not media.can_view(columns_data.editor(columns["audio"]), stored)


@pytest.mark.parametrize("as_cover", [False, True])
def test_a_file_on_a_published_contribution_is_public(db, as_cover):
    columns = columns_data.seeded()
    author = columns_data.author()
    stored = media.store_upload(
        author, upload(samples.png_bytes()), kinds=("image",), max_bytes=media.MB
    )
    contribution = attach(
        stored, author=author, column=columns["ideas"], status="published", as_cover=as_cover
    )
    assert media.can_view(None, stored)
    assert media.can_view(person(), stored)
    assert media.is_public(stored)
    contribution.status = "unpublished"
    db.session.flush()
    assert not media.can_view(None, stored)


def test_uploads_no_contribution_uses_are_deleted_two_days_later(app, db):
    owner = person()
    columns = columns_data.seeded()
    now = media.utcnow()

    def stored(age_days: float) -> MediaFile:
        kept = media.store_upload(
            owner, upload(samples.wav_bytes()), kinds=AUDIO, max_bytes=media.MB
        )
        kept.created_at = now - timedelta(days=age_days)
        return kept

    forgotten, fresh, used = stored(3), stored(1), stored(3)
    attach(used, author=owner, column=columns["audio"], status="draft")

    assert media.prune_unattached(now=now) == {"deleted": 1}

    assert db.session.get(MediaFile, forgotten.id) is None
    assert not media.media_path(forgotten).exists()
    assert {file.name for file in kept_files(app)} == {fresh.storage_name, used.storage_name}


def test_a_person_may_upload_only_so_much_a_day(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DAILY_MB", 1)
    owner, other = person(), person()
    now = media.utcnow()
    half = samples.wav_bytes(seconds=40)  # 8 kHz mono 16-bit: 640 kB
    media.store_upload(owner, upload(half), kinds=AUDIO, max_bytes=10 * media.MB, now=now)

    with pytest.raises(InvalidInput) as refused:
        media.store_upload(owner, upload(half), kinds=AUDIO, max_bytes=10 * media.MB, now=now)
    assert "24" in str(refused.value.message)
    assert len(kept_files(app)) == 1

    media.store_upload(other, upload(half), kinds=AUDIO, max_bytes=10 * media.MB, now=now)
    tomorrow = now + timedelta(days=1, minutes=1)
    media.store_upload(owner, upload(half), kinds=AUDIO, max_bytes=10 * media.MB, now=tomorrow)
    assert len(kept_files(app)) == 3
