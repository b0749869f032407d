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

from webapp import pagecache
from webapp.extensions import db
from webapp.reminders.schedule import done_since, set_next
from webapp.routines.core import ROUTINES
from webapp.routines.models import RoutineSetting
from webapp.routines.schedule import schedules_for
from webapp.streaks.store import store_states


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
    (see `store_states`). The next reminders are recomputed either way."""
    everything = routines is None
    routines = ROUTINES if routines is None else tuple(dict.fromkeys(routines))
    if not routines:
        return
    # The reads below go through the connection, which doesn't autoflush: flush the change first.
    db.session.flush()
    # Also when the change was a bulk statement the flush did not see (an import).
    pagecache.touch(db.session, [user.id])
    schedules = schedules_for(user)
    done = store_states(user.id, schedules, routines, now, added_day, done_since(now), days_unchanged)
    settings = db.session.scalars(
        db.select(RoutineSetting).filter(
            RoutineSetting.user_id == user.id, RoutineSetting.routine.in_(routines)
        )
    ).all()
    set_next(user, settings, schedules, done, now)
    if everything:
        # The support corner's weekly note is a local time too: a zone or day-end change moves it.
        from webapp.support.notify import reschedule_weekly

        reschedule_weekly(user, now)
