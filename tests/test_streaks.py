"""Streaks end to end: completions through the API, zones and clock changes, stored state."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD, csrf_token, form_fields, submit
from webapp.auth.models import User
from webapp.derived import refresh_derived
from webapp.extensions import db
from webapp.streaks.data import stored_states
from webapp.streaks.store import streak_summaries


def at(local: str, zone: str) -> datetime:
    """A wall-clock time in a zone (the first of two on a fall-back night)."""
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone))


def breathe_at(client, clock, moment: datetime) -> dict:
    clock.set(moment)
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": moment.isoformat(),
        "data": {"pattern": "box", "seconds": 60},
    }
    response = client.post(
        "/api/completions", json=body, headers={"X-CSRFToken": csrf_token(client, "/account")}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def set_account(client, clock, moment: datetime, zone: str, day_end_hour: int = 0) -> None:
    clock.set(moment)
    if client.get("/account").status_code != 200:
        # Months after signing up the 60-day sign-in has lapsed, as on a real phone: sign in again.
        assert submit(client, "/login", {"email": "ana@example.com", "password": PASSWORD}).status_code == 302
    fields = form_fields(client, "/account", "/account")
    response = client.post("/account", data={**fields, "time_zone": zone, "day_end_hour": str(day_end_hour)})
    assert response.status_code == 302


def summary(app, user_id, today: date):
    with app.app_context():
        return streak_summaries(db.session.get(User, user_id), today)["breathe"]


# Each row: zone, the local wall time of each daily session, the first day, how many days.
DST_CASES = [
    ("America/New_York", "02:30", date(2026, 3, 5), 7),  # spring forward 8 March: 02:30 doesn't exist
    ("America/New_York", "01:30", date(2026, 10, 29), 7),  # fall back 1 November: 01:30 happens twice
    ("Europe/Berlin", "02:30", date(2026, 3, 26), 7),  # spring forward 29 March
    ("Europe/Berlin", "02:30", date(2026, 10, 22), 7),  # fall back 25 October
    ("Australia/Sydney", "02:30", date(2026, 4, 2), 7),  # fall back 5 April
    ("Australia/Sydney", "02:30", date(2026, 10, 1), 7),  # spring forward 4 October
    ("Pacific/Chatham", "00:10", date(2026, 4, 2), 7),  # +13:45 -> +12:45 on 5 April
]


@pytest.mark.both_dbs
@pytest.mark.parametrize(("zone", "wall", "first", "days"), DST_CASES)
def test_a_daily_session_across_a_clock_change_keeps_one_day_each(
    app, client, user, clock, zone, wall, first, days
):
    set_account(client, clock, at(f"{first.isoformat()}T00:00", zone) - timedelta(days=1), zone)
    local_days = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        local_days.append(breathe_at(client, clock, at(f"{day.isoformat()}T{wall}", zone))["local_day"])
    assert local_days == [(first + timedelta(days=i)).isoformat() for i in range(days)]
    result = summary(app, user.id, first + timedelta(days=days - 1))
    assert (result.current, result.longest, result.freezes_held) == (days, days, 1)


@pytest.mark.both_dbs
def test_with_a_day_end_hour_of_3_a_late_session_counts_for_the_evening_before(app, client, user, clock):
    zone = "America/New_York"
    set_account(client, clock, at("2026-03-01T12:00", zone), zone, day_end_hour=3)
    # Every night at 02:30 counts for the evening before; but on the spring-forward night 02:30
    # doesn't exist and is 03:30 EDT, past the day end: it belongs to the 8th, like the next night.
    days = [breathe_at(client, clock, at(f"2026-03-{d:02d}T02:30", zone))["local_day"] for d in (6, 7, 8, 9)]
    assert days == ["2026-03-05", "2026-03-06", "2026-03-08", "2026-03-08"]


def test_the_last_second_of_a_day_and_the_first_of_the_next_are_two_days(app, client, user, clock):
    zone = "Europe/Berlin"
    first = breathe_at(client, clock, at("2026-03-02T23:59:59", zone))
    second = breathe_at(client, clock, at("2026-03-03T00:00:00", zone))
    assert (first["local_day"], second["local_day"]) == ("2026-03-02", "2026-03-03")
    assert summary(app, user.id, date(2026, 3, 3)).current == 2


@pytest.mark.both_dbs
def test_a_trip_los_angeles_tokyo_los_angeles_never_breaks_the_streak(app, client, user, clock):
    la, tokyo = "America/Los_Angeles", "Asia/Tokyo"
    set_account(client, clock, at("2026-03-01T09:00", la), la)
    for day in (2, 3, 4):  # evenings in LA
        breathe_at(client, clock, at(f"2026-03-{day:02d}T20:00", la))
    # Thursday 5th: fly out at 11:00 LA, landing Friday 6th in Tokyo; Thursday is jumped over.
    set_account(client, clock, at("2026-03-05T11:00", la), tokyo)
    for day in (6, 7, 8, 9):
        breathe_at(client, clock, at(f"2026-03-{day:02d}T20:00", tokyo))
    # Tuesday 10th 10:00 Tokyo: fly home, arriving Monday 9th 17:00 LA — the 9th again, done already.
    set_account(client, clock, at("2026-03-10T10:00", tokyo), la)
    breathe_at(client, clock, at("2026-03-10T20:00", la))
    result = summary(app, user.id, date(2026, 3, 10))
    # 2,3,4 + 6,7,8,9 + 10 = 8 days done; the 5th was skipped by the flight, never missed.
    assert result.current == 8
    assert result.freezes_held == 1, "no freeze was spent on the flight"


@pytest.mark.both_dbs
def test_a_back_dated_completion_refunds_a_spent_freeze(app, client, user, clock):
    zone = "Europe/Berlin"
    for day in range(2, 9):  # 7 days: one freeze earned
        breathe_at(client, clock, at(f"2026-03-{day:02d}T09:00", zone))
    breathe_at(client, clock, at("2026-03-10T09:00", zone))  # the 9th missed: frozen
    assert summary(app, user.id, date(2026, 3, 10)).freezes_held == 0
    # On the 10th, remembering the 9th: logged "did it yesterday".
    clock.set(at("2026-03-10T10:00", zone))
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": at("2026-03-09T21:00", zone).isoformat(),
        "data": {"pattern": "box", "seconds": 60},
    }
    client.post("/api/completions", json=body, headers={"X-CSRFToken": csrf_token(client, "/account")})
    result = summary(app, user.id, date(2026, 3, 10))
    assert (result.current, result.freezes_held) == (9, 1)


@pytest.mark.both_dbs
def test_stored_state_is_kept_up_to_date_and_rebuild_gives_the_same(app, client, user, clock):
    zone = "Europe/Berlin"
    for day in (2, 3, 4, 6):  # the 5th missed with no freeze yet: the streak restarts on the 6th
        breathe_at(client, clock, at(f"2026-03-{day:02d}T09:00", zone))
    with app.app_context():
        before = stored_states(user.id).get("breathe")
    assert (before.as_of, before.streak, before.longest, before.last_break) == (
        date(2026, 3, 6),
        1,
        3,
        date(2026, 3, 5),
    )
    result = app.test_cli_runner().invoke(args=["streaks", "rebuild"])
    assert result.exit_code == 0 and "Rebuilt streaks for 1 account" in result.output
    with app.app_context():
        assert stored_states(user.id).get("breathe") == before


def test_reading_on_a_later_day_resumes_from_the_stored_state(app, client, user, clock):
    zone = "Europe/Berlin"
    for day in range(2, 9):
        breathe_at(client, clock, at(f"2026-03-{day:02d}T09:00", zone))
    # Nothing done for a while: the stored state is as of the 8th; reading on the 12th walks on.
    result = summary(app, user.id, date(2026, 3, 12))
    assert (result.current, result.freezes_held) == (0, 0)
    with app.app_context():
        assert stored_states(user.id).get("breathe").as_of == date(2026, 3, 8), "a read never rewrites"
        refresh_derived(db.session.get(User, user.id), None, clock())
        assert stored_states(user.id).get("breathe").as_of == date(2026, 3, 8)


# The stored states come with the done days in one statement (webapp/streaks/data.py): what each
# reader gets must be what reading them apart gives, and the figures what a walk from scratch
# gives.


@pytest.mark.both_dbs
@pytest.mark.parametrize("stale", [False, True], ids=["stored", "stored-state-ahead-of-today"])
def test_the_states_read_with_their_days_give_the_figures_a_walk_from_scratch_gives(app, clock, user, stale):
    from tests.test_today import complete
    from webapp.routines.core import ROUTINES
    from webapp.routines.schedule import schedules_for
    from webapp.streaks.core import DoneCounts, StreakState, recent_days_needed, summarize
    from webapp.streaks.data import done_days_by_routine, states_with_days, states_with_recent_days
    from webapp.streaks.models import StreakRecord

    # Breathing on most of the last 60 days (gaps, so a streak breaks), goals twice long ago,
    # the morning routine never; the clock's Monday 2 March is today.
    for back in [*range(60, 40, -1), *range(38, 0, -1), 0]:
        if back % 9:
            complete(app, user.id, "breathe", f"{date(2026, 3, 2) - timedelta(days=back)}T08:00:00+01:00")
    for back in (200, 120):
        complete(
            app,
            user.id,
            "goals",
            f"{date(2026, 3, 2) - timedelta(days=back)}T08:00:00+01:00",
            {"progress": {}},
        )
    today = date(2026, 3, 2)
    with app.app_context():
        if stale:  # written by hand: a state ahead of today is not resumed
            record = db.session.scalar(db.select(StreakRecord).filter_by(user_id=user.id, routine="breathe"))
            record.as_of = today + timedelta(days=5)
            db.session.commit()
        account = db.session.get(User, user.id)
        every_day, stored = done_days_by_routine(user.id), stored_states(user.id)
        states, days = states_with_days(user.id)
        assert states == stored and days == {routine: every_day[routine] for routine in stored}
        first = recent_days_needed(StreakState(None), today)
        states, recent, counts = states_with_recent_days(user.id, first)
        assert states == stored
        for routine, state in stored.items():
            needed = recent_days_needed(state, today)
            if needed is not None:  # else the whole history is read (the figures below)
                assert recent[routine] == {day for day in every_day[routine] if day >= needed}
            assert counts[routine] == DoneCounts(
                len(every_day[routine]), min(every_day[routine], default=None)
            )
        schedules = schedules_for(account)
        assert streak_summaries(account, today) == {
            routine: summarize(schedules[routine], every_day[routine], today) for routine in ROUTINES
        }
