"""/reminders, the schedule part: the days each routine is on, and pauses. Streaks follow both."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from tests.conftest import csrf_token, form_fields, submit
from webapp.extensions import db
from webapp.routines.core import ROUTINES
from webapp.routines.models import Pause, ScheduleVersion
from webapp.streaks.data import stored_states


def days_of(app, user_id, routine):
    with app.app_context():
        rows = db.session.scalars(
            db.select(ScheduleVersion)
            .filter_by(user_id=user_id, routine=routine)
            .order_by(ScheduleVersion.effective_from)
        )
        return [(v.effective_from.isoformat(), sorted(v.weekdays)) for v in rows]


def save_days(client, routine, days):
    fields = form_fields(client, "/reminders", "/reminders")
    fields = {k: v for k, v in fields.items() if k != "days"}
    fields["routine"] = routine
    return client.post("/reminders", data={**fields, "days": [str(d) for d in days]})


def breathe(client, at):
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": at,
        "data": {"pattern": "box", "seconds": 60},
    }
    response = client.post(
        "/api/completions", json=body, headers={"X-CSRFToken": csrf_token(client, "/account")}
    )
    assert response.status_code == 201, response.get_json()


def test_the_page_shows_the_default_days(client, user):
    html = client.get("/reminders").get_data(as_text=True)
    assert "Days it&#39;s on" in html or "Days it's on" in html
    days = re.findall(r'<input[^>]*name="(?:morning|breathe|reflect|goals)-days"[^>]*>', html)
    assert len(days) == 28
    assert sum("checked" in box for box in days) == 7 + 5 + 5 + 5


@pytest.mark.both_dbs
def test_changing_the_days_applies_from_today_and_keeps_history(app, client, user, clock):
    clock.set("2026-03-10T09:00:00+00:00")
    assert save_days(client, "morning", [0, 2, 4]).status_code == 302
    assert days_of(app, user.id, "morning") == [("2026-03-02", [0, 1, 2, 3, 4]), ("2026-03-10", [0, 2, 4])]
    # A second change the same day replaces today's version rather than stacking another.
    save_days(client, "morning", [0, 1, 2, 3, 4, 5])
    assert days_of(app, user.id, "morning")[-1] == ("2026-03-10", [0, 1, 2, 3, 4, 5])


def test_a_routine_can_be_switched_off_entirely(app, client, user, clock):
    assert save_days(client, "goals", []).status_code == 302
    assert days_of(app, user.id, "goals")[-1][1] == []


@pytest.mark.parametrize(("routine", "days"), [("nap", [0]), ("morning", [7]), ("morning", ["x"])])
def test_bad_days_are_refused(app, client, user, routine, days):
    before = {name: days_of(app, user.id, name) for name in ROUTINES}
    assert before["morning"] == [("2026-03-02", [0, 1, 2, 3, 4])]
    assert save_days(client, routine, days).status_code == 400
    assert {name: days_of(app, user.id, name) for name in ROUTINES} == before


@pytest.mark.both_dbs
def test_a_pause_keeps_a_streak_safe(app, client, user, clock):
    # Breathe every day 2–8 March, away 9–12 (paused), back on the 13th.
    for day in range(2, 9):
        clock.set(f"2026-03-{day:02d}T09:00:00+00:00")
        breathe(client, f"2026-03-{day:02d}T09:00:00+00:00")
    clock.set("2026-03-08T10:00:00+00:00")
    response = submit(
        client,
        "/reminders/pauses",
        {"routine": "breathe", "starts_on": "2026-03-09", "ends_on": "2026-03-12"},
        page="/reminders",
    )
    assert response.status_code == 302
    clock.set("2026-03-13T09:00:00+00:00")
    breathe(client, "2026-03-13T09:00:00+00:00")
    with app.app_context():
        state = stored_states(user.id).get("breathe")
        assert (state.as_of, state.streak, state.held) == (date(2026, 3, 13), 8, 1)


def test_a_pause_for_all_routines_makes_one_row_each(app, client, user, clock):
    submit(
        client,
        "/reminders/pauses",
        {"routine": "all", "starts_on": "2026-03-02", "ends_on": "2026-03-06"},
        page="/reminders",
    )
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Pause.id))) == 4
    assert "Mon 2 Mar" in client.get("/reminders").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_on": "2026-03-10", "ends_on": "2026-03-01"}, "ends before it starts"),
        ({"starts_on": "2026-03-02", "ends_on": "2027-03-05"}, "up to a year"),
        ({"starts_on": "2026-02-01", "ends_on": "2026-02-03"}, "at most 7 days back"),
        ({"starts_on": "soon", "ends_on": "2026-03-05"}, "Not a valid date"),
        ({"starts_on": "", "ends_on": "2026-03-05"}, "Choose the first day"),
        ({"routine": "nap", "starts_on": "2026-03-02", "ends_on": "2026-03-05"}, "Not a valid choice"),
    ],
)
def test_a_bad_pause_is_refused_with_a_message(app, client, user, clock, data, message):
    response = submit(client, "/reminders/pauses", {"routine": "breathe", **data}, page="/reminders")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Pause.id))) == 0


def test_removing_a_pause_and_another_users_pause_is_404(app, client, user, other_client, clock):
    submit(
        client,
        "/reminders/pauses",
        {"routine": "reflect", "starts_on": "2026-03-02", "ends_on": "2026-03-06"},
        page="/reminders",
    )
    with app.app_context():
        pause_id = db.session.scalar(db.select(Pause.id))
    # Ben sends a valid form of his own (his CSRF token) at Ana's pause.
    fields = form_fields(other_client, "/reminders", "/reminders/pauses")
    assert other_client.post(f"/reminders/pauses/{pause_id}/remove", data=fields).status_code == 404
    with app.app_context():
        assert db.session.get(Pause, pause_id) is not None, "Ana's pause is still there"
    response = submit(client, f"/reminders/pauses/{pause_id}/remove", {}, page="/reminders")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Pause, pause_id) is None


def test_a_repeated_form_id_adds_one_pause(app, client, user, clock):
    fields = form_fields(client, "/reminders", "/reminders/pauses")
    data = {**fields, "routine": "breathe", "starts_on": "2026-03-02", "ends_on": "2026-03-03"}
    client.post("/reminders/pauses", data=data)
    client.post("/reminders/pauses", data=data)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Pause.id))) == 1
