"""Web Push in a real Chromium: a pushed reminder becomes a notification, a tap's choice and "Later"
as functions, and the "Turn on reminders on this phone" flow on /reminders.

Headless Chromium runs every context like an incognito window, where the Push API refuses to
subscribe; the flow that needs a subscription stubs only `PushManager` (the browser's half) and
uses the local push service in tests/pushservice.py, so the server's half is real.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.pushservice import PushService
from webapp.auth.models import User
from webapp.extensions import db
from webapp.reminders import messages
from webapp.reminders.models import Occurrence, PushSubscription

from .conftest import problems, register, sign_in, wait_for_service_worker

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
TURN_ON = "Turn on reminders on this phone"
# What Chromium logs when a page in an incognito-like context calls pushManager.subscribe().
INCOGNITO_PUSH = "does not support the Push API in incognito mode"

# The browser's push subscription, faked in the page: kept in localStorage so that it outlives a
# reload and is shared by every page of the context, like the real one.
FAKE_PUSH = """
(() => {
  if (location.protocol !== "http:" || !("PushManager" in window)) return;
  const fake = %s;
  const store = window.localStorage;
  const subscription = {
    endpoint: fake.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: null },
    toJSON: () => fake,
    unsubscribe: async () => { store.removeItem("fake-push-key"); return true; },
  };
  PushManager.prototype.getSubscription = async function () {
    return store.getItem("fake-push-key") ? subscription : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = Array.from(new Uint8Array(options.applicationServerKey));
    store.setItem("fake-push-key", JSON.stringify({ key, userVisibleOnly: options.userVisibleOnly }));
    return subscription;
  };
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = () => {
    store.setItem("permission-asked", String(Number(store.getItem("permission-asked") || 0) + 1));
    return ask();
  };
})();
"""

# Waits for the service worker to show a notification whose body is `body` (the worker shows it
# inside its push event, which the page can't listen to); returns what getNotifications() lists.
NOTIFICATIONS_WITH_BODY = """async ([body, tag]) => {
  const registration = await navigator.serviceWorker.ready;
  const deadline = Date.now() + 5000;
  for (;;) {
    const shown = await registration.getNotifications(tag ? { tag } : undefined);
    if (shown.some((n) => n.body === body) || Date.now() > deadline) {
      return shown.map((n) => ({
        title: n.title, body: n.body, tag: n.tag, data: n.data, icon: n.icon, badge: n.badge,
        actions: n.actions.map((a) => ({ action: a.action, title: a.title })),
      }));
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}"""


@pytest.fixture
def push_service(live_server):
    """A local Web Push service the live server may send to."""
    app = live_server.app
    with PushService(vapid_public_key=app.config["VAPID_PUBLIC_KEY"]) as service:
        before = app.config["PUSH_ALLOWED_HOSTS"]
        app.config["PUSH_ALLOWED_HOSTS"] = (service.origin,)
        yield service
        app.config["PUSH_ALLOWED_HOSTS"] = before


def registration_id(page, scope: str) -> tuple[object, str]:
    """A DevTools session on `page` and the id Chromium gives the service worker registration of `scope`."""
    cdp = page.context.new_cdp_session(page)
    found: list[str] = []

    def updated(event):
        found.extend(
            r["registrationId"]
            for r in event["registrations"]
            if r["scopeURL"] == scope and not r["isDeleted"]
        )

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not found:
        assert time.monotonic() < deadline, f"Chromium reported no service worker registration for {scope}"
        page.evaluate("0")  # a round trip, in which Playwright hands over the events that arrived
    return cdp, found[-1]


def versioned(live_server, path: str) -> str:
    return f"{live_server.url}/static/v/{live_server.app.config['ASSET_VERSION']}/{path}"


def test_a_pushed_reminder_shows_its_title_body_and_tag_once(new_phone, live_server):
    phone = new_phone()
    phone.context.grant_permissions(["notifications"], origin=live_server.url)
    register(phone)
    wait_for_service_worker(phone)
    cdp, registration = registration_id(phone, f"{live_server.url}/")
    payload = {
        "title": "Good morning",
        "body": "A no is about their timing, not my worth.",
        "tag": "rebound-42",
        "url": "/morning",
        "routine": "morning",
        "occurrence": 42,
        "snooze_token": "signed-token",
        "actions": [{"action": "start", "title": "Start"}, {"action": "later", "title": "Later"}],
    }

    def deliver(body: dict | str) -> None:
        data = body if isinstance(body, str) else json.dumps(body)
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_server.url, "registrationId": registration, "data": data},
        )

    deliver(payload)
    [shown] = phone.evaluate(NOTIFICATIONS_WITH_BODY, [payload["body"], "rebound-42"])

    assert (shown["title"], shown["body"], shown["tag"]) == (
        "Good morning",
        "A no is about their timing, not my worth.",
        "rebound-42",
    )
    assert shown["data"] == {"url": "/morning", "snooze_token": "signed-token", "routine": "morning"}
    assert shown["actions"] == [{"action": "start", "title": "Start"}, {"action": "later", "title": "Later"}]
    assert shown["icon"] == shown["badge"] == versioned(live_server, "icons/icon-192.png")

    # The same occurrence again (a sender retried after a lost answer): it replaces, never adds.
    deliver({**payload, "body": "The same reminder, delivered twice."})
    shown = phone.evaluate(NOTIFICATIONS_WITH_BODY, ["The same reminder, delivered twice.", "rebound-42"])
    assert [n["body"] for n in shown] == ["The same reminder, delivered twice."]

    # Whatever arrives, something readable shows (Chrome would otherwise show its own notice).
    deliver("not json")
    shown = phone.evaluate(NOTIFICATIONS_WITH_BODY, ["not json", None])
    [plain] = [n for n in shown if n["body"] == "not json"]
    assert (plain["title"], plain["body"]) == ("Rebound", "not json")
    assert problems(phone) == []


CLICK_CASES = """(origin) => {
  const logic = self.ReboundNotifications;
  const data = { url: "/morning", snooze_token: "tok-1", routine: "morning" };
  return {
    later: logic.clickPlan("later", data, [origin + "/today"], origin),
    laterWithoutToken: logic.clickPlan("later", { url: "/today" }, [], origin),
    startWithAppOpen: logic.clickPlan("start", data, ["https://else.example/", origin + "/today"], origin),
    tapWithPageOpen: logic.clickPlan("", data, [origin + "/today", origin + "/morning"], origin),
    tapWithNothingOpen: logic.clickPlan("", data, [], origin),
    foreignUrl: logic.clickPlan("start", { url: "https://evil.example/phish" }, [], origin),
    protocolRelative: logic.clickPlan("", { url: "//evil.example/phish" }, [], origin),
    scriptUrl: logic.clickPlan("", { url: "javascript:alert(1)" }, [origin + "/goals"], origin),
    noData: logic.clickPlan("", null, [], origin),
    options: logic.notificationOptions(
      logic.readPayload(JSON.stringify({
        title: "Evening reflection", body: "What did today's no teach you about the buyer?",
        tag: "rebound-7", url: "/reflect", routine: "reflect", occurrence: 7, snooze_token: "tok-7",
        actions: [{ action: "start", title: "Start" }, { action: "later", title: "Later" },
                  { action: "extra", title: "A third" }],
      })),
      "/icon.png",
    ),
    query: logic.CLIENT_QUERY,
    key: Array.from(logic.keyBytes("AQID_-8")),
    snooze: logic.snoozeRequest("tok-1"),
  };
}"""


def test_the_workers_choice_of_page_for_a_tap_and_its_later_call_as_functions(new_phone, live_server):
    page = new_phone()
    page.goto("/offline")
    # push.js imports it as a module on every page; load it afresh as the service worker's
    # importScripts does: a classic script, from its versioned URL.
    assert page.evaluate("delete self.ReboundNotifications && !('ReboundNotifications' in self)")
    page.add_script_tag(url=versioned(live_server, "js/notification-logic.js"))
    origin = live_server.url

    plans = page.evaluate(CLICK_CASES, origin)

    assert plans["later"] == {"kind": "snooze", "token": "tok-1"}
    assert plans["laterWithoutToken"] == {"kind": "none"}
    assert plans["startWithAppOpen"] == {"kind": "focus", "index": 1, "url": f"{origin}/morning"}
    assert plans["tapWithPageOpen"] == {"kind": "focus", "index": 1, "url": f"{origin}/morning"}
    assert plans["tapWithNothingOpen"] == {"kind": "open", "url": f"{origin}/morning"}
    # A url that isn't one of the app's pages never leaves the app: /today instead.
    assert plans["foreignUrl"] == {"kind": "open", "url": f"{origin}/today"}
    assert plans["protocolRelative"] == {"kind": "open", "url": f"{origin}/today"}
    assert plans["scriptUrl"] == {"kind": "focus", "index": 0, "url": f"{origin}/today"}
    assert plans["noData"] == {"kind": "open", "url": f"{origin}/today"}
    assert plans["options"] == {
        "body": "What did today's no teach you about the buyer?",
        "tag": "rebound-7",
        "data": {"url": "/reflect", "snooze_token": "tok-7", "routine": "reflect"},
        "actions": [{"action": "start", "title": "Start"}, {"action": "later", "title": "Later"}],
        "icon": "/icon.png",
        "badge": "/icon.png",
    }
    assert plans["query"] == {"type": "window", "includeUncontrolled": True}
    assert plans["key"] == [1, 2, 3, 255, 239]
    url, request = plans["snooze"]
    assert url == "/api/reminders/snooze" and request["method"] == "POST"
    assert json.loads(request["body"]) == {"token": "tok-1"}
    assert problems(page) == []


def test_later_snoozes_with_the_token_alone_no_session_needed(new_phone, live_server, server_clock):
    app = live_server.app
    phone = new_phone()
    account = register(phone)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=account.email))
        now = server_clock()
        occurrence = Occurrence(
            user_id=user.id,
            routine="morning",
            local_day=date(2026, 3, 2),
            kind="scheduled",
            due_at=now,
            status="queued",
            created_at=now,
        )
        db.session.add(occurrence)
        db.session.commit()
        occurrence_id, user_id = occurrence.id, user.id
        token = messages.snooze_token(app.config["SECRET_KEY"], occurrence_id, user_id)

    # As the worker sends it: from the app's origin, no cookie of the signed-in person, no CSRF token.
    stranger = new_phone()
    stranger.goto("/")
    stranger.add_script_tag(url=versioned(live_server, "js/notification-logic.js"))
    later = """async (token) => {
      const [url, init] = self.ReboundNotifications.snoozeRequest(token);
      const send = () => fetch(url, { ...init, credentials: "omit" });
      const first = await send();
      const again = await send();
      return [first.status, await first.json(), again.status];
    }"""
    first_status, body, again_status = stranger.evaluate(later, token)

    assert first_status == 201 and body["snoozed"] is True
    assert again_status == 409  # single use
    with app.app_context():
        snoozed = db.session.scalar(db.select(Occurrence).filter_by(kind=f"snooze-{occurrence_id}"))
        assert snoozed.user_id == user_id
        assert snoozed.due_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC) + timedelta(hours=1)
    # The browser logs the expected 409 of the second try; nothing else may show up.
    assert [p for p in problems(stranger) if "status of 409" not in p] == []


def start_again(phone, path: str):
    """Open the app once more in the phone's browser (a new tab: a new start, so it re-sends its
    subscription); returns the page and the status the server gave that re-send."""
    again = phone.context.new_page()
    with again.expect_response(
        lambda r: r.url.endswith("/api/push/subscriptions") and r.request.method == "POST"
    ) as answer:
        again.goto(path)
    return again, answer.value.status


def on_reminders_with_fake_push(new_phone, live_server, push_service):
    """A new phone that allows notifications, whose browser subscribes to `push_service`, signed up
    and on /reminders under the service worker; returns (page, the device, the account)."""
    device = push_service.new_subscription()
    phone = new_phone()
    phone.context.grant_permissions(["notifications"], origin=live_server.url)
    phone.context.add_init_script(FAKE_PUSH % json.dumps(device.as_json()))
    account = register(phone)
    wait_for_service_worker(phone)  # before moving on, so the next page opens under it
    phone.goto("/reminders")
    wait_for_service_worker(phone)
    return phone, device, account


def test_turning_reminders_on_asks_only_after_the_tap_then_lists_this_device(
    new_phone, live_server, push_service
):
    app = live_server.app
    phone, device, _account = on_reminders_with_fake_push(new_phone, live_server, push_service)
    asked = """() => Number(localStorage.getItem("permission-asked") || 0)"""

    button = phone.get_by_role("button", name=TURN_ON)
    expect(button).to_be_visible()
    expect(phone.locator("[data-push-what]")).to_have_text(
        "A morning nudge with one of your affirmations at 08:00 on weekdays, "
        "and an evening reflection prompt at 18:00 on weekdays."
    )
    assert phone.evaluate(asked) == 0, "permission is asked for only after the tap"

    button.click()

    status = phone.locator("[data-push-status]")
    expect(status).to_have_text("Reminders are on for this phone. Send a test reminder to see one.")
    assert phone.evaluate(asked) == 1
    subscribed = json.loads(phone.evaluate("""() => localStorage.getItem("fake-push-key")"""))
    vapid = app.config["VAPID_PUBLIC_KEY"]
    assert bytes(subscribed["key"]) == base64.urlsafe_b64decode(vapid + "=" * (-len(vapid) % 4))
    assert subscribed["userVisibleOnly"] is True
    row = phone.locator(f'[data-device-endpoint="{device.endpoint}"]')
    expect(row).to_contain_text("Chrome")
    expect(row.locator("[data-this-device]")).to_be_visible()
    expect(phone.locator("[data-push-on]")).to_be_visible()
    expect(button).to_be_hidden()

    phone.get_by_role("button", name="Send a test reminder").click()
    expect(phone.locator(".flashes")).to_contain_text("Sent to 1 device.")
    [message] = push_service.messages_for(device)
    assert message.json()["title"] == "Reminders are on"

    # The next start of the app sends the subscription again; the server knows it (200).
    again, status = start_again(phone, "/today")
    assert status == 200
    again.close()

    # Removing this very device unsubscribes the browser too, or its next start would add it back.
    row.get_by_role("button", name="Remove").click()
    expect(phone.locator(".flashes")).to_contain_text("It won't get reminders any more.")
    assert phone.evaluate("""() => localStorage.getItem("fake-push-key")""") is None
    expect(phone.get_by_role("button", name=TURN_ON)).to_be_visible()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0
    assert problems(phone) == []


def test_a_phone_removed_from_the_laptop_stays_removed_when_it_opens_the_app_again(
    new_phone, live_server, push_service
):
    app = live_server.app
    phone, device, ana = on_reminders_with_fake_push(new_phone, live_server, push_service)
    phone.get_by_role("button", name=TURN_ON).click()
    expect(phone.locator("[data-push-on]")).to_be_visible()

    laptop = new_phone()
    sign_in(laptop, ana)
    laptop.goto("/reminders")
    laptop.locator(f'[data-device-endpoint="{device.endpoint}"]').get_by_role("button", name="Remove").click()
    expect(laptop.locator(".flashes")).to_contain_text("It won't get reminders any more.")

    # The phone's next start sends its subscription again: the server says it was removed.
    again, status = start_again(phone, "/reminders")
    assert status == 410
    expect(again.locator("[data-push-status]")).to_have_text(
        "This phone was removed from your reminders on another device. Turn them on again here to get them."
    )
    expect(again.get_by_role("button", name=TURN_ON)).to_be_visible()
    expect(again.locator("[data-push-on]")).to_be_hidden()
    assert again.evaluate("""() => localStorage.getItem("fake-push-key")""") is None
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 0

    # Turning them on again there is the user's choice, and it sticks.
    again.get_by_role("button", name=TURN_ON).click()
    expect(again.locator("[data-push-on]")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PushSubscription.id))) == 1
    # The console reports the 410 as a failed resource load; nothing else may show up.
    assert [p for p in problems(again) if "status of 410" not in p] == []
    assert problems(laptop) == []


def test_a_subscription_the_browser_refuses_gets_a_clear_message(new_phone, live_server):
    phone = new_phone()
    phone.context.grant_permissions(["notifications"], origin=live_server.url)
    register(phone)
    wait_for_service_worker(phone)  # before moving on, so the next page opens under it
    phone.goto("/reminders")
    wait_for_service_worker(phone)

    phone.get_by_role("button", name=TURN_ON).click()

    expect(phone.locator("[data-push-status]")).to_contain_text("couldn't reach its push service")
    expect(phone.get_by_role("button", name=TURN_ON)).to_be_enabled()
    assert [p for p in problems(phone) if INCOGNITO_PUSH not in p] == []


def test_on_an_iphone_outside_the_home_screen_it_explains_add_to_home_screen(new_phone, live_server):
    phone = new_phone(user_agent=IPHONE)
    register(phone)
    phone.goto("/reminders")

    expect(phone.locator("[data-push-ios]")).to_be_visible()
    expect(phone.locator("[data-push-ios]")).to_contain_text("Add to Home Screen")
    expect(phone.get_by_role("button", name=TURN_ON)).to_be_hidden()
    expect(phone.locator("[data-push-nojs]")).to_be_hidden()
    assert problems(phone) == []


@pytest.mark.parametrize(
    ("script", "note", "words"),
    [
        ("delete window.PushManager;", "[data-push-unsupported]", "This browser can't receive reminders."),
        (
            'Object.defineProperty(Notification, "permission", { get: () => "denied" });',
            "[data-push-blocked]",
            "Notifications are blocked for Rebound in this browser.",
        ),
    ],
)
def test_a_browser_that_cannot_or_may_not_show_reminders_says_so(new_phone, live_server, script, note, words):
    phone = new_phone()
    phone.context.add_init_script(script)
    register(phone)
    phone.goto("/reminders")

    expect(phone.locator(note)).to_contain_text(words)
    expect(phone.get_by_role("button", name=TURN_ON)).to_be_hidden()
    assert problems(phone) == []
