"""Load what the pure streak rules need from the database, in a few queries per page.

The statements are built once, with bound parameters: /today runs them on every visit, and
building a SQLAlchemy statement costs more than SQLite takes to answer it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String, bindparam, cast, literal, select, union_all

from webapp.extensions import db
from webapp.routines.core import ROUTINES
from webapp.routines.models import Completion, Pause, ScheduleVersion, mask_to_weekdays
from webapp.streaks.core import Schedule, StreakState, zone_skipped_days
from webapp.streaks.models import StreakRecord


def _schedule_rows(for_users):
    """Versions and pauses in one round trip: (user id, routine, starts, ends or None, weekdays
    mask or None), ordered by start; `for_users(column)` picks whose."""
    return union_all(
        select(
            ScheduleVersion.user_id,
            ScheduleVersion.routine,
            ScheduleVersion.effective_from.label("starts"),
            literal(None, Date).label("ends"),
            ScheduleVersion.weekdays_mask.label("mask"),
        ).where(for_users(ScheduleVersion.user_id)),
        select(Pause.user_id, Pause.routine, Pause.starts_on, Pause.ends_on, literal(None, Integer)).where(
            for_users(Pause.user_id)
        ),
    ).order_by("starts")


_SCHEDULE_ROWS = _schedule_rows(lambda user_id: user_id == bindparam("user_id"))
# The same for many users at once (the reminder sender's batches).
_SCHEDULE_ROWS_BY_USER = _schedule_rows(lambda user_id: user_id.in_(bindparam("user_ids", expanding=True)))
# The day as ISO text, parsed with date.fromisoformat: thousands of rows through SQLAlchemy's
# per-row date conversion cost more than the rest of the query.
_DONE = select(Completion.routine, cast(Completion.local_day, String)).where(
    Completion.user_id == bindparam("user_id")
)
_DONE_SINCE = _DONE.where(Completion.local_day >= bindparam("since"))
_DONE_SINCE_BY_USER = select(
    Completion.user_id, Completion.routine, cast(Completion.local_day, String)
).where(
    Completion.user_id.in_(bindparam("user_ids", expanding=True)), Completion.local_day >= bindparam("since")
)
_STATES = select(
    StreakRecord.routine,
    StreakRecord.as_of,
    StreakRecord.streak,
    StreakRecord.run,
    StreakRecord.held,
    StreakRecord.longest,
    StreakRecord.last_break,
    StreakRecord.strength,
).where(StreakRecord.user_id == bindparam("user_id"), StreakRecord.as_of.is_not(None))


def schedule_for(user, routine: str) -> Schedule:
    """The routine's days on (with history), pauses and zone-change skips, as the core wants them."""
    return schedules_for(user)[routine]


def schedules_for(user) -> dict[str, Schedule]:
    """Every routine's schedule in one query (the zone history comes with the user)."""
    rows = db.session.connection().execute(_SCHEDULE_ROWS, {"user_id": user.id})
    return _schedules(user, [row for _user_id, *row in rows])


def schedules_by_user(users) -> dict[int, dict[str, Schedule]]:
    """schedules_for of many users, in one query."""
    users = {user.id: user for user in users}
    rows: dict[int, list] = {user_id: [] for user_id in users}
    if users:
        found = db.session.connection().execute(_SCHEDULE_ROWS_BY_USER, {"user_ids": list(users)})
        for user_id, *row in found:
            rows[user_id].append(row)
    return {user_id: _schedules(user, rows[user_id]) for user_id, user in users.items()}


def _schedules(user, rows) -> dict[str, Schedule]:
    """(routine, starts, ends, mask) rows, in order of `starts`, as each routine's Schedule."""
    skipped = frozenset(zone_skipped_days(user.zone_spans(), user.day_end_hour))
    return {
        name: Schedule(
            versions=tuple(
                (starts, mask_to_weekdays(mask))
                for r, starts, ends, mask in rows
                if r == name and mask is not None
            ),
            pauses=tuple((starts, ends) for r, starts, ends, mask in rows if r == name and mask is None),
            skipped=skipped,
        )
        for name in ROUTINES
    }


def done_days(user_id: int, routine: str) -> frozenset[date]:
    return done_days_by_routine(user_id)[routine]


def done_days_by_routine(user_id: int, since: date | None = None) -> dict[str, frozenset[date]]:
    """Every routine's done local days (from `since` on, when given) in one query.

    Read as plain rows: three years of four routines is 4,000+ rows, and building ORM
    objects for them would cost more than the rest of a page.
    """
    if since is None:
        rows = db.session.connection().execute(_DONE, {"user_id": user_id})
    else:
        rows = db.session.connection().execute(_DONE_SINCE, {"user_id": user_id, "since": since})
    days: dict[str, set[date]] = {routine: set() for routine in ROUTINES}
    parse = date.fromisoformat
    for routine, day in rows:
        days.setdefault(routine, set()).add(parse(day))
    return {routine: frozenset(found) for routine, found in days.items()}


def done_days_by_user(user_ids, since: date) -> dict[int, dict[str, frozenset[date]]]:
    """done_days_by_routine(user, since) of many users, in one query."""
    user_ids = set(user_ids)
    days: dict[int, dict[str, set[date]]] = {
        user_id: {routine: set() for routine in ROUTINES} for user_id in user_ids
    }
    if user_ids:
        rows = db.session.connection().execute(
            _DONE_SINCE_BY_USER, {"user_ids": list(user_ids), "since": since}
        )
        parse = date.fromisoformat
        for user_id, routine, day in rows:
            days[user_id].setdefault(routine, set()).add(parse(day))
    return {
        user_id: {routine: frozenset(found) for routine, found in by_routine.items()}
        for user_id, by_routine in days.items()
    }


def stored_states(user_id: int) -> dict[str, StreakState]:
    """Every routine's stored streak state in one query (routines never walked are left out)."""
    rows = db.session.connection().execute(_STATES, {"user_id": user_id})
    return {
        routine: StreakState(as_of, streak, run, held, longest, last_break, strength)
        for routine, as_of, streak, run, held, longest, last_break, strength in rows
    }
