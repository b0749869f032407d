"""Operator commands under `flask --app webapp ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from webapp.auth import sessions, throttle
from webapp.auth.core import normalise_email
from webapp.auth.forms import PASSWORD_MAX, PASSWORD_MIN
from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.config import new_vapid_key_pair
from webapp.extensions import db
from webapp.portability import ImportProblem, import_document, read_document

users = AppGroup("users", help="Help a user with their account.")
# A plain group, and a Flask CLI plugin too (pyproject.toml): making the keys needs no app, so it
# works where the app refuses to start for want of those very keys.
vapid = click.Group("vapid", help="Web Push (VAPID) keys.")


def _user(email: str) -> User:
    user = db.session.scalar(db.select(User).filter_by(email=normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


@users.command("set-password")
@click.argument("email")
@click.password_option("--password", prompt="New password", help="Asked for when not given.")
def set_password(email: str, password: str) -> None:
    """Set a new password for EMAIL (signs out all their devices)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(f"Use between {PASSWORD_MIN} and {PASSWORD_MAX} characters.")
    user = _user(email)
    user.set_password(password)
    sessions.end_all(user.id)
    db.session.commit()
    throttle.succeeded(user.email)
    click.echo(f"Password set for {user.email}; their other sessions are signed out.")


@users.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("email")
def import_file(file: Path, email: str) -> None:
    """Import a version-1 export FILE into the account EMAIL."""
    user = _user(email)
    try:
        names = import_document(user, read_document(file.read_bytes()), utcnow())
    except ImportProblem as problem:
        db.session.rollback()
        raise click.ClickException(f"Nothing was imported. {problem}") from problem
    db.session.commit()
    click.echo(f"Imported {', '.join(names)} into {user.email}.")


@vapid.command("generate")
def generate() -> None:
    """Print a new VAPID key pair for VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY."""
    private, public = new_vapid_key_pair()
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo(f"VAPID_PUBLIC_KEY={public}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(vapid)
