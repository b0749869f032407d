"""/today's offer to switch to the phone's zone: only when it would change a day or a reminder
time, and without moving the page under the reader's thumb."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .conftest import problems, register, snap

pytestmark = pytest.mark.browser

MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


# Every layout shift since navigation (buffered), read once the page has loaded and painted twice.
_LAYOUT_SHIFTS = """() => new Promise((resolve) => {
  const seen = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ type: "layout-shift", buffered: true });
  const settle = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    seen.push(...observer.takeRecords());
    observer.disconnect();
    resolve(seen.map((entry) => entry.value));
  }));
  if (document.readyState === "complete") settle();
  else addEventListener("load", settle, { once: true });
})"""


def test_the_zone_offer_is_in_the_first_paint_only_when_the_clock_differs(new_phone, clocks):
    phone = new_phone(timezone_id="Europe/Berlin")
    clocks.install(phone, MORNING)
    register(phone, name="Ana")
    # Same account, now on a phone in Tokyo: cookies carried over to a context in another zone.
    tokyo = new_phone(timezone_id="Asia/Tokyo")
    tokyo.context.add_cookies(phone.context.cookies())
    tokyo.clock.install(time=MORNING)
    first = tokyo.goto("/today")
    # The first visit only notes the phone's zone; nothing is inserted into the page.
    assert "data-zone-offer" not in first.text()
    assert tokyo.evaluate(_LAYOUT_SHIFTS) == []
    expect(tokyo.locator("[data-zone-offer]")).to_have_count(0)

    again = tokyo.goto("/today")
    assert "Asia/Tokyo" in again.text()  # in the server's HTML: part of the first paint
    offer = tokyo.locator("[data-zone-offer]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Asia/Tokyo")
    assert tokyo.evaluate(_LAYOUT_SHIFTS) == []

    # "Keep" is remembered: the next visit shows no offer for Tokyo.
    offer.get_by_role("button", name="Keep Europe/Berlin").click()
    expect(offer).to_be_hidden()
    tokyo.goto("/today")
    expect(tokyo.get_by_role("heading", level=1)).to_be_visible()
    expect(tokyo.locator("[data-zone-offer]")).to_have_count(0)

    paris = new_phone(timezone_id="Europe/Paris")
    paris.context.add_cookies(phone.context.cookies())
    paris.clock.install(time=MORNING)
    paris.goto("/today")
    paris.goto("/today")
    expect(paris.get_by_role("heading", level=1)).to_be_visible()
    # Paris keeps Berlin's clock all year: nothing to switch.
    expect(paris.locator("[data-zone-offer]")).to_have_count(0)
    assert [c["value"] for c in paris.context.cookies() if c["name"] == "phone_zone"] == ["Europe/Paris"]
    assert problems(tokyo) == [] and problems(paris) == []


def test_switching_from_the_offer_moves_the_account_to_the_phones_zone(new_phone, clocks):
    phone = new_phone(timezone_id="Europe/Berlin")
    clocks.install(phone, MORNING)
    register(phone, name="Ana")
    tokyo = new_phone(timezone_id="Asia/Tokyo")
    tokyo.context.add_cookies(phone.context.cookies())
    tokyo.clock.install(time=MORNING)
    tokyo.goto("/today")
    tokyo.goto("/today")
    for scheme in ("light", "dark"):
        tokyo.emulate_media(color_scheme=scheme)
        snap(tokyo, f"today-zone-offer-{scheme}")
    tokyo.get_by_role("button", name="Switch").click()
    expect(tokyo.get_by_role("status")).to_contain_text("Your time zone is now Asia/Tokyo")
    expect(tokyo.locator("[data-zone-offer]")).to_have_count(0)
    assert problems(tokyo) == []


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
