"""The local-day rule (CONTRACT.md): one function, right across DST, day-end hours and zone changes."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

import pytest

from webapp import localday
from webapp.localday import (
    ZoneSpan,
    is_valid_time_zone,
    local_day,
    noon_of,
    skipped_days,
    zone_at,
    zone_switch_matters,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "day_end_hour", "expected"),
    # Every moment in UTC (local time after the #): the rule must convert to the zone itself.
    [
        # Plain cases
        ("2026-03-02T09:00:00Z", "Europe/Berlin", 0, "2026-03-02"),  # Mon 10:00:00 +01:00 there
        ("2026-03-02T23:30:00Z", "Europe/Berlin", 0, "2026-03-03"),  # Tue 00:30:00 +01:00 there
        ("2026-03-02T22:59:59Z", "Europe/Berlin", 0, "2026-03-02"),  # Mon 23:59:59 +01:00 there
        ("2026-03-02T23:00:00Z", "Europe/Berlin", 0, "2026-03-03"),  # Tue 00:00:00 +01:00 there
        # Day-end hour 3: 02:59 still belongs to yesterday, 03:00 is today
        ("2026-03-03T01:59:59Z", "Europe/Berlin", 3, "2026-03-02"),  # Tue 02:59:59 +01:00 there
        ("2026-03-03T02:00:00Z", "Europe/Berlin", 3, "2026-03-03"),  # Tue 03:00:00 +01:00 there
        # New York spring forward (2026-03-08 02:00 -> 03:00): 01:59 EST then 03:00 EDT
        ("2026-03-08T06:59:00Z", "America/New_York", 0, "2026-03-08"),  # Sun 01:59:00 -05:00 there
        ("2026-03-08T07:00:00Z", "America/New_York", 0, "2026-03-08"),  # Sun 03:00:00 -04:00 there
        ("2026-03-08T06:30:00Z", "America/New_York", 2, "2026-03-07"),  # Sun 01:30:00 -05:00 there
        ("2026-03-08T07:00:00Z", "America/New_York", 2, "2026-03-08"),  # Sun 03:00:00 -04:00 there
        # New York fall back (2026-11-01 02:00 -> 01:00): both 01:30s are the same day
        ("2026-11-01T05:30:00Z", "America/New_York", 0, "2026-11-01"),  # Sun 01:30:00 -04:00 there
        ("2026-11-01T06:30:00Z", "America/New_York", 0, "2026-11-01"),  # Sun 01:30:00 -05:00 there
        ("2026-11-01T05:30:00Z", "America/New_York", 2, "2026-10-31"),  # Sun 01:30:00 -04:00 there
        ("2026-11-01T06:30:00Z", "America/New_York", 2, "2026-10-31"),  # Sun 01:30:00 -05:00 there
        # Berlin and Sydney change clocks too
        ("2026-03-29T01:30:00Z", "Europe/Berlin", 3, "2026-03-29"),  # Sun 03:30:00 +02:00 there
        ("2026-10-25T01:30:00Z", "Europe/Berlin", 3, "2026-10-24"),  # Sun 02:30:00 +01:00 there
        ("2026-04-04T16:30:00Z", "Australia/Sydney", 3, "2026-04-04"),  # Sun 02:30:00 +10:00 there
        ("2026-10-03T16:30:00Z", "Australia/Sydney", 3, "2026-10-04"),  # Sun 03:30:00 +11:00 there
        # Chatham's 45-minute offset
        (
            "2026-03-02T10:15:00Z",
            "Pacific/Chatham",
            0,
            "2026-03-03",
        ),  # Tue 00:00:00 +13:45 there (summer)
        ("2026-03-02T11:15:00Z", "Pacific/Chatham", 0, "2026-03-03"),  # Tue 01:00:00 +13:45 there
        ("2026-03-02T10:14:00Z", "Pacific/Chatham", 0, "2026-03-02"),  # Mon 23:59:00 +13:45 there
    ],
)
def test_the_local_day_of_a_moment(moment, zone, day_end_hour, expected):
    assert local_day(datetime.fromisoformat(moment), zone, day_end_hour) == date.fromisoformat(expected)


def test_without_a_day_end_hour_the_day_ends_at_midnight():
    assert local_day(utc("2026-03-02T23:30:00+00:00"), "Europe/Berlin") == date(2026, 3, 3)  # 00:30 there


def test_before_the_first_recorded_zone_the_first_one_applies():
    spans = [ZoneSpan("Asia/Tokyo", utc("2026-03-02T00:00:00+00:00"))]
    assert zone_at(utc("2026-03-01T12:00:00+00:00"), spans) == "Asia/Tokyo"


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="^local_day needs a timezone-aware datetime$"):
        local_day(datetime(2026, 3, 2, 9), "UTC")


class NoOffset(tzinfo):
    """A time zone that doesn't know its offset: the moment is as unknown as a naive one."""

    def utcoffset(self, moment):
        return None


def test_a_moment_whose_zone_has_no_offset_is_refused():
    with pytest.raises(ValueError, match="^local_day needs a timezone-aware datetime$"):
        local_day(datetime(2026, 3, 2, 9, tzinfo=NoOffset()), "UTC")


@pytest.mark.parametrize("hour", [-1, 5, 24])
def test_the_day_end_hour_is_between_0_and_4(hour):
    with pytest.raises(ValueError, match="^day_end_hour must be 0–4$"):
        local_day(utc("2026-03-02T09:00:00+00:00"), "UTC", hour)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Europe/Berlin", True),
        ("UTC", True),
        ("Pacific/Chatham", True),
        ("Mars/Base", False),
        ("", False),
        ("posixrules", False),
        ("../etc/passwd", False),
        ("x" * 100, False),
        (None, False),
        (5, False),
        (["UTC"], False),
    ],
)
def test_only_real_iana_zones_are_accepted(name, valid):
    assert is_valid_time_zone(name) is valid


def test_the_known_zones_are_read_once_and_right(monkeypatch):
    monkeypatch.setattr(localday, "_ZONES", None)  # as in a fresh process
    assert is_valid_time_zone("Europe/Berlin") and is_valid_time_zone("UTC")
    assert not is_valid_time_zone("posixrules")
    assert localday._ZONES is not None and "America/New_York" in localday._ZONES


def test_the_zone_in_effect_follows_the_recorded_changes():
    spans = [
        ZoneSpan("America/Los_Angeles", None),
        ZoneSpan("Asia/Tokyo", utc("2026-03-02T20:00:00-08:00")),
        ZoneSpan("America/Los_Angeles", utc("2026-03-09T09:00:00+09:00")),
    ]
    assert zone_at(utc("2026-03-02T19:59:00-08:00"), spans) == "America/Los_Angeles"
    assert zone_at(utc("2026-03-02T20:00:00-08:00"), spans) == "Asia/Tokyo"
    assert zone_at(utc("2026-03-09T10:00:00+09:00"), spans) == "America/Los_Angeles"


def test_flying_east_skips_the_days_jumped_over_and_flying_west_skips_none():
    # Monday 20:00 in Los Angeles is Tuesday 13:00 in Tokyo: Monday is jumped over.
    leaving = utc("2026-03-02T20:00:00-08:00")
    assert skipped_days(leaving, "America/Los_Angeles", "Asia/Tokyo") == [date(2026, 3, 2)]
    coming_back = utc("2026-03-09T09:00:00+09:00")
    assert skipped_days(coming_back, "Asia/Tokyo", "America/Los_Angeles") == []


def test_noon_is_inside_the_day_even_on_clock_change_days():
    for day, zone in [(date(2026, 3, 8), "America/New_York"), (date(2026, 11, 1), "America/New_York")]:
        assert local_day(noon_of(day, zone), zone, 4) == day


WEBAPP = Path(__file__).resolve().parent.parent / "webapp"
PURE_MODULES = sorted([*WEBAPP.rglob("core.py"), WEBAPP / "localday.py"])


def _is_pure_module(name: str) -> bool:
    return name == "webapp.localday" or (name.startswith("webapp.") and name.endswith(".core"))


# The one exception, and only where it is needed: the push allow-list parses an endpoint exactly
# as the sender's HTTP library will (issue 12), with urllib3's pure parser (no I/O, no clock).
ALSO_ALLOWED = {"reminders/core.py": {"urllib3.util", "urllib3.exceptions"}}


def test_the_purity_check_finds_the_modules_it_guards():
    found = {path.relative_to(WEBAPP).as_posix() for path in PURE_MODULES if path.exists()}
    assert {
        "localday.py",
        "routines/core.py",
        "streaks/core.py",
        "reminders/core.py",
        "goals/core.py",
    } <= found


@pytest.mark.parametrize("path", PURE_MODULES, ids=lambda path: path.relative_to(WEBAPP).as_posix())
def test_each_pure_module_imports_only_the_standard_library_and_other_pure_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            allowed = ALSO_ALLOWED.get(path.relative_to(WEBAPP).as_posix(), set())
            pure = name.split(".")[0] in sys.stdlib_module_names or _is_pure_module(name) or name in allowed
            assert pure, f"{path}: {name}"


# Offering a switch to the phone's zone: only when a local day or a reminder time would move.


@pytest.mark.parametrize(
    ("account", "phone", "today", "matters"),
    [
        ("Europe/Berlin", "Asia/Tokyo", date(2026, 3, 2), True),
        # The same clock all year under another name: nothing would change.
        ("Europe/Berlin", "Europe/Paris", date(2026, 3, 2), False),
        ("Asia/Kolkata", "Asia/Calcutta", date(2026, 3, 2), False),
        ("Europe/London", "Europe/Dublin", date(2026, 7, 1), False),  # Dublin's DST is "negative"
        ("America/New_York", "America/Toronto", date(2026, 3, 2), False),
        # The same clock in winter only: London moves to summer time, Reykjavik never does.
        ("Europe/London", "Atlantic/Reykjavik", date(2026, 1, 5), True),
        # Havana moves its clocks on New York's nights, two hours earlier: three hours a year apart.
        ("America/New_York", "America/Havana", date(2026, 1, 5), True),
        # Berlin and Lagos agree from November to March; a switch still moves July's days.
        ("Europe/Berlin", "Africa/Lagos", date(2026, 11, 2), True),
        # Not a zone, or no change at all.
        ("Europe/Berlin", "Europe/Berlin", date(2026, 3, 2), False),
        ("Europe/Berlin", "Mars/Olympus_Mons", date(2026, 3, 2), False),
        ("Europe/Berlin", "", date(2026, 3, 2), False),
        ("Europe/Berlin", "posixrules", date(2026, 3, 2), False),
        ("Not/AZone", "Asia/Tokyo", date(2026, 3, 2), False),  # an account zone gone from tzdata
    ],
)
def test_a_zone_switch_is_offered_only_when_the_clocks_differ_within_a_year(account, phone, today, matters):
    assert zone_switch_matters(account, phone, today) is matters
