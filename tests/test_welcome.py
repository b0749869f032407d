"""The first run (/welcome): after registering, one question per screen — name, days, reminder
times, reminders on — each saved through the one write path, skippable, with a way back, ending on
/today. The clock fixture: Monday 2 March 2026, 09:00 UTC (10:00 in Ana's Berlin)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest

from tests.conftest import form_fields, register, submit
from webapp.auth.models import User
from webapp.extensions import db
from webapp.routines.models import RoutineSetting
from webapp.routines.schedule import schedules_for

STEPS = ["/welcome", "/welcome/days", "/welcome/times", "/welcome/reminders"]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def days_on(app, user_id: int, day: date) -> dict[str, list[int]]:
    with app.app_context():
        schedules = schedules_for(db.session.get(User, user_id))
        return {routine: sorted(schedule.weekdays_on(day)) for routine, schedule in schedules.items()}


def reminder(app, user_id: int, routine: str):
    with app.app_context():
        row = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user_id, routine=routine))
        return row.reminder_time, row.reminder_on, row.next_fire_at


def test_registering_starts_the_first_run(client, clock):
    response = register(client, name="Ana")
    assert response.status_code == 302 and response.headers["Location"] == "/welcome"
    html = client.get("/welcome").get_data(as_text=True)
    assert "step 1 of 4" in html and "What should Rebound call you?" in html
    assert 'value="Ana"' in html  # what was typed at registration, to confirm or correct


@pytest.mark.parametrize(("number", "path"), list(enumerate(STEPS, start=1)))
def test_each_step_asks_one_question_with_back_skip_and_later(client, user, number, path):
    html = client.get(path).get_data(as_text=True)
    assert f"step {number} of 4" in html
    assert html.count("<h1") == 1 and html.count('type="submit"') == 1
    skip = re.search(r'<a class="button quiet" href="([^"]+)">Skip', html).group(1)
    assert skip == (STEPS[number] if number < 4 else "/welcome/done")
    back = re.search(r'<a class="button quiet" href="([^"]+)">Back</a>', html)
    assert (back.group(1) if back else None) == (STEPS[number - 2] if number > 1 else None)
    assert 'href="/welcome/done">Set up later</a>' in html


def test_the_name_step_saves_the_name_and_moves_on(app, client, user):
    response = submit(client, "/welcome", {"display_name": "  Ana María "})
    assert response.status_code == 303 and response.headers["Location"] == "/welcome/days"
    with app.app_context():
        assert db.session.get(User, user.id).display_name == "Ana María"


def test_a_name_too_long_is_refused_and_kept_as_typed(app, client, user):
    response = submit(client, "/welcome", {"display_name": "A" * 81})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Use at most 80 characters." in html and 'value="' + "A" * 81 + '"' in html
    with app.app_context():
        assert db.session.get(User, user.id).display_name == ""


@pytest.mark.both_dbs
def test_the_days_step_sets_the_days_of_the_daily_routines_from_today(app, client, user, clock):
    response = submit(client, "/welcome/days", {"days": ["0", "2", "4", "6"]})
    assert response.status_code == 303 and response.headers["Location"] == "/welcome/times"
    on = days_on(app, user.id, date(2026, 3, 2))
    assert on["morning"] == on["reflect"] == on["goals"] == [0, 2, 4, 6]
    assert on["breathe"] == [0, 1, 2, 3, 4, 5, 6]  # for any rough call, every day
    # Reflect's next reminder follows the new days: Monday 18:00 is still on.
    assert reminder(app, user.id, "reflect")[2] == datetime(2026, 3, 2, 17, tzinfo=UTC)


def test_no_day_at_all_is_refused_and_nothing_saved(app, client, user):
    response = submit(client, "/welcome/days", {"days": []})
    assert response.status_code == 400
    assert "Pick at least one day." in response.get_data(as_text=True)
    assert days_on(app, user.id, date(2026, 3, 2))["morning"] == [0, 1, 2, 3, 4]


@pytest.mark.both_dbs
def test_the_times_step_sets_the_morning_and_evening_reminders(app, client, user):
    response = submit(client, "/welcome/times", {"morning_time": "07:15", "evening_time": "19:30"})
    assert response.status_code == 303 and response.headers["Location"] == "/welcome/reminders"
    assert reminder(app, user.id, "morning") == (time(7, 15), True, datetime(2026, 3, 3, 6, 15, tzinfo=UTC))
    assert reminder(app, user.id, "reflect") == (time(19, 30), True, datetime(2026, 3, 2, 18, 30, tzinfo=UTC))


def test_a_bad_time_saves_neither(app, client, user):
    response = submit(client, "/welcome/times", {"morning_time": "07:15", "evening_time": "7 pm"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a time as hours and minutes" in html and 'value="7 pm"' in html and 'value="07:15"' in html
    assert reminder(app, user.id, "morning")[0] == time(8, 0)
    assert reminder(app, user.id, "reflect")[0] == time(18, 0)


@pytest.mark.both_dbs
def test_the_reminders_step_switches_both_and_ends_on_today(app, client, user):
    response = submit(client, "/welcome/reminders", {})  # the switch unticked
    assert response.status_code == 303 and response.headers["Location"] == "/welcome/done"
    assert reminder(app, user.id, "morning")[1:] == (False, None)
    assert reminder(app, user.id, "reflect")[1:] == (False, None)
    done = client.get("/welcome/done")
    assert done.status_code == 302 and done.headers["Location"] == "/today"
    assert "Welcome to Rebound." in client.get("/today").get_data(as_text=True)

    submit(client, "/welcome/reminders", {"reminders_on": "y"})
    assert reminder(app, user.id, "morning")[1] is True and reminder(app, user.id, "reflect")[1] is True


def test_the_reminders_step_says_what_will_come(client, user):
    submit(client, "/welcome/times", {"morning_time": "07:15", "evening_time": "19:30"})
    html = text(client.get("/welcome/reminders").get_data(as_text=True))
    assert "A morning nudge at 07:15 and an evening reflection prompt at 19:30" in html
    assert "Turn on reminders on this phone" in html


def test_a_repeated_step_changes_nothing(app, client, user):
    fields = form_fields(client, "/welcome/times", "/welcome/times")
    client.post("/welcome/times", data={**fields, "morning_time": "07:00", "evening_time": "19:00"})
    client.post("/welcome/times", data={**fields, "morning_time": "05:00", "evening_time": "21:00"})
    assert reminder(app, user.id, "morning")[0] == time(7, 0)


def test_the_first_run_needs_an_account(client):
    response = client.get("/welcome/days")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_sunday_first_run_is_coherent(app, client, clock):
    clock.set("2026-03-01T09:00:00+00:00")  # Sunday 10:00 in Berlin
    register(client, name="Ana")
    days = text(client.get("/welcome/days").get_data(as_text=True))
    assert "Today is Sunday: pick it too if you want to start today." in days
    # Keeping weekdays: the welcome offers what is on today, and says the rest are resting.
    client.get("/welcome/done")
    today = text(client.get("/today").get_data(as_text=True))
    assert "A good first step: breathe for a minute." in today
    assert "rest day for Morning, Reflect and Goal review" in today
    assert "Did it yesterday?" not in today


def test_picking_sunday_on_a_sunday_makes_the_morning_the_first_step(app, client, clock):
    clock.set("2026-03-01T09:00:00+00:00")
    register(client, name="Ana")
    submit(client, "/welcome/days", {"days": [str(d) for d in range(7)]})
    assert "Today is Sunday" not in client.get("/welcome/days").get_data(as_text=True)
    client.get("/welcome/done")
    today = text(client.get("/today").get_data(as_text=True))
    assert "rest day" not in today.lower()
    assert "A good first step: start your morning." in today
