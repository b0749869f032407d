"""What the offline queue (static/js/outbox.js, offline-queue.js) relies on from the server.

The queue replays what a phone saved to the JSON API, only in its owner's session: /api/csrf says
whose session it is, the API echoes each client id, and every hooked form says where the page goes
next and what the server would have flashed. The browser side is in tests/browser/test_offline.py.
"""

from __future__ import annotations

import json
import re
import uuid
from html.parser import HTMLParser

import pytest

from tests.conftest import csrf_token, submit
from webapp.extensions import db
from webapp.setbacks.models import Setback

MOMENT = "2026-03-02T10:00:00+01:00"  # the clock fixture's 09:00 UTC, in Berlin


class _HookedForms(HTMLParser):
    """Each form marked data-offline: its data-* attributes and the names of its fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "data-offline" in attrs:
            self._current = {"attrs": attrs, "fields": set()}
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current is not None and attrs.get("name"):
            self._current["fields"].add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def hooked_form(client, page: str) -> dict:
    parser = _HookedForms()
    parser.feed(client.get(page).get_data(as_text=True))
    assert len(parser.forms) == 1, f"{page} should have one form for the offline queue"
    return parser.forms[0]


def flashes(html: str) -> list[str]:
    block = re.search(r'<div class="flashes" role="status">(.*?)</div>', html, re.S)
    return re.findall(r"<p>(.*?)</p>", block.group(1)) if block else []


def api_post(client, path: str, body: dict, token: str | None = None):
    return client.post(path, json=body, headers={"X-CSRFToken": token or csrf_token(client, "/today")})


def completion(routine: str = "reflect", data: dict | None = None) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "routine": routine,
        "completed_at": MOMENT,
        "data": {"went_well": "A good first call"} if data is None else data,
    }


def test_api_csrf_says_whose_session_it_is(client, user, other_client):
    mine = client.get("/api/csrf")
    theirs = other_client.get("/api/csrf")

    assert mine.status_code == 200
    assert mine.get_json()["user_id"] == user.id
    assert theirs.get_json()["user_id"] != user.id
    assert mine.headers["Cache-Control"] == "no-store"


def test_api_csrf_without_a_session_is_a_json_401(client, app):
    response = client.get("/api/csrf")

    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"


@pytest.mark.both_dbs
def test_a_replay_with_a_stale_token_succeeds_once_with_a_fresh_one_from_api_csrf(client, user, app):
    item = completion()

    stale = api_post(client, "/api/completions", item, token="stale-token-from-a-closed-tab")
    assert stale.status_code == 403
    assert stale.get_json()["error"] == "csrf_failed"

    fresh = client.get("/api/csrf").get_json()["csrf_token"]
    first = api_post(client, "/api/completions", item, token=fresh)
    again = api_post(client, "/api/completions", item, token=fresh)

    assert first.status_code == 201
    assert first.get_json()["id"] == item["id"]
    assert again.status_code == 200
    assert again.get_json() == first.get_json()


@pytest.mark.both_dbs
def test_a_setback_replayed_twice_is_logged_once_and_echoes_its_id(client, user, app):
    item = {
        "id": str(uuid.uuid4()),
        "occurred_at": MOMENT,
        "what_happened": "Acme said no on price",
        "objection": "price",
        "controlled": "",
        "learned": "",
        "follow_up_on": None,
    }

    answers = [api_post(client, "/api/setbacks", item) for _ in range(2)]

    assert [a.status_code for a in answers] == [201, 200]
    assert {a.get_json()["id"] for a in answers} == {item["id"]}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Setback.id))) == 1


def test_a_replay_after_the_session_ended_is_a_401_and_saves_nothing(client, user, app):
    token = csrf_token(client, "/today")
    client.post("/logout", data={"csrf_token": token})

    response = api_post(client, "/api/completions", completion(), token=token)

    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"


def test_a_replay_the_server_turns_down_gets_a_message_for_people(client, user):
    response = api_post(client, "/api/completions", completion(data={"mood": 9}))

    assert response.status_code == 422
    assert response.get_json()["message"]


# page, the form's builder, fields the builder reads, data that makes a valid submit, where the server
# goes next. The page's data-offline-done must be what the server flashes after the same form.
HOOKED = [
    (
        "/reflect",
        "reflect",
        {"went_well", "didnt_go_well", "learned", "reframe", "small_win", "mood"},
        {"went_well": "Two calls that went deep"},
        "/reflect",
    ),
    ("/morning", "morning", {"intention"}, {"intention": "One more question per call"}, "/morning"),
    ("/breathe", "breathe", {"pattern", "minutes", "seconds"}, {}, "/breathe"),
    (
        "/setbacks",
        "setback",
        {"what_happened", "objection", "controlled", "learned", "follow_up_on"},
        {"what_happened": "Acme said no on price", "objection": "price"},
        "/setbacks",
    ),
    (
        "/reset",
        "setback",
        {"what_happened", "objection"},
        {"what_happened": "Acme said no"},
        "/reset?step=breathe",
    ),
]


@pytest.mark.parametrize(("page", "builder", "fields", "data", "after"), HOOKED)
def test_each_hooked_form_says_where_the_server_goes_and_what_it_says(
    client, user, page, builder, fields, data, after
):
    form = hooked_form(client, page)
    attrs = form["attrs"]
    assert attrs["data-offline"] == builder
    assert fields <= form["fields"]

    response = submit(client, attrs["action"], data, page=page)

    assert response.status_code == 302
    assert response.location.startswith(attrs["data-offline-next"])
    assert response.location.split("?")[0] == after.split("?")[0]
    said = flashes(client.get(response.location).get_data(as_text=True))
    # The queue shows a form's data-offline-done after sending it itself: the server's own words.
    assert said == ([attrs["data-offline-done"]] if "data-offline-done" in attrs else [])


def test_the_morning_form_names_todays_affirmations_as_the_api_takes_them(client, user):
    form = hooked_form(client, "/morning")
    ids = json.loads(form["attrs"]["data-offline-affirmations"])

    response = api_post(
        client, "/api/completions", completion("morning", {"intention": "", "affirmation_ids": ids})
    )

    assert len(ids) == 3
    assert response.status_code == 201
    assert hooked_form(client, "/morning")["attrs"]["data-offline-done"] == "Intention saved."


def test_the_service_worker_loads_the_queue_from_its_own_version(client, app):
    version = app.config["ASSET_VERSION"]
    worker = client.get("/sw.js").get_data(as_text=True)
    url = f"/static/v/{version}/js/outbox.js"

    assert f"const VERSION = {json.dumps(version)};" in worker
    assert "importScripts(`/static/v/${VERSION}/js/outbox.js`);" in worker
    assert json.dumps(url) in worker, "the worker keeps the queue in its shell"
    with client.get(url) as script:
        assert script.status_code == 200
        assert script.mimetype in ("application/javascript", "text/javascript")
        source = script.get_data(as_text=True)
    assert "self.ReboundOutbox = {" in source
    assert not re.search(r"^\s*(import|export)\b", source, re.M), "a classic script for importScripts"
