"""/reminders, the reminder part: each routine's time and switch, the devices, a test reminder; and
the next reminder on /today. Times are checked against the clock fixture (Monday 2 March 2026,
09:00 UTC = 10:00 in Ana's Berlin)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest

from tests.conftest import csrf_token, form_fields, page_forms, submit
from tests.pushservice import PushService
from webapp.auth.models import User
from webapp.extensions import db
from webapp.reminders.models import PushSubscription, RemovedDevice
from webapp.reminders.views import days_words, next_words, what_comes
from webapp.routines.models import RoutineSetting
from webapp.routines.schedule import schedules_for
from webapp.routines.views import reminder_words

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile"
)


@pytest.fixture
def push(app):
    with PushService(vapid_public_key=app.config["VAPID_PUBLIC_KEY"]) as service:
        before = app.config["PUSH_ALLOWED_HOSTS"]
        app.config["PUSH_ALLOWED_HOSTS"] = (service.origin,)
        yield service
        app.config["PUSH_ALLOWED_HOSTS"] = before


def subscribe(client, push, user_agent=ANDROID):
    device = push.new_subscription()
    response = client.post(
        "/api/push/subscriptions",
        json=device.as_json(),
        headers={"X-CSRFToken": csrf_token(client, "/account"), "User-Agent": user_agent},
    )
    assert response.status_code == 201, response.get_json()
    return device


def page_ids(client) -> dict:
    """The CSRF token and a fresh form_id, from the page's one form."""
    fields = form_fields(client, "/reminders", "/reminders")
    return {"csrf_token": fields["csrf_token"], "form_id": fields["form_id"]}


def save_reminder(client, routine, at, on=True, fields=None):
    """One routine's reminder through the one-routine endpoint older pages post to."""
    fields = dict(fields or page_ids(client))
    fields.update(routine=routine, reminder_time=at)
    if on:
        fields["reminder_on"] = "y"
    return client.post("/reminders/reminder", data=fields)


def setting(app, user_id, routine):
    with app.app_context():
        row = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user_id, routine=routine))
        return row.reminder_time, row.reminder_on, row.next_fire_at


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def device_ids(app, user_id=None):
    with app.app_context():
        query = db.select(PushSubscription.id)
        if user_id is not None:
            query = query.filter_by(user_id=user_id)
        return list(db.session.scalars(query))


# The reminder time and switch


def test_the_page_shows_each_routines_reminder_and_what_will_come(client, user):
    html = client.get("/reminders").get_data(as_text=True)

    assert 'id="reminder-time-morning"' in html and 'type="time"' in html and 'value="08:00"' in html
    assert 'value="18:00"' in html and 'value="14:00"' in html and 'value="17:30"' in html
    # Registered at 10:00 in Berlin on Monday: the morning reminder is next due on Tuesday.
    assert "Next: Tue 3 Mar, 08:00" in html
    assert "Next: Mon 2 Mar, 18:00" in html
    assert html.count(">Off</p>") == 2  # breathe and the goal review are off by default
    assert (
        "A morning nudge with one of your affirmations at 08:00 on weekdays, "
        "and an evening reflection prompt at 18:00 on weekdays." in html
    )
    assert "Turn on reminders on this phone" in html
    assert "None yet." in html


@pytest.mark.both_dbs
def test_a_new_reminder_time_moves_the_next_reminder(app, client, user, clock):
    response = save_reminder(client, "morning", "07:30")

    assert response.status_code == 302 and response.location.endswith("#routine-morning")
    assert setting(app, user.id, "morning") == (time(7, 30), True, utc("2026-03-03T06:30:00"))
    html = client.get("/reminders").get_data(as_text=True)
    assert "Morning reminder set for 07:30. Next one: Tue 3 Mar, 07:30." in html
    assert "Next: Tue 3 Mar, 07:30" in html


@pytest.mark.both_dbs
def test_switching_a_reminder_on_schedules_it_and_off_clears_it(app, client, user, clock):
    # Breathe is on every day and off as a reminder; at 10:00 a 14:00 nudge is still to come today.
    save_reminder(client, "breathe", "14:00", on=True)
    assert setting(app, user.id, "breathe") == (time(14, 0), True, utc("2026-03-02T13:00:00"))

    clock.set("2026-03-02T13:30:00+00:00")  # 14:30 in Berlin: today's has gone by
    save_reminder(client, "breathe", "14:15", on=True)
    assert setting(app, user.id, "breathe")[2] == utc("2026-03-03T13:15:00")

    save_reminder(client, "breathe", "14:15", on=False)
    assert setting(app, user.id, "breathe") == (time(14, 15), False, None)
    assert "Breathe reminder is off." in client.get("/reminders").get_data(as_text=True)


def test_the_reminder_time_is_read_in_the_accounts_zone(app, other_client, clock):
    # Ben is in New York (UTC-5 until 8 March): it is 04:00 there, and his 08:00 is 13:00 UTC.
    save_reminder(other_client, "morning", "08:00")
    with app.app_context():
        row = db.session.scalar(db.select(RoutineSetting).filter_by(routine="morning"))
    assert row.next_fire_at == utc("2026-03-02T13:00:00")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Choose a time, like 08:00."),
        ("25:00", "Enter a time as hours and minutes, like 08:00 or 18:30."),
        ("12:60", "Enter a time as hours and minutes, like 08:00 or 18:30."),
        ("8", "Enter a time as hours and minutes, like 08:00 or 18:30."),
        ("noon", "Enter a time as hours and minutes, like 08:00 or 18:30."),
        ("07:30pm", "Enter a time as hours and minutes, like 08:00 or 18:30."),
    ],
)
def test_a_bad_time_is_refused_with_a_message_and_nothing_saved(app, client, user, typed, message):
    before = setting(app, user.id, "morning")

    response = save_reminder(client, "morning", typed)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="reminder-error-morning"' in html and 'aria-invalid="true"' in html
    assert setting(app, user.id, "morning") == before


@pytest.mark.parametrize(
    ("typed", "stored"), [("06:05", time(6, 5)), ("6:05", time(6, 5)), ("23:59:00", time(23, 59))]
)
def test_a_time_with_seconds_or_a_one_digit_hour_is_understood(app, client, user, typed, stored):
    assert save_reminder(client, "goals", typed).status_code == 302
    assert setting(app, user.id, "goals")[:2] == (stored, True)


def test_an_unknown_routine_is_refused(app, client, user):
    assert save_reminder(client, "lunch", "12:00").status_code == 400


@pytest.mark.both_dbs
def test_a_repeated_reminder_form_changes_nothing(app, client, user):
    fields = page_ids(client)
    assert save_reminder(client, "morning", "07:30", fields=fields).status_code == 302
    assert save_reminder(client, "morning", "06:00", on=False, fields=fields).status_code == 302
    assert setting(app, user.id, "morning") == (time(7, 30), True, utc("2026-03-03T06:30:00"))


def test_a_routine_with_no_days_on_or_paused_says_so(app, client, user):
    fields = form_fields(client, "/reminders", "/reminders")
    client.post("/reminders", data={**{k: v for k, v in fields.items() if k != "days"}, "routine": "goals"})
    save_reminder(client, "goals", "17:30")
    submit(
        client,
        "/reminders/pauses",
        {"routine": "morning", "starts_on": "2026-03-02", "ends_on": "2026-03-04"},
        page="/reminders",
    )

    html = client.get("/reminders").get_data(as_text=True)
    assert "No days on" in html
    assert "Paused today. Next: Thu 5 Mar, 08:00" in html


# The page as one form with one Save

# What a new account has (CONTRACT defaults): time, on, days.
DEFAULT_ROWS = {
    "morning": ("08:00", True, [0, 1, 2, 3, 4]),
    "breathe": ("14:00", False, [0, 1, 2, 3, 4, 5, 6]),
    "reflect": ("18:00", True, [0, 1, 2, 3, 4]),
    "goals": ("17:30", False, [0, 1, 2, 3, 4]),
}


def save_all(client, **rows):
    """Post /reminders' one form: every row as on the page, with `rows` changed (routine=(time, on, days))."""
    data = page_ids(client)
    for routine, (at, on, days) in {**DEFAULT_ROWS, **rows}.items():
        data[f"{routine}-reminder_time"] = at
        if on:
            data[f"{routine}-reminder_on"] = "y"
        data[f"{routine}-days"] = [str(day) for day in days]
    return client.post("/reminders", data=data)


def stored_days(app, user_id, routine):
    with app.app_context():
        account = db.session.get(User, user_id)
        return sorted(schedules_for(account)[routine].weekdays_on(date(2026, 3, 2)))


def test_the_page_is_one_form_with_one_save(client, user):
    html = client.get("/reminders").get_data(as_text=True)
    actions = [form["action"] for form in page_forms(html)]
    assert actions.count("/reminders") == 1 and "/reminders/reminder" not in actions
    assert len(re.findall(r"<button[^>]*>\s*Save", html)) == 1
    [form] = re.findall(r'<form class="settings-form".*?</form>', html, re.S)
    for routine in DEFAULT_ROWS:
        assert f'name="{routine}-reminder_time"' in form and f'name="{routine}-days"' in form


@pytest.mark.both_dbs
def test_saving_the_form_saves_every_row_at_once(app, client, user, clock):
    response = save_all(
        client,
        morning=("07:15", True, [0, 2, 4]),
        breathe=("12:30", True, [5, 6]),
        goals=("17:30", True, [0, 1, 2, 3, 4]),
    )
    assert response.status_code == 302
    assert setting(app, user.id, "morning") == (time(7, 15), True, utc("2026-03-04T06:15:00"))
    assert setting(app, user.id, "breathe") == (time(12, 30), True, utc("2026-03-07T11:30:00"))
    assert setting(app, user.id, "goals")[:2] == (time(17, 30), True)
    assert setting(app, user.id, "reflect")[:2] == (time(18, 0), True)
    assert stored_days(app, user.id, "morning") == [0, 2, 4]
    assert stored_days(app, user.id, "breathe") == [5, 6]
    assert stored_days(app, user.id, "reflect") == [0, 1, 2, 3, 4]
    html = client.get("/reminders").get_data(as_text=True)
    assert "Saved. Your days and reminders are set from today." in html
    assert 'value="07:15"' in html and "Next: Wed 4 Mar, 07:15" in html


@pytest.mark.both_dbs
def test_one_bad_row_saves_nothing_and_shows_everything_as_typed(app, client, user, clock):
    before = {routine: setting(app, user.id, routine) for routine in DEFAULT_ROWS}

    response = save_all(client, morning=("06:45", False, [1, 3]), reflect=("25:00", True, [0, 1, 2, 3, 4, 5]))

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # The message sits in the reflect row, tied to its time input; nothing else is marked.
    row = re.search(r'<section class="card schedule has-error" id="routine-reflect".*?</section>', html, re.S)
    assert row and "Enter a time as hours and minutes" in row.group(0)
    assert 'aria-describedby="reminder-error-reflect"' in row.group(0) and 'value="25:00"' in row.group(0)
    assert html.count('id="reminder-error-') == 1
    # What was typed in the good rows comes back as typed, unsaved.
    morning = re.search(r'id="routine-morning".*?</section>', html, re.S).group(0)
    assert 'value="06:45"' in morning and "reminder-on-morning" in morning
    assert not re.search(r'id="reminder-on-morning"[^>]*checked', morning)
    checked = re.findall(r'id="days-morning-(\d)"[^>]*checked|checked[^>]*id="days-morning-(\d)"', morning)
    assert sorted(a or b for a, b in checked) == ["1", "3"]
    assert {routine: setting(app, user.id, routine) for routine in DEFAULT_ROWS} == before
    assert stored_days(app, user.id, "morning") == [0, 1, 2, 3, 4]


def test_a_day_that_is_no_day_is_refused_in_its_row(app, client, user):
    response = save_all(client, goals=("17:30", True, [0, 9]))
    assert response.status_code == 400
    assert re.search(r'id="routine-goals".*?id="reminder-error-goals"', response.get_data(as_text=True), re.S)
    assert setting(app, user.id, "goals")[:2] == (time(17, 30), False)


@pytest.mark.both_dbs
def test_a_repeated_settings_form_changes_nothing(app, client, user):
    ids = page_ids(client)
    first = {**ids}
    data = {"morning-reminder_time": "07:00", "morning-reminder_on": "y"}
    for routine, (at, on, days) in DEFAULT_ROWS.items():
        first.setdefault(f"{routine}-reminder_time", at)
        if on:
            first[f"{routine}-reminder_on"] = "y"
        first[f"{routine}-days"] = [str(day) for day in days]
    first.update(data)
    assert client.post("/reminders", data=first).status_code == 302
    second = {**first, "morning-reminder_time": "05:00"}
    assert client.post("/reminders", data=second).status_code == 302
    assert setting(app, user.id, "morning")[:2] == (time(7, 0), True)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (frozenset(range(7)), "every day"),
        (frozenset(range(5)), "on weekdays"),
        (frozenset({5, 6}), "at weekends"),
        (frozenset({2}), "on Wed"),
        (frozenset({0, 2, 4}), "on Mon, Wed and Fri"),
    ],
)
def test_days_in_words(days, words):
    assert days_words(days) == words


def test_what_comes_names_only_the_reminders_that_are_on_with_days():
    def on(hour, minute=0, switched=True):
        return RoutineSetting(reminder_time=time(hour, minute), reminder_on=switched)

    settings = {"morning": on(8), "breathe": on(14, switched=False), "reflect": on(18), "goals": on(17, 30)}
    days = {
        "morning": frozenset(range(7)),
        "breathe": frozenset(range(7)),
        "reflect": frozenset(),
        "goals": frozenset({0}),
    }
    assert what_comes(settings, days) == (
        "A morning nudge with one of your affirmations at 08:00 every day, "
        "and a short goal review at 17:30 on Mon."
    )
    assert what_comes({}, days).startswith("All reminders are off at the moment.")


def test_next_words_cover_off_no_days_paused_and_next():
    on = RoutineSetting(reminder_time=time(8), reminder_on=True, next_fire_at=utc("2026-03-03T07:00:00"))
    weekdays = frozenset(range(5))
    assert next_words(None, weekdays, False, "Europe/Berlin") == "Off"
    assert (
        next_words(RoutineSetting(reminder_time=time(8), reminder_on=False), weekdays, False, "UTC") == "Off"
    )
    assert next_words(on, frozenset(), False, "Europe/Berlin") == "No days on"
    assert next_words(on, weekdays, False, "Europe/Berlin") == "Next: Tue 3 Mar, 08:00"
    assert next_words(on, weekdays, False, "Asia/Tokyo") == "Next: Tue 3 Mar, 16:00"
    assert next_words(on, weekdays, True, "Europe/Berlin") == "Paused today. Next: Tue 3 Mar, 08:00"
    off_for_long = RoutineSetting(reminder_time=time(8), reminder_on=True, next_fire_at=None)
    assert next_words(off_for_long, weekdays, True, "Europe/Berlin") == "Paused"


# Devices


def test_each_device_is_listed_with_its_browser_and_when_it_was_added(app, client, user, push):
    device = subscribe(client, push)

    html = client.get("/reminders").get_data(as_text=True)

    assert "Chrome on Android" in html and "added 2 Mar 2026" in html
    assert f'data-device-endpoint="{device.endpoint}"' in html
    assert "data-this-device hidden" in html  # push.js shows it on the browser that holds the endpoint


@pytest.mark.both_dbs
def test_removing_my_device_deletes_it(app, client, user, push):
    subscribe(client, push)
    [device_id] = device_ids(app)

    response = submit(client, f"/reminders/devices/{device_id}/remove", {}, page="/reminders")

    assert response.status_code == 302 and response.location.endswith("/reminders#devices")
    assert device_ids(app) == []
    assert "Removed Chrome on Android. It won&#39;t get reminders any more." in client.get(
        "/reminders"
    ).get_data(as_text=True)


def send_again(client, device, refresh=True):
    """What the app does on each start: the browser's subscription, once more."""
    body = {**device.as_json(), "refresh": True} if refresh else device.as_json()
    return client.post(
        "/api/push/subscriptions",
        json=body,
        headers={"X-CSRFToken": csrf_token(client, "/account"), "User-Agent": ANDROID},
    )


@pytest.mark.both_dbs
def test_a_device_removed_from_another_one_stays_removed_when_it_opens_the_app_again(app, client, user, push):
    phone, laptop = subscribe(client, push), subscribe(client, push)
    phone_id, laptop_id = device_ids(app)

    submit(client, f"/reminders/devices/{phone_id}/remove", {}, page="/reminders")
    answer = send_again(client, phone)

    assert answer.status_code == 410
    assert answer.get_json()["error"] == "device_removed"
    assert "Turn reminders on here again" in answer.get_json()["message"]
    assert device_ids(app) == [laptop_id]
    # The laptop, which was not removed, is refreshed as before.
    assert send_again(client, laptop).status_code == 200


def test_turning_reminders_on_again_on_a_removed_device_brings_it_back(app, client, user, push):
    phone = subscribe(client, push)
    [phone_id] = device_ids(app)
    submit(client, f"/reminders/devices/{phone_id}/remove", {}, page="/reminders")

    assert send_again(client, phone, refresh=False).status_code == 201  # the tap on "Turn on reminders"
    assert send_again(client, phone).status_code == 200  # and its next start keeps it
    assert len(device_ids(app, user.id)) == 1


def test_a_removal_is_only_the_remover_s_the_next_person_on_that_browser_gets_reminders(
    app, client, user, other_client, push
):
    phone = subscribe(client, push)
    [phone_id] = device_ids(app)
    submit(client, f"/reminders/devices/{phone_id}/remove", {}, page="/reminders")

    assert send_again(other_client, phone).status_code == 201
    assert device_ids(app, user.id) == []
    assert len(device_ids(app)) == 1


def test_the_record_of_a_removal_keeps_no_endpoint(app, client, user, push):
    phone = subscribe(client, push)
    [phone_id] = device_ids(app)
    submit(client, f"/reminders/devices/{phone_id}/remove", {}, page="/reminders")
    with app.app_context():
        [removed] = db.session.scalars(db.select(RemovedDevice)).all()
        assert removed.user_id == user.id and phone.endpoint not in removed.endpoint_sha256
        assert len(removed.endpoint_sha256) == 64


@pytest.mark.parametrize("refresh", ["yes", 1, None, [True]])
def test_a_refresh_that_is_not_true_or_false_is_a_400(client, user, push, refresh):
    device = push.new_subscription()
    answer = client.post(
        "/api/push/subscriptions",
        json={**device.as_json(), "refresh": refresh},
        headers={"X-CSRFToken": csrf_token(client, "/account")},
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "invalid_subscription"


def remove_forms(client) -> list[dict]:
    html = client.get("/reminders").get_data(as_text=True)
    return [form for form in page_forms(html) if form["action"].startswith("/reminders/devices/")]


@pytest.mark.both_dbs
def test_another_users_device_is_a_404_and_stays(app, client, user, other_client, push):
    subscribe(client, push)
    [ana_device] = device_ids(app, user.id)
    subscribe(other_client, push)  # so Ben's page has a remove form to take the hidden fields from
    fields = remove_forms(other_client)[0]["fields"]

    response = other_client.post(f"/reminders/devices/{ana_device}/remove", data=fields)

    assert response.status_code == 404
    assert ana_device in device_ids(app)
    assert other_client.post("/reminders/devices/999999/remove", data=fields).status_code == 404


def test_a_repeated_remove_form_changes_nothing(app, client, user, push):
    subscribe(client, push)
    subscribe(client, push)
    first, second = device_ids(app)
    fields = form_fields(client, "/reminders", f"/reminders/devices/{first}/remove")
    assert client.post(f"/reminders/devices/{first}/remove", data=fields).status_code == 302
    # The same form id again, even aimed at the other device: nothing more is removed.
    assert client.post(f"/reminders/devices/{second}/remove", data=fields).status_code == 302
    assert device_ids(app) == [second]


def test_each_remove_form_has_a_form_id_of_its_own(client, user, push):
    subscribe(client, push)
    subscribe(client, push)
    ids = {form["fields"]["form_id"] for form in remove_forms(client)}
    assert len(ids) == 2


def test_removing_a_device_wants_a_valid_form(app, client, user, push):
    subscribe(client, push)
    [device_id] = device_ids(app)
    assert client.post(f"/reminders/devices/{device_id}/remove", data={}).status_code == 400
    assert device_ids(app) == [device_id]


# A test reminder, without JavaScript


@pytest.mark.both_dbs
def test_the_test_reminder_form_sends_to_every_device_and_says_how_many(app, client, user, push):
    phone, laptop = subscribe(client, push), subscribe(client, push)

    response = submit(client, "/reminders/test", {}, page="/reminders")

    assert response.status_code == 302 and response.location.endswith("/reminders#devices")
    for device in (phone, laptop):
        [message] = push.messages_for(device)
        assert message.json()["title"] == "Reminders are on"
        assert message.json()["url"] == "/today"
    assert "Sent to 2 devices." in client.get("/reminders").get_data(as_text=True)


def test_a_repeated_test_form_sends_once(app, client, user, push):
    device = subscribe(client, push)
    fields = form_fields(client, "/reminders", "/reminders/test")
    client.post("/reminders/test", data=fields)
    client.post("/reminders/test", data=fields)
    assert len(push.messages_for(device)) == 1
    assert "Sent to 1 device." in client.get("/reminders").get_data(as_text=True)


def test_a_test_reminder_with_no_device_says_what_to_do(client, user):
    submit(client, "/reminders/test", {}, page="/reminders")
    assert "no device to send to yet" in client.get("/reminders").get_data(as_text=True)


def test_a_device_the_push_service_forgot_is_reported_and_removed(app, client, user, push):
    device = subscribe(client, push)
    push.unsubscribe(device)

    submit(client, "/reminders/test", {}, page="/reminders")

    html = client.get("/reminders").get_data(as_text=True)
    assert "Sent to 0 devices. 1 couldn&#39;t be reached" in html
    assert device_ids(app) == []


def test_the_api_test_push_still_answers_with_the_count(app, client, user, push):
    subscribe(client, push)
    response = client.post("/api/push/test", json={}, headers={"X-CSRFToken": csrf_token(client)})
    assert response.get_json() == {"accepted": 1, "failed": 0}


# /today


@pytest.mark.both_dbs  # /today reads it in one statement with the intention and follow-ups
def test_today_shows_the_next_reminder_in_the_users_zone(app, client, user, clock):
    assert "Next reminder: Reflect at 18:00 today." in client.get("/today").get_data(as_text=True)

    save_reminder(client, "reflect", "18:00", on=False)
    assert "Next reminder: Morning at 08:00 tomorrow." in client.get("/today").get_data(as_text=True)

    clock.set("2026-03-06T09:00:00+00:00")  # Friday: the weekday-only morning is next on Monday
    save_reminder(client, "morning", "08:00")
    assert "Next reminder: Morning at 08:00 on Mon 9 Mar." in client.get("/today").get_data(as_text=True)

    save_reminder(client, "morning", "08:00", on=False)
    html = client.get("/today").get_data(as_text=True)
    assert "No reminders set." in html and 'href="/reminders"' in html


@pytest.mark.parametrize(
    ("fire_at", "zone", "words"),
    [
        ("2026-03-02T17:00:00", "Europe/Berlin", "Reflect at 18:00 today"),
        ("2026-03-02T23:30:00", "Europe/Berlin", "Reflect at 00:30 tomorrow"),
        ("2026-03-02T23:30:00", "America/New_York", "Reflect at 18:30 today"),
        ("2026-03-05T17:00:00", "Europe/Berlin", "Reflect at 18:00 on Thu 5 Mar"),
    ],
)
def test_reminder_words(fire_at, zone, words):
    assert reminder_words("reflect", utc(fire_at), utc("2026-03-02T09:00:00"), zone) == words
