"""Affirmations in the user's own voice: recorded and kept on the phone, backed up when asked."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from webapp.recordings import pages
    from webapp.recordings.api import bp

    app.register_blueprint(bp)
    pages.init_app(app)
