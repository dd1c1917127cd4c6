"""What an author sends for a contribution (title, body, links, files), and how it is checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.columns.models import (
    ContentColumn,
    MediaFile,
)
from app.common.text import clean_text
from app.errors import InvalidInput
from app.extensions import db

TITLE_MAX = 120
BODY_MAX = 20_000
COMMENT_MAX = 2_000
LINKS_MAX = 20
LINK_TITLE_MAX = 200
LINK_URL_MAX = 500
CALL_NUMBER_MAX = 64
URL_PATTERN = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


@dataclass(frozen=True)
class LinkFields:
    title: str
    url: str = ""
    call_number: str = ""


@dataclass(frozen=True)
class ContributionFields:
    title: str
    body: str = ""
    show_full_name: bool = False
    links: list[LinkFields] = field(default_factory=list)
    media_id: int | None = None
    cover_id: int | None = None


# Validation ----------------------------------------------------------------------------------


def _clean_title(title: str | None) -> str:
    length = _l("The title must have 1 to %(max)d characters.", max=TITLE_MAX)
    return clean_text(title, field="title", limit=TITLE_MAX, missing=length, too_long=length)


def _clean_body(body: str | None) -> str:
    return clean_text(
        body,
        field="body",
        limit=BODY_MAX,
        too_long=_l("The text may have at most %(max)d characters.", max=BODY_MAX),
    )


def _clean_link(link: LinkFields, number: int) -> LinkFields:
    needs_title = _l(
        "Resource %(number)d needs a title of at most %(max)d characters.",
        number=number,
        max=LINK_TITLE_MAX,
    )
    title = clean_text(
        link.title, field="links", limit=LINK_TITLE_MAX, missing=needs_title, too_long=needs_title
    )
    url = (link.url or "").strip()
    if url and (len(url) > LINK_URL_MAX or not URL_PATTERN.match(url)):
        raise InvalidInput(
            _(
                "The address of resource %(number)d must start with http:// or https:// and "
                "have at most %(max)d characters.",
                number=number,
                max=LINK_URL_MAX,
            ),
            field="links",
        )
    call_number = clean_text(
        link.call_number,
        field="links",
        limit=CALL_NUMBER_MAX,
        too_long=_l(
            "The call number of resource %(number)d may have at most %(max)d characters.",
            number=number,
            max=CALL_NUMBER_MAX,
        ),
    )
    return LinkFields(title=title, url=url, call_number=call_number)


def _clean_links(column: ContentColumn, links: list[LinkFields]) -> list[LinkFields]:
    if not links:
        return []
    if not column.accepts_links:
        raise InvalidInput(_("This column does not take links to resources."), field="links")
    if len(links) > LINKS_MAX:
        raise InvalidInput(
            _("A contribution may recommend at most %(max)d resources.", max=LINKS_MAX),
            field="links",
        )
    return [_clean_link(link, number) for number, link in enumerate(links, start=1)]


def accepted_media_kinds(column: ContentColumn) -> set[str]:
    return {kind for kind in ("audio", "video") if getattr(column, f"accepts_{kind}")}


def _owned_media(author: User, media_id: int | None, kinds_allowed: set[str], field_name: str):
    if media_id is None:
        return None
    media = db.session.get(MediaFile, media_id)
    if media is None or media.owner_id != author.id:
        raise InvalidInput(_("That file is not one of your uploads."), field=field_name)
    if media.kind not in kinds_allowed:
        raise InvalidInput(_("This column does not take that kind of file."), field=field_name)
    return media


def _check_files(author: User, column: ContentColumn, fields: ContributionFields) -> None:
    _owned_media(author, fields.media_id, accepted_media_kinds(column), "media_id")
    _owned_media(author, fields.cover_id, {"image"}, "cover_id")


def validated_fields(
    author: User, column: ContentColumn, fields: ContributionFields
) -> ContributionFields:
    """The fields cleaned, or InvalidInput naming the first wrong one."""
    clean = ContributionFields(
        title=_clean_title(fields.title),
        body=_clean_body(fields.body),
        show_full_name=bool(fields.show_full_name),
        links=_clean_links(column, list(fields.links or [])),
        media_id=fields.media_id,
        cover_id=fields.cover_id,
    )
    _check_files(author, column, clean)
    return clean


def clean_comment(text: str | None, *, field_name: str, missing: str) -> str:
    return clean_text(
        text,
        field=field_name,
        limit=COMMENT_MAX,
        missing=missing,
        too_long=_l("The comment may have at most %(max)d characters.", max=COMMENT_MAX),
    )
