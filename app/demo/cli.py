"""`flask demo load` and `flask demo logins`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.demo import services
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load() -> None:
    """Load demo data once (does nothing when people exist)."""
    created = services.load_demo_data()
    db.session.commit()
    if created:
        click.echo(f"Demo data loaded: {created} people.")
    else:
        click.echo("Demo data already present; nothing changed.")


@demo_cli.command("logins")
def logins() -> None:
    """Print the demo logins."""
    click.echo("Demo logins (student/staff number / password):")
    for login, password, name in services.demo_logins():
        click.echo(f"  {login:<12} {password:<16} {name}")
