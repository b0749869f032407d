"""The next reminder in a zone: table tests across zones, clock changes, schedules and pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.reminders.core import delivery_outcome, fate, is_too_late, next_occurrence, time_to_live

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))


def wanted(days_on=EVERY_DAY, paused=(), done=()):
    return lambda day: day.weekday() in days_on and day not in paused and day not in done


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "after", "at", "expected_local", "expected_utc"),
    [
        ("America/New_York", "2026-03-02T07:00", "08:00", "2026-03-02", "2026-03-02T13:00:00+00:00"),
        ("America/New_York", "2026-03-02T08:00", "08:00", "2026-03-03", "2026-03-03T13:00:00+00:00"),
        ("Europe/Berlin", "2026-06-01T07:59", "08:00", "2026-06-01", "2026-06-01T06:00:00+00:00"),
        ("Australia/Sydney", "2026-01-10T20:00", "18:00", "2026-01-11", "2026-01-11T07:00:00+00:00"),
        ("Asia/Kolkata", "2026-03-02T07:00", "08:00", "2026-03-02", "2026-03-02T02:30:00+00:00"),
        ("Pacific/Chatham", "2026-03-02T07:00", "08:00", "2026-03-02", "2026-03-01T18:15:00+00:00"),
        # New York spring forward, 8 March: 02:30 doesn't exist, so it fires once at 03:30 EDT.
        ("America/New_York", "2026-03-08T00:00", "02:30", "2026-03-08", "2026-03-08T07:30:00+00:00"),
        # ... and the next day at 02:30 EDT as usual.
        ("America/New_York", "2026-03-08T04:00", "02:30", "2026-03-09", "2026-03-09T06:30:00+00:00"),
        # New York fall back, 1 November: 01:30 happens twice; it fires once, at the first (EDT).
        ("America/New_York", "2026-11-01T00:00", "01:30", "2026-11-01", "2026-11-01T05:30:00+00:00"),
        # Berlin both ways
        ("Europe/Berlin", "2026-03-29T00:00", "02:30", "2026-03-29", "2026-03-29T01:30:00+00:00"),
        ("Europe/Berlin", "2026-10-25T00:00", "02:30", "2026-10-25", "2026-10-25T00:30:00+00:00"),
        # Sydney both ways (southern hemisphere)
        ("Australia/Sydney", "2026-04-05T00:00", "02:30", "2026-04-05", "2026-04-04T15:30:00+00:00"),
        ("Australia/Sydney", "2026-10-04T00:00", "02:30", "2026-10-04", "2026-10-03T16:30:00+00:00"),
    ],
)
def test_the_next_reminder_in_a_zone(zone, after, at, expected_local, expected_utc):
    found = next_occurrence(local(after, zone), time.fromisoformat(at), zone, 0, wanted())
    assert found.local_day == date.fromisoformat(expected_local)
    assert found.fire_at == datetime.fromisoformat(expected_utc)


def test_on_a_fall_back_night_it_does_not_fire_again_at_the_second_0130():
    zone = "America/New_York"
    first = next_occurrence(local("2026-11-01T00:00", zone), time(1, 30), zone, 0, wanted())
    second = next_occurrence(first.fire_at, time(1, 30), zone, 0, wanted())
    assert second.local_day == date(2026, 11, 2)
    assert second.fire_at - first.fire_at == timedelta(hours=25)


def test_with_a_day_end_hour_of_3_a_0030_reminder_belongs_to_the_evening_before():
    zone = "Europe/Berlin"
    found = next_occurrence(local("2026-03-02T12:00", zone), time(0, 30), zone, 3, wanted(days_on=WEEKDAYS))
    # Tue 3 March 00:30 belongs to Monday 2 March, a weekday.
    assert found.local_day == date(2026, 3, 2)
    assert found.fire_at == local("2026-03-03T00:30", zone).astimezone(UTC)


def test_a_weekday_routine_skips_the_weekend():
    zone = "Europe/Berlin"
    found = next_occurrence(local("2026-03-06T09:00", zone), time(8, 0), zone, 0, wanted(days_on=WEEKDAYS))
    assert found.local_day == date(2026, 3, 9)  # Friday after 08:00 -> Monday


def test_a_paused_or_done_day_gets_no_reminder():
    zone = "America/New_York"
    paused = {date(2026, 3, d) for d in range(2, 6)}
    found = next_occurrence(local("2026-03-01T09:00", zone), time(8, 0), zone, 0, wanted(paused=paused))
    assert found.local_day == date(2026, 3, 6)
    done = {date(2026, 3, 2)}
    found = next_occurrence(local("2026-03-02T07:00", zone), time(8, 0), zone, 0, wanted(done=done))
    assert found.local_day == date(2026, 3, 3)


def test_after_a_zone_change_the_next_reminder_follows_the_new_zone():
    moment = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    in_la = next_occurrence(moment, time(8, 0), "America/Los_Angeles", 0, wanted())
    in_tokyo = next_occurrence(moment, time(8, 0), "Asia/Tokyo", 0, wanted())
    assert in_la.fire_at == datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    assert in_tokyo.fire_at == datetime(2026, 3, 2, 23, 0, tzinfo=UTC)  # 08:00 on the 3rd in Tokyo


def test_a_routine_that_is_never_on_has_no_next_reminder():
    assert next_occurrence(datetime(2026, 3, 2, tzinfo=UTC), time(8, 0), "UTC", 0, wanted(days_on=())) is None


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        next_occurrence(datetime(2026, 3, 2), time(8, 0), "UTC", 0, wanted())


def test_more_than_two_hours_late_is_dropped_and_ttl_is_the_useful_window():
    due = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert not is_too_late(due, due + timedelta(hours=2))
    assert is_too_late(due, due + timedelta(hours=2, seconds=1))
    assert time_to_live(due, due) == 7200
    assert time_to_live(due, due + timedelta(hours=1, minutes=30)) == 1800
    assert time_to_live(due, due + timedelta(hours=3)) == 60, "never 0"


# --- what the sender does with a due reminder and with a push service's answer -------------


@pytest.mark.parametrize(
    ("late", "still_wanted", "expected"),
    [
        (timedelta(0), True, "send"),
        (timedelta(hours=2), True, "send"),  # two hours late is still worth it
        (timedelta(hours=2, seconds=1), True, "drop"),
        (timedelta(minutes=5), False, "skip"),  # done, off or paused since it was scheduled
        (timedelta(hours=3), False, "drop"),
    ],
)
def test_a_due_reminder_is_sent_skipped_or_dropped(late, still_wanted, expected):
    due = datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert fate(due, due + late, still_wanted) == expected


@pytest.mark.parametrize(
    ("status", "attempts", "expected"),
    [
        (201, 1, ("sent", False)),
        (204, 6, ("sent", False)),
        (404, 1, ("gone", False)),
        (410, 1, ("gone", False)),
        (None, 1, ("retry", False)),  # no answer at all
        (429, 5, ("retry", False)),
        (503, 1, ("retry", False)),
        (500, 6, ("failed", False)),  # out of attempts
        (400, 1, ("failed", True)),  # a bad key: flag the device
        (413, 1, ("failed", True)),
        (301, 1, ("failed", True)),
        (403, 1, ("failed", False)),
    ],
)
def test_a_push_services_answer_decides_what_happens_to_the_message(status, attempts, expected):
    assert delivery_outcome(status, attempts, max_attempts=6) == expected
