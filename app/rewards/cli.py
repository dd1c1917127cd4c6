"""`flask boards rebuild [--full]`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.rewards import boards

boards_cli = AppGroup("boards", help="Leaderboards.")


@boards_cli.command("rebuild")
@click.option("--full", is_flag=True, help="Sum every board again, not only what changed.")
def rebuild(full: bool) -> None:
    """Bring the leaderboards up to date now (incrementally unless --full)."""
    counts = boards.rebuild(full=full)
    db.session.commit()
    click.echo(", ".join(f"{name}: {value}" for name, value in counts.items()))
