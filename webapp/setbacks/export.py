"""The `setbacks` part of export and import: the rejection log, keyed by the client's id."""

from __future__ import annotations

from webapp.extensions import db
from webapp.portability import (
    Collection,
    ImportProblem,
    check_room,
    expect_dict,
    expect_list,
    read_date,
    read_datetime,
    read_str,
)
from webapp.routines.completions import parse_client_id
from webapp.routines.content import OBJECTIONS
from webapp.routines.core import MAX_TEXT, InvalidInput
from webapp.routines.models import IdempotencyRecord
from webapp.setbacks.models import FOLLOW_UP_OUTCOMES, Setback


def export_setbacks(user) -> list[dict]:
    rows = db.session.scalars(
        db.select(Setback).filter_by(user_id=user.id).order_by(Setback.occurred_at, Setback.client_id)
    )
    return [
        {
            "id": s.client_id,
            "occurred_at": s.occurred_at.isoformat(),
            "local_day": s.local_day.isoformat(),
            "what_happened": s.what_happened,
            "objection": s.objection,
            "controlled": s.controlled,
            "learned": s.learned,
            "follow_up_on": s.follow_up_on.isoformat() if s.follow_up_on else None,
            "followed_up_at": s.followed_up_at.isoformat() if s.followed_up_at else None,
            "follow_up_outcome": s.follow_up_outcome,
        }
        for s in rows
    ]


# Ten a working day for four years: the most anyone logs.
MAX_SETBACKS = 10_000


def import_setbacks(user, value, now) -> None:
    """Add the file's setbacks; one whose id is already here (or earlier in the file) is skipped."""
    taken = set(db.session.scalars(db.select(Setback.client_id).filter_by(user_id=user.id)))
    # An offline phone may still replay one of these ids to the API: it must get "already done".
    answered = set(db.session.scalars(db.select(IdempotencyRecord.client_id).filter_by(user_id=user.id)))
    already = len(taken)
    new: list[dict] = []
    records: list[dict] = []
    for index, row in enumerate(expect_list(value, "setbacks", MAX_SETBACKS)):
        where = f"setbacks[{index}]"
        row = expect_dict(row, where)
        try:
            client_id = parse_client_id(row.get("id"))
        except InvalidInput as problem:
            raise ImportProblem(f"{where}.id: {problem.message}") from problem
        objection = row.get("objection")
        if objection not in OBJECTIONS:
            raise ImportProblem(f"{where}.objection: expected one of {', '.join(OBJECTIONS)}.")
        outcome = row.get("follow_up_outcome")
        if outcome is not None and outcome not in FOLLOW_UP_OUTCOMES:
            raise ImportProblem(
                f"{where}.follow_up_outcome: expected one of {', '.join(FOLLOW_UP_OUTCOMES)}, or null."
            )
        what_happened = read_str(row, "what_happened", where, MAX_TEXT, required=True)
        if not what_happened.strip():
            raise ImportProblem(f"{where}.what_happened: needs a few words about what happened.")
        fields = dict(
            user_id=user.id,
            client_id=client_id,
            occurred_at=read_datetime(row, "occurred_at", where),
            local_day=read_date(row, "local_day", where),
            what_happened=what_happened,
            objection=objection,
            controlled=read_str(row, "controlled", where, MAX_TEXT),
            learned=read_str(row, "learned", where, MAX_TEXT),
            follow_up_on=read_date(row, "follow_up_on", where, required=False),
            followed_up_at=(
                read_datetime(row, "followed_up_at", where) if row.get("followed_up_at") is not None else None
            ),
            follow_up_outcome=outcome,
            created_at=now,
        )
        if client_id in taken:
            continue
        taken.add(client_id)
        new.append(fields)
        if client_id not in answered:
            answered.add(client_id)
            body = {"id": client_id, "local_day": fields["local_day"].isoformat()}
            records.append(
                {
                    "user_id": user.id,
                    "client_id": client_id,
                    "kind": "setback",
                    "body": body,
                    "created_at": now,
                }
            )
    check_room("setbacks", already, len(taken) - already, MAX_SETBACKS)
    # One bulk insert each: ten thousand ORM objects would take seconds.
    if new:
        db.session.execute(db.insert(Setback), new)
    if records:
        db.session.execute(db.insert(IdempotencyRecord), records)


SETBACKS_EXPORT = Collection("setbacks", export_setbacks, import_setbacks)
