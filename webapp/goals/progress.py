"""Goal amounts per local day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from webapp import pagecache
from webapp.extensions import db
from webapp.goals.core import week_start
from webapp.goals.models import GoalEntry
from webapp.routines.core import MAX_GOAL_AMOUNT


def amounts_on(user_id: int, day: date) -> dict[int, int]:
    """Each goal's amount on one local day (goals with nothing logged are left out)."""
    rows = db.session.execute(
        db.select(GoalEntry.goal_id, GoalEntry.amount).filter(
            GoalEntry.user_id == user_id, GoalEntry.local_day == day
        )
    )
    return {goal_id: amount for goal_id, amount in rows}


def totals_by_week(user_id: int, first_monday: date, last_monday: date) -> dict[tuple[int, date], int]:
    """Each goal's total per ISO week, for the weeks from `first_monday` to `last_monday`."""
    rows = db.session.execute(
        db.select(GoalEntry.goal_id, GoalEntry.local_day, GoalEntry.amount).filter(
            GoalEntry.user_id == user_id,
            GoalEntry.local_day >= first_monday,
            GoalEntry.local_day < last_monday + timedelta(days=7),
        )
    )
    totals: dict[tuple[int, date], int] = defaultdict(int)
    for goal_id, day, amount in rows:
        totals[(goal_id, week_start(day))] += amount
    return dict(totals)


def add_one(user_id: int, goal_id: int, day: date) -> bool:
    """One more for a goal on `day`, counted in the database so two taps at once both count.

    False when the day already holds the most a day can (10,000).
    """
    # A bulk statement: the unit of work does not see it, so the pages' cache is told here.
    pagecache.touch(db.session, [user_id])
    changed = db.session.execute(
        db.update(GoalEntry)
        .where(
            GoalEntry.goal_id == goal_id,
            GoalEntry.local_day == day,
            GoalEntry.amount < MAX_GOAL_AMOUNT,
        )
        .values(amount=GoalEntry.amount + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        return True
    exists = db.session.scalar(db.select(GoalEntry.id).filter_by(goal_id=goal_id, local_day=day))
    if exists is not None:
        return False
    db.session.add(GoalEntry(user_id=user_id, goal_id=goal_id, local_day=day, amount=1))
    return True
