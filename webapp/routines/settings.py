"""Per-routine settings: the days each routine is on, its reminder, its pauses."""

from __future__ import annotations

from datetime import date, datetime, time

from webapp.extensions import db
from webapp.routines.core import ROUTINES
from webapp.routines.models import (
    DEFAULT_DAYS,
    DEFAULT_REMINDERS,
    Pause,
    RoutineSetting,
    ScheduleVersion,
    weekdays_to_mask,
)


def create_default_settings(user, today: date, now: datetime) -> None:
    """Give a new account the default days and reminders for every routine."""
    for routine in ROUTINES:
        reminder_time, reminder_on = DEFAULT_REMINDERS[routine]
        db.session.add(
            RoutineSetting(
                user_id=user.id, routine=routine, reminder_time=reminder_time, reminder_on=reminder_on
            )
        )
        db.session.add(
            ScheduleVersion(
                user_id=user.id,
                routine=routine,
                effective_from=today,
                weekdays_mask=DEFAULT_DAYS[routine],
                created_at=now,
            )
        )


def settings_by_routine(user_id: int) -> dict[str, RoutineSetting]:
    rows = db.session.scalars(db.select(RoutineSetting).filter_by(user_id=user_id))
    return {row.routine: row for row in rows}


def schedule_versions(user_id: int, routine: str | None = None) -> list[ScheduleVersion]:
    query = db.select(ScheduleVersion).filter_by(user_id=user_id)
    if routine:
        query = query.filter_by(routine=routine)
    return list(db.session.scalars(query.order_by(ScheduleVersion.effective_from)))


def pauses(user_id: int, routine: str | None = None) -> list[Pause]:
    query = db.select(Pause).filter_by(user_id=user_id)
    if routine:
        query = query.filter_by(routine=routine)
    return list(db.session.scalars(query.order_by(Pause.starts_on)))


def set_days(user, routine: str, days, today: date, now: datetime) -> None:
    """The days `routine` is on from `today` (earlier days keep theirs). Not committed: the caller
    calls refresh_derived and commits once."""
    version = db.session.scalar(
        db.select(ScheduleVersion).filter_by(user_id=user.id, routine=routine, effective_from=today)
    )
    if version is None:
        version = ScheduleVersion(user_id=user.id, routine=routine, effective_from=today, created_at=now)
        db.session.add(version)
    version.weekdays_mask = weekdays_to_mask(days)


def set_reminder(user, routine: str, reminder_time: time, reminder_on: bool) -> RoutineSetting:
    """A routine's reminder time (local) and switch. Not committed, like set_days."""
    setting = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user.id, routine=routine))
    if setting is None:  # an account from before reminders existed
        setting = RoutineSetting(user_id=user.id, routine=routine)
        db.session.add(setting)
    setting.reminder_time = reminder_time
    setting.reminder_on = reminder_on
    return setting
