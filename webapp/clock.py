"""The one place the app reads the time, so tests can set it (`app.config["CLOCK"]`)."""

from datetime import UTC, datetime

from flask import current_app


def utcnow() -> datetime:
    """The current moment, timezone-aware in UTC."""
    clock = current_app.config.get("CLOCK")
    moment = clock() if clock else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("CLOCK must return an aware datetime")
    return moment.astimezone(UTC)
