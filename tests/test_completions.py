"""Completing a routine: one path for forms, the API and offline replays (CONTRACT.md JSON API)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import csrf_token, form_fields
from webapp.extensions import db
from webapp.routines.core import is_newer_write
from webapp.routines.models import Completion, IdempotencyRecord, Reflection


def post(client, body, token=None):
    token = token or csrf_token(client, "/account")
    return client.post("/api/completions", json=body, headers={"X-CSRFToken": token})


def reflect(at: str, mood: int, went_well: str = "", client_id: str | None = None) -> dict:
    return {
        "id": client_id or str(uuid.uuid4()),
        "routine": "reflect",
        "completed_at": at,
        "data": {"went_well": went_well, "mood": mood},
    }


def completions(app, user_id):
    with app.app_context():
        return [
            (c.routine, c.local_day.isoformat(), c.zone, c.data)
            for c in db.session.scalars(
                db.select(Completion).filter_by(user_id=user_id).order_by(Completion.id)
            )
        ]


@pytest.mark.both_dbs
def test_a_new_completion_is_201_with_its_local_day(app, client, user, clock):
    clock.set("2026-03-02T22:30:00+00:00")  # 23:30 in Berlin
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": "2026-03-02T23:30:00+01:00",
        "data": {"pattern": "box", "seconds": 60},
    }
    response = post(client, body)
    assert response.status_code == 201
    assert response.get_json() == {"id": body["id"], "local_day": "2026-03-02", "routine": "breathe"}
    assert completions(app, user.id) == [
        ("breathe", "2026-03-02", "Europe/Berlin", {"pattern": "box", "seconds": 60})
    ]


@pytest.mark.both_dbs
def test_a_replay_returns_the_same_answer_and_changes_nothing(app, client, user, clock):
    body = reflect("2026-03-02T09:00:00+00:00", 4, "booked a demo")
    first = post(client, body)
    replay = post(client, {**body, "data": {"went_well": "changed by a replay", "mood": 1}})
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.get_json() == first.get_json()
    assert [row[3]["went_well"] for row in completions(app, user.id)] == ["booked a demo"]


@pytest.mark.both_dbs
def test_a_replay_arriving_after_its_moment_grew_too_old_still_gets_its_answer(app, client, user, clock):
    # An offline queue may replay a write it never heard back about days later: the id was
    # applied, so its answer stands, though the same body with a new id would be refused now.
    body = reflect("2026-03-02T09:00:00+00:00", 3)
    first = post(client, body)
    clock.advance(days=8)
    replay = post(client, body)
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.get_json() == first.get_json()
    late = post(client, {**body, "id": str(uuid.uuid4())})
    assert late.status_code == 422 and late.get_json()["field"] == "completed_at"
    assert len(completions(app, user.id)) == 1


@pytest.mark.both_dbs
@pytest.mark.parametrize("order", ["newer first", "older first"])
def test_of_two_writes_for_the_same_day_the_later_completed_at_wins(app, client, user, clock, order):
    clock.set("2026-03-02T20:00:00+00:00")
    older = reflect("2026-03-02T17:00:00+00:00", 2, "older draft")
    newer = reflect("2026-03-02T19:00:00+00:00", 4, "final words")
    for body in [newer, older] if order == "newer first" else [older, newer]:
        assert post(client, body).status_code == 201
    rows = completions(app, user.id)
    assert len(rows) == 1 and rows[0][3]["went_well"] == "final words"
    with app.app_context():
        [saved] = db.session.scalars(db.select(Reflection).filter_by(user_id=user.id)).all()
        assert (saved.went_well, saved.mood, saved.local_day) == ("final words", 4, date(2026, 3, 2))


@pytest.mark.both_dbs
def test_of_two_writes_with_the_same_completed_at_the_one_written_last_wins(app, client, user, clock):
    clock.set("2026-03-02T20:00:00+00:00")
    # The same instant in two spellings: a phone that edited its words within the same second.
    first = reflect("2026-03-02T19:00:00+00:00", 2, "first words")
    second = reflect("2026-03-02T20:00:00+01:00", 5, "second words")
    assert post(client, first).status_code == 201
    assert post(client, second).status_code == 201
    assert [row[3]["went_well"] for row in completions(app, user.id)] == ["second words"]
    with app.app_context():
        [saved] = db.session.scalars(db.select(Reflection).filter_by(user_id=user.id)).all()
        assert (saved.went_well, saved.mood) == ("second words", 5)


def test_a_write_wins_over_an_older_one_and_a_tie_but_not_a_newer_one():
    at = datetime(2026, 3, 2, 19, tzinfo=UTC)
    assert is_newer_write(at, at + timedelta(microseconds=1))
    assert is_newer_write(at, at), "a tie goes to the newer write"
    assert is_newer_write(at, at.astimezone(ZoneInfo("Asia/Tokyo"))), "the same instant in another zone"
    assert not is_newer_write(at, at - timedelta(microseconds=1))


@pytest.mark.both_dbs
def test_the_same_id_sent_twice_at_once_is_stored_once(app, user, clock):
    body = reflect("2026-03-02T09:00:00+00:00", 3)
    phones = [app.test_client() for _ in range(2)]
    for phone in phones:
        from tests.conftest import PASSWORD, submit

        submit(phone, "/login", {"email": user.email, "password": PASSWORD})
    tokens = [csrf_token(phone, "/account") for phone in phones]
    barrier, statuses = threading.Barrier(2), []

    def send(phone, token):
        barrier.wait()
        statuses.append(post(phone, body, token).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(phones, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 201]
    assert len(completions(app, user.id)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(IdempotencyRecord.id))) == 1


@pytest.mark.parametrize(
    ("completed_at", "accepted"),
    [
        ("2026-03-02T09:04:59+00:00", True),  # a phone clock a little ahead
        ("2026-03-02T09:05:01+00:00", False),
        ("2026-02-23T09:00:00+00:00", True),  # 7 days back
        ("2026-02-23T08:59:59+00:00", False),
        ("2026-03-02T09:00:00", False),  # no offset
        ("yesterday", False),
        (1700000000, False),
    ],
)
def test_completed_at_may_lie_up_to_7_days_back_and_5_minutes_ahead(
    client, user, clock, completed_at, accepted
):
    body = {"id": str(uuid.uuid4()), "routine": "morning", "completed_at": completed_at, "data": {}}
    response = post(client, body)
    assert response.status_code == (201 if accepted else 422)
    if not accepted:
        assert response.get_json()["error"] == "invalid" and "completed_at" in response.get_json()["message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"routine": "nap"}, "routine"),
        ({"id": "not-a-uuid"}, "id"),
        ({"routine": "breathe", "data": {"pattern": "box", "seconds": 59}}, "data.seconds"),
        ({"routine": "breathe", "data": {"pattern": "box", "seconds": "60"}}, "data.seconds"),
        ({"routine": "breathe", "data": {"pattern": "box", "seconds": True}}, "data.seconds"),
        ({"routine": "breathe", "data": {"pattern": "yoga", "seconds": 60}}, "data.pattern"),
        ({"routine": "reflect", "data": {"mood": 6}}, "data.mood"),
        ({"routine": "reflect", "data": {"mood": "4"}}, "data.mood"),
        ({"routine": "reflect", "data": {"learned": "x" * 2001}}, "data.learned"),
        ({"routine": "reflect", "data": {"learned": ["a list"]}}, "data.learned"),
        ({"routine": "morning", "data": {"affirmation_ids": "one"}}, "data.affirmation_ids"),
        ({"routine": "goals", "data": {"progress": {"99999": 3}}}, "data.progress"),
        ({"routine": "goals", "data": {"progress": {"1": -1}}}, "data.progress"),
        ({"routine": "goals", "data": []}, "data"),
    ],
)
def test_bad_data_is_422_with_a_message_and_nothing_is_saved(app, client, user, clock, change, field):
    body = {
        "id": str(uuid.uuid4()),
        "routine": "reflect",
        "completed_at": "2026-03-02T09:00:00+00:00",
        "data": {},
        **change,
    }
    response = post(client, body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert response.get_json()["message"]
    assert completions(app, user.id) == []


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"text"', b"null"])
def test_a_body_that_is_not_a_json_object_is_400(client, user, payload):
    response = client.post(
        "/api/completions",
        data=payload,
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(client, "/account")},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_json"


def test_the_api_wants_a_session_and_a_csrf_token(app, client, user):
    body = reflect("2026-03-02T09:00:00+00:00", 3)
    assert client.post("/api/completions", json=body).get_json()["error"] == "csrf_failed"
    stranger = app.test_client()
    response = stranger.post("/api/completions", json=body)
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"


@pytest.mark.both_dbs
def test_undo_removes_a_mistaken_done(app, client, user, clock):
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": "2026-03-02T09:00:00+00:00",
        "data": {"pattern": "box", "seconds": 120},
    }
    post(client, body)
    token = csrf_token(client, "/account")
    response = client.delete(f"/api/completions/{body['id']}", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["deleted"] is True
    assert completions(app, user.id) == []
    assert client.delete(f"/api/completions/{body['id']}", headers={"X-CSRFToken": token}).status_code == 404
    # After the undo the day is free again: a new write counts.
    assert post(client, {**body, "id": str(uuid.uuid4())}).status_code == 201


@pytest.mark.both_dbs
def test_undo_finds_the_day_by_any_id_that_wrote_to_it(app, client, user, clock):
    first = reflect("2026-03-02T08:00:00+00:00", 3)
    second = reflect("2026-03-02T08:30:00+00:00", 4)
    post(client, first)
    post(client, second)
    token = csrf_token(client, "/account")
    assert (
        client.delete(f"/api/completions/{second['id']}", headers={"X-CSRFToken": token}).status_code == 200
    )
    assert completions(app, user.id) == []


def test_another_user_can_neither_undo_nor_replay_my_completion(app, client, user, other_client, clock):
    body = reflect("2026-03-02T09:00:00+00:00", 5, "private words")
    post(client, body)
    token = csrf_token(other_client, "/account")
    undo = other_client.delete(f"/api/completions/{body['id']}", headers={"X-CSRFToken": token})
    assert undo.status_code == 404
    # The same id from another account is that account's own new write, never my stored answer.
    theirs = post(other_client, {**body, "data": {"went_well": "their words", "mood": 2}}, token)
    assert theirs.status_code == 201
    assert "private words" not in str(other_client.get("/api/export").get_json())
    assert [row[3]["went_well"] for row in completions(app, user.id)] == ["private words"]


@pytest.mark.both_dbs
def test_a_completion_keeps_the_local_day_of_the_zone_it_was_made_in(app, client, user, clock):
    # Done at 23:00 in Berlin on Monday; the account then moves to Tokyo, where it is Tuesday.
    clock.set("2026-03-02T22:00:00+00:00")
    post(client, reflect("2026-03-02T22:00:00+00:00", 3))
    clock.set("2026-03-02T22:05:00+00:00")
    fields = form_fields(client, "/account", "/account")
    client.post("/account", data={**fields, "time_zone": "Asia/Tokyo", "day_end_hour": "0"})
    clock.set("2026-03-02T22:10:00+00:00")
    post(
        client,
        {
            **reflect("2026-03-02T22:10:00+00:00", 4),
            "routine": "breathe",
            "data": {"pattern": "box", "seconds": 60},
        },
    )
    rows = completions(app, user.id)
    assert rows[0][:3] == ("reflect", "2026-03-02", "Europe/Berlin")
    assert rows[1][:3] == ("breathe", "2026-03-03", "Asia/Tokyo")


@pytest.mark.both_dbs
def test_a_write_after_several_zone_changes_takes_the_day_of_the_zone_in_effect_then(
    app, client, user, clock
):
    # Each zone change moves the data version, so every write below reads the zone history
    # afresh (with its replay check): Berlin, then Tokyo from 22:05, then New York from 22:20.
    def move_to(zone: str, at: str) -> None:
        clock.set(at)
        fields = form_fields(client, "/account", "/account")
        client.post("/account", data={**fields, "time_zone": zone, "day_end_hour": "0"})

    move_to("Asia/Tokyo", "2026-03-02T22:05:00+00:00")
    move_to("America/New_York", "2026-03-02T22:20:00+00:00")
    clock.set("2026-03-02T22:30:00+00:00")
    during_tokyo = {
        **reflect("2026-03-02T22:10:00+00:00", 4),
        "routine": "breathe",
        "data": {"pattern": "box", "seconds": 60},
    }
    first = post(client, during_tokyo)
    now_in_new_york = post(client, reflect("2026-03-02T22:30:00+00:00", 3))
    move_to("Europe/Berlin", "2026-03-02T22:40:00+00:00")
    replay = post(client, during_tokyo)
    assert (first.status_code, now_in_new_york.status_code, replay.status_code) == (201, 201, 200)
    assert first.get_json()["local_day"] == "2026-03-03" == replay.get_json()["local_day"]
    assert now_in_new_york.get_json()["local_day"] == "2026-03-02"
    assert [row[:3] for row in completions(app, user.id)] == [
        ("breathe", "2026-03-03", "Asia/Tokyo"),
        ("reflect", "2026-03-02", "America/New_York"),
    ]
