"""Streaks, freezes and habit strength for one routine, as plain Python.

This module does no I/O, never reads the clock and knows nothing of Flask or the database:
`today` is a parameter, and the inputs are dates, sets of dates and small frozen dataclasses.
A day here is always a *local day* as computed by `webapp.localday.local_day`; a
completion is stored with its local day, and only that day is ever compared.

The rules (per routine)
-----------------------
The days a routine is on are a setting with effective-from dates (`Schedule.versions`), so
changing them never rewrites history: each day is judged by the version in effect on it, and
days before the first version's date use the first version.

A day is **expected** when the routine is on that weekday, the day is not inside a pause (both
ends inclusive) and it was not skipped by a zone change (`Schedule.skipped`, days computed with
`webapp.localday.zone_skipped_days`).

Walk the days in order, from the routine's first completion (nothing before it counts) to
yesterday; today counts if done and is *pending* if not (it neither breaks nor freezes):

    expected day                      effect
    done                              streak +1; run +1; when run reaches 7: run = 0 and, if
                                      fewer than 2 freezes are held, held +1 (an award at the
                                      cap of 2 is lost)
    missed, streak > 0, freeze held   the day is frozen: held -1; streak and run unchanged
    missed otherwise                  streak = 0; run = 0; freezes held are kept

- A completion on a day that is not expected (an off weekday, a paused day) is an *extra*: it
  counts in totals and strength but neither adds to nor breaks the streak.
- Days skipped by a zone change are "not expected unless done": a skipped day that is done
  counts as a done expected day, provided the routine was on that weekday and not paused (the
  zone change only removes days; it never turns an off day or a paused day into one that counts).
  A flight east therefore never breaks a streak.
- The current streak is the streak after today, or after the most recent expected day while
  today is pending.

Worked example, a daily routine from Monday 2 March 2026: days 1-7 done -> streak 7, held 1;
day 8 missed -> frozen, held 0; days 9-15 done -> streak 14, held 1 (run reached 7 again on
day 15); days 16 and 17 missed -> 16 frozen, 17 breaks: streak 0, held 0; day 18 done ->
streak 1.

Edge cases
----------
- A Monday-Friday routine across a weekend: Saturday and Sunday are not expected, so the
  Friday streak carries to Monday; a Saturday completion is an extra.
- A pause across a month end (or any range): paused days are not expected, spend no freeze
  and break nothing; a completion inside a pause is an extra.
- A back-dated completion: the walk is a pure function of the done days, so adding a day that
  was missed-and-frozen gives the freeze back. A *stored* state (see `StreakState`) that
  already walked past the new day is stale; rebuild it with `state_as_of_last_completion`.
- A schedule change with an effective-from date judges only the days from that date on.
- `walk` with `state.as_of` on or after `until` returns the state as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from webapp.routines.core import Schedule

# A freeze is earned for every 7 done expected days in a row (frozen days don't interrupt the
# run); at most 2 are held, so a long streak can't bank a month off.
FREEZE_EVERY = 7
MAX_FREEZES = 2

# Loop Habit Tracker's half-life for a daily habit, in steps (its Score.compute()).
STRENGTH_HALF_LIFE = 13.0

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StreakState:
    """Where a walk stopped, so the next one can resume instead of starting over.

    `as_of` is the last day walked (inclusive; None when nothing was walked), `run` counts done
    expected days towards the next freeze, `held` the freezes in hand (0-2), and `last_break`
    the most recent day a miss reset a streak above zero to 0 (for "comeback" figures).
    """

    as_of: date | None
    streak: int = 0
    run: int = 0
    held: int = 0
    longest: int = 0
    last_break: date | None = None
    # Habit strength after the last day walked (see `habit_strength`), carried along so a
    # resumed walk needs no history either.
    strength: float = 0.0
    # Days from `last_break` to the first completion after it; None until there is one.
    comeback: int | None = None


def walk(
    state: StreakState,
    schedule: Schedule,
    done_days: Iterable[date],
    until: date,
    start: date | None = None,
) -> StreakState:
    """Apply the streak table to each day after `state.as_of` through `until` (inclusive).

    The walk begins at `state.as_of + 1`, or at the first done day when `state.as_of` is None
    (nothing before the first completion counts); `start`, when given, moves the beginning
    later, and days before it are not walked. With no done days, or nothing to walk before
    `until` (including `state.as_of` on or after `until`), the state comes back unchanged.

    Every day walked is final: `until` itself is treated as over, so pass yesterday while
    today is still pending (see `summarize`). The walk is resumable:
    `walk(walk(s, sch, D, d1), sch, D, d2) == walk(s, sch, D, d2)` for d1 < d2.
    """
    done = _as_set(done_days)
    return _walk(state, schedule, done, until, start, statuses=None)


def _walk(
    state: StreakState,
    schedule: Schedule,
    done: frozenset[date],
    until: date,
    start: date | None,
    statuses: dict[date, str] | None,
) -> StreakState:
    if state.as_of is None:
        if not done:
            return state
        first = min(done)
    else:
        first = state.as_of + ONE_DAY
    if start is not None:
        first = max(first, start)
    if first > until:
        return state

    streak, run, held, longest, last_break, strength, comeback = (
        state.streak,
        state.run,
        state.held,
        state.longest,
        state.last_break,
        state.strength,
        state.comeback,
    )
    day = first
    skipped = schedule.skipped
    while day <= until:
        is_done = day in done
        # Each day's schedule is asked once: the walk runs over years of days on /progress.
        weekdays = schedule.weekdays_on(day)
        is_scheduled = day.weekday() in weekdays and not schedule.is_paused(day)
        is_expected = is_scheduled and day not in skipped
        if is_done or is_expected:
            multiplier = _multiplier(len(weekdays))
            strength = strength * multiplier + (1 - multiplier) * (1.0 if is_done else 0.0)
        if is_done:
            if last_break is not None and comeback is None:
                comeback = (day - last_break).days
            if is_scheduled:
                status = "done"
                streak += 1
                run += 1
                if run == FREEZE_EVERY:
                    run = 0
                    held = min(held + 1, MAX_FREEZES)
            else:
                status = "extra"
        elif is_expected:
            if streak > 0 and held > 0:
                status = "frozen"
                held -= 1
            else:
                status = "missed"
                if streak > 0:
                    last_break, comeback = day, None
                streak = 0
                run = 0
        else:
            status = "paused" if schedule.is_paused(day) else "off"
        longest = max(longest, streak)
        if statuses is not None:
            statuses[day] = status
        day += ONE_DAY
    return StreakState(
        as_of=until,
        streak=streak,
        run=run,
        held=held,
        longest=longest,
        last_break=last_break,
        strength=strength,
        comeback=comeback,
    )


def day_statuses(schedule: Schedule, done_days: Iterable[date], until: date) -> dict[date, str]:
    """Each day's status for the calendar heatmap, from the first completion through `until`.

    "done" (a done day that counts), "extra" (done on a day that is not expected), "frozen"
    (missed, covered by a freeze), "missed", "paused" (not done, inside a pause, whatever the
    weekday) or "off" (not expected and not done: an off weekday or a zone-skipped day).
    `until` is treated as over: while today is pending, pass yesterday and draw today apart.
    Empty when nothing was ever done.
    """
    statuses: dict[date, str] = {}
    _walk(StreakState(as_of=None), schedule, _as_set(done_days), until, None, statuses)
    return statuses


def state_as_of_last_completion(schedule: Schedule, done_days: Iterable[date]) -> StreakState:
    """The state to store after a completion: the walk from scratch through the last done day.

    A done day is never pending, so this state stays valid until a completion is added or
    removed on or before its `as_of`, or the schedule changes on or before it; then rebuild.
    """
    done = _as_set(done_days)
    if not done:
        return StreakState(as_of=None)
    return _walk(StreakState(as_of=None), schedule, done, max(done), None, statuses=None)


@dataclass(frozen=True)
class StreakSummary:
    """A routine's figures on a given day (see `summarize`)."""

    current: int
    longest: int
    freezes_held: int
    total_days: int
    rate_30: float
    strength: float
    comeback_days: int | None
    today_done: bool
    today_expected: bool
    yesterday_done: bool


@dataclass(frozen=True)
class DoneCounts:
    """What `summarize` needs of the whole history when it is given only recent done days."""

    total_days: int
    first_day: date | None


def walk_to_today(state: StreakState, schedule: Schedule, done: frozenset[date], today: date) -> StreakState:
    """The state after every day before `today`, and after today only if it is done.

    Today is *pending* until done: it neither breaks nor freezes. This is the one place that
    says so; every figure shown "today" comes through here.
    """
    state = _walk(state, schedule, done, today - ONE_DAY, None, statuses=None)
    if today in done:
        state = _walk(state, schedule, done, today, None, statuses=None)
    return state


def is_resumable(stored: StreakState | None, today: date, today_done: bool) -> bool:
    """Whether a stored state can be resumed to `today`: it stopped before today, or exactly at
    a done today. (A state from a later day, after a zone change westwards, cannot.) A state
    with nothing walked is a walk from scratch."""
    if stored is None:
        return False
    if stored.as_of is None:
        return True
    return stored.as_of < today or (stored.as_of == today and today_done)


def recent_days_needed(stored: StreakState | None, today: date) -> date | None:
    """The first day whose completions `summarize` must see when it resumes from `stored`
    (with `DoneCounts` for the rest); None when it needs the whole history."""
    if stored is None or (stored.as_of is not None and stored.as_of > today):
        return None
    first = today - timedelta(days=29)
    if stored.as_of is not None:
        first = min(first, stored.as_of + ONE_DAY)
    return first


def summarize(
    schedule: Schedule,
    done_days: Iterable[date],
    today: date,
    stored: StreakState | None = None,
    counts: DoneCounts | None = None,
) -> StreakSummary:
    """The streak figures for `today`, resuming from a `stored` state when one is given.

    The walk goes through yesterday, then applies today only if it is done (`walk_to_today`).
    `stored` must come from the same schedule and done days (e.g. `state_as_of_last_completion`);
    one that is not `is_resumable` is ignored. Completions after `today` are ignored.

    `done_days` is the whole history, or, with `counts` (the whole history's total and first
    day), at least every done day from `recent_days_needed(stored, today)` on.

    - `total_days`: distinct done days, extras included.
    - `rate_30`: done expected days / expected days over the 30 days ending today, counting
      from the first completion at the earliest (no history is not a miss) and today only if
      done; 0.0 when no day in that window was expected.
    - `strength`: `habit_strength` through today if done, else through yesterday (carried in
      the walk's state, so it resumes with it).
    - `comeback_days`: days from the most recent break to the first completion after it; None
      if the streak never broke or there has been no completion since the break.
    """
    done = frozenset(day for day in _as_set(done_days) if day <= today)
    today_done = today in done
    if counts is None:
        counts = DoneCounts(len(done), min(done) if done else None)
    start = stored if is_resumable(stored, today, today_done) else StreakState(as_of=None)
    state = walk_to_today(start, schedule, done, today)
    return StreakSummary(
        current=state.streak,
        longest=state.longest,
        freezes_held=state.held,
        total_days=counts.total_days,
        rate_30=_rate(schedule, done, today, counts.first_day),
        strength=state.strength,
        comeback_days=state.comeback,
        today_done=today_done,
        today_expected=schedule.is_expected(today) or (today_done and schedule.is_scheduled(today)),
        yesterday_done=today - ONE_DAY in done,
    )


def current_streak(schedule: Schedule, done_days: Iterable[date], today: date) -> int:
    """The streak shown today: after today if done, else after the most recent expected day."""
    return walk_to_today(StreakState(as_of=None), schedule, _as_set(done_days), today).streak


def _rate(schedule: Schedule, done: frozenset[date], today: date, first_day: date | None) -> float:
    if first_day is None:
        return 0.0
    expected = hits = 0
    day = max(today - timedelta(days=29), first_day)
    while day <= today:
        if day in done:
            if schedule.is_scheduled(day):
                expected += 1
                hits += 1
        elif day < today and schedule.is_expected(day):
            expected += 1
        day += ONE_DAY
    return hits / expected if expected else 0.0


def habit_strength(schedule: Schedule, done_days: Iterable[date], until: date) -> float:
    """How ingrained the routine is, 0..1: Loop Habit Tracker's exponential smoothing.

    From the first completion through `until`, each expected day and each done day (extras
    too) moves the score: score = score * m + (1 - m) * (1 if done else 0), with
    m = 0.5 ** (sqrt(freq) / 13) as in Loop's Score.compute(), where freq is the share of
    weekdays on in the version in effect that day (1 for a daily routine, so 13 steps halve the
    distance to 0 or 1). An extra on a routine with no days on uses freq = 1/7. Days that are
    not expected and not done leave it alone. One miss dents the score by 1 - m (about 5% for
    a daily routine); it never zeroes it. `until` is treated as over, as in `walk`.
    """
    return walk(StreakState(as_of=None), schedule, done_days, until).strength


def _multiplier(days_on: int) -> float:
    return _MULTIPLIERS[days_on]


# The multiplier for 0-7 weekdays on (no days on counts as one, as an extra on such a routine
# does), computed once rather than for every day walked.
_MULTIPLIERS = tuple(0.5 ** (math.sqrt(max(n, 1) / 7) / STRENGTH_HALF_LIFE) for n in range(8))


def _as_set(days: Iterable[date]) -> frozenset[date]:
    return days if isinstance(days, frozenset) else frozenset(days)


__all__ = [
    "FREEZE_EVERY",
    "MAX_FREEZES",
    "StreakState",
    "DoneCounts",
    "StreakSummary",
    "current_streak",
    "day_statuses",
    "habit_strength",
    "is_resumable",
    "recent_days_needed",
    "state_as_of_last_completion",
    "summarize",
    "walk",
    "walk_to_today",
]
