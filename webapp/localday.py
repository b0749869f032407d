"""The local day: which calendar day a moment belongs to for a user, as plain Python.

This module does no I/O, never reads the clock and imports nothing from Flask: the moment,
the time zone and the day-end hour are parameters. Every part of Rebound that needs to know
"which day is this?" (completions, "done today", streaks, reminders, the support corner)
asks `local_day` here, usually through `User.local_day(now)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# The latest hour at which a user may say their day ends: a night-owl seller finishing
# notes at 01:30 still counts it as "yesterday", but 05:00 is a new day for everyone.
MAX_DAY_END_HOUR = 4


def is_valid_time_zone(name: str) -> bool:
    """Whether `name` is an IANA zone that zoneinfo knows (e.g. "Europe/Berlin")."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in _known_zones()


_ZONES: frozenset[str] | None = None


def zone_names() -> list[str]:
    """Every zone a person may pick, sorted (the account page's searchable list)."""
    return sorted(_known_zones())


def _known_zones() -> frozenset[str]:
    # zoneinfo accepts odd keys such as "posixrules" or "Factory"; we only offer real zones.
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def local_day(moment: datetime, zone: str, day_end_hour: int = 0) -> date:
    """The calendar day a moment belongs to for a user.

    It is the date of `moment` in `zone`, minus one day when the local time is before
    `day_end_hour` (0–4): with a day-end hour of 3, 02:59 on Tuesday still belongs to Monday
    and 03:00 is Tuesday. `moment` must be timezone-aware; a naive datetime is a bug in the
    caller (we would not know which instant it means), so it raises ValueError.

    DST needs no special case: the conversion to the zone is zoneinfo's, and the local wall
    clock hour decides. On a fall-back night with a day-end hour of 1, both 01:30s are after
    the day-end hour and so belong to the new day.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_day needs a timezone-aware datetime")
    if not 0 <= day_end_hour <= MAX_DAY_END_HOUR:
        raise ValueError(f"day_end_hour must be 0–{MAX_DAY_END_HOUR}")
    local = moment.astimezone(ZoneInfo(zone))
    day = local.date()
    if local.hour < day_end_hour:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class ZoneSpan:
    """The account's zone from `since` (aware datetime, or None for "always") onwards."""

    zone: str
    since: datetime | None


def zone_at(moment: datetime, spans: list[ZoneSpan]) -> str:
    """The account's zone in effect at `moment`, given its history in time order."""
    current = spans[0].zone
    for span in spans:
        if span.since is None or span.since <= moment:
            current = span.zone
        else:
            break
    return current


def skipped_days(changed_at: datetime, old_zone: str, new_zone: str, day_end_hour: int = 0) -> list[date]:
    """Days a zone change jumps over, which are therefore not expected unless done.

    From the old zone's local day at the moment of change (inclusive) up to the new zone's
    local day at that moment (exclusive). Flying Los Angeles → Tokyo on Monday evening lands
    on Tuesday: Monday is skipped (unless it was done). Flying west yields no days at all.
    """
    start = local_day(changed_at, old_zone, day_end_hour)
    end = local_day(changed_at, new_zone, day_end_hour)
    return [start + timedelta(days=i) for i in range((end - start).days)]


def zone_skipped_days(spans: list[ZoneSpan], day_end_hour: int = 0) -> frozenset[date]:
    """The local days jumped over by the account's zone changes, for `Schedule.skipped`.

    `spans` is the zone history in time order (as for `zone_at`); each
    change from one span to the next, at the later span's `since`, skips the days
    `skipped_days` names: Los Angeles -> Tokyo on a Monday evening skips
    Monday; a flight west skips nothing.
    """
    days: set[date] = set()
    for before, after in zip(spans, spans[1:], strict=False):
        if after.since is not None and before.zone != after.zone:
            days.update(skipped_days(after.since, before.zone, after.zone, day_end_hour))
    return frozenset(days)


def noon_of(day: date, zone: str) -> datetime:
    """A moment safely inside `day` in `zone`, for "I did it yesterday" (whatever the DST or day-end hour)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone))


# How far ahead a zone switch is judged: a year sees both DST changes of every zone.
SWITCH_HORIZON_DAYS = 366


def zone_switch_matters(account_zone: str, phone_zone: str, today: date) -> bool:
    """Whether switching the account from `account_zone` to `phone_zone` would change anything.

    A switch moves a local day or a reminder time only when the two zones' clocks differ at some
    moment. Every hour of the coming year from `today` (UTC midnight) is compared, so a zone that
    changes to summer time on another date than the account's (New York and London in March) is
    told apart, while Berlin and Paris, or Asia/Calcutta and Asia/Kolkata, are not: offering a
    switch between them would only nag. A name that is no zone is never offered.
    """
    if phone_zone == account_zone or not is_valid_time_zone(phone_zone):
        return False
    if not is_valid_time_zone(account_zone):
        return False
    return not _same_clocks(account_zone, phone_zone, today)


@lru_cache(maxsize=512)
def _same_clocks(zone_a: str, zone_b: str, start: date) -> bool:
    # Hourly: the two zones of a pair may switch to summer time on the same day a few hours apart.
    a, b = ZoneInfo(zone_a), ZoneInfo(zone_b)
    midnight = datetime(start.year, start.month, start.day, tzinfo=UTC)
    for hour in range(SWITCH_HORIZON_DAYS * 24):
        moment = midnight + timedelta(hours=hour)
        if moment.astimezone(a).utcoffset() != moment.astimezone(b).utcoffset():
            return False
    return True
