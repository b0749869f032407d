"""Keep each reminder's next occurrence (UTC) in step with its settings, the zone and the day's work."""

from __future__ import annotations

from datetime import datetime, timedelta

from webapp.reminders.core import next_occurrence
from webapp.routines.core import Schedule


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
    """Set each setting's next reminder strictly after `now` (or after `after[routine]`): a day
    the routine is off, paused or already done gets none. `done` holds at least the done days
    from done_since(now) on. `webapp.derived.refresh_derived` calls it for one user; the sender,
    for hundreds at once with what it has read in bulk."""
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
