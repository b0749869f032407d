"""Sign-in rules as plain Python: no Flask, no clock."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from urllib.parse import urlsplit

# The first few mistakes are free (typos happen); then each failure doubles the wait, up to
# a minute. A minute stops guessing at any useful rate, yet a stranger hammering someone's
# address can never lock them out for longer than that.
FREE_FAILURES = 3
MAX_DELAY_SECONDS = 60


def login_delay(failed_logins: int) -> int:
    """Seconds an account must wait after its last failed sign-in before the next try."""
    if failed_logins < FREE_FAILURES:
        return 0
    return min(2 ** (failed_logins - FREE_FAILURES), MAX_DELAY_SECONDS)


def seconds_until_login_allowed(failed_logins: int, last_failed_at: datetime | None, now: datetime) -> int:
    """0 when a sign-in may be tried now, else the whole seconds left to wait."""
    if last_failed_at is None:
        return 0
    allowed_at = last_failed_at + timedelta(seconds=login_delay(failed_logins))
    remaining = (allowed_at - now).total_seconds()
    return max(0, int(remaining + 0.999))


def is_safe_next(target: str | None) -> bool:
    """Whether a `next=` target is a path on this site (never another host, never a scheme)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\r\n\t\\"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def normalise_email(value: str) -> str:
    """The one spelling of an address that accounts are stored and looked up by.

    NFKC folds compatibility forms (a full-width "ｂob@" is "bob@"), casefold() folds case
    beyond ASCII; without both, one person could hold two accounts that look the same."""
    folded = unicodedata.normalize("NFKC", value).strip().casefold()
    return unicodedata.normalize("NFKC", folded)
