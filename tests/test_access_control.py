"""Who may reach what: every route, for a visitor, the owner of the data and another user.

The table below classifies every rule in `app.url_map`; a new route fails
`test_every_route_is_classified` until someone decides who may use it. The owner (Ana) keeps
private words in every kind of object; the second user (Ben) guesses her ids, walks the
sequential ones and opens every page, and must never see her words or change her data.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import csrf_token, submit
from tests.support_helpers import create_invite, link_to, new_person
from webapp import create_app
from webapp.auth.models import SignInSession, User
from webapp.extensions import db
from webapp.goals.models import Goal
from webapp.reminders.models import PushSubscription
from webapp.routines.content import AFFIRMATIONS
from webapp.routines.models import Completion, Pause, UserAffirmation
from webapp.setbacks.models import Setback
from webapp.support.models import SupportInvite, SupportLink

# Ana's distinctive words: any response to anyone else that contains them is a leak.
SECRET = "Ana7f3aPrivate"
DAY = "2026-03-02"  # the clock fixture's day, for Ana in Berlin
CLIENT_ID = "5f0c8f0e-2b5e-4c1d-9a57-1f6c2b7d3a10"
CURATED = AFFIRMATIONS[0].id
# Ana's recording: a real Ogg Opus file whose comment header carries her words (same length as
# the fixture's vendor string; the server reads only the first page).
SECRET_RECORDING = (
    Path(__file__)
    .parent.joinpath("fixtures/recordings/voice.ogg")
    .read_bytes()
    .replace(b"rebound-fixture", b"Ana7f3aPrivate!")
)


@dataclass(frozen=True)
class Route:
    """How one (rule, method) is guarded, and a concrete path to try it with."""

    access: str  # public | page | api | token | api_fallback
    sample: str


PUBLIC, PAGE, API, TOKEN, API_FALLBACK = "public", "page", "api", "token", "api_fallback"
# An invite link: anyone may open it (a visitor is asked to sign in there); an unknown token is a 404.
INVITE = "invite"

ROUTES: dict[tuple[str, str], Route] = {
    # Open to everyone.
    ("GET", "/"): Route(PUBLIC, "/"),
    ("GET", "/login"): Route(PUBLIC, "/login"),
    ("POST", "/login"): Route(PUBLIC, "/login"),
    ("GET", "/register"): Route(PUBLIC, "/register"),
    ("POST", "/register"): Route(PUBLIC, "/register"),
    ("GET", "/help"): Route(PUBLIC, "/help"),
    ("GET", "/healthz"): Route(PUBLIC, "/healthz"),
    ("GET", "/offline"): Route(PUBLIC, "/offline"),
    ("GET", "/manifest.webmanifest"): Route(PUBLIC, "/manifest.webmanifest"),
    ("GET", "/sw.js"): Route(PUBLIC, "/sw.js"),
    ("GET", "/favicon.ico"): Route(PUBLIC, "/favicon.ico"),
    ("GET", "/static/<path:filename>"): Route(PUBLIC, "/static/css/app.css"),
    ("GET", "/static/v/<version>/<path:filename>"): Route(PUBLIC, "/static/v/any/css/app.css"),
    ("GET", "/api/push/public-key"): Route(PUBLIC, "/api/push/public-key"),
    # The service worker has no session: a signed, single-use token is the credential.
    ("POST", "/api/reminders/snooze"): Route(TOKEN, "/api/reminders/snooze"),
    # Unknown API paths: a JSON 404 for everyone (never a redirect).
    **{
        (method, "/api/<path:anything>"): Route(API_FALLBACK, "/api/nowhere/1")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
    # Pages: a visitor is sent to sign in.
    ("POST", "/logout"): Route(PAGE, "/logout"),
    ("GET", "/account"): Route(PAGE, "/account"),
    ("POST", "/account"): Route(PAGE, "/account"),
    ("POST", "/account/zone"): Route(PAGE, "/account/zone"),
    ("POST", "/account/password"): Route(PAGE, "/account/password"),
    ("POST", "/account/delete"): Route(PAGE, "/account/delete"),
    ("POST", "/account/import"): Route(PAGE, "/account/import"),
    ("POST", "/account/sessions/<int:sign_in_id>/end"): Route(PAGE, "/account/sessions/1/end"),
    ("POST", "/account/sessions/end-all"): Route(PAGE, "/account/sessions/end-all"),
    ("GET", "/account/export.csv.zip"): Route(PAGE, "/account/export.csv.zip"),
    ("GET", "/today"): Route(PAGE, "/today"),
    ("POST", "/today/undo"): Route(PAGE, "/today/undo"),
    ("POST", "/today/yesterday"): Route(PAGE, "/today/yesterday"),
    ("GET", "/morning"): Route(PAGE, "/morning"),
    ("POST", "/morning"): Route(PAGE, "/morning"),
    ("GET", "/morning/affirmations"): Route(PAGE, "/morning/affirmations"),
    ("POST", "/morning/affirmations"): Route(PAGE, "/morning/affirmations"),
    ("POST", "/morning/affirmations/<int:affirmation_id>"): Route(PAGE, "/morning/affirmations/1"),
    ("POST", "/morning/affirmations/<int:affirmation_id>/toggle"): Route(
        PAGE, "/morning/affirmations/1/toggle"
    ),
    ("POST", "/morning/affirmations/curated/<affirmation_id>/toggle"): Route(
        PAGE, f"/morning/affirmations/curated/{CURATED}/toggle"
    ),
    ("GET", "/breathe"): Route(PAGE, "/breathe"),
    ("POST", "/breathe"): Route(PAGE, "/breathe"),
    ("GET", "/reset"): Route(PAGE, "/reset"),
    ("POST", "/reset"): Route(PAGE, "/reset"),
    ("GET", "/reflect"): Route(PAGE, "/reflect"),
    ("POST", "/reflect"): Route(PAGE, "/reflect"),
    ("GET", "/reflect/history"): Route(PAGE, "/reflect/history"),
    ("GET", "/reflect/<day_text>"): Route(PAGE, f"/reflect/{DAY}"),
    ("GET", "/goals"): Route(PAGE, "/goals"),
    ("POST", "/goals"): Route(PAGE, "/goals"),
    ("POST", "/goals/<int:goal_id>"): Route(PAGE, "/goals/1"),
    ("POST", "/goals/<int:goal_id>/plus-one"): Route(PAGE, "/goals/1/plus-one"),
    ("POST", "/goals/<int:goal_id>/archive"): Route(PAGE, "/goals/1/archive"),
    ("POST", "/goals/today"): Route(PAGE, "/goals/today"),
    ("GET", "/goals/review"): Route(PAGE, "/goals/review"),
    ("POST", "/goals/review"): Route(PAGE, "/goals/review"),
    ("GET", "/setbacks"): Route(PAGE, "/setbacks"),
    ("POST", "/setbacks"): Route(PAGE, "/setbacks"),
    ("POST", "/setbacks/<int:setback_id>/followed-up"): Route(PAGE, "/setbacks/1/followed-up"),
    ("GET", "/setbacks/objections/<objection>"): Route(PAGE, "/setbacks/objections/other"),
    ("GET", "/progress"): Route(PAGE, "/progress"),
    ("GET", "/more"): Route(PAGE, "/more"),
    ("GET", "/reminders"): Route(PAGE, "/reminders"),
    ("POST", "/reminders"): Route(PAGE, "/reminders"),
    ("POST", "/reminders/reminder"): Route(PAGE, "/reminders/reminder"),
    ("POST", "/reminders/pauses"): Route(PAGE, "/reminders/pauses"),
    ("POST", "/reminders/pauses/<int:pause_id>/remove"): Route(PAGE, "/reminders/pauses/1/remove"),
    ("POST", "/reminders/devices/<int:device_id>/remove"): Route(PAGE, "/reminders/devices/1/remove"),
    ("POST", "/reminders/test"): Route(PAGE, "/reminders/test"),
    ("GET", "/welcome"): Route(PAGE, "/welcome"),
    ("POST", "/welcome"): Route(PAGE, "/welcome"),
    ("GET", "/welcome/days"): Route(PAGE, "/welcome/days"),
    ("POST", "/welcome/days"): Route(PAGE, "/welcome/days"),
    ("GET", "/welcome/times"): Route(PAGE, "/welcome/times"),
    ("POST", "/welcome/times"): Route(PAGE, "/welcome/times"),
    ("GET", "/welcome/reminders"): Route(PAGE, "/welcome/reminders"),
    ("POST", "/welcome/reminders"): Route(PAGE, "/welcome/reminders"),
    ("GET", "/welcome/done"): Route(PAGE, "/welcome/done"),
    ("GET", "/support"): Route(PAGE, "/support"),
    ("POST", "/support/invites"): Route(PAGE, "/support/invites"),
    ("POST", "/support/invites/<int:invite_id>/revoke"): Route(PAGE, "/support/invites/1/revoke"),
    ("GET", "/support/join/<token>"): Route(INVITE, "/support/join/no-such-token"),
    ("POST", "/support/join/<token>"): Route(PAGE, "/support/join/no-such-token"),
    ("GET", "/support/people/<int:link_id>"): Route(PAGE, "/support/people/1"),
    ("POST", "/support/people/<int:link_id>/cheers"): Route(PAGE, "/support/people/1/cheers"),
    ("POST", "/support/links/<int:link_id>"): Route(PAGE, "/support/links/1"),
    ("POST", "/support/links/<int:link_id>/end"): Route(PAGE, "/support/links/1/end"),
    ("POST", "/support/weekly"): Route(PAGE, "/support/weekly"),
    ("POST", "/support/cheers/seen"): Route(PAGE, "/support/cheers/seen"),
    ("POST", "/support/rough-day"): Route(PAGE, "/support/rough-day"),
    # The JSON API: 401 JSON without a session.
    ("GET", "/api/csrf"): Route(API, "/api/csrf"),
    ("GET", "/api/export"): Route(API, "/api/export"),
    ("POST", "/api/completions"): Route(API, "/api/completions"),
    ("DELETE", "/api/completions/<client_id>"): Route(API, f"/api/completions/{CLIENT_ID}"),
    ("POST", "/api/setbacks"): Route(API, "/api/setbacks"),
    ("GET", "/api/insights"): Route(API, "/api/insights"),
    ("POST", "/api/push/subscriptions"): Route(API, "/api/push/subscriptions"),
    ("DELETE", "/api/push/subscriptions"): Route(API, "/api/push/subscriptions"),
    ("POST", "/api/push/test"): Route(API, "/api/push/test"),
    ("POST", "/api/cheers"): Route(API, "/api/cheers"),
    ("GET", "/api/recordings"): Route(API, "/api/recordings"),
    ("POST", "/api/recordings/backup"): Route(API, "/api/recordings/backup"),
    **{
        (method, "/api/recordings/<affirmation_id>"): Route(API, f"/api/recordings/{CURATED}")
        for method in ("GET", "PUT", "DELETE")
    },
}


@dataclass(frozen=True)
class Owned:
    """A route that names one of the owner's objects: which one, and a valid form to send."""

    kind: str
    data: dict


# Every route with an object in its path. The data is a valid submission, so that a 404 comes
# from the ownership check and not from validation.
OWNED: dict[tuple[str, str], Owned] = {
    ("POST", "/goals/<int:goal_id>"): Owned("goal", {"name": "Renamed", "target": "3", "period": "day"}),
    ("POST", "/goals/<int:goal_id>/plus-one"): Owned("goal", {}),
    ("POST", "/goals/<int:goal_id>/archive"): Owned("goal", {}),
    ("POST", "/morning/affirmations/<int:affirmation_id>"): Owned("affirmation", {"text": "Reworded words"}),
    ("POST", "/morning/affirmations/<int:affirmation_id>/toggle"): Owned("affirmation", {"what": "hidden"}),
    ("POST", "/setbacks/<int:setback_id>/followed-up"): Owned("setback", {}),
    ("POST", "/reminders/pauses/<int:pause_id>/remove"): Owned("pause", {}),
    ("POST", "/reminders/devices/<int:device_id>/remove"): Owned("device", {}),
    ("DELETE", "/api/completions/<client_id>"): Owned("completion", {}),
    ("GET", "/reflect/<day_text>"): Owned("reflection", {}),
    ("POST", "/account/sessions/<int:sign_in_id>/end"): Owned("sign_in", {}),
    ("POST", "/support/invites/<int:invite_id>/revoke"): Owned("invite", {}),
    # A link Ana owns (Cara supports her): her preview of Cara's view, her choices, ending it.
    ("GET", "/support/people/<int:link_id>"): Owned("link", {}),
    ("POST", "/support/links/<int:link_id>"): Owned("link", {"show_wins": "y"}),
    ("POST", "/support/links/<int:link_id>/end"): Owned("link", {}),
    # A link through which Ana supports Cara: only a supporter sends cheers.
    ("POST", "/support/people/<int:link_id>/cheers"): Owned("supported_link", {"kind": "proud"}),
    # A recording's path names an affirmation: Ana's own one ("own-<n>"), which only she may record.
    **{
        (method, "/api/recordings/<affirmation_id>"): Owned("recording", {"body": SECRET_RECORDING})
        for method in ("GET", "PUT", "DELETE")
    },
}
# What a second user's own objects of a kind answer (besides a redirect or a 404) when walked:
# Ben has backup off, so a PUT for one of his own affirmations or a curated one is refused (409),
# and deleting a server copy he doesn't have is a harmless 200.
OWN_ANSWERS = {"recording": (200, 409)}

# Rules with a parameter that names nothing anyone owns.
SHARED_PARAMETERS = {
    "/morning/affirmations/curated/<affirmation_id>/toggle",  # the curated list is everyone's
    "/static/<path:filename>",
    "/static/v/<version>/<path:filename>",
    "/api/<path:anything>",
    "/support/join/<token>",  # a random single-use token is the key; tests/test_support.py tries them
    # Objection ids are everyone's; the page shows only the signed-in user's own lessons
    # (test_a_second_users_playbook_never_shows_the_owners_lessons).
    "/setbacks/objections/<objection>",
}


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    # Accounts are made in every test here; how passwords are hashed is tested in test_auth.py.
    monkeypatch.setattr("webapp.auth.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


def _ids(params) -> list[str]:
    return [f"{method} {rule}" for method, rule in params]


@pytest.fixture(scope="module")
def url_rules() -> set[tuple[str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_classified(url_rules):
    missing = sorted(url_rules - set(ROUTES))
    assert not missing, f"classify these routes in ROUTES (public, page, api...): {missing}"
    gone = sorted(set(ROUTES) - url_rules)
    assert not gone, f"these routes no longer exist; drop them from ROUTES: {gone}"


def test_every_route_with_an_object_in_its_path_is_checked_for_ownership(url_rules):
    with_parameters = {(method, rule) for method, rule in url_rules if "<" in rule}
    unchecked = sorted(
        (method, rule)
        for method, rule in with_parameters
        if (method, rule) not in OWNED and rule not in SHARED_PARAMETERS
    )
    assert not unchecked, f"add these to OWNED (or SHARED_PARAMETERS if no one owns them): {unchecked}"


# --- anonymous --------------------------------------------------------------------------------


def _get(client, path: str):
    """GET and read the whole body (a file response must be closed, or pytest warns)."""
    with client.get(path) as response:
        response.get_data()
    return response


def _send(client, method: str, path: str, token: str):
    """An empty request with a valid CSRF token: what answers is the route's guard."""
    if method == "GET":
        return _get(client, path)
    if path.startswith("/api/"):
        return client.open(path, method=method, json={}, headers={"X-CSRFToken": token})
    return client.open(path, method=method, data={"csrf_token": token})


@pytest.mark.parametrize(("method", "rule"), list(ROUTES), ids=_ids(ROUTES))
def test_a_visitor_without_an_account(client, method, rule):
    route = ROUTES[method, rule]
    token = csrf_token(client, "/login")  # a visitor's session has a CSRF token too
    response = _send(client, method, route.sample, token)
    if route.access == PAGE:
        assert response.status_code in (302, 303), response.status_code
        assert urlsplit(response.headers["Location"]).path == "/login"
    elif route.access == API:
        assert response.status_code == 401
        assert response.get_json()["error"] == "login_required"
    elif route.access == API_FALLBACK:
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
    elif route.access == INVITE:
        assert response.status_code == 404 and b"isn" in response.data
    elif route.access == TOKEN:
        assert response.status_code == 400
        assert response.get_json()["error"] == "invalid_token"
    elif method == "GET":
        assert response.status_code == 200, response.status_code
    else:  # signing in or up with nothing filled in
        assert response.status_code == 400
        assert b'class="error' in response.data


def test_the_api_refuses_a_visitor_even_without_a_csrf_token(client):
    for (method, rule), route in ROUTES.items():
        if route.access == API and method != "GET":
            response = client.open(route.sample, method=method, json={})
            assert response.status_code == 401, f"{method} {rule}"
            assert response.get_json()["error"] == "login_required", f"{method} {rule}"


# --- CSRF on the JSON API -----------------------------------------------------------------------

# Every route under /api/ that changes something, straight from the table: a new one is covered
# the day it is classified.
API_WRITES = [
    (method, rule) for (method, rule) in ROUTES if rule.startswith("/api/") and method not in ("GET", "HEAD")
]


def _forged_tokens(client, other_client) -> dict[str, dict]:
    """The X-CSRFToken headers an attacker could send, by what they are."""
    wrong_key = URLSafeTimedSerializer("not-the-apps-secret-key", salt="wtf-csrf-token")
    return {
        "missing": {},
        "empty": {"X-CSRFToken": ""},
        "garbage": {"X-CSRFToken": "forged"},
        "signed with another key": {"X-CSRFToken": wrong_key.dumps("a" * 40)},
        "another session's real token": {"X-CSRFToken": csrf_token(other_client, "/account")},
    }


@pytest.mark.parametrize(("method", "rule"), API_WRITES, ids=_ids(API_WRITES))
def test_a_signed_in_api_write_without_its_own_csrf_token_is_403(client, user, other_client, method, rule):
    route = ROUTES[method, rule]
    for forgery, headers in _forged_tokens(client, other_client).items():
        response = client.open(route.sample, method=method, json={}, headers=headers)
        if route.access == TOKEN:
            # Exempt by design (the service worker has no session): its signed token is checked.
            assert response.status_code == 400, forgery
            assert response.get_json()["error"] == "invalid_token", forgery
        else:
            assert response.status_code == 403, f"{forgery}: {response.status_code}"
            assert response.get_json()["error"] == "csrf_failed", forgery
    # The same request with the session's own token gets past the guard (whatever the route says next).
    response = client.open(route.sample, method=method, json={}, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code != 403


def test_every_api_write_is_in_the_csrf_check():
    assert ("POST", "/api/push/subscriptions") in API_WRITES and ("POST", "/api/completions") in API_WRITES
    assert len(API_WRITES) >= 10


# --- the owner and a second user ---------------------------------------------------------------


def _saved(response) -> None:
    assert response.status_code in (201, 302), response.get_data(as_text=True)[:500]


@pytest.fixture
def owned(app, client, user, other_client, clock):
    """Ana's private data in every kind of object, and one goal and affirmation of Ben's."""
    _saved(submit(client, "/goals", {"name": f"{SECRET} goal", "kind": "activity", "target": "5"}))
    _saved(submit(client, "/morning/affirmations", {"text": f"I am {SECRET}"}))
    setback = {"what_happened": f"{SECRET} setback", "learned": f"{SECRET} lesson", "follow_up_on": DAY}
    _saved(submit(client, "/setbacks", setback))
    pause = {"routine": "all", "starts_on": "2026-03-10", "ends_on": "2026-03-12"}
    _saved(submit(client, "/reminders/pauses", pause, page="/reminders"))
    _saved(submit(client, "/morning", {"intention": f"{SECRET} intention"}))
    _saved(submit(client, "/goals/review", {"helped": f"{SECRET} review"}))
    profile = {"display_name": SECRET, "time_zone": "Europe/Berlin", "day_end_hour": "0"}
    _saved(submit(client, "/account", profile))
    reflection = {
        "id": CLIENT_ID,
        "routine": "reflect",
        "completed_at": "2026-03-02T08:30:00+00:00",
        "data": {"went_well": f"{SECRET} reflection", "small_win": f"{SECRET} win", "mood": 4},
    }
    _saved(client.post("/api/completions", json=reflection, headers={"X-CSRFToken": csrf_token(client)}))
    # Ben has objects of his own, so ids interleave and "someone else's" is not just "no row".
    _saved(submit(other_client, "/goals", {"name": "Ben goal", "kind": "activity", "target": "5"}))
    _saved(submit(other_client, "/morning/affirmations", {"text": "Ben's own words"}))
    # Cara supports Ana, and Ana supports Cara; an invite of Ana's is still open.
    cara = new_person(app, "cara@example.com", "Cara")
    link_to(client, cara)
    supported = link_to(cara, client)
    create_invite(client)
    with app.app_context():
        # A host no push is ever sent to: nothing here may leave the machine.
        device = PushSubscription(
            user_id=user.id,
            endpoint=f"https://push.invalid/{SECRET}",
            p256dh="B" * 87,
            auth="A" * 22,
            browser=f"{SECRET} phone",
            created_at=clock(),
            last_seen_at=clock(),
        )
        db.session.add(device)
        db.session.commit()
        device_id = device.id
        recording = f"own-{db.session.scalar(db.select(UserAffirmation.id).filter_by(user_id=user.id))}"
    token = csrf_token(client)
    backup = client.post("/api/recordings/backup", json={"on": True}, headers={"X-CSRFToken": token})
    assert backup.status_code == 200
    _saved(client.put(f"/api/recordings/{recording}", data=SECRET_RECORDING, headers={"X-CSRFToken": token}))
    with app.app_context():

        def mine(model):
            return db.session.scalar(db.select(model.id).filter_by(user_id=user.id))

        ids = {
            "goal": mine(Goal),
            "affirmation": mine(UserAffirmation),
            "setback": mine(Setback),
            "pause": mine(Pause),
            "device": device_id,
            "recording": recording,
            "sign_in": mine(SignInSession),
            "bens_sign_in": db.session.scalar(
                db.select(SignInSession.id)
                .join(User, User.id == SignInSession.user_id)
                .where(User.email == "ben@example.com")
            ),
            "completion": CLIENT_ID,
            "invite": db.session.scalar(
                db.select(SupportInvite.id)
                .filter_by(owner_id=user.id, used_at=None)
                .order_by(SupportInvite.id.desc())
            ),
            "link": db.session.scalar(db.select(SupportLink.id).filter_by(owner_id=user.id)),
            "supported_link": supported,
            "reflection": DAY,
            "completion_row": db.session.scalar(
                db.select(Completion.id).filter_by(user_id=user.id, client_id=CLIENT_ID)
            ),
        }
    assert all(ids.values()), ids
    return ids


def _path(rule: str, value) -> str:
    start, end = rule.index("<"), rule.index(">")
    return rule[:start] + str(value) + rule[end + 1 :]


def _act(client, method: str, rule: str, value, data: dict, token: str | None = None):
    """Send a valid request for the object `value` names, as whoever is signed in on `client`."""
    path = _path(rule, value)
    token = token or csrf_token(client, "/today")
    if method == "GET":
        return client.get(path)
    if path.startswith("/api/"):
        return client.open(path, method=method, headers={"X-CSRFToken": token}, data=data.get("body"))
    return client.post(path, data={"csrf_token": token, "form_id": str(uuid.uuid4()), **data})


def _export(client) -> dict:
    response = client.get("/api/export")
    assert response.status_code == 200
    return response.get_json()


def _text(response) -> str:
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return "".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data().decode(errors="replace")


@pytest.mark.parametrize(("method", "rule"), list(OWNED), ids=_ids(OWNED))
def test_the_owner_reaches_their_own_object(client, owned, method, rule):
    spec = OWNED[method, rule]
    response = _act(client, method, rule, owned[spec.kind], spec.data)
    assert response.status_code in (200, 302, 303), response.status_code
    if method == "GET":
        assert SECRET in _text(response)


@pytest.mark.parametrize(("method", "rule"), list(OWNED), ids=_ids(OWNED))
def test_a_second_user_gets_404_for_the_owners_object(client, other_client, owned, method, rule):
    spec = OWNED[method, rule]
    before = _export(client)
    response = _act(other_client, method, rule, owned[spec.kind], spec.data)
    assert response.status_code == 404
    assert SECRET not in _text(response)
    if rule.startswith("/api/"):
        assert response.get_json()["error"] == "not_found"
    assert _export(client) == before


def _guesses(rule: str, kind: str, owned: dict) -> list:
    if kind == "completion":
        # Ana's client id with its last digit changed, her row's number, and small numbers.
        near = [CLIENT_ID[:-1] + digit for digit in "0123456789abcdef"]
        return [*near, str(owned["completion_row"]), *map(str, range(1, 51)), CLIENT_ID.upper()]
    if kind == "reflection":
        return [f"2026-{month:02d}-{day:02d}" for month in (2, 3) for day in range(1, 29)]
    if kind == "recording":
        return [f"own-{n}" for n in range(1, 51)] + [a.id for a in AFFIRMATIONS[:5]] + [owned[kind].upper()]
    mine = owned[kind]
    guesses = set(range(1, 51)) | {mine + delta for delta in range(-3, 4) if mine + delta > 0}
    if kind == "sign_in":
        guesses.discard(owned["bens_sign_in"])  # Ben signing himself out would end the walk
    return sorted(guesses)


@pytest.mark.parametrize(("method", "rule"), list(OWNED), ids=_ids(OWNED))
def test_walking_ids_never_reaches_the_owners_data(client, other_client, owned, method, rule):
    spec = OWNED[method, rule]
    before = _export(client)
    token = csrf_token(other_client, "/today")
    for value in _guesses(rule, spec.kind, owned):
        response = _act(other_client, method, rule, value, spec.data, token)
        where = f"{method} {_path(rule, value)} as the second user"
        assert SECRET not in _text(response), where
        if value in (owned[spec.kind], str(owned[spec.kind])):
            assert response.status_code == 404, where
        else:
            # Ben's own objects answer as usual; anything else is not found.
            assert response.status_code in (302, 303, 404, *OWN_ANSWERS.get(spec.kind, ())), where
    assert _export(client) == before


def _plain_gets():
    return [
        (method, rule)
        for (method, rule), route in ROUTES.items()
        if method == "GET" and "<" not in rule and route.access in (PAGE, API)
    ]


@pytest.mark.parametrize(("method", "rule"), _plain_gets(), ids=_ids(_plain_gets()))
def test_a_second_users_pages_never_show_the_owners_words(other_client, owned, method, rule):
    # Followed: /welcome/done is the first run's last step, a redirect to /today.
    response = other_client.get(rule, follow_redirects=True)
    assert response.status_code == 200
    assert SECRET not in _text(response)


def test_the_owners_pages_do_show_them(client, owned):
    # The check above means something only if these pages would show the words at all.
    for path in (
        "/today",
        "/goals",
        "/setbacks",
        "/reflect/history",
        "/morning/affirmations",
        "/reminders",
        "/morning",
        "/setbacks/objections/other",
    ):
        assert SECRET in client.get(path).get_data(as_text=True), path
    assert SECRET in _text(client.get("/account/export.csv.zip"))


def test_a_second_users_playbook_never_shows_the_owners_lessons(client, other_client, owned):
    from webapp.routines.content import OBJECTIONS

    # Ben logs a no with the owner's objection, so his answer looks for earlier lessons too.
    body = {"id": str(uuid.uuid4()), "what_happened": "Ben's no", "objection": "other"}
    answer = other_client.post(
        "/api/setbacks", json=body, headers={"X-CSRFToken": csrf_token(other_client, "/today")}
    )
    assert answer.status_code == 201 and answer.get_json()["lessons"] == []
    for objection in OBJECTIONS:
        response = other_client.get(f"/setbacks/objections/{objection}")
        assert response.status_code == 200 and SECRET not in _text(response), objection
    assert SECRET not in _text(other_client.get(f"/setbacks?logged={body['id']}"))
    # Even with the owner's setback id in the address, the lessons shown are Ben's own.
    owners_id = _export(client)["setbacks"][0]["id"]
    for path in (f"/setbacks?logged={owners_id}", f"/reset?step=affirmation&logged={owners_id}"):
        response = other_client.get(path)
        assert response.status_code == 200 and SECRET not in _text(response), path


def test_a_visitor_never_sees_the_owners_words_anywhere(app, owned):
    visitor = app.test_client()
    for (method, _rule), route in ROUTES.items():
        if method == "GET":
            response = _get(visitor, route.sample)
            assert SECRET not in _text(response), f"GET {route.sample} as a visitor"


def test_signing_out_ends_the_owners_access(client, owned):
    assert submit(client, "/logout", page="/account").status_code == 302
    assert urlsplit(client.get("/goals").headers["Location"]).path == "/login"
    assert client.get("/api/export").status_code == 401
