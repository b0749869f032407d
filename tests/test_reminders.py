"""Web Push reminders: subscriptions, the sender and "Later", proven against a local push service
that checks the VAPID signature and decrypts every message as a real one does."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.conftest import csrf_token, person, register, submit
from tests.pushservice import PushService
from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.extensions import db
from webapp.reminders.models import OutboxMessage, PushSubscription
from webapp.reminders.sender import claim, send_claimed, send_due
from webapp.routines.completions import complete_now
from webapp.routines.models import RoutineSetting


@pytest.fixture
def push(app):
    with PushService(vapid_public_key=app.config["VAPID_PUBLIC_KEY"]) as service:
        before = app.config["PUSH_ALLOWED_HOSTS"]
        app.config["PUSH_ALLOWED_HOSTS"] = (service.origin,)
        yield service
        app.config["PUSH_ALLOWED_HOSTS"] = before


def api(client, method, path, body):
    return client.open(
        path, method=method, json=body, headers={"X-CSRFToken": csrf_token(client, "/account")}
    )


def subscribe(client, push):
    device = push.new_subscription()
    response = api(client, "POST", "/api/push/subscriptions", device.as_json())
    assert response.status_code == 201, response.get_json()
    return device


def start_day(app, user, clock, moment="2026-03-02T05:00:00+00:00"):
    """Wind the clock to the start of a day (before any reminder) and re-arm the user's reminders.

    The `user` fixture registers at 09:00 UTC, after that day's 08:00 Berlin reminder."""
    from webapp.derived import refresh_derived

    clock.set(moment)
    with app.app_context():
        refresh_derived(db.session.get(User, user.id), None, utcnow())
        db.session.commit()


def run_sender(app, now=None):
    with app.app_context():
        return send_due(now or utcnow(), concurrency=4)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# Subscriptions


def test_the_public_key_is_the_apps_vapid_key(app, client):
    assert client.get("/api/push/public-key").get_json() == {"public_key": app.config["VAPID_PUBLIC_KEY"]}


@pytest.mark.both_dbs
def test_subscribing_is_201_then_200_and_another_account_takes_the_device_over(app, client, user, push):
    device = push.new_subscription()
    assert api(client, "POST", "/api/push/subscriptions", device.as_json()).status_code == 201
    assert api(client, "POST", "/api/push/subscriptions", device.as_json()).status_code == 200
    ben = app.test_client()
    register(ben, email="ben@example.com")
    assert api(ben, "POST", "/api/push/subscriptions", device.as_json()).status_code == 201
    with app.app_context():
        [row] = db.session.scalars(db.select(PushSubscription)).all()
        assert row.user_id == person(app, "ben@example.com").id


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"endpoint": "https://evil.example/push/1"}, "push_host_not_allowed"),
        ({"endpoint": "http://169.254.169.254/latest"}, "push_host_not_allowed"),
        ({"endpoint": 42}, "invalid_subscription"),
        ({"keys": {"p256dh": "short", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "invalid_subscription"),
        ({"keys": {"p256dh": None, "auth": None}}, "invalid_subscription"),
        ({"keys": "nope"}, "invalid_subscription"),
    ],
)
def test_a_bad_subscription_is_refused_with_a_message(app, client, user, push, change, code):
    body = {**push.new_subscription().as_json(), **change}
    response = api(client, "POST", "/api/push/subscriptions", body)
    assert response.status_code == 400
    assert response.get_json()["error"] == code and response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0


def test_unsubscribing_removes_only_my_device(app, client, user, other_client, push):
    mine = subscribe(client, push)
    theirs = subscribe(other_client, push)
    assert api(client, "DELETE", "/api/push/subscriptions", {"endpoint": theirs.endpoint}).get_json() == {
        "deleted": False
    }
    assert api(client, "DELETE", "/api/push/subscriptions", {"endpoint": mine.endpoint}).get_json() == {
        "deleted": True
    }
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 1


def test_the_push_api_wants_a_session(app, push):
    stranger = app.test_client()
    response = stranger.post("/api/push/subscriptions", json=push.new_subscription().as_json())
    assert response.status_code == 401


# Sending


@pytest.mark.both_dbs
def test_a_test_push_reaches_every_device_signed_and_encrypted(app, client, user, push):
    phone, laptop = subscribe(client, push), subscribe(client, push)
    response = api(client, "POST", "/api/push/test", {})
    assert response.get_json()["accepted"] == 2
    for device in (phone, laptop):
        [message] = push.messages_for(device)
        assert message.json()["title"] == "Reminders are on"
        assert message.ttl > 0 and message.urgency == "normal"
        assert message.topic.startswith("occurrence")
        assert message.json()["tag"] == f"rebound-{message.topic.removeprefix('occurrence')}"
        assert message.claims["sub"] == app.config["VAPID_SUBJECT"]


@pytest.mark.both_dbs
def test_the_morning_reminder_comes_at_eight_local_with_one_of_the_days_affirmations(
    app, client, user, push, clock
):
    device = subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T06:59:00+00:00")  # 07:59 in Berlin
    assert run_sender(app).sent == 0
    clock.set("2026-03-02T07:00:30+00:00")
    assert run_sender(app).sent == 1
    [message] = push.messages_for(device)
    payload = message.json()
    assert (payload["title"], payload["url"], payload["routine"]) == ("Good morning", "/morning", "morning")
    assert [a["action"] for a in payload["actions"]] == ["start", "later"]
    from webapp.morning.affirmations import affirmation_texts_for_day

    with app.app_context():
        assert payload["body"] == affirmation_texts_for_day(user.id, date(2026, 3, 2))[0]
    # Sent once: the next pass has nothing for today.
    clock.set("2026-03-02T07:05:00+00:00")
    assert run_sender(app).sent == 0
    with app.app_context():
        setting = db.session.scalar(db.select(RoutineSetting).filter_by(user_id=user.id, routine="morning"))
        assert setting.next_local_day == date(2026, 3, 3)


def test_the_evening_reminder_carries_a_reflection_prompt(app, client, user, push, clock):
    device = subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T17:00:10+00:00")  # 18:00 in Berlin
    run_sender(app)
    [message] = push.messages_for(device)
    assert message.json()["title"] == "Evening reflection"
    assert message.json()["body"].endswith("?")
    assert message.json()["url"] == "/reflect"


def test_no_reminder_for_a_routine_already_done_that_day(app, client, user, push, clock):
    subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T06:30:00+00:00")
    with app.app_context():
        complete_now(
            db.session.get(User, user.id), "morning", {"intention": "", "affirmation_ids": []}, utcnow()
        )
        db.session.commit()
    clock.set("2026-03-02T07:01:00+00:00")
    assert run_sender(app).sent == 0
    assert push.received == []


def test_no_reminder_on_a_day_the_routine_is_off_or_paused(app, client, user, push, clock):
    subscribe(client, push)
    start_day(app, user, clock)
    pause = {"routine": "morning", "starts_on": "2026-03-02", "ends_on": "2026-03-03"}
    submit(client, "/reminders/pauses", pause, page="/reminders")
    sent_on = []
    for day in range(2, 10):  # Monday 2 to Monday 9 March, a pass at 08:01 Berlin each day
        clock.set(f"2026-03-{day:02d}T07:01:00+00:00")
        if run_sender(app).sent:
            sent_on.append(day)
    # Paused Mon-Tue, sent Wed-Fri, the weekend is off for a weekday routine, sent Monday.
    assert sent_on == [4, 5, 6, 9]
    assert all(m.json()["routine"] == "morning" for m in push.received)


def test_a_reminder_more_than_two_hours_late_is_dropped(app, client, user, push, clock):
    subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T09:00:01+00:00")  # the 08:00 Berlin reminder, 2 h 0 min 1 s late
    result = run_sender(app)
    assert (result.sent, result.dropped) == (0, 1)
    assert push.received == []


# "Later"


@pytest.mark.both_dbs
def test_later_brings_one_more_reminder_an_hour_on_to_every_device(app, client, user, push, clock):
    phone, laptop = subscribe(client, push), subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T07:00:30+00:00")
    run_sender(app)
    token = push.messages_for(phone)[0].json()["snooze_token"]
    stranger = app.test_client()  # the service worker: no session, no CSRF token
    response = stranger.post("/api/reminders/snooze", json={"token": token})
    assert response.status_code == 201 and response.get_json()["snoozed"] is True
    assert stranger.post("/api/reminders/snooze", json={"token": token}).status_code == 409, "single use"
    clock.advance(seconds=2)
    again = stranger.post("/api/reminders/snooze", json={"token": token})
    assert again.status_code == 409, "still single use once the clock has moved on"
    clock.set("2026-03-02T08:00:00+00:00")
    assert run_sender(app).sent == 0
    clock.set("2026-03-02T08:00:31+00:00")
    assert run_sender(app).sent == 2
    for device in (phone, laptop):
        first, again = push.messages_for(device)
        assert again.json()["routine"] == "morning"
        assert again.json()["tag"] != first.json()["tag"]


def test_later_sends_nothing_if_the_routine_is_done_by_then(app, client, user, push, clock):
    subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T07:00:30+00:00")
    run_sender(app)
    token = push.received[0].json()["snooze_token"]
    app.test_client().post("/api/reminders/snooze", json={"token": token})
    clock.set("2026-03-02T07:30:00+00:00")
    with app.app_context():
        complete_now(
            db.session.get(User, user.id), "morning", {"intention": "", "affirmation_ids": []}, utcnow()
        )
        db.session.commit()
    clock.set("2026-03-02T08:01:00+00:00")
    result = run_sender(app)
    assert (result.sent, result.skipped) == (0, 1)


@pytest.mark.parametrize("token", ["forged", "", None, 42, "x" * 600])
def test_a_bad_snooze_token_is_refused(app, token):
    response = app.test_client().post("/api/reminders/snooze", json={"token": token})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_token"


# What the push service answers


def _due_now(app, client, push, clock):
    device = subscribe(client, push)
    start_day(app, person(app, "ana@example.com"), clock)
    clock.set("2026-03-02T07:00:30+00:00")
    return device


def test_a_gone_subscription_is_deleted(app, client, user, push, clock):
    device = _due_now(app, client, push, clock)
    push.fail_next(device.endpoint, 410)
    assert run_sender(app).gone == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0


def test_429_is_retried_after_retry_after(app, client, user, push, clock):
    device = _due_now(app, client, push, clock)
    push.fail_next(device.endpoint, 429, retry_after=120)
    assert run_sender(app).retried == 1
    clock.advance(seconds=119)
    assert run_sender(app).sent == 0
    clock.advance(seconds=2)
    assert run_sender(app).sent == 1
    assert len(push.messages_for(device)) == 1


def test_a_server_error_or_a_timeout_is_retried_with_backoff(app, client, user, push, clock):
    device = _due_now(app, client, push, clock)
    push.fail_next(device.endpoint, 500)
    assert run_sender(app).retried == 1
    clock.advance(seconds=31)
    assert run_sender(app).sent == 1
    with app.app_context():
        [row] = db.session.scalars(db.select(OutboxMessage)).all()
        assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.parametrize("status", [413, 400])
def test_a_payload_or_key_the_service_refuses_flags_the_subscription(app, client, user, push, clock, status):
    device = _due_now(app, client, push, clock)
    push.fail_next(device.endpoint, status)
    assert run_sender(app).failed == 1
    with app.app_context():
        [row] = db.session.scalars(db.select(PushSubscription)).all()
        assert row.flagged_at is not None and str(status) in row.flag_reason


def test_a_redirect_is_never_followed(app, client, user, push, clock):
    device = _due_now(app, client, push, clock)
    other = push.new_subscription()
    push.fail_next(device.endpoint, 307, redirect_to=other.endpoint)
    assert run_sender(app).failed == 1
    assert push.messages_for(other) == [] and push.messages_for(device) == []


def test_a_host_no_longer_allowed_is_flagged_and_skipped_before_sending(app, client, user, push, clock):
    _due_now(app, client, push, clock)
    app.config["PUSH_ALLOWED_HOSTS"] = ("fcm.googleapis.com",)
    assert run_sender(app).failed == 1
    assert push.received == []
    with app.app_context():
        assert db.session.scalar(db.select(PushSubscription.flag_reason)) == "push host not allowed"


def test_a_sender_that_dies_mid_send_leaves_its_rows_to_the_next_after_the_lease(
    app, client, user, push, clock
):
    device = _due_now(app, client, push, clock)
    with app.app_context():
        from webapp.reminders.sender import materialize_due

        materialize_due(utcnow())
        claimed = claim(utcnow())  # ...and the process dies here, before sending
    assert len(claimed) == 1
    assert run_sender(app).sent == 0, "still leased"
    clock.advance(minutes=1, seconds=59)
    assert run_sender(app).sent == 0, "still leased at 1:59"
    clock.advance(seconds=2)
    assert run_sender(app).sent == 1, "released at 2:01"
    [message] = push.messages_for(device)
    assert message.topic == f"occurrence{claimed[0].occurrence_id}"


def test_health_reports_the_senders_last_pass_backlog_and_failures(app, client, user, push, clock):
    device = _due_now(app, client, push, clock)
    push.fail_next(device.endpoint, 413)
    run_sender(app)
    health = client.get("/healthz").get_json()
    reminders = health["reminders"]
    assert reminders["last_pass_at"] == "2026-03-02T07:00:30+00:00"
    assert reminders["recent_failures"] == 1
    assert reminders["due_backlog"] == 0


def test_send_due_runs_from_the_command_line(app, client, user, push, clock):
    subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T07:00:30+00:00")
    result = app.test_cli_runner().invoke(args=["reminders", "send-due"])
    assert result.exit_code == 0, result.output
    assert '"sent": 1' in result.output


def test_claims_for_a_test_push_take_only_its_own_rows(app, client, user, push, clock):
    subscribe(client, push)
    start_day(app, user, clock)
    clock.set("2026-03-02T07:00:30+00:00")
    with app.app_context():
        from webapp.reminders.sender import materialize_due

        materialize_due(utcnow())
    api(client, "POST", "/api/push/test", {})
    titles = [m.json()["title"] for m in push.received]
    assert titles == ["Reminders are on"]
    with app.app_context():
        assert send_claimed(claim(utcnow()), utcnow()).sent == 1


@pytest.mark.both_dbs
def test_claim_reads_each_recipients_zone_history_day_end_and_language_as_their_account_has_them(
    app, user, other_client
):
    """The sender reads its recipients as plain rows: the rules, the next reminder and the words
    must see what the account (and its zone history) says, with zone changes and with none."""
    from webapp.auth.models import zone_spans_of
    from webapp.reminders.sender import _recipients

    with app.app_context():
        ana = db.session.get(User, user.id)
        ana.change_zone("Asia/Tokyo", datetime.fromisoformat("2026-03-03T09:00:00+00:00"))
        ana.change_zone("America/Lima", datetime.fromisoformat("2026-03-05T12:00:00+00:00"))
        ana.day_end_hour = 3
        ana.locale = "de"
        ana.browser_locale = "pt-BR"
        db.session.commit()
        ben = db.session.scalar(db.select(User).filter_by(email="ben@example.com"))
        ids = {ana.id, ben.id}
        db.session.expunge_all()
        plain = _recipients(ids)
        assert set(plain) == ids
        for user_id in ids:
            account = db.session.get(User, user_id)
            assert plain[user_id].zone_spans() == account.zone_spans()
            assert plain[user_id].zone_spans() == zone_spans_of(account.time_zone, account.zone_changes)
            assert plain[user_id].time_zone == account.time_zone
            assert plain[user_id].day_end_hour == account.day_end_hour
            assert plain[user_id].locale == account.locale
            assert plain[user_id].browser_locale == account.browser_locale
        assert len(plain[ana.id].zone_spans()) == 3
