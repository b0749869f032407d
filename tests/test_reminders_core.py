"""The next reminder in a zone: table tests across zones, clock changes, schedules and pauses."""

from __future__ import annotations

import time as system_time
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.reminders.core import (
    Occurrence,
    delivery_outcome,
    fate,
    is_allowed_endpoint,
    is_too_late,
    next_occurrence,
    retry_delay,
    time_to_live,
    wall_clock,
)

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
    with pytest.raises(ValueError, match="^next_occurrence needs an aware datetime$"):
        next_occurrence(datetime(2026, 3, 2), time(8, 0), "UTC", 0, wanted())


def test_the_search_looks_exactly_horizon_days_past_todays_date():
    after = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 2 March in UTC
    last = date(2026, 3, 2) + timedelta(days=10)
    found = next_occurrence(after, time(8, 0), "UTC", 0, lambda day: day == last, horizon_days=10)
    assert found == Occurrence(datetime(2026, 3, 12, 8, 0, tzinfo=UTC), last)
    beyond = last + timedelta(days=1)
    assert next_occurrence(after, time(8, 0), "UTC", 0, lambda day: day == beyond, horizon_days=10) is None


@pytest.fixture
def server_in_kiritimati(monkeypatch):
    """The server's own zone (UTC+14 here) must change nothing: every rule names its zone."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    system_time.tzset()
    yield
    monkeypatch.undo()
    system_time.tzset()


def test_the_servers_own_time_zone_changes_nothing(server_in_kiritimati):
    # 23:30 on Sunday 1 March in Pago Pago (UTC-11) is already Tuesday 3 March in Kiritimati.
    after = local("2026-03-01T23:30", "Pacific/Pago_Pago")
    found = next_occurrence(after, time(23, 45), "Pacific/Pago_Pago", 0, wanted())
    assert found.local_day == date(2026, 3, 1)
    assert found.fire_at == local("2026-03-01T23:45", "Pacific/Pago_Pago")
    assert found.fire_at.utcoffset() == timedelta(0), "fire_at is in UTC"
    assert wall_clock(date(2026, 3, 2), time(8, 0), "Europe/Berlin").utcoffset() == timedelta(0)


NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempts", "retry_after", "expected"),
    [
        # Without a Retry-After: 30 s, doubling per attempt, at most 30 minutes.
        (0, None, timedelta(seconds=30)),
        (1, None, timedelta(seconds=30)),
        (2, None, timedelta(seconds=60)),
        (3, None, timedelta(seconds=120)),
        (6, None, timedelta(seconds=960)),
        (7, None, timedelta(minutes=30)),
        (30, None, timedelta(minutes=30)),
        (2, "", timedelta(seconds=60)),
        # Seconds, as the push service says, at most an hour.
        (1, "120", timedelta(seconds=120)),
        (1, " 5 ", timedelta(seconds=5)),
        (1, "0", timedelta(0)),
        (1, "3600", timedelta(hours=1)),
        (1, "86400", timedelta(hours=1)),
        # An HTTP date: until then, never negative, at most an hour.
        (1, "Mon, 02 Mar 2026 08:05:00 GMT", timedelta(minutes=5)),
        (1, "Mon, 02 Mar 2026 07:00:00 GMT", timedelta(0)),
        (1, "Tue, 03 Mar 2026 08:00:00 GMT", timedelta(hours=1)),
        # Nonsense, or a date without a zone: the usual back-off.
        (2, "soon", timedelta(seconds=60)),
        (2, "-5", timedelta(seconds=60)),
        (2, "Mon, 02 Mar 2026 08:05:00 -0000", timedelta(seconds=60)),
    ],
)
def test_how_long_to_wait_before_the_next_try(attempts, retry_after, expected):
    assert retry_delay(attempts, retry_after, NOW) == expected


def test_more_than_two_hours_late_is_dropped_and_ttl_is_the_useful_window():
    due = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert not is_too_late(due, due + timedelta(hours=2))
    assert is_too_late(due, due + timedelta(hours=2, seconds=1))
    assert time_to_live(due, due) == 7200
    assert time_to_live(due, due + timedelta(hours=1, minutes=30)) == 1800
    assert time_to_live(due, due + timedelta(hours=3)) == 60, "never 0"


# The push allow-list (the SSRF guard). Written against CONTRACT.md's rule, not the parser: a bare
# host is HTTPS on port 443 to exactly that host, `*.` its subdomains only, an origin exactly
# that scheme, host and port; nothing with credentials in it.
ALLOWED = ("fcm.googleapis.com", "*.push.apple.com", "http://127.0.0.1:8765")


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        # A bare host: HTTPS, port 443, exactly that host, whatever the case.
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://fcm.googleapis.com:443/fcm/send/abc", True),
        ("https://FCM.GoogleAPIs.com/fcm/send/abc", True),
        ("HTTPS://fcm.googleapis.com/fcm/send/abc", True),
        ("https://fcm.googleapis.com:8443/fcm/send/abc", False),
        ("https://fcm.googleapis.com:80/fcm/send/abc", False),
        ("http://fcm.googleapis.com/fcm/send/abc", False),
        ("http://fcm.googleapis.com:443/fcm/send/abc", False),
        ("ftp://fcm.googleapis.com/fcm/send/abc", False),
        ("https://googleapis.com/fcm/send/abc", False),
        ("https://x.fcm.googleapis.com/fcm/send/abc", False),
        ("https://fcm.googleapis.com.evil.example/fcm/send/abc", False),
        ("https://evilfcm.googleapis.com/fcm/send/abc", False),
        # Credentials: whatever the user part says, the request would carry them, or go elsewhere.
        ("https://user@fcm.googleapis.com/fcm/send/abc", False),
        ("https://user:secret@fcm.googleapis.com/fcm/send/abc", False),
        ("https://fcm.googleapis.com@evil.example/fcm/send/abc", False),
        ("https://fcm.googleapis.com:443@evil.example/fcm/send/abc", False),
        # `*.push.apple.com`: its subdomains, never the name itself or a look-alike.
        ("https://web.push.apple.com/QGuj", True),
        ("https://a.b.push.apple.com/QGuj", True),
        ("https://WEB.Push.Apple.COM/QGuj", True),
        ("https://push.apple.com/QGuj", False),
        ("https://evilpush.apple.com/QGuj", False),
        ("https://x.evilpush.apple.com/QGuj", False),
        ("https://apple.com/QGuj", False),
        ("https://web.push.apple.com.evil.example/QGuj", False),
        ("https://web.push.apple.com:444/QGuj", False),
        ("http://web.push.apple.com/QGuj", False),
        ("https://user@web.push.apple.com/QGuj", False),
        # A trailing dot names the same host; it must never let a host through that isn't allowed.
        ("https://push.apple.com./QGuj", False),
        ("https://evilpush.apple.com./QGuj", False),
        ("https://evil.example./fcm/send/abc", False),
        ("https://fcm.googleapis.com.evil.example./fcm/send/abc", False),
        ("https://fcm.googleapis.com.:8443/fcm/send/abc", False),
        # An origin: exactly that scheme, host and port.
        ("http://127.0.0.1:8765/push/abc", True),
        ("http://127.0.0.1:8766/push/abc", False),
        ("http://127.0.0.1/push/abc", False),
        ("http://127.0.0.1:80/push/abc", False),
        ("https://127.0.0.1:8765/push/abc", False),
        ("https://127.0.0.1/push/abc", False),
        ("http://localhost:8765/push/abc", False),
        ("http://127.0.0.2:8765/push/abc", False),
        ("http://user@127.0.0.1:8765/push/abc", False),
        # Not URLs at all.
        ("", False),
        ("fcm.googleapis.com", False),
        ("https://", False),
        ("https://fcm.googleapis.com:99999/fcm/send/abc", False),
        ("https://fcm.googleapis.com/" + "a" * (2048 - 27), True),  # 2,048 characters: the longest
        ("https://fcm.googleapis.com/" + "a" * (2049 - 27), False),
        ("https://.fcm.googleapis.com/fcm/send/abc", False),
        (None, False),
    ],
)
def test_only_the_allowed_push_hosts_ports_and_schemes_may_be_contacted(endpoint, allowed):
    assert is_allowed_endpoint(endpoint, ALLOWED) is allowed


@pytest.mark.parametrize(
    ("rule", "endpoint", "allowed"),
    [
        # An origin rule on another port says nothing about the default one, and vice versa.
        ("https://push.example:8443", "https://push.example:8443/abc", True),
        ("https://push.example:8443", "https://push.example/abc", False),
        ("https://push.example:8443", "https://push.example:443/abc", False),
        ("https://push.example:8443", "http://push.example:8443/abc", False),
        ("https://push.example", "https://push.example/abc", True),
        ("https://push.example", "https://push.example:443/abc", True),
        ("https://push.example", "https://push.example:8443/abc", False),
        # http's default port is 80, however either side spells it.
        ("http://127.0.0.1:80", "http://127.0.0.1/abc", True),
        ("http://127.0.0.1", "http://127.0.0.1:80/abc", True),
        ("http://127.0.0.1", "http://127.0.0.1:81/abc", False),
        # A bare host is never an origin for another scheme or port.
        ("push.example", "http://push.example/abc", False),
        ("push.example", "https://push.example:8443/abc", False),
    ],
)
def test_an_origin_rule_allows_exactly_its_own_port(rule, endpoint, allowed):
    assert is_allowed_endpoint(endpoint, (rule,)) is allowed


def test_a_rule_that_is_not_a_url_does_not_hide_the_rules_after_it():
    assert is_allowed_endpoint(
        "https://fcm.googleapis.com/fcm/send/abc", ("http://[::1", "fcm.googleapis.com")
    )


def test_nothing_is_allowed_by_an_empty_list():
    assert not is_allowed_endpoint("https://fcm.googleapis.com/fcm/send/abc", ())


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
