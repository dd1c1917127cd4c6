"""Building columns test data through the services: the seeded columns, editors, authors
and contributions at each step of the workflow."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime

from app.accounts.models import User
from app.columns import catalogue, contributions, editorial
from app.columns.contribution_fields import ContributionFields, LinkFields
from app.columns.models import ColumnEditor, ContentColumn, Contribution, MediaFile
from app.extensions import db
from app.rewards import defaults
from tests import factories

_numbers = itertools.count(1)


def seeded() -> dict[str, ContentColumn]:
    """The four seeded columns by code (audio, video, picks, ideas), with the default
    point rules (a published contribution is worth 15 points)."""
    catalogue.seed_columns()
    defaults.seed_defaults()
    db.session.flush()
    return {column.code: column for column in catalogue.all_columns()}


def editor(column: ContentColumn, *, name: str | None = None) -> User:
    """A person who edits `column` (a ColumnEditor row, as an admin's set_editors makes)."""
    person = factories.person(name=name or f"编辑{next(_numbers)}")
    db.session.add(ColumnEditor(column_id=column.id, user_id=person.id))
    db.session.flush()
    return person


def author(*, name: str | None = None) -> User:
    return factories.person(name=name or f"作者{next(_numbers)}")


def fields(**values) -> ContributionFields:
    """ContributionFields with a default title; `links` may be given as tuples."""
    values.setdefault("title", "推荐一本好书")
    links = values.pop("links", [])
    values["links"] = [
        link if isinstance(link, LinkFields) else LinkFields(*link) for link in links
    ]
    return ContributionFields(**values)


def draft(
    by: User, column: ContentColumn, *, now: datetime | None = None, **values
) -> Contribution:
    return contributions.create_draft(by, column.id, fields(**values), now=now)


def submitted(
    by: User, column: ContentColumn, *, now: datetime | None = None, **values
) -> Contribution:
    created = draft(by, column, now=now, **values)
    return contributions.submit(by, created.id, now=now)


def published(
    by_editor: User, contribution: Contribution, *, now: datetime | None = None
) -> Contribution:
    """Approve a submitted contribution without a schedule: it is published at once."""
    return editorial.approve(by_editor, contribution.id, now=now)


MIME_TYPES = {"audio": "audio/mpeg", "video": "video/mp4", "image": "image/png"}


def media_file(owner: User, kind: str = "audio", *, size: int = 1024) -> MediaFile:
    """A MediaFile row as an upload would leave it (no file on disk)."""
    media = MediaFile(
        owner_id=owner.id,
        kind=kind,
        mime_type=MIME_TYPES[kind],
        size=size,
        sha256=secrets.token_hex(32),
        storage_name=secrets.token_hex(16),
        original_name=f"upload.{kind}",
    )
    db.session.add(media)
    db.session.flush()
    return media
