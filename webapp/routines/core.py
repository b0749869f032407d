"""The rules of a routine's day, as plain Python: which routines there are, when each is on,
what a completion may carry, and which affirmations a day shows.

This module does no I/O, never reads the clock and imports nothing from Flask: `now`, the
day and the time zone are parameters. Which local day a moment belongs to is
`webapp.localday.local_day`'s to say.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from webapp.i18n.core import N_


@dataclass(frozen=True)
class Routine:
    """A daily routine as people see it: its id (CONTRACT.md), label, page and icon."""

    id: str
    label: str
    path: str
    icon: str
    start: str


ROUTINE_INFO = {
    # NOTE: The four routines' names, and (last) the word on each one's start button.
    "morning": Routine("morning", N_("Morning"), "/morning", "today", N_("Start")),
    "breathe": Routine("breathe", N_("Breathe"), "/breathe", "breathe", N_("Breathe")),
    "reflect": Routine("reflect", N_("Reflect"), "/reflect", "reflect", N_("Write it")),
    "goals": Routine("goals", N_("Goal review"), "/goals", "target", N_("Review")),
}
ROUTINES = tuple(ROUTINE_INFO)
ROUTINE_LABELS = {routine.id: routine.label for routine in ROUTINE_INFO.values()}
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class Schedule:
    """When a routine is on: weekday versions, pauses and days skipped by zone changes.

    `versions` are (effective_from, weekdays with Monday=0); they are kept sorted by date. Before
    the first version's date the first version applies; with no versions at all the routine is
    on every day. `pauses` are inclusive (first, last) ranges; a range whose last day is before
    its first is empty. `skipped` are the local days a zone change jumped over
    (`webapp.localday.zone_skipped_days`).
    """

    versions: tuple[tuple[date, frozenset[int]], ...]
    pauses: tuple[tuple[date, date], ...] = ()
    skipped: frozenset[date] = frozenset()
    _dates: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        versions = tuple(sorted(((start, frozenset(days)) for start, days in self.versions), key=_first))
        object.__setattr__(self, "versions", versions)
        object.__setattr__(self, "pauses", tuple((first, last) for first, last in self.pauses))
        object.__setattr__(self, "skipped", frozenset(self.skipped))
        object.__setattr__(self, "_dates", tuple(start for start, _ in versions))

    def weekdays_on(self, day: date) -> frozenset[int]:
        """The weekdays of the version in effect on `day` (the first version before it began)."""
        versions = self.versions
        if len(versions) == 1:  # most schedules: asked of a few hundred days a page, no bisect
            return versions[0][1]
        if not versions:
            return EVERY_DAY
        index = bisect_right(self._dates, day) - 1
        return versions[max(index, 0)][1]

    def is_paused(self, day: date) -> bool:
        """Whether `day` falls inside a pause (both ends inclusive)."""
        for first, last in self.pauses:  # noqa: SIM110 (any() makes a generator per day asked)
            if first <= day <= last:
                return True
        return False

    def is_scheduled(self, day: date) -> bool:
        """Whether a completion on `day` counts toward the streak: on that weekday and not paused.

        This ignores zone skips, which is what "not expected unless done" means: a skipped day
        that is done still counts.
        """
        return day.weekday() in self.weekdays_on(day) and not self.is_paused(day)

    def is_expected(self, day: date) -> bool:
        """Whether missing `day` would cost a freeze or the streak: scheduled and not zone-skipped."""
        return day not in self.skipped and self.is_scheduled(day)

    def scheduled_days(self, first: date, last: date) -> int:
        """How many days from `first` through `last` (inclusive) the routine is on and not paused."""
        return sum(self.is_scheduled(first + timedelta(days=n)) for n in range((last - first).days + 1))


def _first(pair: tuple[date, frozenset[int]]) -> date:
    return pair[0]


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
    # The whole pool is ranked for every user the sender reminds: the "user|week|" prefix is
    # hashed once, and raw digests order exactly as their hex spellings do.
    prefix = hashlib.sha256(f"{user_seed}|{week}|".encode())
    keys = {}
    for item in dict.fromkeys(pool):
        hasher = prefix.copy()
        hasher.update(item.encode())
        keys[item] = (item not in favourites, hasher.digest())
    ranked = sorted(keys, key=keys.__getitem__)
    size = 7 * count
    # digest(week, "day", item), prefix hashed once here too.
    day_prefix = hashlib.sha256(f"{user_seed}|{week}|day|".encode())

    def day_key(item: str) -> bytes:
        hasher = day_prefix.copy()
        hasher.update(item.encode())
        return hasher.digest()

    week_set = sorted(ranked[:size], key=day_key)
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


def is_int(value) -> bool:
    """A JSON whole number: an int that isn't a bool (True is 1 to Python)."""
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
        if not is_int(seconds) or not MIN_BREATHING_SECONDS <= seconds <= MAX_BREATHING_SECONDS:
            raise InvalidInput(
                "data.seconds", "a session counts from 60 seconds (a whole number, at most an hour)."
            )
        return {"pattern": pattern, "seconds": seconds}
    if routine == "reflect":
        cleaned: dict = {name: clean_text(data.get(name), f"data.{name}") for name in REFLECTION_FIELDS}
        mood = data.get("mood")
        if mood is not None and (not is_int(mood) or not 1 <= mood <= 5):
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
        if not is_int(amount) or not 0 <= amount <= MAX_GOAL_AMOUNT:
            raise InvalidInput("data.progress", f"amounts are whole numbers from 0 to {MAX_GOAL_AMOUNT}.")
        cleaned_progress[str(int(key))] = amount
    return {"progress": cleaned_progress}


def is_newer_write(existing_completed_at: datetime, new_completed_at: datetime) -> bool:
    """Of two writes for the same day, the later `completed_at` wins (a tie goes to the newer write)."""
    return new_completed_at >= existing_completed_at


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
