"""What the user learned from earlier no's, brought back when the same objection comes up again.

Only the user's own setbacks, only those with something written under "What I learned", only
for the same objection, newest first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, func, or_

from webapp.database import all_rows
from webapp.extensions import db
from webapp.setbacks.models import FOLLOW_UP_OUTCOMES, Setback

RESURFACED = 3  # lessons shown when an objection comes up again
DAY_LESSON_POOL = 30  # the morning's lesson comes from the newest this many


@dataclass(frozen=True)
class Lesson:
    objection: str
    learned: str
    what_happened: str
    local_day: date

    def as_json(self) -> dict:
        return {
            "objection": self.objection,
            "learned": self.learned,
            "what_happened": self.what_happened,
            "local_day": self.local_day.isoformat(),
        }


def _lessons_query(user_id: int):
    return (
        db.select(Setback.objection, Setback.learned, Setback.what_happened, Setback.local_day)
        .filter(Setback.user_id == user_id, Setback.learned != "")
        .order_by(Setback.occurred_at.desc(), Setback.id.desc())
    )


def lessons_for(user_id: int, objection: str, limit: int | None = None) -> list[Lesson]:
    """Every lesson the user wrote for `objection` (or the newest `limit`), newest first."""
    query = _lessons_query(user_id).filter(Setback.objection == objection)
    if limit is not None:
        query = query.limit(limit)
    return [Lesson(*row) for row in db.session.execute(query)]


# Built once, with bound parameters: every logged setback's answer runs it.
_EARLIER = (
    db.select(Setback.objection, Setback.learned, Setback.what_happened, Setback.local_day)
    .filter(
        Setback.user_id == bindparam("user_id"),
        Setback.learned != "",
        Setback.objection == bindparam("objection"),
        Setback.id != bindparam("id"),
        or_(
            Setback.occurred_at < bindparam("occurred_at"),
            and_(Setback.occurred_at == bindparam("occurred_at"), Setback.id < bindparam("id")),
        ),
    )
    .order_by(Setback.occurred_at.desc(), Setback.id.desc())
    .limit(bindparam("limit"))
)


def earlier_lessons(setback: Setback, limit: int = RESURFACED) -> list[Lesson]:
    """Up to `limit` lessons from the same user's setbacks for the same objection that happened
    before this one (the setback itself never counts, even when it has a lesson of its own)."""
    # Plain rows on the session's connection, straight through the driver (`all_rows`): the
    # ORM's execute, and SQLAlchemy's own, cost a logged setback's answer more than the database
    # takes; the flush keeps what it would have seen (a no-op after the Core writes of
    # `log_setback`).
    db.session.flush()
    rows = all_rows(
        db.session.connection(),
        _EARLIER,
        {
            "user_id": setback.user_id,
            "objection": setback.objection,
            "id": setback.id,
            "occurred_at": setback.occurred_at,
            "limit": limit,
        },
    )
    return [Lesson(*row) for row in rows]


def setback_by_client_id(user_id: int, client_id: str | None) -> Setback | None:
    if not client_id:
        return None
    return db.session.scalar(db.select(Setback).filter_by(user_id=user_id, client_id=str(client_id)[:36]))


def lesson_counts(user_id: int) -> dict[str, int]:
    """How many lessons the user wrote per objection (the playbook's table of contents)."""
    rows = db.session.execute(
        db.select(Setback.objection, func.count())
        .filter(Setback.user_id == user_id, Setback.learned != "")
        .group_by(Setback.objection)
    )
    return {objection: count for objection, count in rows}


def lesson_of_the_day(user_id: int, day: date) -> Lesson | None:
    """One of the user's recent lessons, the same one all day, another tomorrow (usually)."""
    lessons = [Lesson(*row) for row in db.session.execute(_lessons_query(user_id).limit(DAY_LESSON_POOL))]
    if not lessons:
        return None
    digest = hashlib.sha256(f"{user_id}|lesson|{day.isoformat()}".encode()).digest()
    return lessons[int.from_bytes(digest[:8], "big") % len(lessons)]


@dataclass(frozen=True)
class FollowUpFigures:
    followed_up: int  # follow-ups marked done with an outcome
    won_back: int
    still_no: int
    no_answer: int


def follow_up_figures(user_id: int) -> FollowUpFigures:
    rows = db.session.execute(
        db.select(Setback.follow_up_outcome, func.count())
        .filter(Setback.user_id == user_id, Setback.follow_up_outcome.is_not(None))
        .group_by(Setback.follow_up_outcome)
    )
    return follow_ups_of(dict(rows.all()))


def follow_ups_of(outcomes: dict[str, int]) -> FollowUpFigures:
    """The figures from the number of setbacks with each follow-up outcome (/progress reads these
    with its counts per objection)."""
    counts = {outcome: count for outcome, count in outcomes.items() if outcome in FOLLOW_UP_OUTCOMES}
    return FollowUpFigures(
        followed_up=sum(counts.values()),
        won_back=counts.get("won_back", 0),
        still_no=counts.get("still_no", 0),
        no_answer=counts.get("no_answer", 0),
    )
