"""Stored streak state: written by `webapp.derived.refresh_derived`, resumed on every read."""

from __future__ import annotations

from datetime import date, datetime, timedelta

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
    walk,
)
from webapp.streaks.data import done_days_by_routine, states_with_recent_days, stored_states
from webapp.streaks.models import StreakRecord


def _stored_state(record: StreakRecord) -> StreakState:
    return StreakState(
        record.as_of,
        record.streak,
        record.run,
        record.held,
        record.longest,
        record.last_break,
        record.strength,
        record.comeback,
    )


def store_states(
    user_id: int,
    schedules: dict[str, Schedule],
    routines,
    now: datetime,
    added_day: date | None = None,
    needed_from: date | None = None,
    days_unchanged: bool = False,
) -> dict[str, frozenset[date]]:
    """Bring each routine's stored state up to date (the caller commits); returns the done days
    it read: every one, or at least those from `needed_from` on.

    `added_day`, when given, is the writer's promise that the only change to these routines'
    done days is one completion added on that day. When that day is after every stored state's
    `as_of`, the walk resumes from the stored state and reads only the days since; the days it
    reads after `as_of` must then be exactly that one, or it rebuilds after all. With
    `days_unchanged` (a day's completion rewritten, say) the stored states stand. Anything else
    (an undo, a back-dated day, a schedule, pause, zone or day-end change) rebuilds from the
    whole history: a stored state that already walked past a changed day is stale.
    """
    records = {
        record.routine: record
        for record in db.session.scalars(
            db.select(StreakRecord).filter(
                StreakRecord.user_id == user_id, StreakRecord.routine.in_(routines)
            )
        )
    }
    if days_unchanged and all(routine in records for routine in routines):
        # The done days are as they were, so each stored state still is what a rebuild gives.
        return done_days_by_routine(user_id, needed_from)
    states = _resumed(user_id, schedules, routines, records, added_day, needed_from)
    if states is None:
        done = done_days_by_routine(user_id)
        states = {
            routine: state_as_of_last_completion(schedules[routine], done[routine]) for routine in routines
        }
    else:
        states, done = states
    for routine in routines:
        state = states[routine]
        record = records.get(routine) or StreakRecord(user_id=user_id, routine=routine)
        record.as_of = state.as_of
        record.streak, record.run, record.held = state.streak, state.run, state.held
        record.longest, record.last_break, record.strength = state.longest, state.last_break, state.strength
        record.comeback = state.comeback
        record.updated_at = now
        db.session.add(record)
    return done


def _resumed(user_id, schedules, routines, records, added_day, needed_from):
    """The states resumed from the stored ones and the done days read, or None to rebuild."""
    if added_day is None or not all(
        routine in records and records[routine].as_of is not None and records[routine].as_of < added_day
        for routine in routines
    ):
        return None
    since = min(records[routine].as_of for routine in routines) + timedelta(days=1)
    if needed_from is not None:
        since = min(since, needed_from)
    recent = done_days_by_routine(user_id, since)
    states = {}
    for routine in routines:
        stored = _stored_state(records[routine])
        if {day for day in recent[routine] if day > stored.as_of} != {added_day}:
            return None  # out of step with the history: rebuild
        states[routine] = walk(stored, schedules[routine], recent[routine], added_day)
    return states, recent


def streak_summaries(
    user,
    today: date,
    schedules: dict[str, Schedule] | None = None,
    done: dict[str, frozenset[date]] | None = None,
    stored: dict[str, StreakState] | None = None,
) -> dict[str, StreakSummary]:
    """Every routine's figures today: the one way Rebound reads a streak.

    Each routine resumes from its stored state, so only recent completions are read (the
    whole history's count and first day come from the same statement). Callers that have read
    `schedules`, every done day (`done`) or the stored states already pass them in.
    """
    schedules = schedules if schedules is not None else schedules_for(user)
    if done is not None:
        stored = stored if stored is not None else stored_states(user.id)
        return {
            routine: summarize(schedules[routine], done[routine], today, stored.get(routine))
            for routine in ROUTINES
        }
    stored, recent, counts = states_with_recent_days(user.id, recent_days_needed(StreakState(None), today))
    # A routine without a stored state (or one ahead of today) needs its whole history, and a
    # state out of step with the history (written by hand, say) means reading it all.
    if not all(
        routine in stored
        and recent_days_needed(stored[routine], today) is not None
        and _fits(stored[routine], today, recent[routine], counts[routine].total_days)
        for routine in ROUTINES
    ):
        return streak_summaries(user, today, schedules, done_days_by_routine(user.id), stored)
    return {
        routine: summarize(schedules[routine], recent[routine], today, stored[routine], counts[routine])
        for routine in ROUTINES
    }


def _fits(stored: StreakState, today: date, recent: frozenset[date], total_days: int) -> bool:
    nothing_stored = stored.as_of is None
    return is_resumable(stored, today, today in recent) and (not nothing_stored or total_days == len(recent))
