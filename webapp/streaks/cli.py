"""`flask --app webapp streaks rebuild`: recompute every stored streak from history."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import db

streaks = AppGroup("streaks", help="Stored streak state.")


@streaks.command("rebuild")
@click.option("--email", help="Only this account.")
def rebuild_command(email: str | None) -> None:
    """Recompute every user's stored streaks (and next reminders) from their history."""
    query = db.select(User).order_by(User.id)
    if email:
        query = query.filter_by(email=email.strip().lower())
    count = 0
    for user in db.session.scalars(query).all():
        refresh_derived(user, None, utcnow())
        db.session.commit()
        count += 1
    click.echo(f"Rebuilt streaks for {count} account{'s' if count != 1 else ''}.")
