"""Keep each reminder's next occurrence (UTC) in step with its settings, the zone and the day's work."""

from __future__ import annotations

from datetime import datetime, timedelta

from webapp.extensions import db
from webapp.reminders.core import next_occurrence
from webapp.routines.models import RoutineSetting
from webapp.streaks.core import Schedule
from webapp.streaks.data import done_days_by_routine, schedules_for


def reschedule(user, now: datetime, routines=None, after: dict[str, datetime] | None = None) -> None:
    """Recompute the next reminder of the user's routines (all by default), strictly after `now`
    (or after `after[routine]`). A day the routine is off, paused or already done gets none.
    The caller commits."""
    settings = db.session.scalars(db.select(RoutineSetting).filter_by(user_id=user.id)).all()
    if routines is not None:
        settings = [s for s in settings if s.routine in routines]
    if not settings:
        return
    # Only days from the day before yesterday on can be a next reminder's local day.
    done = done_days_by_routine(user.id, since=done_since(now))
    set_next(user, settings, schedules_for(user), done, now, after)


def done_since(now: datetime):
    """The first local day whose completions can matter to a next reminder computed at `now`."""
    return (now - timedelta(days=2)).date()


def set_next(
    user,
    settings,
    schedules: dict[str, Schedule],
    done: dict[str, frozenset],
    now: datetime,
    after: dict[str, datetime] | None = None,
) -> None:
    """reschedule() with what it reads already read (done days from done_since(now) on): the
    sender does this for hundreds of users at once."""
    for setting in settings:
        if not setting.reminder_on:
            setting.next_fire_at = setting.next_local_day = None
            continue
        schedule, done_days = schedules[setting.routine], done[setting.routine]
        start = (after or {}).get(setting.routine, now)
        found = next_occurrence(
            start,
            setting.reminder_time,
            user.time_zone,
            user.day_end_hour,
            lambda day, schedule=schedule, done_days=done_days: (
                schedule.is_scheduled(day) and day not in done_days
            ),
        )
        setting.next_fire_at = found.fire_at if found else None
        setting.next_local_day = found.local_day if found else None


def _after_completion_change(user, routine: str) -> None:
    # Done today: no reminder for today; undone: today's may be due again.
    from webapp.clock import utcnow

    reschedule(user, utcnow(), [routine])
    db.session.commit()


_registered: list = []


def init_app(app) -> None:
    from webapp.routines.completions import on_change

    if not _registered:
        on_change(_after_completion_change)
        _registered.append(True)
