"""Nothing typed is lost: what a phone saves without a signal reaches the server once, for its owner.

"Offline" is a stopped server (every connection refused). The pages themselves replay on load and
on `online`, so most tests block the service worker to show that; two use it: its Background Sync
sends what a page kept, and signing out makes it forget the pages it kept.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from webapp.auth.models import User
from webapp.extensions import db
from webapp.routines.models import Completion, Reflection
from webapp.setbacks.models import Setback

from .conftest import WORKER_TIMEOUT_MS, Account, problems, register, sign_in, wait_for_service_worker

pytestmark = pytest.mark.browser

SAVED = "Saved on this phone — will sync"
# A page the worker kept, matched as the worker matches it: kept pages vary by Cookie and
# Accept-Language, which a script's own request doesn't carry.
KEPT = "caches.open('rebound-pages').then((pages) => pages.match('{path}', {{ignoreVary: true}}))"
SIGN_IN = "Sign in to sync what you saved on this phone"
# Monday 2 March 2026, 19:00 in Berlin.
EVENING = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
QUEUED_IDS = "ReboundOutbox.list().then((items) => items.map((item) => item.id))"


def status(page):
    return page.locator("[data-outbox-status]")


def note(page):
    return page.locator("[data-outbox-note]")


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(email=email))


def rows(app, model, email: str) -> list:
    with app.app_context():
        return list(db.session.scalars(db.select(model).filter_by(user_id=user_id(app, email))))


def registration_id(cdp) -> str:
    """The service worker's registration id, from the DevTools events that follow ServiceWorker.enable."""
    found = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(200):  # each round trip lets the events that arrived meanwhile in
        if found:
            return found[0]
        cdp.send("Runtime.evaluate", {"expression": "0"})
    raise AssertionError("DevTools named no service worker registration")


def wait_until(page, promise: str) -> None:
    """Wait until the JS expression `promise` resolves to something truthy.

    Polls inside one evaluate call: Playwright's wait_for_function re-evaluates its predicate with
    eval, which the app's CSP forbids once the first check comes back false."""
    page.evaluate(
        f"""async (timeoutMs) => {{
          const deadline = performance.now() + timeoutMs;
          while (!(await ({promise}))) {{
            if (performance.now() > deadline) throw new Error("still false: " + {promise!r});
            await new Promise((resolve) => setTimeout(resolve, 20));
          }}
        }}""",
        WORKER_TIMEOUT_MS,
    )


def only_expected_failures(page, *also: str) -> bool:
    """Chromium logs a request to the stopped server (and a 4xx answer) as a console error; nothing else
    may be logged."""
    expected = ("ERR_CONNECTION_REFUSED", *also)
    return all(any(text in problem for text in expected) for problem in problems(page))


def test_a_reflection_and_a_breath_saved_offline_reach_the_server_once_when_the_app_reopens(
    new_phone, live_server, clocks
):
    phone = new_phone(service_workers="block")
    clocks.install(phone, EVENING)
    ana = register(phone, name="Ana")
    phone.goto("/reflect")
    timer = phone.context.new_page()
    timer.goto("/breathe")
    expect(note(phone)).to_have_count(1)  # the queue is ready on both pages
    expect(timer.get_by_role("button", name="Start")).to_be_visible()

    live_server.stop()
    phone.get_by_label("What went well").fill("Two discovery calls that went deep")
    phone.get_by_role("radio", name=re.compile(r"^4\b")).check()
    phone.get_by_role("button", name="Save today's reflection").click()
    expect(note(phone)).to_have_text(SAVED)
    expect(phone.get_by_label("What went well")).to_have_value("Two discovery calls that went deep")

    timer.get_by_role("button", name="Start").click()
    clocks.run_for(timer, 61)
    expect(timer.get_by_role("status")).to_have_text(SAVED)
    queued = set(timer.evaluate(QUEUED_IDS))
    assert len(queued) == 2
    assert rows(live_server.app, Completion, ana.email) == []
    assert only_expected_failures(phone) and only_expected_failures(timer)

    phone.close()
    timer.close()
    live_server.start()
    reopened = phone.context.new_page()
    reopened.goto("/today")
    expect(status(reopened)).to_have_text("Synced")
    # Exactly once is what the phone sends, not what the database's unique keys let through.
    assert live_server.requests.count("POST /api/completions") == 2

    completions = rows(live_server.app, Completion, ana.email)
    assert sorted(c.routine for c in completions) == ["breathe", "reflect"]
    assert {c.client_id for c in completions} == queued
    assert next(c for c in completions if c.routine == "breathe").data["seconds"] >= 60
    [reflection] = rows(live_server.app, Reflection, ana.email)
    assert (reflection.went_well, reflection.mood) == ("Two discovery calls that went deep", 4)
    assert reopened.evaluate(QUEUED_IDS) == []

    reopened.reload()  # nothing left to send: nothing is sent twice
    expect(reopened.get_by_role("heading", level=1)).to_be_visible()
    assert reopened.evaluate("ReboundOutbox.replay().then((result) => result.sent)") == []
    assert live_server.requests.count("POST /api/completions") == 2, "nothing was sent again"
    assert len(rows(live_server.app, Completion, ana.email)) == 2
    assert problems(reopened) == []


def test_an_expired_session_keeps_what_was_saved_until_signing_in_again(new_phone, live_server):
    phone = new_phone(service_workers="block")
    ana = register(phone, name="Ana")
    phone.goto("/setbacks")
    expect(note(phone)).to_have_count(1)

    live_server.stop()
    phone.get_by_label("What happened?").fill("Acme said no on price")
    phone.get_by_label("The objection").select_option("price")
    phone.get_by_role("button", name="Log it").click()
    expect(note(phone)).to_have_text(SAVED)
    live_server.start()

    # Elsewhere Ana changes her password, which signs this phone out.
    laptop = new_phone(service_workers="block")
    sign_in(laptop, ana)
    laptop.goto("/account")
    laptop.get_by_label("Current password").fill(ana.password)
    laptop.get_by_label("New password", exact=True).fill("a much longer passphrase")
    laptop.get_by_label("New password again").fill("a much longer passphrase")
    laptop.get_by_role("button", name="Change password").click()
    expect(laptop.get_by_role("status")).to_contain_text("Password changed")

    # The phone's connection comes back: the server says "sign in", and the setback stays here.
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    expect(status(phone)).to_have_text(SIGN_IN)
    assert rows(live_server.app, Setback, ana.email) == []
    assert len(phone.evaluate(QUEUED_IDS)) == 1

    phone.get_by_role("link", name=SIGN_IN).click()
    phone.wait_for_url(re.compile(r"/login$"))
    expect(status(phone)).to_have_text(SIGN_IN)  # still waiting, and it says so
    sign_in(phone, Account(ana.email, "a much longer passphrase"))
    expect(status(phone)).to_have_text("Synced")
    [setback] = rows(live_server.app, Setback, ana.email)
    assert (setback.what_happened, setback.objection) == ("Acme said no on price", "price")
    assert phone.evaluate(QUEUED_IDS) == []
    assert only_expected_failures(
        phone, "/api/csrf): Failed to load resource: the server responded with a status of 401"
    ), problems(phone)


def test_a_second_user_on_the_same_phone_never_receives_the_first_users_items(new_phone, live_server):
    phone = new_phone(service_workers="block")
    ana = register(phone, name="Ana")
    account = phone.context.new_page()
    account.goto("/account")
    phone.goto("/breathe")
    expect(note(phone)).to_have_count(1)

    live_server.stop()
    phone.get_by_role("button", name="Log 1 minute of breathing").click()
    expect(note(phone)).to_have_text(SAVED)
    live_server.start()
    phone.close()

    # The account page heard about it, and signing out warns first.
    expect(status(account)).to_have_text(SAVED)
    questions = []
    account.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    account.get_by_role("button", name="Sign out of this device").click()
    account.wait_for_url(re.compile(r"/login$"))
    assert questions == [
        "1 item on this phone hasn't synced yet. Sign out anyway? It'll sync next time you sign in here."
    ]

    ben = register(account, name="Ben")
    ben_id, ana_id = user_id(live_server.app, ben.email), user_id(live_server.app, ana.email)
    replayed = account.evaluate("(id) => ReboundOutbox.replay(id)", str(ben_id))
    assert replayed == {"userId": str(ben_id), "sent": [], "outcome": "done"}
    expect(status(account)).to_have_text("")
    assert rows(live_server.app, Completion, ben.email) == []
    assert rows(live_server.app, Completion, ana.email) == []
    kept_for = account.evaluate("ReboundOutbox.list().then((items) => items.map((item) => item.userId))")
    assert kept_for == [str(ana_id)]

    # Ben has nothing unsynced, so he signs out without a question; Ana's breath syncs when she's back.
    account.on("dialog", lambda dialog: questions.append(dialog.message))
    account.goto("/account")
    account.get_by_role("button", name="Sign out of this device").click()
    account.wait_for_url(re.compile(r"/login$"))
    sign_in(account, ana)
    expect(status(account)).to_have_text("Synced")
    assert [c.routine for c in rows(live_server.app, Completion, ana.email)] == ["breathe"]
    assert rows(live_server.app, Completion, ben.email) == []
    assert len(questions) == 1
    assert only_expected_failures(account)


def test_background_sync_in_the_service_worker_sends_what_the_page_kept(new_phone, live_server):
    phone = new_phone()
    ana = register(phone, name="Ana")
    wait_for_service_worker(phone)  # before moving on, so the next page opens under it
    phone.goto("/reflect")
    wait_for_service_worker(phone)
    [worker] = phone.context.service_workers
    assert worker.evaluate("typeof self.ReboundOutbox.replay") == "function"

    live_server.stop()
    phone.get_by_label("A small win to celebrate").fill("Booked the demo with Globex")
    phone.get_by_role("button", name="Save today's reflection").click()
    expect(note(phone)).to_have_text(SAVED)
    live_server.start()

    # The browser says the network is back: it fires the worker's sync event.
    cdp = phone.context.new_cdp_session(phone)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.url,
            "registrationId": registration_id(cdp),
            "tag": "rebound-outbox",
            "lastChance": False,
        },
    )
    expect(note(phone)).to_have_text("Synced")  # the worker told the page
    [reflection] = rows(live_server.app, Reflection, ana.email)
    assert reflection.small_win == "Booked the demo with Globex"
    assert phone.evaluate(QUEUED_IDS) == []
    assert only_expected_failures(phone)


def test_signing_out_clears_the_pages_this_phone_kept_of_that_user(new_phone, live_server):
    phone = new_phone()
    register(phone, name="Ana")
    wait_for_service_worker(phone)
    phone.goto("/today")
    wait_until(phone, KEPT.format(path="/today"))

    phone.goto("/account")
    phone.get_by_role("button", name="Sign out of this device").click()
    phone.wait_for_url(re.compile(r"/login$"))

    wait_until(phone, "caches.has('rebound-pages').then((kept) => !kept)")
    assert problems(phone) == []


def test_an_item_the_server_turns_down_stays_visible_until_discarded(new_phone, live_server, clocks):
    phone = new_phone(service_workers="block")
    clocks.install(phone, EVENING)
    ana = register(phone, name="Ana")
    phone.goto("/reflect")
    expect(note(phone)).to_have_count(1)

    live_server.stop()
    phone.get_by_label("What I learned").fill("Bring the ROI numbers to the first call")
    phone.get_by_role("button", name="Save today's reflection").click()
    expect(note(phone)).to_have_text(SAVED)
    phone.close()

    # The phone stays in a drawer for eight days: too late for that evening to count.
    live_server.start()
    clocks.server.advance(days=8)
    reopened = phone.context.new_page()
    reopened.goto("/today")
    failed = reopened.get_by_role("region", name="Not synced")
    expect(failed).to_contain_text("Bring the ROI numbers to the first call")
    expect(failed).to_contain_text("more than 7 days ago")
    assert rows(live_server.app, Completion, ana.email) == []

    reopened.once("dialog", lambda dialog: dialog.accept())
    failed.get_by_role("button", name=re.compile("^Discard")).click()
    expect(failed).to_be_hidden()
    assert reopened.evaluate(QUEUED_IDS) == []
    assert only_expected_failures(reopened, "status of 422"), problems(reopened)


def test_signed_in_pages_are_no_store_yet_kept_for_offline_but_never_a_support_page(new_phone, live_server):
    """Every signed-in page says Cache-Control: no-store (no HTTP cache keeps it); the worker's own
    offline copies still keep it, and never a page of the support corner (X-Rebound-Offline)."""
    phone = new_phone()
    register(phone, name="Ana")
    wait_for_service_worker(phone)
    answer = phone.goto("/support")
    assert answer.headers["cache-control"] == "no-store"
    answer = phone.goto("/account")
    assert answer.headers["cache-control"] == "no-store"
    wait_until(phone, KEPT.format(path="/account"))
    assert phone.evaluate(KEPT.format(path="/support") + ".then(Boolean)") is False
    assert problems(phone) == []
