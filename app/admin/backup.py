"""Snapshots of the SQLite database, taken while the app runs.

SQLite's online backup API copies the database page by page inside one read transaction,
so the snapshot is consistent even while web processes and jobs keep writing (WAL mode
lets them). The copy is written under a temporary name, switched to a single-file
journal mode, checked with `PRAGMA integrity_check`, and only then given its final name
`gongchuang-YYYYmmdd-HHMMSS.sqlite` (UTC). The newest `keep` snapshots are kept.

PostgreSQL has its own tools (pg_dump / pg_restore); `backup_database` refuses there.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import URL, make_url

from app.common.time import utcnow
from app.errors import InvalidInput

SNAPSHOT_NAME = re.compile(r"gongchuang-[0-9]{8}-[0-9]{6}(?:-[0-9]+)?\.sqlite")


class BackupError(InvalidInput):
    pass


def sqlite_path(url: str | URL) -> Path:
    """The database file behind a SQLAlchemy URL; refuses anything else."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            _(
                "flask backup only copies SQLite databases. This one is %(backend)s: use "
                "pg_dump -Fc to back it up and pg_restore to restore it.",
                backend=url.get_backend_name(),
            )
        )
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        raise BackupError(_("The database lives in memory only; there is no file to back up."))
    path = Path(database)
    if not path.is_file():
        raise BackupError(_("The database file %(path)s does not exist.", path=str(path)))
    return path


def _snapshot_path(directory: Path, now: datetime) -> Path:
    stem = f"gongchuang-{now:%Y%m%d-%H%M%S}"
    path = directory / f"{stem}.sqlite"
    counter = 2
    while path.exists():
        path = directory / f"{stem}-{counter}.sqlite"
        counter += 1
    return path


def _copy(source_path: Path, target_path: Path) -> None:
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(target_path)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        with target:
            source.backup(target)  # all pages in one step: one consistent read
        # A snapshot is one self-contained file, not a WAL database with side files.
        target.execute("PRAGMA journal_mode=DELETE")
        result = target.execute("PRAGMA integrity_check").fetchall()
    finally:
        target.close()
        source.close()
    if result != [("ok",)]:
        raise BackupError(
            _("The snapshot failed its integrity check: %(result)s", result=str(result[:3]))
        )


def snapshots(directory: Path) -> list[Path]:
    """Snapshots in `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(
        (path for path in directory.iterdir() if SNAPSHOT_NAME.fullmatch(path.name)),
        key=lambda path: (path.name[:26], len(path.name), path.name),
    )


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` snapshots; returns what was deleted. Other files
    in the directory are never touched."""
    existing = snapshots(directory)
    doomed = existing[: max(0, len(existing) - max(1, keep))]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def backup_database(
    url: str | URL, directory: str | Path, *, keep: int, now: datetime | None = None
) -> Path:
    """Write a consistent snapshot of the SQLite database at `url` into `directory`;
    returns its path."""
    source = sqlite_path(url)
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            _("The backup folder %(path)s cannot be created.", path=str(directory))
        ) from error
    final = _snapshot_path(directory, now or utcnow())
    partial = final.with_name(f".{final.name}.partial")
    try:
        _copy(source, partial)
        partial.replace(final)
    except sqlite3.Error as error:
        raise BackupError(_("The backup failed: %(error)s", error=str(error))) from error
    finally:
        partial.unlink(missing_ok=True)
    prune(directory, keep)
    return final
