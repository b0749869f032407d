"""Goals as plain Python: weeks, targets, and a realistic next target.

This module does no I/O, never reads the clock and imports nothing from Flask or SQLAlchemy:
today, the routine's schedule and the week's totals are parameters. Weeks are ISO weeks of the
user's local days (Monday to Sunday); the views turn moments into local days before asking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from webapp.i18n.core import N_, decimal
from webapp.routines.core import MAX_GOAL_AMOUNT, InvalidInput, Schedule

KINDS = ("activity", "outcome")
PERIODS = ("day", "week")
MAX_NAME = 80
MIN_TARGET = 1
MAX_TARGET = 1000
# A short list is one you actually look at; it also keeps a day's review well inside the API's
# limit of 50 goals per completion.
MAX_ACTIVE_GOALS = 20
HISTORY_WEEKS = 4


@dataclass(frozen=True)
class Starter:
    name: str
    kind: str
    period: str
    target: int


# One tap on an empty page. All activity: the part of the job that is yours to control.
STARTERS = (
    # NOTE: Names of starter goals, saved in the user's language when they tap one.
    Starter(N_("Calls"), "activity", "day", 20),
    Starter(N_("Follow-ups"), "activity", "day", 10),
    Starter(N_("Demos"), "activity", "week", 3),
    Starter(N_("No's collected"), "activity", "day", 5),
)


# --- weeks ------------------------------------------------------------------------------------


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week (a Monday is its own week start)."""
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    """The seven local days of the week starting on `monday`."""
    return [monday + timedelta(days=offset) for offset in range(7)]


def previous_week_start(day: date) -> date:
    """The Monday of the week before `day`'s week: the week a review looks back on."""
    return week_start(day) - timedelta(days=7)


def recent_week_starts(monday: date, count: int = HISTORY_WEEKS) -> list[date]:
    """`count` week starts ending with `monday`, oldest first."""
    return [monday - timedelta(days=7 * back) for back in range(count - 1, -1, -1)]


def parse_week(text: str | None, today: date) -> date:
    """The week a `?week=YYYY-MM-DD` names (any day of it), or last week when there is none.

    A week that hasn't started yet can't be reviewed; this week can (a Friday afternoon review).
    """
    if not text:
        return previous_week_start(today)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput("week", N_("Use a date like 2026-02-23 for the week.")) from error
    monday = week_start(day)
    if monday > week_start(today):
        raise InvalidInput("week", N_("That week hasn't started yet."))
    # The review reads the weeks before it: year 1 has none (an OverflowError, not a review).
    if day.year < 1970:
        raise InvalidInput("week", N_("That week is too long ago to review."))
    return monday


def days_on(monday: date, schedule: Schedule, since: date | None = None) -> int:
    """How many days of the week the daily review was on: the week's share of a daily target.

    A day counts when the schedule has the routine on and not paused that day
    (`Schedule.is_scheduled`: the version in effect, the first version before it began, every
    day with no versions at all) and it is not before `since` (the goal's first day). A week
    entirely paused has 0 days on.
    """
    first = monday if since is None else max(monday, since)
    return schedule.scheduled_days(first, monday + timedelta(days=6))


def week_target(target: int, period: str, days: int) -> int:
    """A goal's target for a whole week: a daily target times the days on; a weekly one as is."""
    return target * days if period == "day" else target


def in_target_units(total: int, period: str, days: int) -> float | None:
    """A week's total in the goal's own unit: per day on for daily goals (None with no day on)."""
    if period == "week":
        return float(total)
    return total / days if days else None


# --- the next target --------------------------------------------------------------------------


def _round_sensibly(value: float) -> int:
    """Whole numbers below 50, fives up to 200, tens above (halves round up)."""
    step = 1 if value < 50 else 5 if value < 200 else 10
    return int(math.floor(value / step + 0.5)) * step


def suggest_target(weekly_actuals: Sequence[float], current_target: int) -> int:
    """A realistic target for next week, from what the last weeks show.

    `weekly_actuals` are the recent weeks' results, oldest first, in the goal's own unit (a
    weekly goal's totals; a daily goal's per-day averages), the last one being the week just
    reviewed. The rule:

    - no weeks yet: keep the current target;
    - the typical week is the median of the last (up to) 4, so one great or one awful week
      doesn't swing the target;
    - when the last week met the target, suggest 10% more than the larger of the typical week
      and the target: a nudge, not a leap;
    - when it fell short, suggest the smaller of the typical week and the target: a missed
      week never raises the bar, and a target far above what you usually do comes down to it;
    - round sensibly (whole numbers below 50, fives up to 200, tens above);
    - never more than 25% above the current target at once (a target under 4 may still grow
      by 1), never below half of it at once (a week off shouldn't collapse a target), never
      below 1 and never above 1000.
    """
    if not weekly_actuals:
        return max(MIN_TARGET, min(MAX_TARGET, current_target))
    recent = list(weekly_actuals)[-HISTORY_WEEKS:]
    typical = median(recent)
    if recent[-1] >= current_target:
        suggestion = _round_sensibly(max(typical, current_target) * 1.1)
    else:
        # Rounding may not lift it past the target it fell short of (82.5 → 85 > 83).
        suggestion = min(_round_sensibly(min(typical, current_target)), current_target)
    highest = max(current_target + 1, math.floor(current_target * 1.25))
    lowest = math.ceil(current_target / 2)
    return max(MIN_TARGET, min(MAX_TARGET, highest, max(lowest, suggestion)))


# --- what people type -------------------------------------------------------------------------


def _whole_number(text, field: str, message: str) -> int:
    text = "" if text is None else str(text).strip()
    # isascii: str.isdigit also accepts "²" and other digits int() can't read.
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise InvalidInput(field, message)
    return int(text)


def clean_amount(text, field: str = "amount") -> int:
    """A day's amount as typed: a whole number from 0 to 10,000; an empty box means 0."""
    message = N_("Enter a whole number from 0 to %(max)s.", max=decimal(MAX_GOAL_AMOUNT, 0))
    if text is None or not str(text).strip():
        return 0
    amount = _whole_number(text, field, message)
    if amount > MAX_GOAL_AMOUNT:
        raise InvalidInput(field, message)
    return amount


def clean_target(text, field: str = "target") -> int:
    """A target as typed: a whole number from 1 to 1000."""
    message = N_("Enter a whole number from %(low)d to %(high)d.", low=MIN_TARGET, high=MAX_TARGET)
    target = _whole_number(text, field, message)
    if not MIN_TARGET <= target <= MAX_TARGET:
        raise InvalidInput(field, message)
    return target


def target_phrase(target: int, period: str) -> str:
    """Words for a target, like "20 a day" or "3 a week"."""
    if period == "week":
        return N_("%(target)d a week", target=target)
    return N_("%(target)d a day", target=target)
