"""Rows as plain data: the attributes of a model row (or any object) copied into a dict, for
audit snapshots, personal data exports and JSON answers; and back, the fields of a cleaned
dataclass set on the row they create or edit."""

from __future__ import annotations

import dataclasses
from typing import Any


def fields_of(row: object, *names: str) -> dict[str, Any]:
    """`{name: row.name}` for each of `names`, in that order (the order is kept in stored
    audit JSON and in exported files)."""
    return {name: getattr(row, name) for name in names}


def set_fields(row: object, fields: object, *, but: tuple[str, ...] = ()) -> None:
    """`row.name = fields.name` for each field of the dataclass `fields`, except those
    named in `but` (the caller sets them its own way)."""
    for item in dataclasses.fields(fields):
        if item.name not in but:
            setattr(row, item.name, getattr(fields, item.name))
