"""Push endpoints an attacker controls: the server only ever contacts an allowed push service.

The endpoint is parsed exactly as the sender's HTTP library parses it, so the host the
allow-list checks is the host the request goes to; an account holds at most ten devices; a
test push is limited per account; and a device held by another account moves only for the
browser that holds its secret.
"""

from __future__ import annotations

import socket
import threading

import pytest

from tests.conftest import register
from tests.pushservice import PushService
from tests.test_reminders import api
from webapp.clock import utcnow
from webapp.extensions import db
from webapp.reminders.core import is_allowed_endpoint
from webapp.reminders.devices import MAX_DEVICES
from webapp.reminders.models import PushSubscription


@pytest.fixture
def push(app):
    with PushService(vapid_public_key=app.config["VAPID_PUBLIC_KEY"]) as service:
        before = app.config["PUSH_ALLOWED_HOSTS"]
        app.config["PUSH_ALLOWED_HOSTS"] = (service.origin,)
        yield service
        app.config["PUSH_ALLOWED_HOSTS"] = before


# Endpoints that Python's urlsplit reads as an allowed host, while urllib3 (which sends the
# request) ends the host at the backslash: the request would go to 127.0.0.1.
SMUGGLED = [
    "https://127.0.0.1\\x.push.apple.com/admin",
    "https://2130706433\\x.push.apple.com/",
    "https://localhost\\x.push.apple.com/",
    "https://127.0.0.1\\@x.push.apple.com/",
]
NOT_RFC_3986 = [
    "https://x.push.apple.com/a b",
    "https://x.push.apple.com/\t",
    "https://x.push.apple.com/é",
    "https://x.push.apple.com\r\n/",
    'https://x.push.apple.com/"',
    "https://x.push.apple.com/<a>",
]


@pytest.mark.parametrize("endpoint", SMUGGLED + NOT_RFC_3986)
def test_an_endpoint_the_sender_would_read_differently_is_not_allowed(endpoint):
    assert not is_allowed_endpoint(endpoint, ("*.push.apple.com",))


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://a.push.apple.com/3/device/x", True),
        ("https://a.push.apple.com./3/device/x", True),
        ("https://A.PUSH.APPLE.COM/x", True),
        ("https://a.push.apple.com:443/x", True),
        ("https://push.apple.com/x", False),
        ("https://a.push.apple.com:8443/x", False),
        ("http://a.push.apple.com/x", False),
        ("https://user@a.push.apple.com/x", False),
        ("https://a.push.apple.com%2f@evil.example/x", False),
        ("https://evil.example#.push.apple.com", False),
        ("https://evil.example?.push.apple.com", False),
    ],
)
def test_the_allow_list_rules_read_the_host_as_the_sender_does(endpoint, allowed):
    assert is_allowed_endpoint(endpoint, ("*.push.apple.com",)) is allowed


@pytest.mark.both_dbs
@pytest.mark.parametrize("endpoint", SMUGGLED + NOT_RFC_3986[:3])
def test_subscribing_a_smuggled_endpoint_is_refused(app, client, user, endpoint):
    app.config["PUSH_ALLOWED_HOSTS"] = ("*.push.apple.com",)
    try:
        body = {"endpoint": endpoint, "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}
        response = api(client, "POST", "/api/push/subscriptions", body)
    finally:
        app.config["PUSH_ALLOWED_HOSTS"] = ()
    assert response.status_code == 400
    assert response.get_json()["error"] == "push_host_not_allowed"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0


@pytest.fixture
def port_443_listener():
    """A plain TCP listener on 127.0.0.1:443, standing in for an internal service: it counts
    the connections anyone makes to it."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", 443))
    except OSError as error:
        server.close()
        pytest.skip(f"can't listen on 127.0.0.1:443 here: {error}")
    server.listen()
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(connection)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield connections
    stop.set()
    thread.join()
    server.close()


# One backend only: the check is the sender's, not the database's, and two runs on two xdist
# workers would both need port 443 at once (the second was skipped for it).
def test_a_stored_smuggled_endpoint_is_checked_again_before_each_send(
    app, client, user, push, port_443_listener
):
    """A row stored before this check existed is refused by the sender's own check: nothing
    connects to 127.0.0.1:443, and the device is flagged."""
    app.config["PUSH_ALLOWED_HOSTS"] = ("*.push.apple.com",)
    keys = push.new_subscription()
    with app.app_context():
        now = utcnow()
        db.session.add(
            PushSubscription(
                user_id=user.id,
                endpoint="https://127.0.0.1\\x.push.apple.com/admin",
                p256dh=keys.p256dh,
                auth=keys.auth,
                created_at=now,
                last_seen_at=now,
            )
        )
        db.session.commit()
    try:
        answer = api(client, "POST", "/api/push/test", {}).get_json()
    finally:
        app.config["PUSH_ALLOWED_HOSTS"] = ()
    assert answer == {"accepted": 0, "failed": 1}
    assert port_443_listener == []
    with app.app_context():
        assert db.session.scalar(db.select(PushSubscription.flag_reason)) == "push host not allowed"


@pytest.mark.both_dbs
def test_an_account_keeps_its_ten_most_recent_devices(app, client, user, push, clock):
    devices = []
    for _ in range(MAX_DEVICES):
        devices.append(push.new_subscription())
        assert api(client, "POST", "/api/push/subscriptions", devices[-1].as_json()).status_code == 201
        clock.advance(minutes=1)
    # The first device opened the app again: now the second is the one seen longest ago.
    refreshed = devices[0].as_json() | {"refresh": True}
    assert api(client, "POST", "/api/push/subscriptions", refreshed).status_code == 200
    clock.advance(minutes=1)
    extra = push.new_subscription()
    assert api(client, "POST", "/api/push/subscriptions", extra.as_json()).status_code == 201
    with app.app_context():
        kept = set(db.session.scalars(db.select(PushSubscription.endpoint).filter_by(user_id=user.id)))
    assert kept == {d.endpoint for d in [devices[0], *devices[2:], extra]}
    assert len(kept) == MAX_DEVICES


def test_test_pushes_are_limited_per_account(app, client, user, other_client, push):
    for _ in range(5):
        assert api(client, "POST", "/api/push/test", {}).status_code == 200
    refused = api(client, "POST", "/api/push/test", {})
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "rate_limited"
    # The page's button is the same action: it shares the account's limit.
    from tests.conftest import submit

    page = submit(client, "/reminders/test", page="/reminders")
    assert page.status_code == 429
    assert "Content-Security-Policy" in page.headers
    # Another account, from the same address, is not affected.
    assert api(other_client, "POST", "/api/push/test", {}).status_code == 200


@pytest.mark.both_dbs
def test_a_device_held_by_another_account_moves_only_with_its_own_secret(app, client, user, push):
    device = push.new_subscription()
    assert api(client, "POST", "/api/push/subscriptions", device.as_json()).status_code == 201
    ben = app.test_client()
    register(ben, email="ben@example.com")
    stolen = device.as_json() | {"keys": push.new_subscription().as_json()["keys"]}
    response = api(ben, "POST", "/api/push/subscriptions", stolen)
    assert response.status_code == 409
    assert response.get_json()["error"] == "device_taken"
    with app.app_context():
        row = db.session.scalar(db.select(PushSubscription))
        assert (row.user_id, row.p256dh, row.auth) == (user.id, device.p256dh, device.auth)
    # The same browser (same keys), now signed in as Ben, takes its reminders along.
    assert api(ben, "POST", "/api/push/subscriptions", device.as_json()).status_code == 201
