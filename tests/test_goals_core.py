"""The goal rules in webapp/goals/core.py, with explicit dates and no framework."""

from __future__ import annotations

import ast
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.goals.core import (
    MAX_TARGET,
    _round_sensibly,
    clean_amount,
    clean_target,
    days_on,
    in_target_units,
    parse_week,
    previous_week_start,
    recent_week_starts,
    suggest_target,
    week_days,
    week_start,
    week_target,
)
from webapp.routines.core import InvalidInput, Schedule

D = date.fromisoformat
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


# --- weeks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        ("2026-03-02", "2026-03-02"),  # a Monday is its own week start
        ("2026-03-08", "2026-03-02"),  # Sunday belongs to the week before it
        ("2026-03-04", "2026-03-02"),
        ("2026-01-01", "2025-12-29"),  # ISO weeks cross the new year
        ("2024-02-29", "2024-02-26"),  # leap day
        ("2026-03-29", "2026-03-23"),  # the night clocks go forward in Europe changes nothing
    ],
)
def test_week_start_is_the_monday_of_the_iso_week(day, monday):
    assert week_start(D(day)) == D(monday)
    assert D(day).isocalendar()[:2] == D(monday).isocalendar()[:2]


def test_a_week_has_seven_days_from_monday_to_sunday():
    days = week_days(D("2025-12-29"))
    assert days[0] == D("2025-12-29") and days[-1] == D("2026-01-04") and len(days) == 7


@pytest.mark.parametrize(
    ("today", "reviewed"),
    [("2026-03-02", "2026-02-23"), ("2026-03-08", "2026-02-23"), ("2026-01-02", "2025-12-22")],
)
def test_a_review_looks_back_on_the_week_before_this_one(today, reviewed):
    assert previous_week_start(D(today)) == D(reviewed)


def test_recent_weeks_end_with_the_week_given_oldest_first():
    assert recent_week_starts(D("2026-03-02"), 3) == [D("2026-02-16"), D("2026-02-23"), D("2026-03-02")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "2026-02-23"),  # no week given: last week
        ("", "2026-02-23"),
        ("2026-02-16", "2026-02-16"),
        ("2026-02-19", "2026-02-16"),  # any day names its week
        ("2026-03-04", "2026-03-02"),  # this week may be reviewed early
    ],
)
def test_parse_week_names_a_monday(text, expected):
    assert parse_week(text, D("2026-03-04")) == D(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [("2026-03-09", "hasn't started"), ("last week", "like 2026-02-23"), ("2026-02-30", "like 2026-02-23")],
)
def test_parse_week_refuses_future_weeks_and_nonsense(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse_week(text, D("2026-03-04"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 2026-02-16 ", "2026-02-16"),  # pasted with spaces
        ("2026-03-08", "2026-03-02"),  # Sunday: still this week
        ("1970-01-01", "1969-12-29"),  # the earliest day that names a week to review
    ],
)
def test_parse_week_edges(text, expected):
    assert parse_week(text, D("2026-03-04")) == D(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-09", "That week hasn't started yet."),
        ("last week", "Use a date like 2026-02-23 for the week."),
        ("1969-12-31", "That week is too long ago to review."),
        ("0001-01-01", "That week is too long ago to review."),
    ],
)
def test_a_refused_week_names_the_field_and_says_why(text, message):
    with pytest.raises(InvalidInput) as refused:
        parse_week(text, D("2026-03-04"))
    assert (refused.value.field, refused.value.message) == ("week", message)


# --- what people type -------------------------------------------------------------------------

AMOUNT_MESSAGE = "Enter a whole number from 0 to 10,000."
TARGET_MESSAGE = "Enter a whole number from 1 to 1000."


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, 0), ("", 0), ("   ", 0), ("0", 0), (" 7 ", 7), (7, 7), ("000012", 12), ("10000", 10000)],
)
def test_an_amount_is_a_whole_number_from_0_to_10000_and_empty_means_0(text, expected):
    assert clean_amount(text) == expected


@pytest.mark.parametrize("text", ["10001", "-1", "1.5", "1e3", "²", "٣", "abc", "0000001", "9999999"])
def test_any_other_amount_is_refused_with_the_rule(text):
    with pytest.raises(InvalidInput) as refused:
        clean_amount(text, field="progress.3")
    assert (refused.value.field, refused.value.message) == ("progress.3", AMOUNT_MESSAGE)


def test_a_refused_amount_names_the_amount_unless_told_otherwise():
    with pytest.raises(InvalidInput) as refused:
        clean_amount("many")
    assert refused.value.field == "amount"


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), (" 20 ", 20), ("000001", 1), ("1000", 1000), (5, 5)]
)
def test_a_target_is_a_whole_number_from_1_to_1000(text, expected):
    assert clean_target(text) == expected


@pytest.mark.parametrize("text", [None, "", " ", "0", "1001", "-3", "2.5", "²", "ten", "0000001"])
def test_any_other_target_is_refused_with_the_rule(text):
    with pytest.raises(InvalidInput) as refused:
        clean_target(text)
    assert (refused.value.field, refused.value.message) == ("target", TARGET_MESSAGE)


# --- days on and targets ----------------------------------------------------------------------


def test_a_schedule_change_counts_from_its_own_day():
    # Weekdays until Wednesday 4 March, then Wednesdays only: Mon + Tue + Wed.
    versions = ((D("2026-02-02"), WEEKDAYS), (D("2026-03-04"), frozenset({2})))
    assert days_on(D("2026-03-02"), Schedule(versions=versions)) == 3
    # From Tuesday on, weekends only: Monday, then Saturday and Sunday.
    weekends_from_tuesday = ((D("2026-02-02"), WEEKDAYS), (D("2026-03-03"), frozenset({5, 6})))
    assert days_on(D("2026-03-02"), Schedule(versions=weekends_from_tuesday)) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (49.4, 49),
        (49.5, 50),  # halves round up
        (50.6, 50),  # fives from 50
        (52.5, 55),
        (197.4, 195),
        (197.5, 200),
        (204.9, 200),  # tens from 200
        (205, 210),
        (1234, 1230),
    ],
)
def test_a_suggestion_is_rounded_to_ones_fives_or_tens(value, expected):
    assert _round_sensibly(value) == expected


@pytest.mark.parametrize(
    ("versions", "paused", "since", "expected"),
    [
        ([], [], None, 7),  # no schedule known: every day
        ([(D("2026-01-05"), WEEKDAYS)], [], None, 5),
        ([(D("2026-03-10"), WEEKDAYS)], [], None, 5),  # before the first version: the first applies
        ([(D("2026-01-05"), WEEKDAYS), (D("2026-03-05"), EVERY_DAY)], [], None, 3 + 4),  # changed Thursday
        ([(D("2026-01-05"), WEEKDAYS)], [(D("2026-03-04"), D("2026-03-05"))], None, 3),  # paused Wed-Thu
        ([(D("2026-01-05"), WEEKDAYS)], [(D("2026-02-20"), D("2026-03-20"))], None, 0),  # a whole week off
        ([(D("2026-01-05"), WEEKDAYS)], [], D("2026-03-04"), 3),  # the goal began on Wednesday
        ([(D("2026-01-05"), frozenset({5, 6}))], [], None, 2),  # weekends only
    ],
)
def test_days_on_follow_the_schedule_pauses_and_the_goals_start(versions, paused, since, expected):
    schedule = Schedule(versions=tuple(versions), pauses=tuple(paused))
    assert days_on(D("2026-03-02"), schedule, since) == expected


@pytest.mark.parametrize(
    ("target", "period", "days", "expected"),
    [(20, "day", 5, 100), (20, "day", 0, 0), (3, "week", 5, 3), (3, "week", 0, 3)],
)
def test_a_weeks_target_is_a_daily_target_times_the_days_on(target, period, days, expected):
    assert week_target(target, period, days) == expected


@pytest.mark.parametrize(
    ("total", "period", "days", "expected"),
    [(90, "day", 5, 18.0), (7, "day", 2, 3.5), (5, "day", 0, None), (4, "week", 5, 4.0), (4, "week", 0, 4.0)],
)
def test_a_weeks_total_in_the_goals_own_unit(total, period, days, expected):
    assert in_target_units(total, period, days) == expected


# --- the next target --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actuals", "current", "expected", "why"),
    [
        ([], 20, 20, "no history: keep the target"),
        ([20], 20, 22, "met exactly: a 10% nudge"),
        ([18, 22, 25, 24], 20, 25, "met, typical 23: 25.3 rounds to 25, inside the +25% cap"),
        ([40, 40, 40, 40], 20, 25, "far above the target: never more than +25% at once"),
        ([30, 30, 30, 15], 20, 20, "missed last week after good ones: kept, not raised"),
        ([83, 82], 83, 83, "missed by one: rounding doesn't lift it (82.5 would round to 85)"),
        ([10, 12, 15, 14], 20, 13, "missed: the median of what you do"),
        ([0, 0, 0, 0], 20, 10, "nothing logged: at most halved at once"),
        ([0], 1, 1, "never below 1"),
        ([1, 1, 1, 1], 1, 1, "a target of 1 met exactly stays 1 (1.1 rounds down)"),
        ([3, 3, 3, 3], 1, 2, "a small target still grows by 1"),
        ([5, 5, 5, 5], 3, 4, "3 a week done 5 times: up to 4, not 5"),
        ([100, 100, 100, 60, 100], 100, 110, "only the last 4 weeks count: median 100, met"),
        ([60], 60, 65, "from 50 up, fives: 66 rounds to 65"),
        ([300], 300, 330, "from 200 up, tens"),
        ([1000, 1000], 1000, MAX_TARGET, "never above 1000"),
        ([19.4, 18.6, 18.0, 17.6], 20, 18, "per-day averages: typical 18.3"),
        ([55, 0, 60, 62], 50, 62, "one empty week doesn't sink a good run"),
    ],
)
def test_suggest_target(actuals, current, expected, why):
    assert suggest_target(actuals, current) == expected, why


@given(
    actuals=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
    current=st.integers(min_value=1, max_value=MAX_TARGET),
)
def test_a_suggestion_stays_within_its_bounds(actuals, current):
    suggestion = suggest_target(actuals, current)
    assert 1 <= suggestion <= MAX_TARGET
    assert suggestion <= max(current + 1, current * 1.25)
    assert suggestion >= min(current, (current + 1) // 2)
    if actuals and actuals[-1] < current:
        assert suggestion <= current  # a missed week never raises the target


# --- purity -----------------------------------------------------------------------------------


def test_goals_core_imports_only_the_standard_library_routines_core_and_i18n_core():
    source = Path(__file__).resolve().parent.parent / "webapp" / "goals" / "core.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            imported.add(node.module)
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    # webapp.i18n.core is pure as well: messages marked for translation, English without an app.
    assert outside <= {"webapp.routines.core", "webapp.i18n.core"}
