"""The one way a routine gets completed: by a form, by the API, or by an offline replay.

Each write carries a client id. The first write of an id is applied and its answer stored
(IdempotencyRecord); a replay of the id gets the stored answer and changes nothing. A day holds
one completion per routine; of two writes for the same day, the later `completed_at` wins, so
an old replay arriving late never overwrites newer work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.routines import core
from webapp.routines.models import Completion, IdempotencyRecord, MorningEntry, Reflection

EARLIEST_MOMENT = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


_after_change: list = []


def on_change(callback) -> None:
    """Register `callback(user, routine)`, called after any completion of `routine` changes."""
    _after_change.append(callback)


def notify_change(user, routine: str) -> None:
    for callback in _after_change:
        callback(user, routine)


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


def stored_answer(user_id: int, client_id: str) -> Answer | None:
    record = db.session.scalar(db.select(IdempotencyRecord).filter_by(user_id=user_id, client_id=client_id))
    return Answer(200, record.body) if record else None


def user_local_day(user, moment: datetime):
    """The local day of `moment` for this user, in the zone their account had at that moment."""
    zone = core.zone_at(moment, user.zone_spans())
    return core.local_day(moment, zone, user.day_end_hour), zone


def record_completion(
    user, client_id: str, routine: str, completed_at: datetime, data, now: datetime
) -> Answer:
    """Apply one write (or return the stored answer for a replayed id). Commits."""
    client_id = parse_client_id(client_id)
    replay = stored_answer(user.id, client_id)
    if replay:
        return replay
    cleaned = core.clean_completion_data(routine, data)
    core.check_completed_at(completed_at, now)
    if routine == "goals":
        _check_goal_ids(user.id, cleaned["progress"])
    for attempt in range(3):
        try:
            answer = _apply(user, client_id, routine, completed_at, cleaned, now)
            db.session.commit()
            break
        except IntegrityError:
            # A concurrent write of the same id or the same day: look again with its result.
            db.session.rollback()
            replay = stored_answer(user.id, client_id)
            if replay:
                return replay
            if attempt == 2:
                raise
    notify_change(user, routine)
    return answer


def _apply(user, client_id, routine, completed_at, cleaned, now) -> Answer:
    day, zone = user_local_day(user, completed_at)
    completion = db.session.scalar(
        db.select(Completion).filter_by(user_id=user.id, routine=routine, local_day=day)
    )
    if completion is None:
        completion = Completion(
            user_id=user.id,
            client_id=client_id,
            routine=routine,
            local_day=day,
            zone=zone,
            completed_at=completed_at,
            data=cleaned,
            created_at=now,
        )
        db.session.add(completion)
        apply_data = True
    else:
        apply_data = core.is_newer_write(completion.completed_at, completed_at)
        if apply_data:
            completion.completed_at = completed_at
            completion.zone = zone
            completion.data = cleaned
    db.session.flush()
    if apply_data:
        _apply_side_effects(user, routine, day, cleaned, completed_at)
    body = {"id": client_id, "local_day": day.isoformat(), "routine": routine}
    db.session.add(
        IdempotencyRecord(
            user_id=user.id,
            client_id=client_id,
            kind="completion",
            completion_id=completion.id,
            body=body,
            created_at=now,
        )
    )
    db.session.flush()
    return Answer(201, body)


def _apply_side_effects(user, routine: str, day, cleaned: dict, completed_at: datetime) -> None:
    """Keep the day's reflection, intention or goal amounts in step with the winning write."""
    if routine == "reflect":
        reflection = db.session.scalar(db.select(Reflection).filter_by(user_id=user.id, local_day=day))
        if reflection is None:
            reflection = Reflection(user_id=user.id, local_day=day)
            db.session.add(reflection)
        for name in core.REFLECTION_FIELDS:
            setattr(reflection, name, cleaned[name])
        reflection.mood = cleaned["mood"]
        reflection.written_at = completed_at
    elif routine == "morning":
        entry = db.session.scalar(db.select(MorningEntry).filter_by(user_id=user.id, local_day=day))
        if entry is None:
            entry = MorningEntry(user_id=user.id, local_day=day)
            db.session.add(entry)
        entry.intention = cleaned["intention"]
        entry.affirmation_ids = cleaned["affirmation_ids"]
        entry.written_at = completed_at
    elif routine == "goals" and cleaned["progress"]:
        from webapp.goals.progress import set_amounts

        set_amounts(user.id, day, {int(k): v for k, v in cleaned["progress"].items()})


def _check_goal_ids(user_id: int, progress: dict) -> None:
    if not progress:
        return
    from webapp.goals.models import Goal

    wanted = {int(key) for key in progress}
    owned = set(db.session.scalars(db.select(Goal.id).filter(Goal.user_id == user_id, Goal.id.in_(wanted))))
    if wanted - owned:
        raise core.InvalidInput("data.progress", "names a goal that doesn't exist.")


def undo_completion(user, client_id: str) -> Completion | None:
    """Remove a mistaken "done" (found by any client id that wrote to it); None if there is none."""
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
    db.session.commit()
    notify_change(user, completion.routine)
    return completion


def complete_now(
    user, routine: str, data: dict, now: datetime, completed_at: datetime | None = None
) -> Answer:
    """Complete a routine from a page's form (a fresh client id; the form_id guards double taps)."""
    return record_completion(user, str(uuid.uuid4()), routine, completed_at or now, data, now)
