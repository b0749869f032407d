"""The first minutes in a real browser on a phone: landing, sign-up, the main pages, a dead server."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from webapp.auth.models import User
from webapp.extensions import db

from .conftest import horizontal_overflow, problems, register, snap, wait_for_service_worker

pytestmark = pytest.mark.browser

FETCH_STATUS = """async (path) => {
  try {
    const response = await fetch(path, {cache: "no-store"});
    await response.arrayBuffer();  // the whole answer: a server stopped next can't cut its body short
    return String(response.status);
  } catch (error) {
    return `failed: ${error.name}`;
  }
}"""


def test_the_landing_page_says_what_rebound_is_on_a_phone(phone, live_server):
    phone.goto("/")

    expect(phone.get_by_role("heading", level=1)).to_contain_text("Stay steady")
    expect(phone.get_by_role("link", name="Start free")).to_be_visible()
    expect(phone.get_by_role("link", name="Sign in").first).to_be_visible()
    assert horizontal_overflow(phone) == 0
    snap(phone, "landing")
    assert problems(phone) == []


def test_signing_up_in_tokyo_lands_on_today_with_the_browsers_time_zone(new_phone, live_server):
    phone = new_phone(timezone_id="Asia/Tokyo")
    phone.goto("/")
    phone.get_by_role("link", name="Start free").click()
    phone.wait_for_url(re.compile(r"/register$"))
    expect(phone.get_by_label("Time zone")).to_have_value("Asia/Tokyo")

    account = register(phone, name="Kenji")

    expect(phone.get_by_role("heading", level=1)).to_contain_text("Kenji")
    phone.goto("/account")
    expect(phone.get_by_label("Time zone")).to_have_value("Asia/Tokyo")
    with live_server.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=account.email))
        assert user.time_zone == "Asia/Tokyo"
    assert problems(phone) == []


def test_the_main_pages_show_no_console_errors_or_csp_violations(phone, live_server):
    for path, name in [("/", "landing"), ("/login", "login"), ("/register", "register")]:
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert horizontal_overflow(phone) == 0, f"{path} scrolls sideways on a phone"
        snap(phone, f"smoke-{name}")

    register(phone)
    for path, name in [("/today", "today"), ("/account", "account")]:
        phone.goto(path)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert horizontal_overflow(phone) == 0, f"{path} scrolls sideways on a phone"
        snap(phone, f"smoke-{name}")

    assert problems(phone) == []


def test_a_stopped_server_refuses_every_connection_and_a_restarted_one_answers(phone, live_server):
    phone.goto("/login")
    # Nothing may still be on its way when the server stops: the worker's precache (done once it
    # controls the page) and the page's own requests.
    wait_for_service_worker(phone)
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate(FETCH_STATUS, "/healthz") == "200"

    live_server.stop()
    seen = len(live_server.requests)
    assert phone.evaluate(FETCH_STATUS, "/healthz") == "failed: TypeError"
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(f"{live_server.url}/healthz", timeout=5)
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    assert len(live_server.requests) == seen, "the server saw no request while stopped"

    live_server.start()
    assert phone.evaluate(FETCH_STATUS, "/healthz") == "200"
    # (Chromium may fetch the manifest's icons at any moment too, so not necessarily the last one.)
    assert "GET /healthz" in live_server.requests[seen:]
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    # The failed fetch is logged by Chromium as a console error; nothing else may be.
    assert all("ERR_CONNECTION_REFUSED" in problem for problem in problems(phone)), problems(phone)


def test_the_browser_finds_an_icon_for_the_tab(phone, live_server):
    phone.goto("/")
    declared = phone.locator("link[rel~='icon']")
    href = declared.first.get_attribute("href") if declared.count() else "/favicon.ico"

    assert phone.evaluate(FETCH_STATUS, href) == "200", f"no icon at {href}"


def test_the_sign_up_form_hides_the_password_and_offers_the_email_keyboard(phone, live_server):
    phone.goto("/register")

    assert phone.get_by_label("Email").get_attribute("type") == "email"
    assert phone.get_by_label("Password", exact=True).get_attribute("type") == "password"
    broken = "[type='None'], [inputmode='None'], [aria-invalid='None'], [aria-describedby='None']"
    assert phone.locator(broken).count() == 0
