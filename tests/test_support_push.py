"""Support messages by Web Push, through the reminders' sender, against the local push service
that checks VAPID and decrypts: cheers to the owner's devices, the weekly note to each supporter
at the owner's local time across a DST change, the rough-day signal; resends keep their Topic."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import csrf_token, submit
from tests.pushservice import PushService
from tests.support_helpers import (
    GOAL,
    OWNER_NAME,
    PRIVATE,
    WIN,
    api,
    cheer,
    link_to,
    new_person,
    plant_private_words,
    post_form,
)
from webapp.clock import utcnow
from webapp.reminders import sender
from webapp.reminders.sender import claim, materialize_due, send_due


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    monkeypatch.setattr("webapp.auth.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def push(app):
    with PushService(vapid_public_key=app.config["VAPID_PUBLIC_KEY"]) as service:
        before = app.config["PUSH_ALLOWED_HOSTS"]
        app.config["PUSH_ALLOWED_HOSTS"] = (service.origin,)
        yield service
        app.config["PUSH_ALLOWED_HOSTS"] = before


@pytest.fixture
def alex(app, clock):
    return new_person(app, "alex@example.com", OWNER_NAME)


@pytest.fixture
def sunniva(app, clock):
    return new_person(app, "sunniva@example.com", "Sunniva", zone="America/New_York")


@pytest.fixture
def kaito(app, clock):
    return new_person(app, "kaito@example.com", "Kaito", zone="Asia/Tokyo")


def subscribe(client, push):
    device = push.new_subscription()
    response = api(client, "POST", "/api/push/subscriptions", device.as_json())
    assert response.status_code == 201, response.get_json()
    return device


def run_sender(app):
    with app.app_context():
        return send_due(utcnow(), concurrency=4)


def support_messages(push, device):
    """What this device showed from the support corner (its routine reminders left aside)."""
    return [message for message in push.messages_for(device) if message.json().get("routine") == "support"]


def breathe(client, moment: str) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": moment,
        "data": {"pattern": "box", "seconds": 60},
    }
    response = client.post(
        "/api/completions", json=body, headers={"X-CSRFToken": csrf_token(client, "/account")}
    )
    assert response.status_code == 201, response.get_json()


# --- cheers ----------------------------------------------------------------------------------


@pytest.mark.both_dbs
def test_a_cheer_arrives_once_on_each_of_the_owners_devices(app, clock, push, alex, sunniva):
    phone, laptop = subscribe(alex, push), subscribe(alex, push)
    theirs = subscribe(sunniva, push)
    link_id = link_to(alex, sunniva)
    assert cheer(sunniva, link_id, "tough-day").status_code == 201
    run_sender(app)
    run_sender(app)  # a second pass sends nothing again
    for device in (phone, laptop):
        [message] = support_messages(push, device)
        payload = message.json()
        assert payload["title"] == "Sunniva cheered you on"
        assert payload["body"] == "Tough day? You've got this"
        assert payload["url"] == "/today"
        assert message.topic == f"occurrence{payload['occurrence']}"
        assert payload["tag"] == f"rebound-{payload['occurrence']}"
    assert support_messages(push, theirs) == []
    assert push.rejected == []


def test_a_muted_supporters_cheer_and_a_cheer_from_an_ended_link_send_nothing(
    app, clock, push, alex, sunniva, kaito
):
    device = subscribe(alex, push)
    muted = link_to(alex, sunniva)
    assert submit(alex, f"/support/links/{muted}", {"muted": "y"}, page="/support").status_code == 303
    assert cheer(sunniva, muted).status_code == 201
    ended = link_to(alex, kaito)
    assert cheer(kaito, ended).status_code == 201
    assert post_form(kaito, f"/support/links/{ended}/end").status_code == 303  # before the sender's pass
    result = run_sender(app)
    assert support_messages(push, device) == []
    assert result.sent == 0


@pytest.mark.both_dbs
def test_a_resend_after_a_crash_carries_the_same_topic_and_tag(app, clock, push, alex, sunniva):
    device = subscribe(alex, push)
    link_id = link_to(alex, sunniva)
    assert cheer(sunniva, link_id).status_code == 201
    with app.app_context():
        now = utcnow()
        materialize_due(now)
        [claimed] = claim(now)
        # The push goes out, then the process dies before recording it: the row stays leased.
        sender._send_one(sender.new_session(1), claimed, app.config, now)
    assert run_sender(app).sent == 0, "still leased"
    clock.advance(minutes=2, seconds=1)
    assert run_sender(app).sent == 1
    first, again = support_messages(push, device)
    assert first.topic == again.topic == f"occurrence{claimed.occurrence_id}"
    assert first.json()["tag"] == again.json()["tag"] == f"rebound-{claimed.occurrence_id}"


# --- the weekly note -------------------------------------------------------------------------


@pytest.mark.both_dbs
def test_the_weekly_note_arrives_once_per_supporter_at_the_owners_local_time_across_dst(
    app, clock, push, alex, sunniva, kaito
):
    plant_private_words(alex)
    devices = {"sunniva": subscribe(sunniva, push), "kaito": subscribe(kaito, push)}
    links = {"sunniva": link_to(alex, sunniva), "kaito": link_to(alex, kaito)}
    owners = subscribe(alex, push)
    # Friday at 17:00 in Berlin (the default). Berlin moves to summer time on Sunday 29 March.
    clock.set("2026-03-25T10:00:00+00:00")
    breathe(alex, "2026-03-24T10:00:00+00:00")
    breathe(alex, "2026-03-25T09:00:00+00:00")
    clock.set("2026-03-27T15:59:00+00:00")  # 16:59 in Berlin (CET)
    run_sender(app)
    assert all(support_messages(push, device) == [] for device in devices.values())
    clock.set("2026-03-27T16:00:30+00:00")  # 17:00 in Berlin
    run_sender(app)
    run_sender(app)
    for who, device in devices.items():
        [message] = support_messages(push, device)
        payload = message.json()
        assert payload["body"] == f"{OWNER_NAME} practised 2 of 7 days this week — send a cheer?"
        assert payload["url"] == f"/support/people/{links[who]}"
        for marker in (PRIVATE, WIN, GOAL):
            assert marker not in message.payload.decode()
    assert support_messages(push, owners) == [], "the owner gets no note about themselves"

    clock.set("2026-04-03T14:59:00+00:00")  # 16:59 in Berlin (CEST)
    run_sender(app)
    assert all(len(support_messages(push, device)) == 1 for device in devices.values())
    clock.set("2026-04-03T15:00:30+00:00")  # 17:00 in Berlin
    run_sender(app)
    run_sender(app)
    for device in devices.values():
        first, second = support_messages(push, device)
        assert (
            second.json()["body"] == f"{OWNER_NAME} had a quiet week — a cheer could help them start again."
        )
        assert first.topic != second.topic


def test_the_owner_chooses_the_weekday_and_time(app, clock, push, alex, sunniva):
    device = subscribe(sunniva, push)
    link_to(alex, sunniva)
    response = submit(
        alex, "/support/weekly", {"weekly_on": "y", "weekday": "0", "at": "08:30"}, page="/support"
    )
    assert response.status_code == 303
    assert "Next: Monday 9 March, 08:30" in alex.get("/support").get_data(as_text=True)
    clock.set("2026-03-09T07:30:30+00:00")  # 08:30 in Berlin
    run_sender(app)
    assert len(support_messages(push, device)) == 1
    submit(alex, "/support/weekly", {"weekday": "0", "at": "08:30"}, page="/support")  # switched off
    clock.set("2026-03-16T07:30:30+00:00")
    run_sender(app)
    assert len(support_messages(push, device)) == 1


def test_no_weekly_note_in_a_week_the_owner_paused_everything(app, clock, push, alex, sunniva):
    device = subscribe(sunniva, push)
    link_to(alex, sunniva)
    pause = {"routine": "all", "starts_on": "2026-03-07", "ends_on": "2026-03-13"}
    assert submit(alex, "/reminders/pauses", pause, page="/reminders").status_code == 302
    clock.set("2026-03-13T16:00:30+00:00")  # Friday 17:00 in Berlin, the last day of the pause
    run_sender(app)
    assert support_messages(push, device) == []
    clock.set("2026-03-20T16:00:30+00:00")  # the next week isn't all paused
    run_sender(app)
    assert len(support_messages(push, device)) == 1


@pytest.mark.both_dbs
def test_a_weekly_note_queued_before_the_link_ended_is_never_sent(app, clock, push, alex, sunniva):
    device = subscribe(sunniva, push)
    link_id = link_to(alex, sunniva)
    clock.set("2026-03-06T16:00:30+00:00")
    with app.app_context():
        from webapp.support.notify import materialize_weekly

        materialize_weekly(utcnow())  # the note is made...
    assert post_form(alex, f"/support/links/{link_id}/end").status_code == 303  # ...the link ends
    run_sender(app)
    assert support_messages(push, device) == []


# --- the rough-day signal --------------------------------------------------------------------


@pytest.mark.both_dbs
def test_the_rough_day_signal_reaches_each_supporter_without_any_detail(
    app, clock, push, alex, sunniva, kaito
):
    plant_private_words(alex)
    devices = [subscribe(sunniva, push), subscribe(kaito, push)]
    link_to(alex, sunniva, wins=True, goals=True)
    link_to(alex, kaito)
    assert submit(alex, "/support/rough-day", page="/reset?step=affirmation").status_code == 303
    assert submit(alex, "/support/rough-day", page="/reset?step=affirmation").status_code == 303
    run_sender(app)
    for device in devices:
        [message] = support_messages(push, device)
        assert message.json()["title"] == f"{OWNER_NAME} had a tough call"
        assert message.json()["body"] == "A cheer would help."
        for marker in (PRIVATE, WIN, GOAL, "Acme", "price"):
            assert marker not in message.payload.decode()
