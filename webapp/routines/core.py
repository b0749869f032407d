"""The rules of a routine's day, as plain Python.

This module does no I/O, never reads the clock and imports nothing from Flask: `now`, the
time zone and the day-end hour are parameters. Every other part of Rebound that needs to know
"which day is this?" (routines, "done today", streaks, reminders) asks `local_day`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

ROUTINES = ("morning", "breathe", "reflect", "goals")

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


def daily_affirmations(
    pool: Sequence[str],
    user_seed: str,
    day: date,
    count: int = 3,
    favourites: Collection[str] = frozenset(),
    own: Sequence[str] = (),
    hidden: Collection[str] = frozenset(),
) -> list[str]:
    """The affirmation ids to show a user on `day`: the same all day, on every device.

    `pool` is every curated id, `own` the user's own (e.g. "own-12"); `favourites` and
    `hidden` may name ids of either kind. Hidden ids never appear.

    Curated part. Once per user and ISO week (Monday–Sunday) the whole pool is ranked by a
    SHA-256 of (user, week, id), favourites first. The first 7 × count ids are the week's set,
    put in a second hashed order so favourites spread over the days; weekday n (Monday 0) owns
    the slots n·count … n·count + count − 1, and the ids after the week's set are spares, of
    which day n owns numbers n, n + 7, n + 14 … to stand in for ids the user hid. No two days
    share a slot or a spare, and hiding changes neither, so a curated id comes up at most once
    a week even when the user hides some mid-week or writes their first own one (each day keeps
    `count` slots). Only a pool too small for that (under 7 × count ids, or a day whose slots and
    spares are nearly all hidden) falls back to repeats. Favouriting mid-week reorders the rest
    of that week.

    Favourites come up more often: each is in every week's set (while there are at most
    7 × count of them), where any other id is in about one week in four (21 of 77).

    Own part. When the user has a visible own affirmation, the last id is one of them, rotating
    day by day through a per-user order in which favourites come round twice. Own ones may
    repeat within a week: most people write only a few. Fewer than `count` ids come back only
    when there aren't enough visible ones.
    """
    if count <= 0:
        return []
    favourites, hidden = frozenset(favourites), frozenset(hidden)

    def digest(*parts: str) -> str:
        return hashlib.sha256("|".join((user_seed, *parts)).encode()).hexdigest()

    visible_own = [item for item in dict.fromkeys(own) if item not in hidden]
    curated_count = count - 1 if visible_own else count

    iso_year, iso_week, iso_weekday = day.isocalendar()
    week = f"{iso_year}-W{iso_week:02d}"
    ranked = sorted(dict.fromkeys(pool), key=lambda item: (item not in favourites, digest(week, item)))
    size = 7 * count
    week_set = sorted(ranked[:size], key=lambda item: digest(week, "day", item))
    spares = ranked[size:]
    n = iso_weekday - 1
    start = n * count
    slots = [week_set[(start + i) % len(week_set)] for i in range(count)] if week_set else []
    # Within the day favourites go first, so a day with one fewer curated slot keeps them.
    slots.sort(key=lambda item: item not in favourites)
    fallback = [week_set[(start + count + i) % len(week_set)] for i in range(len(week_set))]
    picks: list[str] = []
    for item in (*slots, *spares[n::7], *fallback, *spares):
        if len(picks) == curated_count:
            break
        if item not in hidden and item not in picks:
            picks.append(item)

    if visible_own:
        order = sorted(visible_own, key=lambda item: digest("own", item))
        again = sorted((item for item in visible_own if item in favourites), key=lambda i: digest("again", i))
        cycle = order + again
        picks.append(cycle[day.toordinal() % len(cycle)])
    return picks


# What a completion may carry, per routine (CONTRACT.md "data per routine").

MAX_TEXT = 2000
MAX_INTENTION = 500
BREATHING_PATTERN_IDS = ("box", "478", "sigh", "coherent", "custom")
MIN_BREATHING_SECONDS = 60
MAX_BREATHING_SECONDS = 60 * 60
MAX_GOAL_AMOUNT = 10_000
BACKDATE_LIMIT = timedelta(days=7)
FUTURE_LIMIT = timedelta(minutes=5)
REFLECTION_FIELDS = ("went_well", "didnt_go_well", "learned", "reframe", "small_win")


class InvalidInput(ValueError):
    """Input a person can fix; `field` names the part, `message` is for people."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def clean_text(value, field: str, max_length: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text.")
    value = value.replace("\x00", "").strip()
    if len(value) > max_length:
        raise InvalidInput(field, f"is too long: keep it under {max_length} characters.")
    return value


def check_completed_at(completed_at: datetime, now: datetime) -> None:
    """A completion may be back-dated up to 7 days and lie at most 5 minutes ahead (clock skew)."""
    if completed_at.tzinfo is None:
        raise InvalidInput("completed_at", "needs a UTC offset, like 2026-03-02T08:15:00+01:00.")
    if completed_at > now + FUTURE_LIMIT:
        raise InvalidInput("completed_at", "is in the future.")
    if completed_at < now - BACKDATE_LIMIT:
        raise InvalidInput("completed_at", "is more than 7 days ago.")


def clean_completion_data(routine: str, data) -> dict:
    """The routine's `data`, checked and normalised; InvalidInput says what is wrong."""
    if routine not in ROUTINES:
        raise InvalidInput("routine", f"must be one of {', '.join(ROUTINES)}.")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("data", "must be an object.")
    if routine == "morning":
        ids = data.get("affirmation_ids", [])
        if (
            not isinstance(ids, list)
            or len(ids) > 10
            or not all(isinstance(i, str) and len(i) <= 64 for i in ids)
        ):
            raise InvalidInput("data.affirmation_ids", "must be a short list of affirmation ids.")
        return {
            "intention": clean_text(data.get("intention"), "data.intention", MAX_INTENTION),
            "affirmation_ids": ids,
        }
    if routine == "breathe":
        pattern, seconds = data.get("pattern"), data.get("seconds")
        if pattern not in BREATHING_PATTERN_IDS:
            raise InvalidInput("data.pattern", f"must be one of {', '.join(BREATHING_PATTERN_IDS)}.")
        if not _is_int(seconds) or not MIN_BREATHING_SECONDS <= seconds <= MAX_BREATHING_SECONDS:
            raise InvalidInput(
                "data.seconds", "a session counts from 60 seconds (a whole number, at most an hour)."
            )
        return {"pattern": pattern, "seconds": seconds}
    if routine == "reflect":
        cleaned: dict = {name: clean_text(data.get(name), f"data.{name}") for name in REFLECTION_FIELDS}
        mood = data.get("mood")
        if mood is not None and (not _is_int(mood) or not 1 <= mood <= 5):
            raise InvalidInput("data.mood", "must be a whole number from 1 to 5.")
        cleaned["mood"] = mood
        return cleaned
    progress = data.get("progress", {})
    if not isinstance(progress, dict) or len(progress) > 50:
        raise InvalidInput("data.progress", "must map goal ids to amounts.")
    cleaned_progress = {}
    for key, amount in progress.items():
        # isascii: isdigit also accepts "²", which int() can't read; 9 digits fit any id column.
        if not (str(key).isascii() and str(key).isdigit() and len(str(key)) <= 9):
            raise InvalidInput("data.progress", "goal ids are whole numbers.")
        if not _is_int(amount) or not 0 <= amount <= MAX_GOAL_AMOUNT:
            raise InvalidInput("data.progress", f"amounts are whole numbers from 0 to {MAX_GOAL_AMOUNT}.")
        cleaned_progress[str(int(key))] = amount
    return {"progress": cleaned_progress}


def is_newer_write(existing_completed_at: datetime, new_completed_at: datetime) -> bool:
    """Of two writes for the same day, the later `completed_at` wins (a tie goes to the newer write)."""
    return new_completed_at >= existing_completed_at


def noon_of(day: date, zone: str) -> datetime:
    """A moment safely inside `day` in `zone`, for "I did it yesterday" (whatever the DST or day-end hour)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone))


# The order in which the day's routines make sense, by the local hour: a morning routine first
# thing; breathing and the goal review through the working day; the reflection in the evening.
_DAY_ORDERS = (
    (12, ("morning", "breathe", "goals", "reflect")),
    (17, ("breathe", "goals", "reflect", "morning")),
    (24, ("reflect", "goals", "breathe", "morning")),
)


def next_routine(
    just_done: str | None, done: Collection[str], expected: Collection[str], hour: int
) -> str | None:
    """The one routine to offer next, or None when nothing else is expected today.

    Only a routine that is expected today (not a rest day), not done yet and not the one just
    finished; among those, the first in the order that suits the local hour (see _DAY_ORDERS).
    """
    order = next(order for until, order in _DAY_ORDERS if hour < until)
    for routine in order:
        if routine != just_done and routine not in done and routine in expected:
            return routine
    return None
