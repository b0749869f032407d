"""/progress: streaks, a calendar of done days, mood, setbacks, goals, small wins and milestones.

Built for a long history: each kind of data is read in one query (filtered by date where the
page shows a window), the rest is computed in Python from sets, and each routine's streak
figures come from a single `summarize` call resumed from its stored state.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date, timedelta
from typing import NamedTuple

from babel.dates import get_month_names
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import (
    Integer,
    String,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from webapp import pagecache
from webapp.clock import utcnow
from webapp.extensions import db
from webapp.goals.core import days_on, target_phrase, week_target
from webapp.goals.models import Goal, GoalEntry, WeeklyReview
from webapp.i18n import day_words, weekday_names
from webapp.i18n.translations import get_locale, gettext
from webapp.insights import core as insights_core
from webapp.insights.data import insight_inputs, window
from webapp.progress import blocks, core
from webapp.reflect.forms import MOODS
from webapp.routines.content import OBJECTIONS
from webapp.routines.core import ROUTINE_LABELS, ROUTINES
from webapp.routines.models import Reflection
from webapp.routines.schedule import schedules_for
from webapp.setbacks.lessons import FollowUpFigures, follow_ups_of
from webapp.setbacks.models import Setback
from webapp.streaks.core import day_statuses
from webapp.streaks.data import done_days_by_routine, states_with_days
from webapp.streaks.store import streak_summaries

bp = Blueprint("progress", __name__)

DEFAULT_ROUTINE = "morning"
SETBACK_DAYS = 90
SMALL_WINS = 20


# The page's reads are prebuilt statements run on the session's connection: after a write all of
# them run again, and building a statement and going through the ORM cost more than PostgreSQL
# takes to answer most of them. Their rows are fetched at once (`Result.all()`): iterating a
# Result fetches one row at a time, each through four layers, and the year's setbacks and moods
# and eight weeks of goal entries are a few hundred rows (`all_rows`, which makes each row in
# Python, is cheaper on a short history and dearer on a long one).


@functools.cache
def _statements() -> dict:
    setbacks, reflections = Setback.__table__, Reflection.__table__
    reviews, goals, entries = WeeklyReview.__table__, Goal.__table__, GoalEntry.__table__
    user_id = bindparam("user_id")
    # Days as ISO text, parsed with date.fromisoformat (as webapp/streaks/data.py does).
    day = cast(reflections.c.local_day, String)
    wins = (
        # Typed: PostgreSQL takes an untyped NULL in a subquery for text.
        select(day.label("day"), cast(null(), Integer).label("mood"), reflections.c.small_win)
        .where(reflections.c.user_id == user_id, reflections.c.small_win != "")
        .order_by(reflections.c.local_day.desc())
        .limit(SMALL_WINS)
        .subquery()
    )
    setback_day = case((setbacks.c.local_day >= bindparam("year_first"), cast(setbacks.c.local_day, String)))
    return {
        # The year's evening moods (the insights' window) and the newest small wins, in one round
        # trip: a mood's row has no win, a win's row no mood.
        "reflections": union_all(
            select(day, reflections.c.mood, cast(null(), String)).where(
                reflections.c.user_id == user_id,
                reflections.c.local_day >= bindparam("year_first"),
                reflections.c.local_day <= bindparam("today"),
                reflections.c.mood.is_not(None),
            ),
            # Through a subquery: SQLite allows no LIMIT on a member of a compound select.
            select(wins),
        ),
        # Per objection, follow-up outcome and day of the insights' year (older days as one): the
        # setbacks of the last 90 days and in all, the follow-ups' figures and the year's setback
        # days in one read, with the 100th setback's day beside every row.
        "setbacks": select(
            setbacks.c.objection,
            setbacks.c.follow_up_outcome,
            setback_day.label("day"),
            func.count(),
            select(setbacks.c.local_day)
            .where(setbacks.c.user_id == user_id)
            .order_by(setbacks.c.local_day, setbacks.c.id)
            .offset(core.NOS_GOAL - 1)
            .limit(1)
            .scalar_subquery(),
        )
        .where(setbacks.c.user_id == user_id)
        # By position: the day's expression holds a parameter, which PostgreSQL would not match
        # with the selected one's.
        .group_by(literal_column("1"), literal_column("2"), literal_column("3")),
        "first_review": select(func.min(reviews.c.written_at)).where(reviews.c.user_id == user_id),
        "goals": select(goals.c.id, goals.c.name, goals.c.target, goals.c.period, goals.c.created_at)
        .where(goals.c.user_id == user_id, goals.c.archived == false())
        .order_by(goals.c.created_at, goals.c.id),
        "goal_entries": select(entries.c.goal_id, entries.c.local_day, entries.c.amount).where(
            entries.c.user_id == user_id,
            entries.c.local_day >= bindparam("first"),
            entries.c.local_day <= bindparam("today"),
        ),
    }


def _read(name: str, **params) -> list:
    return db.session.connection().execute(_statements()[name], params).all()


def moods_and_wins(user_id: int, today: date) -> tuple[dict[date, int], list[tuple[date, str]]]:
    """The evening moods of the insights' year and the newest small wins, newest first."""
    year_first, last = window(today)
    moods, wins = {}, []
    parse = date.fromisoformat
    for day, mood, win in _read("reflections", user_id=user_id, year_first=year_first, today=last):
        if mood is not None:
            moods[parse(day)] = mood
        else:
            wins.append((parse(day), win))
    wins.sort(reverse=True)
    return moods, wins


class SetbackFigures(NamedTuple):
    counts: dict[str, int]  # per objection, in the last SETBACK_DAYS days
    logged: int
    hundredth: date | None
    follow_ups: FollowUpFigures
    days: frozenset[date]  # the insights' year's days with a setback


def setback_figures(user_id: int, today: date) -> SetbackFigures:
    """Setbacks per objection of the last SETBACK_DAYS days, how many were ever logged, the
    100th's day, what came of the follow-ups, and the insights' year's setback days."""
    first = today - timedelta(days=SETBACK_DAYS - 1)
    year_first, _last = window(today)
    counts: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    days: set[date] = set()
    total, hundredth = 0, None
    parse = date.fromisoformat
    rows = _read("setbacks", user_id=user_id, year_first=year_first)
    for objection, outcome, day, count, hundredth_day in rows:
        hundredth = hundredth_day
        counts.setdefault(objection, 0)
        total += count
        if day is not None:
            day = parse(day)
            if day >= first:
                counts[objection] += count
            if day <= today:
                days.add(day)
        if outcome is not None:
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    return SetbackFigures(counts, total, hundredth, follow_ups_of(outcomes), frozenset(days))


@pagecache.asked_with_zone_history
def _first_review_key(_user) -> tuple:
    return ("first_review",)


@pagecache.asked_with_zone_history
def _goals_key(_user) -> tuple:
    return ("progress_goals",)


def first_review_day(user) -> date | None:
    written = pagecache.by_plan(
        _first_review_key(user), user, lambda: _read("first_review", user_id=user.id)[0][0]
    )
    return user.local_day(written) if written else None


class ShownGoal(NamedTuple):
    """What /progress shows of a goal: plain values, kept between requests (not the ORM row)."""

    id: int
    name: str
    target: int
    period: str


def _in_page_language(heatmap: core.Heatmap) -> core.Heatmap:
    """The calendar's month and weekday names in the page's language (the core writes English)."""
    months = get_month_names("abbreviated", locale=get_locale())
    weekdays = weekday_names("abbreviated")
    return replace(
        heatmap,
        months=tuple(replace(label, text=months[label.month]) for label in heatmap.months),
        weekday_labels=tuple(
            (weekdays[weekday], y)
            for weekday, (_english, y) in zip(heatmap.weekday_rows, heatmap.weekday_labels, strict=True)
        ),
    )


def goal_progress(user, today: date, goals_schedule) -> list[dict]:
    """Each active goal's last 8 weeks: totals against the week's target.

    The week's target follows the goals page: a weekly goal's target as set; a daily goal's
    target times the days the goal review was on that week (from the goal's first day, without
    paused days).
    """
    # The goals themselves are the user's plan: a day's practice adds entries, never goals.
    goals = pagecache.by_plan(
        _goals_key(user), user, lambda: tuple(map(tuple, _read("goals", user_id=user.id)))
    )
    if not goals:
        return []
    this_week = core.week_start(today)
    first_monday = this_week - timedelta(weeks=core.GOAL_WEEKS - 1)
    totals: dict[int, dict[date, int]] = {}
    for goal_id, day, amount in _read("goal_entries", user_id=user.id, first=first_monday, today=today):
        weeks = totals.setdefault(goal_id, {})
        monday = core.week_start(day)
        weeks[monday] = weeks.get(monday, 0) + amount
    # Per week and first day counted: goals begun before the eight weeks shown all count each
    # week from its Monday, so the schedule is walked once a week, not once a goal and week.
    days_from: dict[tuple[date, date], int] = {}

    def days_on_from(monday: date, since: date) -> int:
        key = (monday, max(monday, since))
        if key not in days_from:
            days_from[key] = days_on(monday, goals_schedule, since=since)
        return days_from[key]

    results = []
    for goal_id, name, target, period, created_at in goals:
        since = user.local_day(created_at)
        mondays = core.recent_mondays(today, since=since)
        targets = {monday: week_target(target, period, days_on_from(monday, since)) for monday in mondays}
        weeks = core.goal_weeks(mondays, totals.get(goal_id, {}), targets, this_week)
        finished = [week for week in weeks if not week.current]
        results.append(
            {
                "goal": ShownGoal(goal_id, name, target, period),
                "weeks": weeks,
                "met": sum(week.met for week in finished),
                "finished": len(finished),
            }
        )
    return results


def progress_figures(user, today: date, selected: str) -> dict:
    """Everything /progress reads and walks, as numbers, dates, ids and the person's own text:
    kept per data version, day and routine (webapp/pagecache.py); the words are made per request."""
    routine_schedules = schedules_for(user)
    stored, done = states_with_days(user.id)
    if not all(routine in done for routine in ROUTINES):
        # A routine without a stored state (a new one, say): its days are read on their own.
        done = done_days_by_routine(user.id)
    # One read of the year's moods serves the insights and the 90-day chart, one of the setbacks
    # the setbacks' lines, the milestones and the insights.
    year_moods, wins = moods_and_wins(user.id, today)
    setbacks = setback_figures(user.id, today)
    schedule = routine_schedules[selected]
    yesterday = today - timedelta(days=1)
    # The walk from the first day done is most of the figures' time on a long history, and a
    # pure function of these: kept under them, it is not walked again after a write that leaves
    # the routine's days and schedule as they were (a setback, a reflection saved again).
    statuses = pagecache.by_content(
        ("progress_statuses", selected, schedule, done[selected], yesterday),
        user,
        lambda: day_statuses(schedule, done[selected], yesterday),
    )
    return {
        "done_all": frozenset().union(*done.values()),
        "first_done": {routine: min(days) if days else None for routine, days in done.items()},
        "selected_done": bool(done[selected]),
        "statuses": core.with_today(
            statuses,
            today,
            today in done[selected],
            schedule.is_scheduled(today),
        ),
        "year_moods": year_moods,
        "setback_counts": setbacks.counts,
        "setbacks_logged": setbacks.logged,
        "hundredth": setbacks.hundredth,
        "first_review": first_review_day(user),
        "summaries": streak_summaries(user, today, routine_schedules, done, stored),
        "goals": goal_progress(user, today, routine_schedules["goals"]),
        "wins": wins,
        "insights": _insights(
            user, insight_inputs(user, today, routine_schedules, done, year_moods, setbacks.days)
        ),
        "follow_ups": setbacks.follow_ups,
    }


def _insights(user, inputs: tuple) -> insights_core.Insights:
    """The insights (their words are lazy: any language) from their inputs, kept under them: a
    year of evenings is tested again only when a write changed a mood, a day done, a day
    expected or a setback's day, not after a setback on a day that already had one."""
    moods, done, expected, setback_days, last_day = inputs
    key = (
        "progress_insights",
        frozenset(moods.items()),
        tuple(done.items()),
        tuple(expected.items()),
        setback_days,
        last_day,
    )
    return pagecache.by_content(key, user, lambda: insights_core.find_insights(*inputs))


def calendar_shown(routine: str, today: date, figures: dict) -> dict:
    """The selected routine's heatmap with its month table and one-line summary."""
    first, last = core.calendar_range(today)
    statuses = figures["statuses"]
    counts = core.month_counts(statuses, first, last)
    # From the week of the first completion when that is nearer: no months of empty squares.
    start = core.calendar_range(today, core.PHONE_WEEKS)[0]
    first_done = figures["first_done"][routine]
    if first_done is not None:
        start = max(start, core.week_start(first_done))
    heatmap = _in_page_language(core.heatmap(statuses, start, last))
    return {
        # Without its squares, which are drawn from `cells_svg`: the block's key holds what it
        # shows (progress/blocks.py), and a hundred squares are cheaper to key as one string.
        "map": replace(heatmap, cells=()),
        # Safe: cells_svg writes only numbers and a fixed set of status words.
        "cells_svg": Markup(core.cells_svg(heatmap.cells)),  # noqa: S704
        "months": counts,
        "summary": core.calendar_summary(ROUTINE_LABELS[routine], counts),
        "empty": not figures["selected_done"],
    }


@bp.get("/progress")
@login_required
def progress():
    selected = request.args.get("routine") or DEFAULT_ROUTINE
    if selected not in ROUTINES:
        abort(404)
    user = current_user._get_current_object()
    today, _zone = pagecache.local_moment(user, utcnow())
    figures = pagecache.cached(
        ("progress", today, selected), user, lambda: progress_figures(user, today, selected)
    )
    # The body is kept as rendered, per language: on a long history it is most of the page's
    # time, and it holds no form, no token and nothing of the request but what the key names.
    # After a write, most blocks of it show what they showed before: those are kept apart, under
    # what they show (progress/blocks.py).
    body = pagecache.cached(
        ("progress_html", today, selected, str(get_locale())),
        user,
        lambda: blocks.render(user, today, page_context(today, selected, figures)),
    )
    return render_template("progress/progress.html", body=body)


# Module functions, not lambdas: a block's key holds the functions it calls (progress/blocks.py).
def _day_with_year(day: date) -> str:
    return day_words(day, "short_year")


def _day_and_month(day: date) -> str:
    return day_words(day, "day_mon")


def mood_rows(moods: list[tuple[date, int]]) -> Markup:
    """The mood table's rows, newest first, as progress/_page.html wrote them, each value escaped
    as the template escapes it. The five mood words are looked up once, not once a row; an ISO
    date and a mood level are digits, with nothing to escape."""
    words = {level: escape(word) for level, word in MOODS.items()}
    return Markup(  # noqa: S704 (every value escaped or digits)
        "".join(
            f'\n        <tr><th scope="row"><time datetime="{day.isoformat()}">'
            f"{escape(_day_with_year(day))}</time></th>"
            f'<td data-mood="{int(level)}">{int(level)} \u00b7 {words.get(level, "")}</td></tr>\n      '
            for day, level in reversed(moods)
        )
    )


def mood_dots(dots: tuple[core.MoodDot, ...]) -> Markup:
    """The mood chart's dots, oldest first, as progress/_page.html wrote them: every value a
    number (core.mood_chart), which the template's escape wrote as `str` does."""
    return Markup(  # noqa: S704 (numbers only)
        "".join(f'<circle class="mood-dot" cx="{dot.x}" cy="{dot.y}" r="2.5"/>' for dot in dots)
    )


def goal_bars(weeks: list[core.GoalWeek]) -> Markup:
    """A goal's bars and target ticks, oldest week first, as progress/_page.html wrote them: every
    value a number (core.goal_weeks) or one of three class names."""
    parts = []
    for week in weeks:
        kind = "goal-current" if week.current else ("goal-met" if week.met else "goal-short")
        parts.append(
            f'<rect class="goal-bar {kind}" x="{week.x}" y="{week.y}" width="14" height="{week.height}"/>'
            f'<line class="goal-target" x1="{week.x - 2}" x2="{week.x + 16}" y1="{week.target_y}" '
            f'y2="{week.target_y}"/>'
        )
    return Markup("".join(parts))  # noqa: S704 (numbers and fixed words)


def goal_weeks_words(weeks: list[core.GoalWeek]) -> Markup:
    """A goal's weeks in words for its chart's label ("6 of 25; 10 of 25 so far"), oldest first,
    as the template's `_()` and `join` made them: each translation as markup, the numbers in it."""
    done = gettext("%(done)s of %(target)s")
    so_far = gettext("%(done)s of %(target)s so far")
    # The numbers are ints, which escape to themselves: formatted as text, then taken as markup.
    return Markup("; ").join(
        Markup((so_far if week.current else done) % {"done": week.total, "target": week.target})  # noqa: S704
        for week in weeks
    )


def goal_week_rows(weeks: list[core.GoalWeek]) -> Markup:
    """A goal's table rows, newest week first, as progress/_page.html wrote them (this week's
    day as its `{% trans %}` did: the translation as markup, the day escaped into it)."""
    so_far = Markup(gettext("%(day)s (so far)"))  # noqa: S704 (our own catalog's words)
    parts = []
    for week in reversed(weeks):
        day = _day_and_month(week.monday)
        label = so_far % {"day": day} if week.current else escape(day)
        parts.append(
            f'\n          <tr><th scope="row">{label}</th><td>{escape(week.total)}</td>'
            f"<td>{escape(week.target)}</td></tr>\n        "
        )
    return Markup("".join(parts))  # noqa: S704 (every value escaped)


def page_context(today: date, selected: str, figures: dict) -> dict:
    """What progress/_page.html shows, from the kept figures, in the request's language."""
    mood_first = today - timedelta(days=core.MOOD_DAYS - 1)
    moods = {day: mood for day, mood in figures["year_moods"].items() if day >= mood_first}
    counts = figures["setback_counts"]
    all_milestones = core.milestones(
        figures["done_all"], figures["setbacks_logged"], figures["hundredth"], figures["first_review"]
    )
    monday = core.week_start(today)
    practised = {day for day in figures["done_all"] if monday <= day <= today}
    routines = [
        {
            "id": routine,
            "label": ROUTINE_LABELS[routine],
            "summary": summary,
            "strength": round(summary.strength * 100),
            "rate": round(summary.rate_30 * 100),
        }
        for routine, summary in ((routine, figures["summaries"][routine]) for routine in ROUTINES)
    ]
    goals = [
        {**goal, "target_words": target_phrase(goal["goal"].target, goal["goal"].period)}
        for goal in figures["goals"]
    ]
    return dict(
        today=today,
        week_days_done=len(practised),
        week_days_so_far=(today - monday).days + 1,
        best=max(routines, key=lambda figure: figure["summary"].current),
        routines=routines,
        labels=ROUTINE_LABELS,
        selected=selected,
        calendar=calendar_shown(selected, today, figures),
        mood=core.mood_chart(moods, mood_first, today),
        mood_first=mood_first,
        mood_summary=core.mood_summary(moods, today),
        moods=sorted(moods.items()),
        mood_words=MOODS,
        mood_rows=mood_rows,
        mood_dots=mood_dots,
        goal_bars=goal_bars,
        goal_week_rows=goal_week_rows,
        goal_weeks_words=goal_weeks_words,
        setbacks=core.bars((key, label, counts.get(key, 0)) for key, label in OBJECTIONS.items()),
        setbacks_total=sum(counts.values()),
        goals=goals,
        wins=figures["wins"],
        reached=core.reached(all_milestones),
        next_milestone=core.next_milestone(all_milestones),
        day_words=_day_with_year,
        day_words_short=_day_and_month,
        insights=figures["insights"],
        labels_for_insights=insights_core.LABELS,
        follow_ups=figures["follow_ups"],
    )
