"""What a completion may carry and when (webapp/routines/core.py), as plain tables: every field,
every limit on both sides of it, and the message a person sees. No app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.localday import noon_of, skipped_days
from webapp.routines.core import InvalidInput, check_completed_at, clean_completion_data, clean_text


def refused(call, *args) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as error:
        call(*args)
    return error.value.field, error.value.message


# --- text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("  booked a demo \n", "booked a demo"),
        ("a\x00b", "ab"),
        ("é" * 2000, "é" * 2000),
    ],
)
def test_text_is_trimmed_and_loses_nul_characters(value, expected):
    assert clean_text(value, "data.learned") == expected


def test_text_may_be_as_long_as_its_limit_after_trimming():
    assert clean_text(" " + "a" * 2000 + " ", "data.learned") == "a" * 2000
    assert clean_text("a" * 10, "data.intention", 10) == "a" * 10
    too_long = ("data.intention", "is too long: keep it under 10 characters.")
    assert refused(clean_text, "a" * 11, "data.intention", 10) == too_long
    assert refused(clean_text, "a" * 2001, "data.learned") == (
        "data.learned",
        "is too long: keep it under 2000 characters.",
    )


@pytest.mark.parametrize("value", [5, 2.5, True, ["a"], {"a": 1}])
def test_text_must_be_text(value):
    assert refused(clean_text, value, "data.reframe") == ("data.reframe", "must be text.")


# --- when -------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "completed_at",
    [NOW, NOW + timedelta(minutes=5), NOW - timedelta(days=7), NOW.astimezone(ZoneInfo("Asia/Tokyo"))],
)
def test_a_completion_may_be_up_to_7_days_back_and_5_minutes_ahead(completed_at):
    check_completed_at(completed_at, NOW)


@pytest.mark.parametrize(
    ("completed_at", "message"),
    [
        (NOW + timedelta(minutes=5, microseconds=1), "is in the future."),
        (NOW - timedelta(days=7, microseconds=1), "is more than 7 days ago."),
        (datetime(2026, 3, 2, 9, 0), "needs a UTC offset, like 2026-03-02T08:15:00+01:00."),
    ],
)
def test_a_completion_outside_that_window_is_refused(completed_at, message):
    assert refused(check_completed_at, completed_at, NOW) == ("completed_at", message)


# --- data per routine -------------------------------------------------------------------------

BREATH_MESSAGE = "a session counts from 60 seconds (a whole number, at most an hour)."


@pytest.mark.parametrize(
    ("routine", "data", "expected"),
    [
        ("morning", None, {"intention": "", "affirmation_ids": []}),
        ("morning", {}, {"intention": "", "affirmation_ids": []}),
        (
            "morning",
            {"intention": " Ask more ", "affirmation_ids": ["a" * 64] * 10},
            {"intention": "Ask more", "affirmation_ids": ["a" * 64] * 10},
        ),
        ("morning", {"intention": "i" * 500}, {"intention": "i" * 500, "affirmation_ids": []}),
        ("breathe", {"pattern": "box", "seconds": 60}, {"pattern": "box", "seconds": 60}),
        ("breathe", {"pattern": "478", "seconds": 3600}, {"pattern": "478", "seconds": 3600}),
        ("breathe", {"pattern": "sigh", "seconds": 61, "extra": 1}, {"pattern": "sigh", "seconds": 61}),
        ("breathe", {"pattern": "coherent", "seconds": 300}, {"pattern": "coherent", "seconds": 300}),
        ("breathe", {"pattern": "custom", "seconds": 180}, {"pattern": "custom", "seconds": 180}),
        (
            "reflect",
            None,
            {
                "went_well": "",
                "didnt_go_well": "",
                "learned": "",
                "reframe": "",
                "small_win": "",
                "mood": None,
            },
        ),
        (
            "reflect",
            {"went_well": " demo ", "small_win": "a yes", "mood": 1},
            {
                "went_well": "demo",
                "didnt_go_well": "",
                "learned": "",
                "reframe": "",
                "small_win": "a yes",
                "mood": 1,
            },
        ),
        (
            "reflect",
            {"learned": "l", "reframe": "r", "didnt_go_well": "d", "mood": 5},
            {
                "went_well": "",
                "didnt_go_well": "d",
                "learned": "l",
                "reframe": "r",
                "small_win": "",
                "mood": 5,
            },
        ),
        ("goals", None, {"progress": {}}),
        ("goals", {"progress": {}}, {"progress": {}}),
        ("goals", {"progress": {"007": 0, "123456789": 10_000}}, {"progress": {"7": 0, "123456789": 10_000}}),
        (
            "goals",
            {"progress": {str(n): n for n in range(1, 51)}},
            {"progress": {str(n): n for n in range(1, 51)}},
        ),
    ],
)
def test_each_routine_keeps_what_it_may_carry(routine, data, expected):
    assert clean_completion_data(routine, data) == expected


@pytest.mark.parametrize(
    ("routine", "data", "field", "message"),
    [
        ("nap", {}, "routine", "must be one of morning, breathe, reflect, goals."),
        ("morning", [], "data", "must be an object."),
        ("goals", "progress", "data", "must be an object."),
        # morning
        (
            "morning",
            {"affirmation_ids": "a1"},
            "data.affirmation_ids",
            "must be a short list of affirmation ids.",
        ),
        (
            "morning",
            {"affirmation_ids": ["a"] * 11},
            "data.affirmation_ids",
            "must be a short list of affirmation ids.",
        ),
        (
            "morning",
            {"affirmation_ids": ["a" * 65]},
            "data.affirmation_ids",
            "must be a short list of affirmation ids.",
        ),
        (
            "morning",
            {"affirmation_ids": [7]},
            "data.affirmation_ids",
            "must be a short list of affirmation ids.",
        ),
        ("morning", {"intention": "i" * 501}, "data.intention", "is too long: keep it under 500 characters."),
        ("morning", {"intention": 5}, "data.intention", "must be text."),
        # breathe
        ("breathe", {"seconds": 60}, "data.pattern", "must be one of box, 478, sigh, coherent, custom."),
        (
            "breathe",
            {"pattern": "yoga", "seconds": 60},
            "data.pattern",
            "must be one of box, 478, sigh, coherent, custom.",
        ),
        *(
            ("breathe", {"pattern": "box", "seconds": seconds}, "data.seconds", BREATH_MESSAGE)
            for seconds in (None, 59, 3601, 60.0, "60", True)
        ),
        # reflect
        ("reflect", {"mood": 0}, "data.mood", "must be a whole number from 1 to 5."),
        ("reflect", {"mood": 6}, "data.mood", "must be a whole number from 1 to 5."),
        ("reflect", {"mood": True}, "data.mood", "must be a whole number from 1 to 5."),
        ("reflect", {"mood": "3"}, "data.mood", "must be a whole number from 1 to 5."),
        ("reflect", {"mood": 2.5}, "data.mood", "must be a whole number from 1 to 5."),
        (
            "reflect",
            {"small_win": "w" * 2001},
            "data.small_win",
            "is too long: keep it under 2000 characters.",
        ),
        ("reflect", {"went_well": 1}, "data.went_well", "must be text."),
        # goals
        ("goals", {"progress": [1]}, "data.progress", "must map goal ids to amounts."),
        (
            "goals",
            {"progress": {str(n): 1 for n in range(1, 52)}},
            "data.progress",
            "must map goal ids to amounts.",
        ),
        ("goals", {"progress": {"abc": 1}}, "data.progress", "goal ids are whole numbers."),
        ("goals", {"progress": {"²": 1}}, "data.progress", "goal ids are whole numbers."),
        ("goals", {"progress": {"1234567890": 1}}, "data.progress", "goal ids are whole numbers."),
        ("goals", {"progress": {"-1": 1}}, "data.progress", "goal ids are whole numbers."),
        *(
            (
                "goals",
                {"progress": {"1": amount}},
                "data.progress",
                "amounts are whole numbers from 0 to 10000.",
            )
            for amount in (-1, 10_001, True, 1.5, "3", None)
        ),
    ],
)
def test_anything_else_is_refused_naming_the_field(routine, data, field, message):
    assert refused(clean_completion_data, routine, data) == (field, message)


# --- days -------------------------------------------------------------------------------------


def test_yesterday_is_done_at_noon_there():
    assert noon_of(date(2026, 3, 2), "Europe/Berlin") == datetime(
        2026, 3, 2, 12, tzinfo=ZoneInfo("Europe/Berlin")
    )


@pytest.mark.parametrize(
    ("changed_at", "old", "new", "day_end_hour", "skipped"),
    [
        # Los Angeles 00:30 on Tuesday is 17:30 in Tokyo: the same day, nothing skipped.
        ("2026-03-03T08:30:00Z", "America/Los_Angeles", "Asia/Tokyo", None, []),
        # With a day end of 4, Tuesday 02:00 in Los Angeles still belongs to Monday: Monday is skipped.
        ("2026-03-03T10:00:00Z", "America/Los_Angeles", "Asia/Tokyo", 4, ["2026-03-02"]),
        # 03:00 on Wednesday in Tokyo is still Tuesday there with a day end of 4: nothing skipped.
        ("2026-03-03T18:00:00Z", "America/Los_Angeles", "Asia/Tokyo", 4, []),
        # From UTC-12 to UTC+14, 26 hours ahead: two days are jumped over.
        ("2026-03-02T11:00:00Z", "Etc/GMT+12", "Pacific/Kiritimati", 0, ["2026-03-01", "2026-03-02"]),
    ],
)
def test_the_days_a_zone_change_jumps_over(changed_at, old, new, day_end_hour, skipped):
    moment = datetime.fromisoformat(changed_at)
    hour = () if day_end_hour is None else (day_end_hour,)  # None: the default, midnight
    assert skipped_days(moment, old, new, *hour) == [date.fromisoformat(day) for day in skipped]
