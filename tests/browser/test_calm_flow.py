"""The practice as one calm flow on a phone (390×844, light and dark): an immersive breathing
session, a finish state with the next useful step after every routine, the day's progress."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .conftest import problems, register, snap

pytestmark = pytest.mark.browser

# Monday 2 March 2026, 08:00 in Berlin.
MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
HOUR = 3600


@pytest.fixture(params=["light", "dark"])
def scheme(request) -> str:
    return request.param


@pytest.fixture
def calm_phone(new_phone, scheme):
    return new_phone(color_scheme=scheme)


def test_a_breathing_session_fills_the_screen_and_ends_on_the_next_step(calm_phone, clocks, scheme):
    phone = calm_phone
    clocks.install(phone, MORNING)
    register(phone, name="Ana")
    phone.goto("/breathe")
    phone.get_by_role("button", name="Start").click()
    clocks.run_for(phone, 5)

    # Nothing but the guide, the time left and a quiet stop.
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(phone.get_by_role("banner")).to_be_hidden()
    expect(phone.get_by_label("Pattern")).to_be_hidden()
    expect(phone.get_by_label("A soft tone at each change")).to_be_hidden()
    expect(phone.get_by_role("button", name="Log 1 minute of breathing")).to_be_hidden()
    expect(phone.get_by_role("button", name="Stop")).to_be_visible()
    expect(phone.locator("[data-breathe-left]")).to_contain_text("left")
    snap(phone, f"calm-breathe-running-{scheme}")

    clocks.run_for(phone, 57)
    expect(phone.get_by_role("status")).to_have_text("Counted for today.")
    expect(phone.get_by_role("heading", name="A steadier minute")).to_be_visible()
    # At 08:00 with the morning not done, the one next step is the morning.
    expect(phone.get_by_role("link", name="Next: Start your morning")).to_be_visible()
    expect(phone.locator("[data-breathe-left]")).to_be_hidden()  # no "0:01 left" on the finish
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()
    snap(phone, f"calm-breathe-finished-{scheme}")

    phone.get_by_role("button", name="Breathe again").click()
    expect(phone.get_by_role("navigation", name="Main")).to_be_visible()
    expect(phone.get_by_label("Pattern")).to_be_visible()
    assert problems(phone) == []


def test_each_routine_ends_on_its_next_step_and_today_counts_the_day(calm_phone, clocks, scheme):
    phone = calm_phone
    clocks.install(phone, MORNING)
    register(phone, name="Ana")
    expect(phone.locator(".today-head")).to_contain_text("0 of 4 done today")

    phone.goto("/morning")
    phone.get_by_role("button", name="Done").click()
    finish = phone.locator("[data-finish]")
    expect(finish.get_by_role("heading", name="Your day is set")).to_be_visible()
    # One "saved" line, inside the finish state, not stacked above the page.
    expect(phone.get_by_role("status")).to_have_count(1)
    expect(finish.get_by_role("status")).to_contain_text("Morning done")
    expect(finish).to_contain_text("1 of 4 done today")
    expect(finish.get_by_role("link", name="Next: Breathe for a minute")).to_be_visible()
    snap(phone, f"calm-morning-finished-{scheme}")

    phone.goto("/today")
    expect(phone.locator(".today-head")).to_contain_text("1 of 4 done today")
    # The one primary action on the cards is the next step.
    expect(phone.locator(".routine-card .button.primary")).to_have_count(1)
    expect(phone.locator("[data-routine='breathe'] .button.primary")).to_be_visible()

    clocks.fast_forward(phone, 11 * HOUR)  # 19:00: the evening
    phone.goto("/reflect")
    phone.get_by_label("What went well").fill("Two discovery calls that went deep")
    phone.get_by_role("button", name="Save today's reflection").click()
    finish = phone.locator("[data-finish]")
    expect(finish.get_by_role("status")).to_contain_text("Saved")
    expect(finish).to_contain_text("2 of 4 done today")
    # The breathing session is still open; in the evening the goal review comes first.
    expect(finish.get_by_role("link", name="Next: Review today's goals")).to_be_visible()
    snap(phone, f"calm-reflect-finished-{scheme}")
    assert problems(phone) == []


def test_a_first_run_on_a_sunday_is_coherent(calm_phone, clocks, scheme):
    phone = calm_phone
    clocks.install(phone, datetime(2026, 3, 1, 9, 0, tzinfo=UTC))  # Sunday 10:00 in Berlin
    register(phone, name="Ana")

    welcome = phone.locator(".flashes")
    # The first step offered is one that is on today; the weekday routines say they rest.
    expect(welcome).to_contain_text("A good first step: breathe for a minute.")
    expect(welcome).to_contain_text("rest day for Morning, Reflect and Goal review")
    expect(phone.locator("[data-routine='morning']")).to_contain_text("Rest day")
    expect(phone.locator("[data-routine='breathe'] .button.primary")).to_be_visible()
    # An account made today has no yesterday to tick off.
    expect(phone.get_by_role("button", name="Did it yesterday?")).to_have_count(0)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Good morning, Ana")
    expect(phone.get_by_role("heading", name="Make it yours")).to_be_visible()
    snap(phone, f"calm-first-run-sunday-{scheme}")
    assert problems(phone) == []
