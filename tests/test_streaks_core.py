"""The streak rules in webapp/streaks/core.py, with explicit dates and a brute-force oracle."""

from __future__ import annotations

import ast
import math
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.localday import ZoneSpan, zone_skipped_days
from webapp.routines.core import Schedule
from webapp.streaks.core import (
    DoneCounts,
    StreakState,
    current_streak,
    day_statuses,
    habit_strength,
    is_resumable,
    recent_days_needed,
    state_as_of_last_completion,
    summarize,
    walk,
)

MON = date(2026, 3, 2)  # a Monday
DAILY = frozenset(range(7))
MON_FRI = frozenset(range(5))
NOTHING = StreakState(as_of=None)


def day(n: int) -> date:
    """Day n of the worked example: day 1 is Monday 2 March 2026."""
    return MON + timedelta(days=n - 1)


def days(first: int, last: int) -> set[date]:
    return {day(n) for n in range(first, last + 1)}


def daily(**kwargs) -> Schedule:
    return Schedule(versions=((MON, DAILY),), **kwargs)


# --- the worked example -------------------------------------------------------------------

EXAMPLE_DONE = frozenset(days(1, 7) | days(9, 15) | {day(18)})


@pytest.mark.parametrize(
    ("through", "streak", "run", "held", "longest"),
    [
        (1, 1, 1, 0, 1),
        (6, 6, 6, 0, 6),
        (7, 7, 0, 1, 7),  # run reached 7: a freeze
        (8, 7, 0, 0, 7),  # missed, frozen
        (9, 8, 1, 0, 8),
        (14, 13, 6, 0, 13),
        (15, 14, 0, 1, 14),  # run reached 7 again
        (16, 14, 0, 0, 14),  # missed, frozen
        (17, 0, 0, 0, 14),  # missed with no freeze: breaks
        (18, 1, 1, 0, 14),
    ],
)
def test_worked_example_daily_routine_from_2_march_2026(through, streak, run, held, longest):
    state = walk(NOTHING, daily(), EXAMPLE_DONE, day(through))
    assert (state.as_of, state.streak, state.run, state.held, state.longest) == (
        day(through),
        streak,
        run,
        held,
        longest,
    )


def test_worked_example_summary_and_calendar_on_day_18():
    summary = summarize(daily(), EXAMPLE_DONE, day(18))
    assert summary.current == 1
    assert summary.longest == 14
    assert summary.freezes_held == 0
    assert summary.total_days == 15
    assert summary.comeback_days == 1  # broke on day 17, back on day 18
    assert summary.today_done and summary.today_expected
    assert summary.rate_30 == pytest.approx(15 / 18)
    statuses = day_statuses(daily(), EXAMPLE_DONE, day(18))
    assert [statuses[day(n)] for n in (7, 8, 9, 16, 17, 18)] == [
        "done",
        "frozen",
        "done",
        "frozen",
        "missed",
        "done",
    ]
    assert min(statuses) == day(1) and max(statuses) == day(18)


# --- edge cases ---------------------------------------------------------------------------


def test_weekday_routine_keeps_its_streak_across_the_weekend():
    schedule = Schedule(versions=((MON, MON_FRI),))
    done = days(1, 5) | {day(8)}  # Mon-Fri, then the next Monday
    assert current_streak(schedule, done, day(8)) == 6
    statuses = day_statuses(schedule, done, day(8))
    assert statuses[day(6)] == statuses[day(7)] == "off"


def test_weekend_completion_of_a_weekday_routine_is_an_extra():
    schedule = Schedule(versions=((MON, MON_FRI),))
    done = days(1, 6) | {day(8)}  # Saturday (day 6) done too
    summary = summarize(schedule, done, day(8))
    assert summary.current == 6
    assert summary.total_days == 7
    assert day_statuses(schedule, done, day(8))[day(6)] == "extra"


def test_pause_across_a_month_end_spends_no_freeze_and_breaks_nothing():
    pause = (date(2026, 3, 30), date(2026, 4, 2))
    schedule = daily(pauses=(pause,))
    done = {date(2026, 3, 23) + timedelta(days=i) for i in range(7)} | {date(2026, 4, 3)}
    state = walk(NOTHING, schedule, done, date(2026, 4, 3))
    assert (state.streak, state.held) == (8, 1)
    statuses = day_statuses(schedule, done, date(2026, 4, 3))
    assert {statuses[date(2026, 3, 31)], statuses[date(2026, 4, 1)]} == {"paused"}


def test_completion_inside_a_pause_neither_adds_nor_breaks():
    schedule = daily(pauses=((day(3), day(4)),))
    done = days(1, 3) | {day(5)}
    assert current_streak(schedule, done, day(5)) == 3
    assert day_statuses(schedule, done, day(5))[day(3)] == "extra"


def test_schedule_change_does_not_rewrite_history():
    # Mon-Fri for two weeks, then every day from Monday 16 March.
    schedule = Schedule(versions=((day(15), DAILY), (MON, MON_FRI)))  # given out of order
    done = days(1, 5) | days(8, 12) | days(15, 17)
    assert current_streak(schedule, done, day(17)) == 13
    statuses = day_statuses(schedule, done, day(17))
    assert [statuses[day(n)] for n in (6, 7, 13, 14)] == ["off"] * 4
    assert schedule.is_expected(day(20)) and schedule.is_expected(day(21))  # the new weekend
    # The reverse change: weekends missed while the routine was daily stay missed.
    reverse = Schedule(versions=((MON, DAILY), (day(15), MON_FRI)))
    assert day_statuses(reverse, done, day(17))[day(14)] == "missed"
    assert current_streak(reverse, done, day(17)) == 3
    assert not reverse.is_expected(day(20))


def test_days_before_the_first_version_use_the_first_version():
    schedule = Schedule(versions=((day(15), MON_FRI),))
    done = days(1, 5) | {day(8)}
    assert current_streak(schedule, done, day(8)) == 6


def test_back_dated_completion_refunds_a_spent_freeze():
    schedule = daily()
    done = days(1, 7) | days(9, 10)
    before = state_as_of_last_completion(schedule, done)
    assert (before.streak, before.held) == (9, 0)  # day 8 frozen
    after = state_as_of_last_completion(schedule, done | {day(8)})
    assert (after.streak, after.held) == (10, 1)


@pytest.mark.parametrize(
    ("done_in_a_row", "held", "run"),
    [(6, 0, 6), (7, 1, 0), (13, 1, 6), (14, 2, 0), (20, 2, 6), (21, 2, 0), (28, 2, 0)],
)
def test_freezes_are_capped_at_two_and_an_award_at_the_cap_is_lost(done_in_a_row, held, run):
    state = walk(NOTHING, daily(), days(1, done_in_a_row), day(done_in_a_row))
    assert (state.streak, state.held, state.run) == (done_in_a_row, held, run)


def test_two_freezes_cover_two_misses_and_the_third_breaks():
    done = days(1, 21) | {day(25)}
    statuses = day_statuses(daily(), done, day(25))
    assert [statuses[day(n)] for n in (22, 23, 24, 25)] == ["frozen", "frozen", "missed", "done"]
    summary = summarize(daily(), done, day(25))
    assert (summary.current, summary.longest, summary.freezes_held) == (1, 21, 0)


def test_a_miss_records_the_break_and_keeps_the_freezes_held():
    # From scratch a freeze is always spent before a break; a stored state may still hold one.
    state = walk(NOTHING, daily(), days(1, 3), day(5))
    assert (state.streak, state.last_break) == (0, day(4))
    resting = StreakState(as_of=day(3), streak=0, run=0, held=1, longest=9)
    after = walk(resting, daily(), days(1, 3), day(4))
    assert (after.streak, after.held, after.last_break) == (0, 1, None)


@pytest.mark.parametrize(
    ("done", "today", "current", "today_done"),
    [
        (days(1, 4), day(5), 4, False),  # today pending: the streak after yesterday
        (days(1, 5), day(5), 5, True),
        (days(1, 3), day(5), 0, False),  # yesterday missed, no freeze: broken
        (days(1, 7) | days(8, 9), day(11), 9, False),  # day 10 frozen, today pending
    ],
)
def test_today_is_pending_until_done(done, today, current, today_done):
    summary = summarize(daily(), done, today)
    assert (summary.current, summary.today_done, summary.today_expected) == (current, today_done, True)
    assert current_streak(daily(), done, today) == current


def test_pending_today_does_not_lower_the_rate():
    pending = summarize(daily(), days(1, 4), day(5))
    done = summarize(daily(), days(1, 5), day(5))
    assert pending.rate_30 == done.rate_30 == 1.0


def test_zone_skipped_day_does_not_break_and_counts_if_done():
    schedule = daily(skipped=frozenset({day(4)}))
    assert current_streak(schedule, days(1, 3) | {day(5)}, day(5)) == 4
    assert day_statuses(schedule, days(1, 3) | {day(5)}, day(5))[day(4)] == "off"
    assert current_streak(schedule, days(1, 5), day(5)) == 5


def test_zone_skipped_days_follow_the_day_end_hour():
    # Tuesday 00:30 in Los Angeles is Tuesday 17:30 in Tokyo: with days ending at midnight, nothing
    # is jumped over; Tuesday 02:00 with a day end of 4 is still Monday there, so Monday is.
    just_after_midnight = [
        ZoneSpan("America/Los_Angeles", None),
        ZoneSpan("Asia/Tokyo", datetime(2026, 3, 3, 8, 30, tzinfo=UTC)),
    ]
    assert zone_skipped_days(just_after_midnight) == frozenset()
    before_day_end = [
        ZoneSpan("America/Los_Angeles", None),
        ZoneSpan("Asia/Tokyo", datetime(2026, 3, 3, 10, 0, tzinfo=UTC)),
    ]
    assert zone_skipped_days(before_day_end, 4) == frozenset({MON})
    assert zone_skipped_days(before_day_end) == frozenset()


def test_a_schedule_keeps_its_own_immutable_copies():
    schedule = Schedule(versions=[[MON, [0, 1]]], pauses=[[day(3), day(4)]], skipped={day(6)})
    assert schedule.versions == ((MON, frozenset({0, 1})),)
    assert schedule.pauses == ((day(3), day(4)),)
    assert schedule.skipped == frozenset({day(6)}) and isinstance(schedule.skipped, frozenset)
    assert hash(schedule) == hash(
        Schedule(
            versions=((MON, frozenset({0, 1})),), pauses=((day(3), day(4)),), skipped=frozenset({day(6)})
        )
    )


def test_zone_skip_does_not_turn_an_off_day_into_one_that_counts():
    schedule = Schedule(versions=((MON, MON_FRI),), skipped=frozenset({day(6)}))
    done = days(1, 6)
    assert current_streak(schedule, done, day(6)) == 5
    assert day_statuses(schedule, done, day(6))[day(6)] == "extra"


def test_zone_skipped_days_come_from_routines_core():
    # Los Angeles -> Tokyo on Monday evening lands on Tuesday: Monday is skipped; back is free.
    east = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # Monday 19:00 in Los Angeles
    west = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    spans = [
        ZoneSpan("America/Los_Angeles", None),
        ZoneSpan("Asia/Tokyo", east),
        ZoneSpan("America/Los_Angeles", west),
    ]
    assert zone_skipped_days(spans) == frozenset({MON})


def test_walk_with_state_as_of_after_until_returns_the_state_as_is():
    state = walk(NOTHING, daily(), days(1, 10), day(10))
    assert walk(state, daily(), days(1, 10), day(5)) is state
    assert walk(state, daily(), days(1, 10), day(10)) is state


def test_walk_before_any_completion_walks_nothing():
    assert walk(NOTHING, daily(), set(), day(10)) == NOTHING
    assert walk(NOTHING, daily(), days(5, 6), day(4)) == NOTHING
    assert state_as_of_last_completion(daily(), set()) == NOTHING
    assert day_statuses(daily(), set(), day(4)) == {}


def test_walk_start_skips_the_days_before_it():
    state = walk(NOTHING, daily(), days(1, 3) | days(6, 7), day(7), start=day(6))
    assert (state.streak, state.longest) == (2, 2)


def test_comeback_is_none_when_never_broken_or_not_yet_back():
    assert summarize(daily(), days(1, 5), day(6)).comeback_days is None
    assert summarize(daily(), days(1, 3), day(8)).comeback_days is None  # broke on day 4
    assert summarize(daily(), days(1, 3) | {day(7)}, day(8)).comeback_days == 3


def test_stored_state_past_a_pending_today_is_ignored():
    done = days(1, 4)
    stale = walk(NOTHING, daily(), done, day(5))  # treated day 5 as missed
    assert summarize(daily(), done, day(5), stored=stale) == summarize(daily(), done, day(5))


def test_new_routine_rate_counts_only_from_the_first_completion():
    assert summarize(daily(), days(1, 3), day(3)).rate_30 == 1.0
    assert summarize(daily(), set(), day(3)).rate_30 == 0.0


# --- habit strength -----------------------------------------------------------------------


def test_habit_strength_approaches_one_when_every_day_is_done():
    strength = habit_strength(daily(), days(1, 200), day(200))
    assert 0.99 < strength <= 1.0
    assert habit_strength(daily(), days(1, 30), day(30)) < strength


def test_one_miss_after_a_long_run_dents_strength_by_less_than_ten_percent():
    before = habit_strength(daily(), days(1, 100), day(100))
    after = habit_strength(daily(), days(1, 100), day(101))
    assert 0 < after < before
    assert (before - after) / before < 0.10


def test_strength_ignores_days_not_expected_and_not_done():
    weekdays = Schedule(versions=((MON, MON_FRI),))
    done = days(1, 5)
    assert habit_strength(weekdays, done, day(5)) == habit_strength(weekdays, done, day(7))
    assert habit_strength(weekdays, done, day(8)) < habit_strength(weekdays, done, day(7))


def test_strength_of_a_weekday_routine_moves_slower_per_day_as_loop_does():
    weekdays = Schedule(versions=((MON, MON_FRI),))
    assert habit_strength(weekdays, {day(1)}, day(1)) < habit_strength(daily(), {day(1)}, day(1))


# --- random histories against a brute-force oracle ----------------------------------------


def oracle(versions, pauses, skipped, done, until):
    """The table, literally: a naive day-by-day loop that uses nothing from the module."""
    if not done:
        return None, {}
    streak = run = held = longest = 0
    strength = 0.0
    last_break = None
    statuses = {}
    current = min(done)
    while current <= until:
        in_effect = [days_on for start, days_on in sorted(versions, key=lambda v: v[0]) if start <= current]
        days_on = in_effect[-1] if in_effect else sorted(versions, key=lambda v: v[0])[0][1]
        on = current.weekday() in days_on
        paused = False
        for first, last in pauses:
            if first <= current <= last:
                paused = True
        # Loop's score: every expected day and every done day moves it.
        if current in done or (on and not paused and current not in skipped):
            m = 0.5 ** (((len(days_on) or 1) / 7) ** 0.5 / 13)
            strength = strength * m + (1 - m) * (1.0 if current in done else 0.0)
        if current in done and on and not paused:
            statuses[current] = "done"
            streak = streak + 1
            run = run + 1
            if run == 7:
                run = 0
                if held < 2:
                    held = held + 1
        elif current in done:
            statuses[current] = "extra"
        elif on and not paused and current not in skipped:
            if streak > 0 and held > 0:
                statuses[current] = "frozen"
                held = held - 1
            else:
                statuses[current] = "missed"
                if streak > 0:
                    last_break = current
                streak = 0
                run = 0
        elif paused:
            statuses[current] = "paused"
        else:
            statuses[current] = "off"
        if streak > longest:
            longest = streak
        current = current + timedelta(days=1)
    after = sorted(d for d in done if last_break is not None and last_break < d <= until)
    comeback = (after[0] - last_break).days if after else None
    return StreakState(until, streak, run, held, longest, last_break, strength, comeback), statuses


BASE = date(2026, 1, 5)
offsets = st.integers(min_value=0, max_value=59)
weekday_sets = st.frozensets(st.integers(min_value=0, max_value=6))
histories = st.fixed_dictionaries(
    {
        "versions": st.lists(
            st.tuples(st.integers(min_value=-5, max_value=65), weekday_sets), min_size=1, max_size=3
        ),
        "pauses": st.lists(
            st.tuples(offsets, st.integers(min_value=-1, max_value=8)), max_size=3
        ),  # length -1: an empty range
        "skipped": st.frozensets(offsets, max_size=6),
        # long runs (so freezes reach the cap), scattered days, and a few holes
        "runs": st.lists(st.tuples(offsets, st.integers(min_value=0, max_value=35)), max_size=3),
        "scattered": st.frozensets(offsets, max_size=20),
        "holes": st.frozensets(offsets, max_size=4),
        "until": st.integers(min_value=-2, max_value=65),
        "cut": st.integers(min_value=-3, max_value=65),
    }
)


def build(history):
    def at(n: int) -> date:
        return BASE + timedelta(days=n)

    versions = tuple((at(n), days_on) for n, days_on in history["versions"])
    pauses = tuple((at(n), at(n + length)) for n, length in history["pauses"])
    skipped = frozenset(at(n) for n in history["skipped"])
    done_offsets = {n + i for n, length in history["runs"] for i in range(length) if n + i < 60}
    done_offsets = (done_offsets | history["scattered"]) - history["holes"]
    done = frozenset(at(n) for n in done_offsets)
    schedule = Schedule(versions=versions, pauses=pauses, skipped=skipped)
    return schedule, (versions, pauses, skipped, done), at(history["until"]), at(history["cut"])


@settings(max_examples=200, deadline=None)
@given(histories)
def test_walk_from_scratch_matches_the_brute_force_oracle(history):
    schedule, raw, until, _ = build(history)
    done = raw[3]
    expected, expected_statuses = oracle(*raw, until)
    state = walk(NOTHING, schedule, done, until)
    if expected is None or until < min(done):
        assert state == NOTHING
    else:
        # The oracle computes strength with its own arithmetic: equal up to rounding.
        assert replace(state, strength=0.0) == replace(expected, strength=0.0)
        assert math.isclose(state.strength, expected.strength, rel_tol=1e-12, abs_tol=1e-15)
    assert day_statuses(schedule, done, until) == {d: s for d, s in expected_statuses.items() if d <= until}


@settings(max_examples=200, deadline=None)
@given(histories)
def test_resuming_from_any_stored_state_equals_a_walk_from_scratch(history):
    schedule, (_, _, _, done), until, cut = build(history)
    whole = walk(NOTHING, schedule, done, until)
    if cut < until:
        assert walk(walk(NOTHING, schedule, done, cut), schedule, done, until) == whole
    # one day at a time, as a nightly job would
    state = NOTHING
    current = until - timedelta(days=70)
    while current <= until:
        state = walk(state, schedule, done, current)
        current += timedelta(days=1)
    assert state == whole


@settings(max_examples=200, deadline=None)
@given(histories)
def test_summary_is_the_same_with_or_without_a_stored_state(history):
    schedule, raw, today, cut = build(history)
    done = raw[3]
    fresh = summarize(schedule, done, today)
    if cut < today:
        assert summarize(schedule, done, today, stored=walk(NOTHING, schedule, done, cut)) == fresh
    up_to_today = frozenset(d for d in done if d <= today)
    stored = state_as_of_last_completion(schedule, up_to_today)
    assert summarize(schedule, done, today, stored=stored) == fresh
    # the current streak is the oracle's after today if done, else after yesterday
    pending = today not in done
    expected, _ = oracle(*raw[:3], up_to_today, today - timedelta(days=1) if pending else today)
    assert fresh.current == (expected.streak if expected else 0)
    assert fresh.current == current_streak(schedule, done, today)
    assert 0.0 <= fresh.rate_30 <= 1.0
    assert 0.0 <= fresh.strength <= 1.0


@settings(max_examples=200, deadline=None)
@given(histories)
def test_the_summary_resumed_from_the_stored_state_with_only_recent_days_is_the_same(history):
    schedule, raw, today, cut = build(history)
    up_to_today = frozenset(d for d in raw[3] if d <= today)
    stored = state_as_of_last_completion(schedule, up_to_today)
    since = recent_days_needed(stored, today)
    assert since is not None  # a state stored from the history up to today always resumes
    recent = frozenset(d for d in up_to_today if d >= since)
    counts = DoneCounts(len(up_to_today), min(up_to_today, default=None))
    resumed = summarize(schedule, recent, today, stored, counts)
    assert resumed == summarize(schedule, up_to_today, today)
    assert resumed.current == current_streak(schedule, up_to_today, today)


def test_a_summary_resumes_from_the_stored_state_with_only_recent_days():
    history = frozenset(day(n) for n in range(1, 11))  # ten days in a row, up to yesterday
    for stored_through in (9, 10):  # the day before yesterday, and yesterday
        stored = state_as_of_last_completion(
            daily(), frozenset(d for d in history if d <= day(stored_through))
        )
        recent = frozenset(d for d in history if d > day(stored_through)) | {day(11)}
        summary = summarize(daily(), recent, day(11), stored=stored)
        assert (summary.current, summary.longest) == (11, 11)


def test_a_stored_state_that_walked_past_today_is_ignored():
    done = frozenset(day(n) for n in range(1, 6))  # days 1-5, but today is day 4 (a zone change west)
    stored = state_as_of_last_completion(daily(), done)
    assert summarize(daily(), done, day(4), stored=stored) == summarize(daily(), done, day(4))
    assert summarize(daily(), done, day(4), stored=stored).current == 4


def test_a_day_a_flight_jumped_over_is_expected_today_only_if_done():
    jumped = daily(skipped=frozenset({day(4)}))
    assert summarize(jumped, {day(1), day(2)}, day(4)).today_expected is False
    assert summarize(jumped, {day(1), day(2), day(4)}, day(4)).today_expected is True
    assert summarize(daily(), {day(1)}, day(4)).today_expected is True


def test_the_30_day_rate_looks_at_exactly_30_days():
    today = day(31)
    assert summarize(daily(), {day(1)}, today).rate_30 == 0.0, "day 1 is 30 days back: outside"
    # Day 2 is inside: done 1 of days 2-30 (today, pending, counts only once done).
    assert summarize(daily(), {day(2)}, today).rate_30 == 1 / 29


def test_the_rate_is_0_when_no_day_was_expected():
    weekdays = Schedule(versions=((MON, MON_FRI),))
    assert summarize(weekdays, {day(6)}, day(6)).rate_30 == 0.0  # an extra on Saturday, nothing expected


def test_a_stored_state_from_a_later_day_is_not_resumed():
    later = StreakState(as_of=date(2026, 3, 10), streak=3)
    assert not is_resumable(later, date(2026, 3, 9), today_done=False)
    assert recent_days_needed(later, date(2026, 3, 9)) is None


def test_a_stored_state_at_today_resumes_only_when_today_is_done():
    at_today = StreakState(as_of=date(2026, 3, 9), streak=3)
    assert is_resumable(at_today, date(2026, 3, 9), today_done=True)
    assert not is_resumable(at_today, date(2026, 3, 9), today_done=False)


# --- purity -------------------------------------------------------------------------------


def test_streaks_core_imports_only_the_standard_library_and_routines_core():
    source = Path(__file__).resolve().parent.parent / "webapp" / "streaks" / "core.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import"
            imported.add(node.module)
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names} - {
        "webapp.routines.core"
    }
    assert outside == set()


@settings(max_examples=200, deadline=None)
@given(histories, st.integers(min_value=1, max_value=20))
def test_a_completion_after_the_stored_state_resumes_to_the_same_state_as_a_rebuild(history, ahead):
    # What the write path does for a new completion later than every stored day: walk on from the
    # stored state through the new day, instead of from the first completion.
    schedule, (_, _, _, done), _, _ = build(history)
    stored = state_as_of_last_completion(schedule, done)
    added = (stored.as_of or BASE) + timedelta(days=ahead)
    with_it = done | {added}
    if stored.as_of is not None:
        assert walk(stored, schedule, with_it, added) == state_as_of_last_completion(schedule, with_it)
