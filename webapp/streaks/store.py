"""Stored streak state: written by `webapp.derived.refresh_derived`, resumed on every read."""

from __future__ import annotations

from datetime import date, datetime

from webapp.extensions import db
from webapp.routines.core import ROUTINES, Schedule
from webapp.routines.schedule import schedules_for
from webapp.streaks.core import (
    StreakState,
    StreakSummary,
    is_resumable,
    recent_days_needed,
    state_as_of_last_completion,
    summarize,
)
from webapp.streaks.data import done_counts, done_days_by_routine, stored_states
from webapp.streaks.models import StreakRecord


def store_states(
    user_id: int, schedules: dict[str, Schedule], done: dict[str, frozenset[date]], routines, now: datetime
) -> None:
    """Recompute and store each routine's state from its whole history (the caller commits)."""
    records = {
        record.routine: record
        for record in db.session.scalars(
            db.select(StreakRecord).filter(
                StreakRecord.user_id == user_id, StreakRecord.routine.in_(routines)
            )
        )
    }
    for routine in routines:
        state = state_as_of_last_completion(schedules[routine], done[routine])
        record = records.get(routine) or StreakRecord(user_id=user_id, routine=routine)
        record.as_of = state.as_of
        record.streak, record.run, record.held = state.streak, state.run, state.held
        record.longest, record.last_break, record.strength = state.longest, state.last_break, state.strength
        record.comeback = state.comeback
        record.updated_at = now
        db.session.add(record)


def streak_summaries(
    user,
    today: date,
    schedules: dict[str, Schedule] | None = None,
    done: dict[str, frozenset[date]] | None = None,
) -> dict[str, StreakSummary]:
    """Every routine's figures today: the one way Rebound reads a streak.

    Each routine resumes from its stored state, so only recent completions are read (the
    whole history's count and first day come from one aggregate). Callers that have read
    `schedules` or every done day (`done`) already pass them in.
    """
    schedules = schedules if schedules is not None else schedules_for(user)
    stored: dict[str, StreakState] = stored_states(user.id)
    if done is not None:
        return {
            routine: summarize(schedules[routine], done[routine], today, stored.get(routine))
            for routine in ROUTINES
        }
    needed = [recent_days_needed(stored.get(routine), today) for routine in ROUTINES]
    since = None if None in needed else min(needed)
    recent = done_days_by_routine(user.id, since)
    if since is None:
        return streak_summaries(user, today, schedules, recent)
    counts = done_counts(user.id)
    # A stored state out of step with the history (written by hand, say) means reading it all.
    if not all(_fits(stored[r], today, recent[r], counts[r].total_days) for r in ROUTINES):
        return streak_summaries(user, today, schedules, done_days_by_routine(user.id))
    return {
        routine: summarize(schedules[routine], recent[routine], today, stored[routine], counts[routine])
        for routine in ROUTINES
    }


def _fits(stored: StreakState, today: date, recent: frozenset[date], total_days: int) -> bool:
    nothing_stored = stored.as_of is None
    return is_resumable(stored, today, today in recent) and (not nothing_stored or total_days == len(recent))
