"""Rows as plain data: the attributes of a model row (or any object) copied into a dict, for
audit snapshots, personal data exports and JSON answers."""

from __future__ import annotations

from typing import Any


def fields_of(row: object, *names: str) -> dict[str, Any]:
    """`{name: row.name}` for each of `names`, in that order (the order is kept in stored
    audit JSON and in exported files)."""
    return {name: getattr(row, name) for name in names}
