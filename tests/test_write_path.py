"""One write path: every writer keeps derived state (stored streaks, next reminders) in step,
inside its own transaction, and commits once; every page reads a streak the same way."""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from tests.conftest import csrf_token, form_fields, statements_naming, submit
from webapp import pagecache
from webapp.auth.models import User
from webapp.derived import refresh_derived
from webapp.extensions import db
from webapp.reminders.schedule import set_next
from webapp.routines.completions import record_completion, undo_completion
from webapp.routines.core import ROUTINES
from webapp.routines.models import Pause, RoutineSetting, ScheduleVersion, weekdays_to_mask
from webapp.routines.schedule import schedules_for
from webapp.routines.settings import create_default_settings
from webapp.streaks.core import state_as_of_last_completion
from webapp.streaks.data import done_days_by_routine, stored_states

BREATH = {"pattern": "box", "seconds": 60}


def complete_via_api(client, routine: str, at: str, data: dict) -> None:
    body = {"id": str(uuid.uuid4()), "routine": routine, "completed_at": at, "data": data}
    response = client.post("/api/completions", json=body, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201, response.get_json()


def save_days(client, routine: str, days: list[int]):
    fields = {k: v for k, v in form_fields(client, "/reminders", "/reminders").items() if k != "days"}
    return client.post("/reminders", data={**fields, "routine": routine, "days": [str(d) for d in days]})


def streak_on_today(client, routine: str) -> int:
    html = client.get("/today").get_data(as_text=True)
    card = re.search(rf'id="routine-{routine}".*?</li>', html, re.S).group(0)
    found = re.search(r"(\d+)-day streak", card)
    return int(found.group(1)) if found else 0


def streak_on_progress(client, routine: str) -> int:
    html = client.get("/progress").get_data(as_text=True)
    card = re.search(rf'id="streak-{routine}".*?</li>', html, re.S).group(0)
    return int(re.search(r'data-figure="current">(\d+)', card).group(1))


def streak_in_export(client, routine: str) -> int:
    rows = client.get("/api/export").get_json()["streaks"]
    return next(row["current"] for row in rows if row["routine"] == routine)


@pytest.mark.both_dbs
def test_unticking_a_done_day_from_the_days_on_gives_one_streak_everywhere(app, client, user, clock):
    # Breathe Monday, Tuesday and Wednesday (Berlin), then take Wednesday out of its days on:
    # Wednesday becomes an extra, so the streak is Monday and Tuesday on every page.
    for day in ("02", "03", "04"):
        clock.set(f"2026-03-{day}T09:00:00+00:00")
        complete_via_api(client, "breathe", f"2026-03-{day}T10:00:00+01:00", BREATH)
    assert streak_on_today(client, "breathe") == 3
    assert save_days(client, "breathe", [0, 1, 3, 4, 5, 6]).status_code == 302
    assert streak_on_today(client, "breathe") == 2
    assert streak_on_progress(client, "breathe") == 2
    assert streak_in_export(client, "breathe") == 2
    with app.app_context():
        assert stored_states(user.id)["breathe"].streak == 2


@pytest.mark.both_dbs
def test_a_run_of_writes_that_leave_the_done_days_alone_reads_the_stored_state_once(app, client, user, clock):
    # A rewrite of a day already done stops at the stored state when it still stands, and keeps
    # what it read for the next write (of any routine; a setback keeps it too).
    complete_via_api(client, "morning", "2026-03-02T08:00:00+01:00", {"intention": "Listen"})
    complete_via_api(client, "reflect", "2026-03-02T08:05:00+01:00", {"mood": 3})
    with statements_naming(app, "routine_setting") as reads:
        complete_via_api(client, "morning", "2026-03-02T08:10:00+01:00", {"intention": "Ask"})
        complete_via_api(client, "reflect", "2026-03-02T08:15:00+01:00", {"mood": 4})
        setback = {"id": str(uuid.uuid4()), "what_happened": "A no", "occurred_at": clock().isoformat()}
        headers = {"X-CSRFToken": csrf_token(client)}
        assert client.post("/api/setbacks", json=setback, headers=headers).status_code == 201
        complete_via_api(client, "morning", "2026-03-02T08:20:00+01:00", {"intention": "Listen again"})
    assert len(reads) == 1


@pytest.mark.both_dbs
def test_a_write_that_also_switches_a_reminder_off_keeps_no_stored_state_read_before(app, user, clock):
    morning = {"intention": "", "affirmation_ids": []}
    with app.app_context():
        ana = db.session.get(User, user.id)
        record_completion(ana, str(uuid.uuid4()), "morning", clock(), morning, clock())
        db.session.commit()
        # A rewrite of the day stops at the stored state; the same transaction then switches the
        # morning reminder off (no writer does both today).
        record_completion(ana, str(uuid.uuid4()), "morning", clock(), morning, clock())
        setting = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user.id, routine="morning"))
        assert setting.reminder_on and setting.next_fire_at is not None
        setting.reminder_on = False
        db.session.commit()
        # The next rewrite sees the reminder off and clears its next firing.
        record_completion(ana, str(uuid.uuid4()), "morning", clock(), morning, clock())
        db.session.commit()
        setting = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user.id, routine="morning"))
        assert (setting.reminder_on, setting.next_fire_at, setting.next_local_day) == (False, None, None)


@pytest.mark.postgres
def test_a_rewrite_met_by_another_worker_bumps_and_reads_the_stored_state_through_the_driver(
    app, client, user, clock
):
    # Under several workers a user's next write mostly lands on a worker that kept nothing of
    # theirs: the version bump and the read of the stored state skip SQLAlchemy's execution
    # (`all_rows`), and the write answers and stops at the stored state as before.
    complete_via_api(client, "morning", "2026-03-02T08:00:00+01:00", {"intention": "Listen"})
    pagecache.clear(app)
    with app.app_context():
        engine = db.engine
    executed: list[str] = []

    def note(_connection, clause, *_args):
        executed.append(str(clause))

    event.listen(engine, "before_execute", note)
    try:
        with statements_naming(app, "routine_setting") as reads:
            complete_via_api(client, "morning", "2026-03-02T08:10:00+01:00", {"intention": "Ask"})
    finally:
        event.remove(engine, "before_execute", note)
    assert len(reads) == 1, "the stored state, read once; nothing recomputed"
    assert not [statement for statement in executed if "routine_setting" in statement]
    assert not [statement for statement in executed if statement.startswith('UPDATE "user"')]
    with app.app_context():
        assert stored_states(user.id)["morning"].streak == 1


# --- one user action, one commit -------------------------------------------------------------


@contextmanager
def counting_commits(app):
    commits: list[int] = []
    with app.app_context():
        engine = db.engine

    def count(connection):
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", count)


@pytest.mark.both_dbs
def test_a_completion_through_the_api_commits_once(app, client, user, clock):
    headers = {"X-CSRFToken": csrf_token(client)}
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": clock().isoformat(),
        "data": BREATH,
    }
    with counting_commits(app) as commits:
        response = client.post("/api/completions", json=body, headers=headers)
    assert response.status_code == 201
    assert len(commits) == 1
    with app.app_context():
        assert stored_states(user.id)["breathe"].streak == 1, "the streak came with the same commit"
        setting = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user.id, routine="breathe"))
        assert setting.next_local_day is None or setting.next_local_day > date(2026, 3, 2)


@pytest.mark.both_dbs
def test_undoing_a_completion_through_the_api_commits_once(app, client, user, clock):
    headers = {"X-CSRFToken": csrf_token(client)}
    client_id = str(uuid.uuid4())
    body = {"id": client_id, "routine": "breathe", "completed_at": clock().isoformat(), "data": BREATH}
    assert client.post("/api/completions", json=body, headers=headers).status_code == 201
    with counting_commits(app) as commits:
        assert client.delete(f"/api/completions/{client_id}", headers=headers).status_code == 200
    assert len(commits) == 1
    with app.app_context():
        assert stored_states(user.id)["breathe"].streak == 0


def test_a_breathing_session_logged_by_the_form_commits_once(app, client, user, clock):
    fields = form_fields(client, "/breathe", "/breathe")
    with counting_commits(app) as commits:
        response = client.post("/breathe", data={**fields, "pattern": "box", "minutes": "1"})
    assert response.status_code == 302
    assert len(commits) == 1
    with app.app_context():
        assert stored_states(user.id)["breathe"].streak == 1


@pytest.mark.both_dbs
def test_changing_the_days_a_routine_is_on_commits_once(app, client, user, clock):
    fields = {k: v for k, v in form_fields(client, "/reminders", "/reminders").items() if k != "days"}
    with counting_commits(app) as commits:
        response = client.post("/reminders", data={**fields, "routine": "morning", "days": ["0", "2"]})
    assert response.status_code == 302
    assert len(commits) == 1


def test_the_daily_goal_review_commits_once(app, client, user, clock):
    assert submit(client, "/goals", {"name": "Calls", "kind": "activity", "period": "day", "target": "5"})
    goal_fields = form_fields(client, "/goals", "/goals/today")
    goal_ids = re.findall(r'name="amount-(\d+)"', client.get("/goals").get_data(as_text=True))
    assert goal_ids
    with counting_commits(app) as commits:
        response = client.post("/goals/today", data={**goal_fields, f"amount-{goal_ids[0]}": "3"})
    assert response.status_code == 302
    assert len(commits) == 1


# --- after any writes, the stored state is what a rebuild from scratch gives ---------------------

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Auckland")

writes = st.lists(
    st.one_of(
        st.tuples(st.just("complete"), st.sampled_from(ROUTINES), st.integers(0, 6)),  # days back
        st.tuples(st.just("undo"), st.sampled_from(ROUTINES), st.integers(0, 6)),
        st.tuples(st.just("days"), st.sampled_from(ROUTINES), st.frozensets(st.integers(0, 6))),
        st.tuples(st.just("pause"), st.sampled_from(ROUTINES), st.integers(0, 6)),
        st.tuples(st.just("zone"), st.sampled_from(ZONES), st.just(0)),
        st.tuples(st.just("day_end"), st.integers(0, 4), st.just(0)),
        st.tuples(st.just("next_day"), st.just(""), st.integers(1, 3)),
    ),
    max_size=14,
)
DATA = {
    "morning": {"intention": "", "affirmation_ids": []},
    "breathe": BREATH,
    "reflect": {"mood": 3},
    "goals": {"progress": {}},
}


def _apply(user: User, write, now: datetime, written: list[str], refreshed: dict) -> datetime:
    """One write as a writer does it; `refreshed` notes when each routine was last refreshed."""
    kind, what, amount = write
    touched: tuple = ()
    if kind == "complete":
        client_id = str(uuid.uuid4())
        record_completion(user, client_id, what, now - timedelta(days=amount), DATA[what], now)
        written.append(client_id)
        touched = (what,)
    elif kind == "undo" and written:
        undone = undo_completion(user, written[amount % len(written)], now)
        touched = (undone.routine,) if undone else ()
    elif kind == "days":
        today = user.local_day(now)
        version = db.session.scalar(
            db.select(ScheduleVersion).filter_by(user_id=user.id, routine=what, effective_from=today)
        ) or ScheduleVersion(user_id=user.id, routine=what, effective_from=today, created_at=now)
        version.weekdays_mask = weekdays_to_mask(amount)
        db.session.add(version)
        refresh_derived(user, [what], now)
        touched = (what,)
    elif kind == "pause":
        first = user.local_day(now) - timedelta(days=amount)
        ends = first + timedelta(days=2)
        db.session.add(Pause(user_id=user.id, routine=what, starts_on=first, ends_on=ends, created_at=now))
        refresh_derived(user, [what], now)
        touched = (what,)
    elif kind == "zone":
        if user.change_zone(what, now):
            refresh_derived(user, None, now)
            touched = ROUTINES
    elif kind == "day_end":
        user.day_end_hour = what
        refresh_derived(user, None, now)
        touched = ROUTINES
    elif kind == "next_day":
        now += timedelta(days=amount, hours=amount * 5)
    db.session.commit()
    refreshed.update(dict.fromkeys(touched, now))
    return now


def _fresh_account(now: datetime) -> User:
    user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="-", time_zone="Europe/Berlin")
    user.created_at = now
    db.session.add(user)
    db.session.flush()
    create_default_settings(user, user.local_day(now), now)
    refresh_derived(user, None, now)
    db.session.commit()
    return user


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=writes)
def test_after_any_writes_the_stored_state_equals_a_rebuild_from_scratch(app, sequence):
    with app.app_context():
        user = _fresh_account(START)
        now, written, refreshed = START, [], dict.fromkeys(ROUTINES, START)
        for write in sequence:
            now = _apply(user, write, now, written, refreshed)
            # After every write, not only the last: a resumed walk (a new day) must never leave a
            # stale state for an undo or a back-dated day to build on.
            schedules, done = schedules_for(user), done_days_by_routine(user.id)
            stored = stored_states(user.id)
            for routine in ROUTINES:
                assert stored[routine] == state_as_of_last_completion(schedules[routine], done[routine]), (
                    routine,
                    write,
                )
        schedules, done = schedules_for(user), done_days_by_routine(user.id)
        # Each next reminder is the one computed afresh at the moment of its last refresh.
        for setting in db.session.scalars(db.select(RoutineSetting).filter_by(user_id=user.id)).all():
            kept = (setting.next_fire_at, setting.next_local_day)
            set_next(user, [setting], schedules, done, refreshed[setting.routine])
            assert (setting.next_fire_at, setting.next_local_day) == kept, setting.routine
        db.session.rollback()
        db.session.delete(user)
        db.session.commit()
