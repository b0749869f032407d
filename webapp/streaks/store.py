"""Stored streak state: kept in step with every input, resumed on read."""

from __future__ import annotations

from datetime import date, datetime

from webapp.extensions import db
from webapp.routines.core import ROUTINES
from webapp.streaks.core import StreakState, StreakSummary, state_as_of_last_completion, summarize
from webapp.streaks.data import done_days, schedule_for
from webapp.streaks.models import StreakRecord


def _record(user_id: int, routine: str) -> StreakRecord | None:
    return db.session.scalar(db.select(StreakRecord).filter_by(user_id=user_id, routine=routine))


def rebuild(user, routine: str, now: datetime) -> StreakState:
    """Recompute one routine's stored state from its whole history (the caller commits)."""
    state = state_as_of_last_completion(schedule_for(user, routine), done_days(user.id, routine))
    record = _record(user.id, routine) or StreakRecord(user_id=user.id, routine=routine)
    record.as_of = state.as_of
    record.streak, record.run, record.held = state.streak, state.run, state.held
    record.longest, record.last_break, record.strength = state.longest, state.last_break, state.strength
    record.updated_at = now
    db.session.add(record)
    return state


def rebuild_all(user, now: datetime) -> None:
    """After a change that touches every routine (the zone, an import)."""
    for routine in ROUTINES:
        rebuild(user, routine, now)


def stored_state(user_id: int, routine: str) -> StreakState | None:
    record = _record(user_id, routine)
    if record is None or record.as_of is None:
        return None
    return StreakState(
        as_of=record.as_of,
        streak=record.streak,
        run=record.run,
        held=record.held,
        longest=record.longest,
        last_break=record.last_break,
        strength=record.strength,
    )


def streak_summary(user, routine: str, today: date) -> StreakSummary:
    """The routine's figures today, resuming the walk from the stored state."""
    return summarize(
        schedule_for(user, routine), done_days(user.id, routine), today, stored_state(user.id, routine)
    )


def _after_completion_change(user, routine: str) -> None:
    from webapp.clock import utcnow

    rebuild(user, routine, utcnow())
    db.session.commit()


def init_app(app) -> None:
    from webapp.routines.completions import on_change

    if _after_completion_change not in _registered:
        on_change(_after_completion_change)
        _registered.append(_after_completion_change)


_registered: list = []
