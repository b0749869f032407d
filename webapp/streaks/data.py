"""Load the done days and stored streak states the pure streak rules need, in a query each.

The statements are built once, with bound parameters: /today runs them on every visit, and
building a SQLAlchemy statement costs more than SQLite takes to answer it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, bindparam, cast, func, or_, select

from webapp.database import all_rows, dialect_name, in_list
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


def _states_and_days(dialect: str, recent: bool):
    """Each stored streak state with its routine's done days, comma-joined, in one statement:
    every day, or (`recent`) those from `recent_first` or after the state's `as_of` (what
    `recent_days_needed` asks for), with the routine's count of done days and its first one."""
    records, done = StreakRecord.__table__, Completion.__table__
    day = cast(done.c.local_day, String)
    joined = func.string_agg(day, ",") if dialect == "postgresql" else func.group_concat(day, ",")
    routine_days = (done.c.user_id == bindparam("user_id"), done.c.routine == records.c.routine)
    days = select(joined).where(*routine_days)
    counts = []
    if recent:
        days = days.where(
            or_(done.c.local_day >= bindparam("recent_first"), done.c.local_day > records.c.as_of)
        )
        counts = [
            select(func.count()).where(*routine_days).scalar_subquery(),
            select(cast(func.min(done.c.local_day), String)).where(*routine_days).scalar_subquery(),
        ]
    return select(*_STATES.selected_columns, days.scalar_subquery(), *counts).where(
        records.c.user_id == bindparam("user_id")
    )


def states_with_days(user_id: int) -> tuple[dict[str, StreakState], dict[str, frozenset[date]]]:
    """`stored_states` and, of the routines with a stored state, every done day: one round trip."""
    connection = db.session.connection()
    states, days = {}, {}
    parse = date.fromisoformat
    for routine, *state, joined in all_rows(
        connection, _STATES_AND_DAYS[(connection.dialect.name, False)], {"user_id": user_id}
    ):
        states[routine] = StreakState(*state)
        days[routine] = frozenset(map(parse, joined.split(","))) if joined else frozenset()
    return states, days


def states_with_recent_days(
    user_id: int, recent_first: date
) -> tuple[dict[str, StreakState], dict[str, frozenset[date]], dict[str, DoneCounts]]:
    """`stored_states` and, of the routines with a stored state, the done days from
    `recent_first` or after the state's `as_of`, and `done_counts`: one round trip."""
    connection = db.session.connection()
    states, days, counts = {}, {}, {}
    parse = date.fromisoformat
    parameters = {"user_id": user_id, "recent_first": recent_first}
    for routine, *state, joined, total, first in all_rows(
        connection, _STATES_AND_DAYS[(connection.dialect.name, True)], parameters
    ):
        states[routine] = StreakState(*state)
        days[routine] = frozenset(map(parse, joined.split(","))) if joined else frozenset()
        counts[routine] = DoneCounts(total, parse(first) if first else None)
    return states, days, counts


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
        rows = all_rows(connection, statements[None], {"user_id": user_id})
    else:
        rows = all_rows(connection, statements["since"], {"user_id": user_id, "since": since})
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


_STATES_AND_DAYS = {
    (dialect, recent): _states_and_days(dialect, recent)
    for dialect in ("postgresql", "sqlite")
    for recent in (False, True)
}


def stored_states(user_id: int) -> dict[str, StreakState]:
    """Every routine's stored streak state in one query (routines with no record are left out)."""
    rows = all_rows(db.session.connection(), _STATES, {"user_id": user_id})
    return {routine: StreakState(*row) for routine, *row in rows}
