"""`flask create-admin`: the first administrator of a fresh installation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.accounts import services as accounts
from app.errors import DomainError
from app.extensions import db


@click.command("create-admin")
@with_appcontext
@click.option("--login", "student_number", required=True, help="工号 the admin logs in with.")
@click.option("--name", required=True, help="The admin's name.")
@click.option("--email", default=None, help="Email (optional).")
@click.password_option(help="Initial password (asked for when not given).")
def create_admin_command(student_number: str, name: str, email: str | None, password: str) -> None:
    """Create an administrator, who must change the password at the first login."""
    try:
        user = accounts.create_person(
            accounts.PersonFields(
                student_number=student_number, name=name, email=email, user_type="staff"
            ),
            password=password,
            roles=["admin"],
            must_change_password=True,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    click.echo(_("Administrator %(login)s created.", login=user.student_number))
