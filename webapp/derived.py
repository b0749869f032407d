"""Derived state kept in step with what people write: the one function every writer calls.

A stored streak and a next reminder are read on every page and by the sender, so they are
stored rather than recomputed; anything that changes what they depend on (a completion, an
undo, a back-dated completion, the days a routine is on, a pause, the zone, the day-end hour,
an import, the demo's history) calls `refresh_derived` after making its change and before its
one commit. No callback lists, no second transaction: what the user did and what follows from
it are saved together, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, select

from webapp import pagecache
from webapp.database import all_rows
from webapp.extensions import db
from webapp.reminders.schedule import done_since, set_next
from webapp.routines.core import ROUTINES
from webapp.routines.models import RoutineSetting
from webapp.routines.schedule import schedules_for
from webapp.streaks.models import StreakRecord
from webapp.streaks.store import store_states

# The routines' settings, each with whether it has a stored streak: built once (every write runs it).
_HAS_STREAK = (
    select(StreakRecord.id)
    .where(StreakRecord.user_id == RoutineSetting.user_id, StreakRecord.routine == RoutineSetting.routine)
    .exists()
)
_OF_ROUTINES = (
    RoutineSetting.user_id == bindparam("user_id"),
    RoutineSetting.routine.in_(bindparam("routines", expanding=True)),
)
_SETTINGS = select(RoutineSetting, _HAS_STREAK).where(*_OF_ROUTINES)
# What `_still_current` looks at, as plain rows: a write that left the done days as they were
# mostly stops there, and plain rows cost the app about half of what loading the settings does.
# Every routine's: a write that stops there keeps them for the next write (`pagecache.carry`),
# which is mostly another routine's.
_SETTINGS_NOW = select(
    RoutineSetting.routine,
    RoutineSetting.reminder_on,
    RoutineSetting.next_fire_at,
    RoutineSetting.next_local_day,
    _HAS_STREAK,
).where(RoutineSetting.user_id == bindparam("user_id"))
# The page cache's key of those rows, and the tables they are read from. The sender moves a
# due reminder's next firing without moving the data version: the rows kept then hold one that
# is past, which `_still_current` never takes as current, so they stay safe to use.
_STATE_KEY = ("routine_state",)
_STATE_TABLES = frozenset({"routine_setting", "streak_record"})


class _StoredState(NamedTuple):
    """A row of `_SETTINGS_NOW`, read straight through the driver (`all_rows`): under several
    workers the kept rows are mostly another worker's, and SQLAlchemy's execution and rows cost
    about twice the round trip."""

    routine: str
    reminder_on: bool
    next_fire_at: datetime | None
    next_local_day: date | None
    has_streak: bool


def refresh_derived(
    user,
    routines: Iterable[str] | None,
    now: datetime,
    added_day: date | None = None,
    days_unchanged: bool = False,
) -> None:
    """Recompute the stored streaks and next reminders of `routines` (None: all of them) from
    what the session holds, at the writer's `now`. Runs in the caller's transaction; the caller
    commits.

    A writer whose only change is one new completion on `added_day` says so, and one that left
    the done days as they were (new data for a day already done) says `days_unchanged`: the
    streaks then resume from (or keep) their stored state instead of walking the whole history
    (see `store_states`). The next reminders are recomputed either way, unless with
    `days_unchanged` everything stored still stands (`_still_current`): then the write reads
    one row per routine and nothing more."""
    everything = routines is None
    routines = ROUTINES if routines is None else tuple(dict.fromkeys(routines))
    if not routines:
        return
    # The reads below go through the connection, which doesn't autoflush: flush the change first.
    db.session.flush()
    # Also when the change was a bulk statement the flush did not see (an import).
    pagecache.touch(db.session, [user.id])
    parameters = {"user_id": user.id, "routines": list(routines)}
    if days_unchanged and not everything:
        now_stored = pagecache.peek_unwritten(db.session, _STATE_KEY, user, _STATE_TABLES)
        if now_stored is pagecache.MISSING:
            now_stored = [
                _StoredState(*row)
                for row in all_rows(db.session.connection(), _SETTINGS_NOW, {"user_id": user.id})
            ]
        found = [(row, row[-1]) for row in now_stored if row.routine in routines]
        if _still_current(found, routines, now):
            pagecache.carry(db.session, _STATE_KEY, user, now_stored, _STATE_TABLES)
            return
    found = db.session.execute(_SETTINGS, parameters).all()
    settings = [setting for setting, _has_streak in found]
    schedules = schedules_for(user)
    done = store_states(user.id, schedules, routines, now, added_day, done_since(now), days_unchanged)
    set_next(user, settings, schedules, done, now)
    if everything:
        # The support corner's weekly note is a local time too: a zone or day-end change moves it.
        from webapp.support.notify import reschedule_weekly

        reschedule_weekly(user, now)


def leave_alone(user) -> None:
    """For a write that changes nothing `refresh_derived` reads (a setback): what it keeps of the
    user's stored state stays kept past the write's version bump (`pagecache.carry`)."""
    pagecache.carry_known(db.session, _STATE_KEY, user, _STATE_TABLES)


def _still_current(found, routines, now: datetime) -> bool:
    """Whether, the done days being as they were, the stored state of `routines` is what a
    recomputation at `now` gives: every routine has its setting (`found`: settings with whether
    a stored streak exists) and its stored streak, and every next reminder is still ahead or,
    switched off, empty.

    A stored streak is a function of the done days and the schedule, both unchanged. A next
    reminder is the first firing after the writer's `now` on a day that is on and not done;
    every change to those days refreshed it, so the one stored (first after an earlier moment)
    is still the first after this `now` while it lies ahead. One that is due or past (the
    sender is about to handle it) or missing while on is recomputed as before."""
    if {setting.routine for setting, _has_streak in found} != set(routines):
        return False
    for setting, has_streak in found:
        if not has_streak:
            return False
        if setting.reminder_on:
            if setting.next_fire_at is None or setting.next_fire_at <= now:
                return False
        elif setting.next_fire_at is not None or setting.next_local_day is not None:
            return False
    return True
