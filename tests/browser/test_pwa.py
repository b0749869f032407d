"""Rebound as an installed app in a real Chromium: installable, controlled by its worker, offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    WORKER_TIMEOUT_MS,
    problems,
    register,
    reopen,
    snap,
    tell_service_worker,
    wait_for_service_worker,
)

pytestmark = pytest.mark.browser

PAGES_KEPT = """async (paths) => {
  const cache = await caches.open("rebound-pages");
  for (const path of paths) if (!(await cache.match(path, { ignoreVary: true }))) return false;
  return true;
}"""

# Until none of `paths` is kept (sign-out tells the worker without waiting for it to finish).
PAGES_FORGOTTEN = """async ([paths, timeoutMs]) => {
  const end = Date.now() + timeoutMs;
  const keptOne = async () => {
    for (const path of paths) {
      if (await caches.match(path, { cacheName: "rebound-pages", ignoreVary: true })) return true;
    }
    return false;
  };
  while (await keptOne()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}"""

BACKGROUND = "getComputedStyle(document.body).backgroundColor"
LIGHT_BACKGROUND = "rgb(246, 247, 249)"  # --bg: app.css reached the page

FAKE_INSTALL_OFFER = """() => {
  const offer = new Event("beforeinstallprompt", { cancelable: true });
  offer.prompt = () => { window.__installPrompted = true; };
  offer.userChoice = Promise.resolve({ outcome: "accepted", platform: "web" });
  window.dispatchEvent(offer);
  return offer.defaultPrevented;
}"""

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def test_chromium_finds_rebound_installable_with_a_clean_manifest(persistent_phone, live_server):
    page = persistent_phone
    page.goto("/")
    wait_for_service_worker(page)
    cdp = page.context.new_cdp_session(page)

    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    parsed = cdp.send("Page.getAppId")
    assert parsed["appId"].endswith("/today") and parsed["recommendedId"].endswith("/today")
    assert problems(page) == []


def test_the_worker_controls_the_app_and_today_and_breathe_open_with_the_server_gone(
    persistent_phone, live_server
):
    page = persistent_phone
    page.goto("/")
    wait_for_service_worker(page)  # installed, and claimed the page it was registered from
    register(page, name="Ana")
    assert page.evaluate("navigator.serviceWorker.controller !== null"), (
        "pages after the first are controlled"
    )
    # A signed-in page asks the worker to keep today and the breathing timer; wait until it has.
    tell_service_worker(page, {"type": "warm-pages"})
    assert page.evaluate(PAGES_KEPT, ["/today", "/breathe"])

    live_server.stop()
    seen = list(live_server.requests)

    page.goto("/today")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana")
    assert page.evaluate(BACKGROUND) == LIGHT_BACKGROUND, "the stylesheet came from the cache"
    page.goto("/breathe")
    expect(page.get_by_role("heading", level=1)).to_have_text("Breathe")
    expect(page.get_by_role("button", name="Start")).to_be_visible()  # breathe.js ran: modules cached
    page.goto("/goals")  # never opened, so never kept
    expect(page.get_by_role("heading", level=1)).to_have_text("You're offline")
    expect(page.get_by_text("kept on this phone and sent when you're back")).to_be_visible()
    assert page.evaluate(BACKGROUND) == LIGHT_BACKGROUND
    snap(page, "pwa-offline")
    page.get_by_role("link", name="Breathe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Breathe")
    assert live_server.requests == seen, "the server was really gone"

    live_server.start()
    page.goto("/goals")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("You're offline")
    assert "GET /goals" in live_server.requests[len(seen) :]
    assert problems(page) == []


def test_reopening_the_app_asks_the_server_only_for_the_page(persistent_phone, live_server):
    page = persistent_phone
    page.goto("/")
    wait_for_service_worker(page)  # installed, and claimed the page it was registered from
    register(page, name="Ana")
    tell_service_worker(page, {"type": "warm-pages"})
    before = len(live_server.requests)

    page = reopen(page, "/today")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana")
    tell_service_worker(page, {"type": "warm-pages"})  # as the page itself does: nothing to fetch

    asked = live_server.requests[before:]
    assert "GET /today" in asked
    assert set(asked) <= {"GET /today", "GET /sw.js"}, asked
    assert problems(page) == []


def test_signing_out_clears_the_kept_pages(persistent_phone, live_server):
    page = persistent_phone
    page.goto("/")
    wait_for_service_worker(page)  # installed, and claimed the page it was registered from
    register(page, name="Ana")
    assert tell_service_worker(page, {"type": "warm-pages"}) == {"type": "warm-pages", "done": True}
    assert page.evaluate(PAGES_KEPT, ["/today", "/breathe"]) is True, "kept before signing out"
    page.goto("/account")

    page.get_by_role("button", name="Sign out of this device").click()
    page.wait_for_url(re.compile(r"/login$"))

    assert page.evaluate(PAGES_FORGOTTEN, [["/today", "/breathe"], WORKER_TIMEOUT_MS]) is True
    assert problems(page) == []


def test_the_worker_says_when_keeping_pages_failed(persistent_phone, live_server):
    page = persistent_phone
    page.goto("/")
    wait_for_service_worker(page)
    register(page, name="Ana")
    assert tell_service_worker(page, {"type": "clear-pages"}) == {"type": "clear-pages", "done": True}
    live_server.stop()  # /today and /breathe can't be fetched now
    reply = tell_service_worker(page, {"type": "warm-pages"})
    live_server.start()
    assert reply["done"] is False and reply["type"] == "warm-pages" and reply["error"]


def test_the_install_button_appears_only_when_the_browser_offers_and_prompts_once(phone, live_server):
    phone.goto("/")
    button = phone.get_by_role("button", name="Install app")
    expect(button).to_be_hidden()

    assert phone.evaluate(FAKE_INSTALL_OFFER) is True, "the browser's own bar is held back"
    expect(button).to_be_visible()
    button.click()

    assert phone.evaluate("window.__installPrompted") is True
    expect(button).to_be_hidden()
    assert problems(phone) == []


def test_iphones_get_a_one_time_add_to_home_screen_hint(new_phone, live_server):
    iphone = new_phone(user_agent=IPHONE)
    iphone.goto("/")
    hint = iphone.get_by_role("complementary", name="Install Rebound")

    expect(hint).to_contain_text("Add to Home Screen")
    expect(iphone.get_by_role("button", name="Install app")).to_be_hidden()
    iphone.get_by_role("button", name="Got it").click()
    expect(hint).to_be_hidden()
    iphone.reload()
    expect(iphone.get_by_role("heading", level=1)).to_be_visible()
    expect(hint).to_be_hidden()
    assert problems(iphone) == []


def test_other_phones_never_see_the_ios_hint(phone, live_server):
    phone.goto("/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    expect(phone.locator("[data-install-hint]")).to_have_count(1)

    expect(phone.locator("[data-install-hint]")).to_be_hidden()
    assert re.search(r"iPhone|iPad", phone.evaluate("navigator.userAgent")) is None
