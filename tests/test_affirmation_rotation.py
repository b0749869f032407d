"""The daily affirmation rotation (routines.core.daily_affirmations), as plain Python."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.routines.content import AFFIRMATIONS
from webapp.routines.core import daily_affirmations

POOL = [a.id for a in AFFIRMATIONS]
MONDAY = date(2026, 3, 2)  # an ISO week runs Monday 2 to Sunday 8 March 2026


def week_of(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def curated(ids: list[str]) -> list[str]:
    return [i for i in ids if not i.startswith("own-")]


def test_the_same_user_and_day_always_get_the_same_three():
    first = daily_affirmations(POOL, "7", MONDAY)
    assert len(first) == 3 and len(set(first)) == 3
    assert all(daily_affirmations(POOL, "7", MONDAY) == first for _ in range(3))
    assert daily_affirmations(list(reversed(POOL)), "7", MONDAY) == first


@pytest.mark.parametrize("seed", ["1", "2", "42", "1000"])
@pytest.mark.parametrize("monday", [date(2026, 3, 2), date(2026, 12, 28), date(2027, 1, 4)])
@pytest.mark.parametrize("own", [[], ["own-1"], ["own-1", "own-2", "own-3"]])
def test_no_curated_affirmation_repeats_from_monday_to_sunday(seed, monday, own):
    shown = [i for day in week_of(monday) for i in curated(daily_affirmations(POOL, seed, day, own=own))]
    assert len(shown) == 7 * (2 if own else 3)
    assert len(set(shown)) == len(shown)


def test_a_new_week_brings_a_new_order():
    this_week = {tuple(daily_affirmations(POOL, "7", day)) for day in week_of(MONDAY)}
    next_week = {tuple(daily_affirmations(POOL, "7", day)) for day in week_of(MONDAY + timedelta(days=7))}
    assert this_week != next_week


def test_hiding_lines_during_the_week_never_brings_a_repeat():
    seen: list[str] = []
    hidden: set[str] = set()
    for day in week_of(MONDAY):
        today = daily_affirmations(POOL, "7", day, hidden=frozenset(hidden))
        assert len(today) == 3 and not hidden & set(today)
        seen += today
        hidden.add(today[0])  # "not for me": the user hides one line every morning
        hidden.add(POOL[day.weekday()])
    assert len(set(seen)) == len(seen)


def test_writing_a_first_own_line_mid_week_brings_no_curated_repeat():
    shown = []
    for day in week_of(MONDAY):
        own = ["own-9"] if day.weekday() >= 3 else []
        today = daily_affirmations(POOL, "7", day, own=own)
        assert today[-1] == "own-9" if own else not any(i.startswith("own-") for i in today)
        shown += curated(today)
    assert len(set(shown)) == len(shown) == 3 * 3 + 2 * 4


def test_one_of_the_three_is_the_users_own_each_day():
    own = ["own-1", "own-2", "own-3"]
    days = [MONDAY + timedelta(days=i) for i in range(30)]
    picks = [daily_affirmations(POOL, "7", day, own=own) for day in days]
    assert all(len(p) == 3 and p[-1] in own and not p[0].startswith("own-") for p in picks)
    assert Counter(p[-1] for p in picks).keys() == set(own)


def test_own_favourites_come_up_twice_as_often():
    own = ["own-1", "own-2", "own-3", "own-4"]
    days = [MONDAY + timedelta(days=i) for i in range(100)]
    counts = Counter(daily_affirmations(POOL, "7", d, own=own, favourites={"own-2"})[-1] for d in days)
    assert counts["own-2"] == 40 and counts["own-1"] == counts["own-3"] == counts["own-4"] == 20


def test_curated_favourites_come_up_every_week():
    favourites = {"learning-3", "curiosity-8", "self-worth-1"}
    for week in range(8):
        monday = MONDAY + timedelta(weeks=week)
        shown = {
            i for day in week_of(monday) for i in daily_affirmations(POOL, "7", day, favourites=favourites)
        }
        assert favourites <= shown


def test_favourites_are_spread_over_the_week_not_piled_on_monday():
    favourites = frozenset(POOL[:7])
    per_day = [
        len(favourites & set(daily_affirmations(POOL, "7", day, favourites=favourites)))
        for day in week_of(MONDAY)
    ]
    assert sum(per_day) == 7 and max(per_day) < 7


def test_hidden_own_lines_never_appear_and_leave_three_curated():
    today = daily_affirmations(POOL, "7", MONDAY, own=["own-1"], hidden={"own-1"})
    assert len(curated(today)) == 3 == len(today)


def test_different_users_get_different_mornings():
    mornings = {seed: [daily_affirmations(POOL, seed, day) for day in week_of(MONDAY)] for seed in "1234"}
    assert len({str(week) for week in mornings.values()}) == 4


@pytest.mark.parametrize(
    ("pool", "own", "expected_length"),
    [
        ([], [], 0),
        ([], ["own-1"], 1),
        (["a"], [], 1),
        (["a", "b"], ["own-1"], 3),
        (["a", "b", "c", "d"], [], 3),
    ],
)
def test_a_small_pool_gives_what_it_can_without_repeats_in_a_day(pool, own, expected_length):
    for day in week_of(MONDAY):
        today = daily_affirmations(pool, "7", day, own=own)
        assert len(today) == expected_length == len(set(today))


def test_a_single_affirmation_for_the_reset_flow():
    assert len(daily_affirmations(POOL, "7", MONDAY, count=1)) == 1
    assert daily_affirmations(POOL, "7", MONDAY, count=1, own=["own-1"]) == ["own-1"]
    assert daily_affirmations(POOL, "7", MONDAY, count=0) == []


@given(
    seed=st.text(max_size=8),
    day=st.dates(min_value=date(2000, 1, 3), max_value=date(2100, 1, 1)),
    # Each day owns 3 slots and 8 spares of the 77, so up to 8 hidden lines can never run it dry.
    hidden=st.sets(st.sampled_from(POOL), max_size=8),
    favourites=st.sets(st.sampled_from(POOL + ["own-1", "own-2"]), max_size=10),
    own=st.lists(st.sampled_from(["own-1", "own-2", "own-3"]), max_size=3),
)
def test_any_week_shows_distinct_visible_lines_and_nothing_hidden(seed, day, hidden, favourites, own):
    monday = day - timedelta(days=day.weekday())
    shown = []
    for each in week_of(monday):
        today = daily_affirmations(POOL, seed, each, favourites=favourites, own=own, hidden=hidden)
        assert not hidden & set(today)
        assert len(today) == 3 == len(set(today))
        shown += curated(today)
    assert len(set(shown)) == len(shown)


# A release must not change the lines someone is in the middle of reading: the rotation is the
# docstring's (SHA-256 of user, week and id; the week's set in a second hashed order; own ones in
# a per-user order), so its result for a given week is pinned. A change here is a decision.
SMALL_POOL = [f"c{n}" for n in range(10)]
PINNED = {
    "the whole pool": (
        {"pool": POOL, "user_seed": "7"},
        [
            ["curiosity-5", "persistence-3", "curiosity-4"],
            ["resilience-1", "self-worth-10", "persistence-8"],
            ["self-compassion-7", "persistence-4", "self-compassion-4"],
            ["curiosity-7", "learning-9", "preparation-8"],
            ["self-compassion-8", "resilience-8", "curiosity-8"],
            ["resilience-5", "preparation-9", "persistence-1"],
            ["resilience-10", "preparation-4", "curiosity-10"],
        ],
    ),
    "favourites, own lines and hidden ones": (
        {
            "pool": POOL,
            "user_seed": "42",
            "favourites": frozenset({"self-worth-4", "self-worth-11", "own-2", "own-3"}),
            "own": ["own-1", "own-2", "own-3", "own-4"],
            "hidden": frozenset({"self-worth-6", "self-worth-7", "self-worth-8", "own-4"}),
        },
        [
            ["preparation-11", "curiosity-4", "own-2"],
            ["learning-7", "learning-2", "own-3"],
            ["self-worth-4", "curiosity-10", "own-2"],
            ["self-worth-11", "preparation-9", "own-1"],
            ["learning-6", "persistence-4", "own-3"],
            ["persistence-11", "self-compassion-2", "own-2"],
            ["preparation-8", "persistence-2", "own-3"],
        ],
    ),
    "a small pool with hidden lines": (
        {"pool": SMALL_POOL, "user_seed": "9", "hidden": frozenset({"c1", "c2", "c3", "c4"})},
        [
            ["c0", "c7", "c9"],
            ["c9", "c6", "c8"],
            ["c8", "c5", "c0"],
            ["c0", "c7", "c9"],
            ["c9", "c6", "c8"],
            ["c6", "c8", "c5"],
            ["c5", "c0", "c7"],
        ],
    ),
}


PINNED["a Monday whose three lines are all hidden"] = (
    {"pool": POOL, "user_seed": "7", "hidden": frozenset({"curiosity-5", "persistence-3", "curiosity-4"})},
    [
        ["learning-5", "curiosity-1", "persistence-9"],  # Monday's spares stand in; the rest is as before
        *PINNED["the whole pool"][1][1:],
    ],
)


@pytest.mark.parametrize("case", PINNED)
def test_a_weeks_lines_are_the_same_after_a_new_release(case):
    arguments, expected = PINNED[case]
    assert [daily_affirmations(day=day, **arguments) for day in week_of(MONDAY)] == expected


def test_the_order_own_lines_come_round_in_is_pinned_too():
    own = ["own-1", "own-2", "own-3", "own-4"]
    picks = [
        daily_affirmations(POOL, "7", MONDAY + timedelta(days=n), favourites=frozenset(own), own=own)[-1]
        for n in range(8)
    ]
    # Favourite own lines come round twice in each cycle of eight: once in each hashed order.
    assert picks == ["own-1", "own-3", "own-2", "own-2", "own-1", "own-3", "own-4", "own-4"]


def test_no_lines_are_asked_for_none_are_given_even_with_own_ones():
    assert daily_affirmations(POOL, "7", MONDAY, count=0, own=["own-1"]) == []


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_curated_favourites_come_up_every_week_next_to_own_lines(seed):
    favourites = frozenset(POOL[n] for n in (0, 9, 18, 27, 36, 45, 54))
    for monday in (MONDAY, MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=5)):
        shown = {
            i
            for day in week_of(monday)
            for i in daily_affirmations(POOL, seed, day, favourites=favourites, own=["own-1"])
        }
        assert favourites <= shown, sorted(favourites - shown)


def test_each_week_brings_other_lines_not_only_another_order():
    def week(n: int) -> set[str]:
        return {i for day in week_of(MONDAY + timedelta(weeks=n)) for i in daily_affirmations(POOL, "7", day)}

    assert week(0) != week(1)
    assert len(set().union(*(week(n) for n in range(12)))) > 3 * 21, "most of the pool within 12 weeks"
