"""/today's offer to switch to the phone's zone: only when it would change a day or a reminder
time, and without moving the page under the reader's thumb."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .conftest import problems, register

pytestmark = pytest.mark.browser

MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_the_zone_offer_shows_only_when_the_clock_differs_and_floats_over_the_page(new_phone, clocks):
    phone = new_phone(timezone_id="Europe/Berlin")
    clocks.install(phone, MORNING)
    register(phone, name="Ana")
    # Same account, now on a phone in Tokyo: cookies carried over to a context in another zone.
    tokyo = new_phone(timezone_id="Asia/Tokyo")
    tokyo.context.add_cookies(phone.context.cookies())
    tokyo.clock.install(time=MORNING)
    tokyo.goto("/today")
    offer = tokyo.locator("[data-zone-offer]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Asia/Tokyo")
    assert offer.evaluate("element => getComputedStyle(element).position") == "fixed"

    paris = new_phone(timezone_id="Europe/Paris")
    paris.context.add_cookies(phone.context.cookies())
    paris.clock.install(time=MORNING)
    paris.goto("/today")
    expect(paris.get_by_role("heading", level=1)).to_be_visible()
    # Paris keeps Berlin's clock all year: nothing to switch.
    expect(paris.locator("[data-zone-offer]")).to_be_hidden()
    assert problems(tokyo) == [] and problems(paris) == []


def test_the_account_zone_picker_is_searchable_with_this_phones_zone_first(new_phone, clocks):
    phone = new_phone(timezone_id="Europe/Berlin")
    clocks.install(phone, MORNING)
    register(phone, name="Ana")
    tokyo = new_phone(timezone_id="Asia/Tokyo")
    tokyo.context.add_cookies(phone.context.cookies())
    tokyo.clock.install(time=MORNING)
    tokyo.goto("/account")
    zone = tokyo.get_by_label("Time zone")
    assert zone.get_attribute("list") == "zone-list"
    first = tokyo.locator("#zone-list option").first
    assert first.get_attribute("value") == "Asia/Tokyo"
    assert tokyo.locator("#zone-list option[value='America/New_York']").count() == 1
    tokyo.get_by_role("button", name="Use this phone's zone: Asia/Tokyo").click()
    expect(zone).to_have_value("Asia/Tokyo")
    tokyo.get_by_role("button", name="Save").first.click()
    expect(tokyo.get_by_role("status")).to_contain_text("Saved")
    assert problems(tokyo) == []
