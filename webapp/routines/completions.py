"""The one way a routine gets completed: by a form, by the API, by an offline replay, or in
bulk for the demo's history.

Each write carries a client id. The first write of an id is applied and its answer stored
(IdempotencyRecord); a replay of the id gets the stored answer and changes nothing. A day holds
one completion per routine; of two writes for the same day, the later `completed_at` wins, so
an old replay arriving late never overwrites newer work.

Writers change the session and refresh derived state (`webapp.derived.refresh_derived`); the
caller commits once, together with whatever else the request saves (a form's id).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import UniqueConstraint, bindparam, insert, null, select, type_coerce, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from webapp import pagecache
from webapp.database import all_rows, first_row
from webapp.derived import refresh_derived
from webapp.extensions import db
from webapp.routines import core
from webapp.routines.models import Completion, IdempotencyRecord, MorningEntry, Reflection

EARLIEST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def parse_client_id(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as error:
        raise core.InvalidInput("id", "must be a UUID made by the app.") from error


def parse_moment(value, field: str) -> datetime:
    if not isinstance(value, str):
        raise core.InvalidInput(field, "must be an ISO 8601 date and time with its offset.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise core.InvalidInput(field, "must be an ISO 8601 date and time with its offset.") from error
    if moment.tzinfo is None:
        raise core.InvalidInput(field, "needs a UTC offset, like 2026-03-02T08:15:00+01:00.")
    # Year 1 with a +14:00 offset can't even be converted to a time zone (an OverflowError).
    if moment < EARLIEST_MOMENT:
        raise core.InvalidInput(field, "is too far in the past.")
    return moment


_IDEMPOTENCY = IdempotencyRecord.__table__
_COMPLETION = Completion.__table__
# Built once, with bound parameters: these run on every write, and building a statement costs
# more than the database takes to answer it.
_STORED_ANSWER = select(_IDEMPOTENCY.c.body).where(
    _IDEMPOTENCY.c.user_id == bindparam("user_id"), _IDEMPOTENCY.c.client_id == bindparam("client_id")
)
_DAY_COMPLETION_ID = select(_COMPLETION.c.id).where(
    _COMPLETION.c.user_id == bindparam("user_id"),
    _COMPLETION.c.routine == bindparam("routine"),
    _COMPLETION.c.local_day == bindparam("local_day"),
)
_ADD_ANSWER = insert(_IDEMPOTENCY)


def stored_answer(user_id: int, client_id: str) -> Answer | None:
    row = first_row(db.session.connection(), _STORED_ANSWER, {"user_id": user_id, "client_id": client_id})
    return Answer(200, row[0]) if row is not None and row[0] is not None else None


class ZoneChangeRow(NamedTuple):
    """A zone change as `first_look` reads it (what `pagecache.keep_zone_spans` needs of one)."""

    changed_at: datetime
    old_zone: str
    new_zone: str


# `first_look`'s answer when it did not look: the write goes first and a replay is found by its
# conflict, which costs a replay a rolled-back write and saves every other write a round trip.
NOT_LOOKED = Answer(0, {})


def first_look(user, client_id: str) -> Answer | None:
    """The stored answer for a replayed id (None for a new one), read with the user's zone
    history, which the write needs next for its local day, when that is not in memory (it is
    kept per plan version, which only a change of the plan moves, or in another worker).
    NOT_LOOKED when the history is in memory: a lookup on its own would cost a round trip
    that nearly every write (a fresh id) does not need."""
    if pagecache.known_zone_spans(user) is not pagecache.MISSING:
        return NOT_LOOKED
    rows = all_rows(
        db.session.connection(), _stored_answer_and_zones(), {"user_id": user.id, "client_id": client_id}
    )
    body, changes = None, []
    for stored_body, changed_at, old_zone, new_zone in rows:
        if changed_at is None:  # the stored answer's row (a zone change always has its time)
            body = stored_body
        else:
            changes.append(ZoneChangeRow(changed_at, old_zone, new_zone))
    pagecache.keep_zone_spans(user, changes)
    return Answer(200, body) if body is not None else None


@functools.cache
def _stored_answer_and_zones():
    """`_STORED_ANSWER`'s row (if any) with empty zone columns, then the user's zone changes
    with an empty body, by time (NULL sorts first on SQLite, last on PostgreSQL: either way the
    changes keep their order)."""
    from webapp.auth.models import ZoneChange
    from webapp.models import UTCDateTime

    zone = ZoneChange.__table__
    answer = select(
        _IDEMPOTENCY.c.body,
        # Typed like the columns below: the union's values are read with the first part's types.
        type_coerce(null(), UTCDateTime).label("changed_at"),
        type_coerce(null(), zone.c.old_zone.type).label("old_zone"),
        type_coerce(null(), zone.c.new_zone.type).label("new_zone"),
    ).where(
        _IDEMPOTENCY.c.user_id == bindparam("user_id"), _IDEMPOTENCY.c.client_id == bindparam("client_id")
    )
    changes = select(null(), zone.c.changed_at, zone.c.old_zone, zone.c.new_zone).where(
        zone.c.user_id == bindparam("user_id")
    )
    both = union_all(answer, changes)
    return both.order_by(both.selected_columns.changed_at)


def record_completion(
    user, client_id: str, routine: str, completed_at: datetime, data, now: datetime
) -> Answer:
    """Apply one write (or return the stored answer for a replayed id); the caller commits.

    It must be the first write of the caller's transaction: a concurrent write of the same id
    or day is met by rolling back and looking again."""
    client_id = parse_client_id(client_id)
    replay = first_look(user, client_id)
    if replay is not None and replay is not NOT_LOOKED:
        return replay
    try:
        cleaned = _checked_data(user, routine, data, completed_at, now)
    except core.InvalidInput:
        # Not looked up yet: an id applied already gets its stored answer, whatever its body
        # says by now (an offline replay of a completion now more than 7 days old).
        replay = stored_answer(user.id, client_id) if replay is NOT_LOOKED else None
        if replay is None:
            raise
        return replay
    for attempt in range(3):
        try:
            answer, added_day = _apply(user, client_id, routine, completed_at, cleaned, now)
            break
        except IntegrityError:
            # A replay (its id was not looked up first), or a concurrent write of the same id
            # or the same day: look again with its result.
            db.session.rollback()
            replay = stored_answer(user.id, client_id)
            if replay:
                return replay
            if attempt == 2:
                raise
    refresh_derived(user, [routine], now, added_day, days_unchanged=added_day is None)
    return answer


def _checked_data(user, routine: str, data, completed_at: datetime, now: datetime) -> dict:
    cleaned = core.clean_completion_data(routine, data)
    core.check_completed_at(completed_at, now)
    if routine == "goals":
        _check_goal_ids(user.id, cleaned["progress"])
    return cleaned


def _apply(user, client_id, routine, completed_at, cleaned, now) -> tuple[Answer, date | None]:
    """The write and its answer, and the day it added a completion on (None when the day had
    one already: its data may change, its done days do not).

    Core statements on the session's connection, a few rows each: the ORM's unit of work would
    cost more than the database. `refresh_derived`, which every writer calls next, bumps the
    user's data version for them (webapp/pagecache.py)."""
    day, zone = pagecache.local_moment(user, completed_at)
    connection = db.session.connection()
    row = {
        "user_id": user.id,
        "client_id": client_id,
        "routine": routine,
        "local_day": day,
        "zone": zone,
        "completed_at": completed_at,
        "data": cleaned,
        "created_at": now,
    }
    # One statement whether the day is new or done already (a round trip less than looking
    # first): the row comes back when this write was applied, with its own client id when it
    # added the day, and nothing comes back when the day holds a newer write.
    # Each straight through the driver (`all_rows`): SQLAlchemy's execution costs about what the
    # round trip does.
    written = first_row(connection, _write_day(connection.dialect.name), row)
    if written is None:
        (completion_id,) = first_row(connection, _DAY_COMPLETION_ID, row)
        added_day = None
    else:
        completion_id, written_by = written
        added_day = day if written_by == client_id else None
        _apply_side_effects(user, routine, day, cleaned, completed_at)
    body = {"id": client_id, "local_day": day.isoformat(), "routine": routine}
    all_rows(
        connection,
        _ADD_ANSWER,
        {
            "user_id": user.id,
            "client_id": client_id,
            "kind": "completion",
            "completion_id": completion_id,
            "body": body,
            "created_at": now,
        },
    )
    return Answer(201, body), added_day


@functools.cache
def _write_day(dialect: str):
    """INSERT the day's completion, or ON CONFLICT take over the day's row when this write is
    newer (`core.is_newer_write`: a tie goes to the newer write), RETURNING its id and client id.
    Built once per backend; both compare the stored UTC moments in order (SQLite's text is
    fixed-width, microseconds included)."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(_COMPLETION)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["user_id", "routine", "local_day"],
        set_={"completed_at": new.completed_at, "zone": new.zone, "data": new.data},
        where=_COMPLETION.c.completed_at <= new.completed_at,
    ).returning(_COMPLETION.c.id, _COMPLETION.c.client_id)


def side_effects(user_id: int, routine: str, day, cleaned: dict, completed_at: datetime) -> list:
    """The rows a winning write keeps in step: (model, key columns, other columns) for the
    day's reflection, morning entry or goal amounts."""
    key = {"user_id": user_id, "local_day": day}
    if routine == "reflect":
        words = {name: cleaned[name] for name in core.REFLECTION_FIELDS}
        return [(Reflection, key, {**words, "mood": cleaned["mood"], "written_at": completed_at})]
    if routine == "morning":
        entry = {"intention": cleaned["intention"], "affirmation_ids": cleaned["affirmation_ids"]}
        return [(MorningEntry, key, {**entry, "written_at": completed_at})]
    if routine == "goals":
        from webapp.goals.models import GoalEntry

        return [
            (GoalEntry, {**key, "goal_id": int(goal_id)}, {"amount": amount})
            for goal_id, amount in cleaned["progress"].items()
        ]
    return []


def _apply_side_effects(user, routine: str, day, cleaned: dict, completed_at: datetime) -> None:
    """Each row inserted, or updated where its day has one already, in one statement each."""
    connection = db.session.connection()
    for model, key, values in side_effects(user.id, routine, day, cleaned, completed_at):
        upsert = _upsert(connection.dialect.name, model, tuple(key), tuple(values))
        all_rows(connection, upsert, {**key, **values})


@functools.cache
def _upsert(dialect: str, model, key: tuple[str, ...], values: tuple[str, ...]):
    """INSERT ... ON CONFLICT (the table's unique key among `key`) DO UPDATE SET `values`, which
    both backends have; built once per shape."""
    table = model.__table__
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(table)  # its columns: the parameters' names (`key` and `values`)
    return statement.on_conflict_do_update(
        index_elements=_unique_key(table, key), set_={name: statement.excluded[name] for name in values}
    )


def _unique_key(table, key) -> list[str]:
    """The columns of `table`'s unique constraint among `key`'s (what a day's row is found by)."""
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and set(constraint.columns.keys()) <= set(key):
            return list(constraint.columns.keys())
    raise LookupError(f"{table.name} has no unique constraint within {sorted(key)}")


def _check_goal_ids(user_id: int, progress: dict) -> None:
    if not progress:
        return
    from webapp.goals.models import Goal

    wanted = {int(key) for key in progress}
    owned = set(db.session.scalars(db.select(Goal.id).filter(Goal.user_id == user_id, Goal.id.in_(wanted))))
    if wanted - owned:
        raise core.InvalidInput("data.progress", "names a goal that doesn't exist.")


def undo_completion(user, client_id: str, now: datetime) -> Completion | None:
    """Remove a mistaken "done" (found by any client id that wrote to it); None if there is none.
    The caller commits."""
    try:
        client_id = parse_client_id(client_id)
    except core.InvalidInput:
        return None
    record = db.session.scalar(
        db.select(IdempotencyRecord).filter_by(user_id=user.id, client_id=client_id, kind="completion")
    )
    completion = None
    if record and record.completion_id:
        completion = db.session.get(Completion, record.completion_id)
    if completion is None:
        completion = db.session.scalar(db.select(Completion).filter_by(user_id=user.id, client_id=client_id))
    if completion is None or completion.user_id != user.id:
        return None
    db.session.delete(completion)
    refresh_derived(user, [completion.routine], now)
    return completion


def complete_now(
    user, routine: str, data: dict, now: datetime, completed_at: datetime | None = None
) -> Answer:
    """Complete a routine from a page's form (a fresh client id; the form_id guards double taps).
    The caller commits, with the form's id."""
    return record_completion(user, str(uuid.uuid4()), routine, completed_at or now, data, now)


@dataclass(frozen=True)
class Write:
    """One completion as written at `completed_at` (for `record_history`)."""

    client_id: str
    routine: str
    completed_at: datetime
    data: dict


def record_history(user, writes: list[Write], now: datetime) -> list[Completion]:
    """Many completions at once into an account with none on those days (the demo's history):
    the same rules as `record_completion` (local day, cleaned data, the later write wins a day,
    the same side effects), written in bulk. The caller commits."""
    winners: dict[tuple[str, object], tuple[Write, dict]] = {}
    for write in writes:
        cleaned = core.clean_completion_data(write.routine, write.data)
        key = (write.routine, user.local_day(write.completed_at))
        held = winners.get(key)
        if held is None or core.is_newer_write(held[0].completed_at, write.completed_at):
            winners[key] = (write, cleaned)
    completions = []
    effects: dict[type, list[dict]] = {}
    for (routine, day), (write, cleaned) in winners.items():
        completions.append(
            Completion(
                user_id=user.id,
                client_id=write.client_id,
                routine=routine,
                local_day=day,
                zone=user.zone_at(write.completed_at),
                completed_at=write.completed_at,
                data=cleaned,
                created_at=write.completed_at,
            )
        )
        for model, key, values in side_effects(user.id, routine, day, cleaned, write.completed_at):
            effects.setdefault(model, []).append({**key, **values})
    db.session.add_all(completions)
    for model, rows in effects.items():
        db.session.execute(db.insert(model), rows)
    refresh_derived(user, {routine for routine, _day in winners}, now)
    return completions
