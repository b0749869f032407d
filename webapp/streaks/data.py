"""Load the done days and stored streak states the pure streak rules need, in a query each.

The statements are built once, with bound parameters: /today runs them on every visit, and
building a SQLAlchemy statement costs more than SQLite takes to answer it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, bindparam, cast, func, select

from webapp.database import dialect_name, in_list
from webapp.extensions import db
from webapp.routines.core import ROUTINES
from webapp.routines.models import Completion
from webapp.streaks.core import DoneCounts, StreakState
from webapp.streaks.models import StreakRecord

# The day as ISO text, parsed with date.fromisoformat: thousands of rows through SQLAlchemy's
# per-row date conversion cost more than the rest of the query.
_DONE = select(Completion.routine, cast(Completion.local_day, String)).where(
    Completion.user_id == bindparam("user_id")
)
_DONE_SINCE = _DONE.where(Completion.local_day >= bindparam("since"))


def _joined(dialect: str):
    """Every routine's done days as one comma-joined text per routine: four rows for three years
    instead of thousands, each of which costs more to fetch than to parse."""
    day = cast(Completion.local_day, String)
    joined = func.string_agg(day, ",") if dialect == "postgresql" else func.group_concat(day, ",")
    query = select(Completion.routine, joined).where(Completion.user_id == bindparam("user_id"))
    return {
        None: query.group_by(Completion.routine),
        "since": query.where(Completion.local_day >= bindparam("since")).group_by(Completion.routine),
    }


_JOINED = {dialect: _joined(dialect) for dialect in ("postgresql", "sqlite")}
_DONE_SINCE_BY_USER = {
    dialect: select(Completion.user_id, Completion.routine, cast(Completion.local_day, String)).where(
        in_list(Completion.user_id, "user_ids", dialect), Completion.local_day >= bindparam("since")
    )
    for dialect in ("postgresql", "sqlite")
}
_COUNTS = (
    select(Completion.routine, func.count(), cast(func.min(Completion.local_day), String))
    .where(Completion.user_id == bindparam("user_id"))
    .group_by(Completion.routine)
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
    StreakRecord.comeback,
).where(StreakRecord.user_id == bindparam("user_id"))


def done_days_by_routine(user_id: int, since: date | None = None) -> dict[str, frozenset[date]]:
    """Every routine's done local days (from `since` on, when given) in one query.

    Read as plain rows: three years of four routines is 4,000+ rows, and building ORM
    objects for them would cost more than the rest of a page.
    """
    connection = db.session.connection()
    statements = _JOINED.get(connection.dialect.name)
    if statements is None:  # another backend: one row per day
        if since is None:
            rows = connection.execute(_DONE, {"user_id": user_id})
        else:
            rows = connection.execute(_DONE_SINCE, {"user_id": user_id, "since": since})
        days: dict[str, set[date]] = {routine: set() for routine in ROUTINES}
        for routine, day in rows:
            days.setdefault(routine, set()).add(date.fromisoformat(day))
        return {routine: frozenset(found) for routine, found in days.items()}
    if since is None:
        rows = connection.execute(statements[None], {"user_id": user_id})
    else:
        rows = connection.execute(statements["since"], {"user_id": user_id, "since": since})
    found = dict.fromkeys(ROUTINES, frozenset())
    parse = date.fromisoformat
    for routine, joined in rows:
        found[routine] = frozenset(map(parse, joined.split(",")))
    return found


def done_days_by_user(user_ids, since: date) -> dict[int, dict[str, frozenset[date]]]:
    """done_days_by_routine(user, since) of many users, in one query."""
    user_ids = set(user_ids)
    days: dict[int, dict[str, set[date]]] = {}
    if user_ids:
        rows = db.session.connection().execute(
            _DONE_SINCE_BY_USER[dialect_name()], {"user_ids": list(user_ids), "since": since}
        )
        parse = date.fromisoformat
        for user_id, routine, day in rows:
            days.setdefault(user_id, {}).setdefault(routine, set()).add(parse(day))
    # Most users of a reminder batch have few done days since: their routines share one empty
    # set instead of a new set and frozenset each (the sender asks for 500 users at a time).
    none_done = dict.fromkeys(ROUTINES, frozenset())
    found = {}
    for user_id in user_ids:
        found[user_id] = by_routine = dict(none_done)
        for routine, done in days.get(user_id, {}).items():
            by_routine[routine] = frozenset(done)
    return found


def stored_states(user_id: int) -> dict[str, StreakState]:
    """Every routine's stored streak state in one query (routines with no record are left out)."""
    rows = db.session.connection().execute(_STATES, {"user_id": user_id})
    return {routine: StreakState(*row) for routine, *row in rows}


def done_counts(user_id: int) -> dict[str, DoneCounts]:
    """Every routine's number of done days and its first one, in one query."""
    counts = {routine: DoneCounts(0, None) for routine in ROUTINES}
    for routine, total, first in db.session.connection().execute(_COUNTS, {"user_id": user_id}):
        counts[routine] = DoneCounts(total, date.fromisoformat(first))
    return counts
