"""`flask backup`."""

import click


@click.command("backup")
def backup_command() -> None:
    """Write a consistent snapshot of the SQLite database (to be written)."""
