"""Cleaning a piece of free text a person typed: trimmed (a line: also folded onto one line),
required or not, and no longer than its limit, else `InvalidInput` on the field it came from.

The messages are each caller's own (their translations are in the catalogue); pass them
lazily (`_l("… %(n)d …", n=LIMIT)`) so they are only translated when they are shown. A text
that needs no words of its own for being too long is told it can be at most n characters long.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.errors import InvalidInput

Message = str | LazyString


def clean_text(
    value: str | None,
    *,
    field: str,
    limit: int,
    too_long: Message | None = None,
    missing: Message | None = None,
) -> str:
    """`value` trimmed: refused with `missing` when empty (or returned as "" when `missing`
    is None, the text being optional) and with `too_long` past `limit` characters (by
    default the general "This can be at most n characters long.")."""
    text = (value or "").strip()
    if not text and missing is not None:
        raise InvalidInput(str(missing), field=field)
    if len(text) > limit:
        too_long = too_long or _l("This can be at most %(n)d characters long.", n=limit)
        raise InvalidInput(str(too_long), field=field)
    return text


def clean_line(value: str | None, **checks: Any) -> str:
    """`clean_text` (same keywords) of a one-line answer (a title, a name, a reason): every
    run of white space, line breaks included, first becomes one space."""
    return clean_text(" ".join((value or "").split()), **checks)
