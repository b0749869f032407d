"""What the pages need from recordings: the microphone allowed where recording is offered, and
the backup state for the page's scripts."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from webapp.extensions import db
from webapp.recordings.models import RecordingBackup

# Pages that render /morning/affirmations (its GET, and its forms' answers when they show it
# again with a problem). Only these may ask for the microphone; everywhere else it stays off.
RECORDING_PAGES = frozenset(
    {
        "morning.affirmations",
        "morning.add_affirmation",
        "morning.edit_affirmation",
        "morning.toggle_own",
        "morning.toggle_curated",
    }
)
MICROPHONE_HERE = "camera=(), microphone=(self), geolocation=(), payment=()"


def _allow_microphone_where_recording_is_offered(response):
    if request.endpoint in RECORDING_PAGES and response.mimetype == "text/html":
        # webapp/web.py sets the app-wide policy (microphone=()) only when none is set yet.
        response.headers["Permissions-Policy"] = MICROPHONE_HERE
    return response


def backup_since() -> str:
    """When the signed-in user turned backup on (ISO 8601), or "" when it is off; once per request."""
    if "recording_backup_since" not in g:
        row = None
        if current_user.is_authenticated:
            row = db.session.get(RecordingBackup, current_user.id)
        g.recording_backup_since = row.turned_on_at.isoformat() if row else ""
    return g.recording_backup_since


def init_app(app: Flask) -> None:
    app.after_request(_allow_microphone_where_recording_is_offered)
    app.jinja_env.globals["recording_backup_since"] = backup_since
