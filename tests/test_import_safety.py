"""Importing a hostile file: a clear 400 and an unchanged account, never a 500 or a slow server.

Each file below once answered 500 (the import rolled back, but the error page was bare, with
no security headers); each collection has a cap, named in the message; importing the same file
again changes nothing; and every error page, even when the request's database session is
broken, carries the Content-Security-Policy and the other security headers.
"""

from __future__ import annotations

import copy
import html
import io
import json
import uuid

import pytest
from sqlalchemy import event
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import TEST_SECRET, csrf_token, form_fields, register, submit
from webapp.extensions import db

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@pytest.fixture
def filled(app, client, user, clock):
    """Ana with something in every collection, including a goal review that names her goals."""
    assert submit(client, "/goals", {"name": "Calls", "kind": "activity", "target": "5"}).status_code == 302
    assert submit(client, "/morning/affirmations", {"text": "I ask good questions"}).status_code == 302
    assert (
        submit(
            client, "/setbacks", {"what_happened": "Acme said no", "follow_up_on": "2026-03-03"}
        ).status_code
        == 302
    )
    pause = {"routine": "all", "starts_on": "2026-03-10", "ends_on": "2026-03-12"}
    assert submit(client, "/reminders/pauses", pause, page="/reminders").status_code == 302
    assert submit(client, "/goals/review", {"helped": "Mornings"}).status_code == 302
    zone = {"display_name": "Ana", "time_zone": "Asia/Tokyo", "day_end_hour": "2"}
    assert submit(client, "/account", zone).status_code == 302
    with app.app_context():
        from webapp.goals.models import Goal

        goal_id = db.session.scalar(db.select(Goal.id))
    token = csrf_token(client)
    for body in (
        {"routine": "reflect", "data": {"went_well": "A good call", "mood": 4}},
        {"routine": "goals", "data": {"progress": {str(goal_id): 3}}},
        {"routine": "breathe", "data": {"pattern": "box", "seconds": 60}},
    ):
        body |= {"id": str(uuid.uuid4()), "completed_at": "2026-03-02T08:00:00+00:00"}
        assert client.post("/api/completions", json=body, headers={"X-CSRFToken": token}).status_code == 201
    return user


def exported(client) -> dict:
    document = client.get("/api/export").get_json()
    document.pop("exported_at")
    return document


def upload(client, raw: bytes):
    fields = form_fields(client, "/account", "/account/import")
    file = FileStorage(io.BytesIO(raw), "rebound-export.json", "application/json")
    # Encoded here: the test client would spool a big body to a temp file it never closes.
    boundary, body = encode_multipart({**fields, "file": file})
    return client.post("/account/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def refused(response, words: str) -> None:
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, text[:300]
    assert "Nothing was imported." in text and words in text, text[text.find('class="error"') :][:300]
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


def _with(document: dict, change) -> bytes:
    document = copy.deepcopy(document)
    change(document)
    return json.dumps(document).encode()


def _nested(depth: int) -> bytes:
    return ('{"version": 1, "setbacks": ' + "[" * depth + "]" * depth + "}").encode()


def _long_number(digits: int) -> bytes:
    return (
        '{"version": 1, "user": {"time_zone": "UTC", "day_end_hour": 1' + "0" * (digits - 1) + "}}"
    ).encode()


HOSTILE = {
    "nested 200,000 deep": (lambda doc: _nested(200_000), "nests deeper than"),
    "nested 20 deep": (lambda doc: _nested(20), "nests deeper than"),
    "an integer of 5,000 digits": (lambda doc: _long_number(5_000), "a number far too large"),
    "an integer of 30 digits": (
        lambda doc: _long_number(30),
        "user.day_end_hour: the number is far too large",
    ),
    "a lone surrogate": (
        lambda doc: _with(doc, lambda d: d["setbacks"][0].update(what_happened="Acme \ud800 said no")),
        "setbacks[0].what_happened: holds a broken character",
    ),
    "a lone surrogate in a key": (
        lambda doc: _with(doc, lambda d: d["reflections"][0].update({"\udfff": "x"})),
        "holds a broken character",
    ),
    "a NUL in a text": (
        lambda doc: _with(doc, lambda d: d["reflections"][0].update(went_well="A good\x00 call")),
        "reflections[0].went_well: holds a NUL character",
    ),
    "a NUL in a zone": (
        lambda doc: _with(doc, lambda d: d["user"].update(time_zone="Asia/Tokyo\x00")),
        "user.time_zone: holds a NUL character",
    ),
    "NaN": (lambda doc: b'{"version": 1, "user": {"time_zone": "UTC", "day_end_hour": NaN}}', "NaN"),
    "not UTF-8": (lambda doc: b'{"version": 1, "user": "\xff\xfe"}', "isn't JSON"),
}


@pytest.mark.both_dbs
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_a_clear_400_and_changes_nothing(client, filled, case):
    make, words = HOSTILE[case]
    before = exported(client)
    refused(upload(client, make(before)), words)
    assert exported(client) == before


@pytest.mark.both_dbs
def test_a_collection_over_its_cap_is_refused_naming_the_cap(client, filled):
    before = exported(client)
    setback = before["setbacks"][0]
    raw = _with(
        before, lambda d: d.update(setbacks=[{**setback, "id": str(uuid.uuid4())} for _ in range(10_001)])
    )
    refused(upload(client, raw), "setbacks: 10,001 items; Rebound takes at most 10,000")
    assert exported(client) == before


@pytest.mark.both_dbs
@pytest.mark.parametrize(
    ("part", "cap_name"),
    [
        ("setbacks", "webapp.setbacks.export.MAX_SETBACKS"),
        ("affirmations.own", "webapp.morning.export.MAX_OWN"),
    ],
)
def test_importing_fresh_copies_again_and_again_stops_at_the_cap(client, filled, monkeypatch, part, cap_name):
    """Fresh ids each time used to add thousands of rows per request, without end."""
    monkeypatch.setattr(cap_name, 4)
    document = exported(client)

    def fresh_copies(d):
        if part == "setbacks":
            d["setbacks"] = [{**d["setbacks"][0], "id": str(uuid.uuid4())} for _ in range(2)]
        else:
            d["affirmations"]["own"] = [{"text": f"I keep going, take {uuid.uuid4()}"} for _ in range(2)]

    assert upload(client, _with(document, fresh_copies)).status_code == 302  # 1 + 2
    before = exported(client)
    refused(upload(client, _with(document, fresh_copies)), "Rebound keeps at most 4 in one account")
    assert exported(client) == before


@pytest.mark.both_dbs
def test_importing_the_same_file_again_changes_nothing(app, client, filled):
    document = exported(client)
    raw = json.dumps(document).encode()
    assert upload(client, raw).status_code == 302
    assert exported(client) == document
    # Into another account, twice: the second time changes nothing either.
    other = app.test_client()
    register(other, email="ben@example.com", zone="Asia/Tokyo")
    assert upload(other, raw).status_code == 302
    once = exported(other)
    assert upload(other, raw).status_code == 302
    assert exported(other) == once
    assert len(once["completions"]) == len(document["completions"]) == 3
    goal_review = next(c for c in once["completions"] if c["routine"] == "goals")
    assert list(goal_review["data"]["progress"]) == [str(once["goals"]["goals"][0]["id"])]


def test_the_user_load_never_reads_the_zone_history(app, client, filled):
    """An account with hundreds of zone changes costs one query per request to load, not all of them."""
    from webapp.auth.models import ZoneChange

    with app.app_context():
        first = db.session.scalar(db.select(ZoneChange))
        db.session.add_all(
            ZoneChange(user_id=first.user_id, changed_at=first.changed_at, old_zone="UTC", new_zone="UTC")
            for _ in range(400)
        )
        db.session.commit()
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/help").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements and not any("zone_change" in statement for statement in statements), statements


# --- error pages -----------------------------------------------------------------------------


def test_an_error_page_after_a_failed_write_still_carries_the_security_headers(tmp_path):
    """A write fails mid-request; the error page then needs the signed-in user, whose query would
    hit PendingRollbackError on the broken session. The page still comes, styled and with headers."""
    from webapp import create_app
    from webapp.auth.models import User

    app = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": True,
        },
        instance_path=str(tmp_path),
    )

    @app.get("/probe/broken-write")
    def broken_write():
        db.session.add(User(email=None, password_hash="x", created_at=None))
        db.session.flush()  # IntegrityError: the session now needs a rollback
        return "unreachable"

    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert register(client).status_code == 302
    response = client.get("/probe/broken-write")
    assert response.status_code == 500
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert "Something went wrong on our side" in response.get_data(as_text=True)
