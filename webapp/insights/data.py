"""Load what the insights need in a few queries, and shape the result for pages and the API."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import String, bindparam, cast, select

from webapp import pagecache
from webapp.extensions import db
from webapp.i18n.translations import gettext as _
from webapp.insights import core
from webapp.routines.models import Reflection
from webapp.routines.schedule import schedules_for
from webapp.setbacks.models import Setback
from webapp.streaks.data import done_days_by_routine

# A year of evenings: long enough for steady figures, recent enough to be about how the user
# works now (and it bounds the work on a long history).
WINDOW_DAYS = 365

# Days as ISO text, parsed with date.fromisoformat: cheaper than SQLAlchemy's per-row date
# conversion for a year of rows (as webapp/streaks/data.py does for the done days).
_MOODS = select(cast(Reflection.local_day, String), Reflection.mood).where(
    Reflection.user_id == bindparam("user_id"),
    Reflection.local_day >= bindparam("first"),
    Reflection.local_day <= bindparam("today"),
    Reflection.mood.is_not(None),
)
_SETBACK_DAYS = (
    select(cast(Setback.local_day, String))
    .where(
        Setback.user_id == bindparam("user_id"),
        Setback.local_day >= bindparam("first"),
        Setback.local_day <= bindparam("today"),
    )
    .distinct()
)


def window(today: date) -> tuple[date, date]:
    return today - timedelta(days=WINDOW_DAYS - 1), today


def year_of_moods(user_id: int, today: date) -> dict[date, int]:
    """The evening moods of the insights' window (/progress draws its mood chart from them too)."""
    first, last = window(today)
    rows = db.session.connection().execute(_MOODS, {"user_id": user_id, "first": first, "today": last})
    return {date.fromisoformat(day): mood for day, mood in rows}


def insight_inputs(user, today: date, schedules=None, done=None, moods=None, setback_days=None) -> tuple:
    """What the insights over the year ending today are computed from (numbers and dates only,
    so /progress can keep them between requests): one query for each of the setback days, the
    moods, the schedules and the done days the caller has not already read."""
    first, last = window(today)
    if moods is None:
        moods = year_of_moods(user.id, today)
    if setback_days is None:
        params = {"user_id": user.id, "first": first, "today": last}
        rows = db.session.connection().execute(_SETBACK_DAYS, params)
        setback_days = frozenset(date.fromisoformat(day) for (day,) in rows)
    if schedules is None:
        schedules = schedules_for(user)
    if done is None:
        done = done_days_by_routine(user.id, since=first)
    days = frozenset(moods)
    expected = {routine: _expected(user, schedules[routine], days) for routine in core.PRACTICE_ROUTINES}
    return moods, done, expected, setback_days, today - timedelta(days=1)


def _expected(user, schedule, days: frozenset[date]) -> frozenset[date]:
    """The `days` the schedule expected the routine on. A year of days against the schedule is
    most of the inputs' time, and after most writes neither has changed: kept under both."""
    return pagecache.by_content(
        ("insight_expected", schedule, days),
        user,
        lambda: frozenset(day for day in days if schedule.is_expected(day)),
    )


def insights_for(user, today: date, schedules=None, done=None, moods=None) -> core.Insights:
    """The user's insights over the year ending today (see `insight_inputs`)."""
    return core.find_insights(*insight_inputs(user, today, schedules, done, moods))


def _figure(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def finding_json(finding: core.Finding) -> dict:
    return {
        "practice": finding.practice,
        "label": core.LABELS[finding.practice],
        "measure": finding.measure,
        "with_days": finding.with_days,
        "without_days": finding.without_days,
        "mood_with": _figure(finding.mood_with),
        "mood_without": _figure(finding.mood_without),
        "difference": _figure(finding.difference),
        "effect_size": _figure(finding.effect_size),
        "p_value": _figure(finding.p_value, 6),
        "adjusted_p": _figure(finding.adjusted_p, 6),
        "tested": finding.tested,
        "shown": finding.shown,
        "sentence": finding.sentence if finding.tested else None,
        "needs": finding.needs,
    }


def insights_json(result: core.Insights, today: date) -> dict:
    first, last = window(today)
    return {
        "findings": [finding_json(finding) for finding in result.findings],
        "needs": result.needs,
        "note": result.note,
        "mood_days": result.mood_days,
        "window": {"from": first.isoformat(), "to": last.isoformat()},
        "comparisons": [finding_json(finding) for finding in result.comparisons],
        "method": {
            "min_days_each_side": core.MIN_SIDE_DAYS,
            "min_mood_days": core.MIN_MOOD_DAYS,
            "false_discovery_rate": core.FDR,
            "min_effect_size": core.MIN_EFFECT,
            "tests": _(
                "Welch's t-test for evening moods, Fisher's exact test for next-day shares; "
                "Benjamini-Hochberg across the comparisons tested"
            ),
        },
    }
