"""Logging a setback: from the page, the reset flow, the API or an offline replay (same id rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from webapp import pagecache
from webapp.database import all_rows, first_row
from webapp.derived import leave_alone
from webapp.extensions import db
from webapp.routines.completions import (
    NOT_LOOKED,
    Answer,
    first_look,
    parse_client_id,
    parse_moment,
    stored_answer,
)
from webapp.routines.core import InvalidInput, clean_text
from webapp.routines.models import IdempotencyRecord
from webapp.setbacks.models import Setback

OBJECTION_IDS = ("price", "timing", "no_need", "competitor", "no_authority", "went_silent", "other")


def clean_setback(payload: dict, now: datetime) -> dict:
    occurred_at = payload.get("occurred_at")
    occurred_at = parse_moment(occurred_at, "occurred_at") if occurred_at is not None else now
    if occurred_at > now + timedelta(minutes=5):
        raise InvalidInput("occurred_at", "is in the future.")
    objection = payload.get("objection") or "other"
    if objection not in OBJECTION_IDS:
        raise InvalidInput("objection", f"must be one of {', '.join(OBJECTION_IDS)}.")
    follow_up_on = payload.get("follow_up_on")
    if follow_up_on in (None, ""):
        follow_up_on = None
    else:
        try:
            follow_up_on = date.fromisoformat(follow_up_on)
        except (TypeError, ValueError) as error:
            raise InvalidInput("follow_up_on", "must be a date like 2026-03-09.") from error
    cleaned = {
        "occurred_at": occurred_at,
        "what_happened": clean_text(payload.get("what_happened"), "what_happened"),
        "objection": objection,
        "controlled": clean_text(payload.get("controlled"), "controlled"),
        "learned": clean_text(payload.get("learned"), "learned"),
        "follow_up_on": follow_up_on,
    }
    if not cleaned["what_happened"]:
        raise InvalidInput("what_happened", "needs a few words about what happened.")
    return cleaned


def record_setback(user, client_id, payload: dict, now: datetime) -> Answer:
    """Log one setback (or return the stored answer for a replayed id); the caller commits.
    It must be the first write of the caller's transaction (a concurrent replay rolls it back)."""
    return log_setback(user, client_id, payload, now)[0]


_ADD_SETBACK = insert(Setback.__table__).returning(Setback.__table__.c.id)
_ADD_ANSWER = insert(IdempotencyRecord.__table__)


def log_setback(user, client_id, payload: dict, now: datetime) -> tuple[Answer, Setback | None]:
    """`record_setback`, with the setback it added (None for a replay; not in the session, for
    reading only).

    Core statements on the session's connection (two rows: the ORM's unit of work would cost
    more than the database), and the user's data version bumped for them (webapp/pagecache.py)."""
    client_id = parse_client_id(client_id)
    replay = first_look(user, client_id)
    if replay is not None and replay is not NOT_LOOKED:
        return replay, None
    try:
        cleaned = clean_setback(payload, now)
    except InvalidInput:
        # Not looked up yet: an id applied already gets its stored answer, whatever its body
        # says by now (an offline replay's occurred_at, which clean_setback reads).
        replay = stored_answer(user.id, client_id) if replay is NOT_LOOKED else None
        if replay is None:
            raise
        return replay, None
    day, _zone = pagecache.local_moment(user, cleaned["occurred_at"])
    leave_alone(user)
    row = {"user_id": user.id, "client_id": client_id, "local_day": day, "created_at": now, **cleaned}
    body = {"id": client_id, "local_day": day.isoformat()}
    connection = db.session.connection()
    try:
        # Straight through the driver (`all_rows`): SQLAlchemy's execution costs about what the
        # round trip does.
        (setback_id,) = first_row(connection, _ADD_SETBACK, row)
        all_rows(
            connection,
            _ADD_ANSWER,
            {"user_id": user.id, "client_id": client_id, "kind": "setback", "body": body, "created_at": now},
        )
    except IntegrityError:
        db.session.rollback()
        replay = stored_answer(user.id, client_id)
        if replay:
            return replay, None
        raise
    pagecache.touch(db.session, [user.id])
    return Answer(201, body), Setback(id=setback_id, **row)
