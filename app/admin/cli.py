"""`flask backup`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.admin import backup
from app.extensions import db


@click.command("backup")
@with_appcontext
@click.option("--keep", type=int, default=None, help="How many snapshots to keep (BACKUP_KEEP).")
@click.option("--dir", "directory", default=None, help="Where to write them (BACKUP_DIR).")
def backup_command(keep: int | None, directory: str | None) -> None:
    """Write a consistent snapshot of the SQLite database while the app runs."""
    try:
        path = backup.backup_database(
            db.engine.url,
            directory or current_app.config["BACKUP_DIR"],
            keep=keep if keep is not None else current_app.config["BACKUP_KEEP"],
        )
    except backup.BackupError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(_("Backup written: %(path)s", path=str(path)))
