"""`flask --app webapp reminders run | send-due`: the reminder sender (the Procfile's worker)."""

from __future__ import annotations

import json
import signal
import time

import click
from flask.cli import AppGroup

from webapp.clock import utcnow
from webapp.reminders.send import new_session
from webapp.reminders.sender import CONCURRENCY, next_wake, send_due

reminders = AppGroup("reminders", help="Send Web Push reminders.")


@reminders.command("send-due")
@click.option("--concurrency", default=CONCURRENCY, show_default=True, help="Pushes in flight at once.")
def send_due_command(concurrency: int) -> None:
    """One pass: send every reminder that is due, then exit."""
    result = send_due(utcnow(), concurrency=concurrency)
    click.echo(json.dumps(result.__dict__, sort_keys=True))


@reminders.command("run")
@click.option("--concurrency", default=CONCURRENCY, show_default=True, help="Pushes in flight at once.")
def run_command(concurrency: int) -> None:
    """Keep sending reminders as they come due (stop with SIGTERM or Ctrl+C)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    session = new_session(concurrency)
    click.echo("Reminder sender running.")
    while not stopping:
        try:
            send_due(utcnow(), session=session, concurrency=concurrency)
            wait = next_wake(utcnow())
        except KeyboardInterrupt:
            break
        # Sleep in short steps so a SIGTERM ends the loop promptly.
        deadline = time.monotonic() + max(wait, 0.5)
        while not stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, deadline - time.monotonic()))
    click.echo("Reminder sender stopped.")
