"""When a routine's next reminder fires, as plain Python (no Flask, no clock, no I/O).

A reminder is a local wall-clock time (08:00) on the days its routine is on, in the
account's IANA zone. Its next occurrence is the first such moment strictly after `after`
whose *local day* (`webapp.localday.local_day`, with the day-end hour) is a day the
routine is on, not paused and not yet done.

Clock changes follow zoneinfo's rules, so each local day fires exactly once:
- spring forward: a time that doesn't exist (02:30 in New York on 8 March 2026) is read
  with the offset before the change, which puts it at 03:30 the new time;
- fall back: a time that happens twice (01:30 on 1 November 2026) fires at the first of
  the two (`fold=0`), never again at the second.

With a day-end hour, a reminder set before that hour (00:30 with a day end of 3) belongs to
the previous local day, exactly as a completion at that moment would.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from webapp.localday import local_day

# Far enough to cross a year of pauses; a routine that is off every day has no next reminder.
HORIZON_DAYS = 400
SNOOZE = timedelta(hours=1)
# A reminder more than this late (the sender was down) is dropped rather than sent.
MAX_LATENESS = timedelta(hours=2)


@dataclass(frozen=True)
class Occurrence:
    fire_at: datetime  # aware, UTC
    local_day: date


def wall_clock(day: date, at: time, zone: str) -> datetime:
    """`day` at `at` in `zone`, as an aware UTC moment (a nonexistent time moves forward)."""
    local = datetime(day.year, day.month, day.day, at.hour, at.minute, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def next_occurrence(
    after: datetime,
    at: time,
    zone: str,
    day_end_hour: int,
    wanted: Callable[[date], bool],
    horizon_days: int = HORIZON_DAYS,
) -> Occurrence | None:
    """The first firing strictly after `after` whose local day `wanted(day)` accepts.

    `wanted` says whether a local day should get this reminder: the routine is on that
    weekday, the day isn't paused, and the routine isn't already done that day.
    """
    if after.tzinfo is None:
        raise ValueError("next_occurrence needs an aware datetime")
    start = after.astimezone(ZoneInfo(zone)).date() - timedelta(days=1)
    for offset in range(horizon_days + 2):
        fire_at = wall_clock(start + timedelta(days=offset), at, zone)
        if fire_at <= after:
            continue
        day = local_day(fire_at, zone, day_end_hour)
        if wanted(day):
            return Occurrence(fire_at, day)
    return None


def is_too_late(due_at: datetime, now: datetime) -> bool:
    """Whether an occurrence is past saving: more than two hours late is dropped, not sent."""
    return now - due_at > MAX_LATENESS


def fate(due_at: datetime, now: datetime, still_wanted: bool) -> str:
    """What becomes of a due reminder: "drop" when it is past saving (`is_too_late`), "skip"
    when its day no longer wants it (off, paused or already done), else "send"."""
    if is_too_late(due_at, now):
        return "drop"
    return "send" if still_wanted else "skip"


def delivery_outcome(status: int | None, attempts: int, max_attempts: int) -> tuple[str, bool]:
    """What a push service's answer means for one message: ("sent" | "gone" | "retry" |
    "failed", whether to flag the device as broken).

    2xx is sent; 404 and 410 mean the browser unsubscribed (forget the device); no answer, 429
    and 5xx are tried again until `max_attempts`; 400 (a bad key), 413 and redirects fail and
    flag the device, since sending again won't help; anything else (401/403) just fails.
    """
    if status is not None and 200 <= status < 300:
        return "sent", False
    if status in (404, 410):
        return "gone", False
    if status is None or status == 429 or status >= 500:
        return ("failed" if attempts >= max_attempts else "retry"), False
    return "failed", status in (400, 413) or 300 <= status < 400


def time_to_live(due_at: datetime, now: datetime) -> int:
    """Seconds a push service should keep the message: until it's no longer useful (never 0)."""
    remaining = (due_at + MAX_LATENESS - now).total_seconds()
    return max(60, int(remaining))


# Every character RFC 3986 allows in a URI: unreserved, reserved and "%" for escapes. A
# backslash, a space or any non-ASCII character is in no real push endpoint, and parsers
# disagree on where such a host ends.
URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_HOST_NAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")
DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


def endpoint_origin(url: str) -> Origin | None:
    """Where an HTTP request to `url` really goes, read with urllib3's parser (the sender's
    connections, webapp/reminders/send.py, connect to exactly this origin; through a proxy,
    urllib3 reads it the same way); None for anything but a plain http(s) URL to a host name
    or an IP address, without credentials."""
    target = endpoint_target(url)
    return target[0] if target is not None else None


def endpoint_target(url: str) -> tuple[Origin, str] | None:
    """`endpoint_origin` and the request target (path and query) to send there, read in one
    parse (the sender's push loop needs both for every message)."""
    return _target(url) if isinstance(url, str) else None


# Remembered for the last few thousand URLs: claim checks a batch's endpoints against the allow
# list, then the push loop sends to them (urllib3's parser cost 0.05 ms a message).
@functools.lru_cache(maxsize=4096)
def _target(url: str) -> tuple[Origin, str] | None:
    if not url or len(url) > 2048 or not URI_CHARACTERS.issuperset(url):
        return None
    try:
        parts = parse_url(url)
    except LocationParseError:
        return None
    scheme = (parts.scheme or "").lower()
    host = (parts.host or "").lower()
    if scheme not in DEFAULT_PORTS or parts.auth is not None or not host:
        return None
    # A fully qualified name ("host.") is the same host; an IPv6 literal keeps its brackets.
    host = host[:-1] if host.endswith(".") else host
    if not (_HOST_NAME.fullmatch(host) or re.fullmatch(r"\[[0-9a-f:.]+\]", host)):
        return None
    return Origin(scheme, host, parts.port or DEFAULT_PORTS[scheme]), parts.request_uri


def is_allowed_endpoint(endpoint: str, allowed: tuple[str, ...] | list[str]) -> bool:
    """Whether a push endpoint may be contacted (the SSRF guard; CONTRACT.md PUSH_ALLOWED_HOSTS).

    - a bare host (`fcm.googleapis.com`) allows HTTPS on port 443 to exactly that host;
    - `*.push.apple.com` allows HTTPS on port 443 to its subdomains (not the name itself);
    - an origin (`http://127.0.0.1:8765`) allows exactly that scheme, host and port.
    Anything with credentials in it, another scheme or another port is refused. The endpoint
    is parsed as the sender will parse it (`endpoint_origin`), so the host checked is the host
    contacted.
    """
    origin = endpoint_origin(endpoint)
    if origin is None:
        return False
    for rule in allowed:
        rule = rule.strip().lower()
        if "://" in rule:
            if origin == endpoint_origin(rule):
                return True
        elif origin.scheme == "https" and origin.port == 443:
            if rule.startswith("*."):
                if origin.host.endswith(rule[1:]) and origin.host != rule[2:]:
                    return True
            elif origin.host == rule:
                return True
    return False


def retry_delay(attempts: int, retry_after: str | None, now: datetime) -> timedelta:
    """How long to wait before the next try: the push service's Retry-After when it gives one
    (seconds or an HTTP date), else 30 s doubling per attempt, at most 30 minutes."""
    if retry_after:
        retry_after = retry_after.strip()
        if retry_after.isdigit():
            return timedelta(seconds=min(int(retry_after), 3600))
        try:
            when = parsedate_to_datetime(retry_after)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(timedelta(0), min(when - now, timedelta(hours=1)))
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))
