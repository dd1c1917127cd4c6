"""Published contributions for the reading tests: the seeded columns, one editor, and
contributions taken through the workflow to published at a chosen time."""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.columns import editorial, media
from app.columns.models import ContentColumn, Contribution, MediaFile
from tests.columns import columns_data

START = datetime(2026, 3, 2, 2, 0)  # 10:00 in Shanghai, a Monday


@dataclass
class World:
    columns: dict[str, ContentColumn]
    editors: dict[str, User]
    author: User

    @property
    def editor(self) -> User:
        return self.editors["picks"]

    @property
    def picks(self) -> ContentColumn:
        return self.columns["picks"]

    @property
    def audio(self) -> ContentColumn:
        return self.columns["audio"]


def world(*, author_name: str = "张三丰") -> World:
    columns = columns_data.seeded()
    editors = {code: columns_data.editor(column) for code, column in columns.items()}
    return World(columns, editors, columns_data.author(name=author_name))


def published(
    world: World,
    column: ContentColumn | None = None,
    *,
    at: datetime = START,
    by: User | None = None,
    featured: bool = False,
    **values,
) -> Contribution:
    """A contribution published at `at` (by the world's author unless `by` is given)."""
    column = column or world.picks
    editor = world.editors[column.code]
    contribution = columns_data.submitted(by or world.author, column, now=at, **values)
    columns_data.published(editor, contribution, now=at)
    if featured:
        editorial.set_featured(editor, contribution.id, True, now=at)
    return contribution


def draft(world: World, **values) -> Contribution:
    return columns_data.draft(world.author, world.picks, now=START, **values)


def submitted(world: World, **values) -> Contribution:
    return columns_data.submitted(world.author, world.picks, now=START, **values)


def unpublished(world: World, **values) -> Contribution:
    contribution = published(world, **values)
    return editorial.unpublish(
        world.editor, contribution.id, "与专栏主题无关", now=START + timedelta(hours=1)
    )


def wav_bytes(frames: int = 800) -> bytes:
    """A short silent WAV file, written with the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(struct.pack("<h", 0) * frames)
    return buffer.getvalue()


def audio_file(owner: User) -> MediaFile:
    upload = FileStorage(io.BytesIO(wav_bytes()), filename="reading.wav")
    return media.store_upload(owner, upload, kinds=("audio",), max_bytes=5 * 1024 * 1024)
