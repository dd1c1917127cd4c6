"""Cleaning a piece of free text a person typed: trimmed (or folded onto one line), required
or not, and no longer than its limit, else `InvalidInput` on the field it came from.

The messages are each caller's own (their translations are in the catalogue); pass them
lazily (`_l("… %(n)d …", n=LIMIT)`) so they are only translated when they are shown.
"""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from app.errors import InvalidInput

Message = str | LazyString


def clean_text(
    value: str | None,
    *,
    field: str,
    limit: int,
    too_long: Message,
    missing: Message | None = None,
    one_line: bool = False,
) -> str:
    """`value` trimmed, or with every run of white space made one space when `one_line`.

    Empty is refused with `missing`, or returned as "" when `missing` is None (the text is
    optional); longer than `limit` characters is refused with `too_long`.
    """
    text = " ".join((value or "").split()) if one_line else (value or "").strip()
    if not text and missing is not None:
        raise InvalidInput(str(missing), field=field)
    if len(text) > limit:
        raise InvalidInput(str(too_long), field=field)
    return text
