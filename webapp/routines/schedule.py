"""When a routine is on, loaded from its settings: the one loader of `routines.core.Schedule`.

The statements are built once, with bound parameters: /today runs them on every visit, and
building a SQLAlchemy statement costs more than SQLite takes to answer it.
"""

from __future__ import annotations

from sqlalchemy import Date, Integer, bindparam, literal, select, union_all

from webapp import pagecache
from webapp.database import dialect_name, in_list
from webapp.extensions import db
from webapp.localday import zone_skipped_days
from webapp.routines.core import ROUTINES, Schedule
from webapp.routines.models import Pause, ScheduleVersion, mask_to_weekdays


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
_SCHEDULE_ROWS_BY_USER = {
    dialect: _schedule_rows(lambda user_id, dialect=dialect: in_list(user_id, "user_ids", dialect))
    for dialect in ("postgresql", "sqlite")
}


def schedules_for(user) -> dict[str, Schedule]:
    """When each routine is on (days with their history, pauses, zone-change skips), in one query
    per plan version (webapp/pagecache.py): a day's practice never changes them."""
    kept = pagecache.by_plan(_schedules_key(user), user, lambda: tuple(_read_schedules(user).items()))
    return dict(kept)


@pagecache.asked_with_zone_history
def _schedules_key(user) -> tuple:
    return ("schedules", user.time_zone, user.day_end_hour)


def _read_schedules(user) -> dict[str, Schedule]:
    rows = db.session.connection().execute(_SCHEDULE_ROWS, {"user_id": user.id})
    return _schedules(user, [row for _user_id, *row in rows])


def schedules_by_user(users) -> dict[int, dict[str, Schedule]]:
    """schedules_for of many users, in one query."""
    users = {user.id: user for user in users}
    rows: dict[int, list] = {user_id: [] for user_id in users}
    if users:
        statement = _SCHEDULE_ROWS_BY_USER[dialect_name()]
        for user_id, *row in db.session.connection().execute(statement, {"user_ids": list(users)}):
            rows[user_id].append(row)
    # Schedules are immutable: users with the same days, pauses and zone skips (most of a
    # batch) share one, made once.
    made: dict[tuple, Schedule] = {}
    return {user_id: _schedules(user, rows[user_id], made) for user_id, user in users.items()}


def _schedules(user, rows, made: dict[tuple, Schedule] | None = None) -> dict[str, Schedule]:
    """(routine, starts, ends, mask) rows, in order of `starts`, as each routine's Schedule
    (equal ones taken from `made`, when given)."""
    made = {} if made is None else made
    skipped = frozenset(zone_skipped_days(user.zone_spans(), user.day_end_hour))
    schedules = {}
    for name in ROUTINES:
        versions = tuple((starts, mask) for r, starts, ends, mask in rows if r == name and mask is not None)
        pauses = tuple((starts, ends) for r, starts, ends, mask in rows if r == name and mask is None)
        key = (versions, pauses, skipped)
        if key not in made:
            made[key] = Schedule(
                versions=tuple((starts, mask_to_weekdays(mask)) for starts, mask in versions),
                pauses=pauses,
                skipped=skipped,
            )
        schedules[name] = made[key]
    return schedules
