"""The first run on a phone (390×844, light and dark): one question per screen after registering —
name, days, reminder times, reminders on — with Back and Skip, ending on /today; a Sunday start
that agrees with itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .conftest import problems, register, snap

pytestmark = pytest.mark.browser

SUNDAY = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # Sunday 10:00 in Berlin


@pytest.fixture(params=["light", "dark"])
def scheme(request) -> str:
    return request.param


def test_a_sunday_first_run_asks_one_thing_at_a_time_and_ends_on_a_coherent_today(new_phone, clocks, scheme):
    phone = new_phone(color_scheme=scheme)
    clocks.install(phone, SUNDAY)
    register(phone, name="ana", first_run=True)

    expect(phone.get_by_text("step 1 of 4")).to_be_visible()
    name = phone.get_by_role("textbox", name="What should Rebound call you?")
    expect(name).to_have_value("ana")
    snap(phone, f"first-run-name-{scheme}")
    name.fill("Ana")
    phone.get_by_role("button", name="Continue").click()

    phone.wait_for_url(re.compile(r"/welcome/days$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Which days do you want to practise?")
    expect(phone.get_by_text("Today is Sunday: pick it too")).to_be_visible()
    snap(phone, f"first-run-days-{scheme}")
    # Back returns to the name as saved; Continue there comes back here.
    phone.get_by_role("link", name="Back").click()
    expect(phone.get_by_role("textbox", name="What should Rebound call you?")).to_have_value("Ana")
    phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("checkbox", name="Sunday").check()  # the day chip: start today
    phone.get_by_role("button", name="Continue").click()

    phone.wait_for_url(re.compile(r"/welcome/times$"))
    phone.get_by_label("Morning", exact=True).fill("07:30")
    snap(phone, f"first-run-times-{scheme}")
    phone.get_by_role("button", name="Continue").click()

    phone.wait_for_url(re.compile(r"/welcome/reminders$"))
    expect(phone.get_by_text("A morning nudge at 07:30")).to_be_visible()
    expect(phone.get_by_role("button", name="Turn on reminders on this phone")).to_be_visible()
    snap(phone, f"first-run-reminders-{scheme}")
    phone.get_by_role("button", name="Finish").click()

    phone.wait_for_url(re.compile(r"/today$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Good morning, Ana")
    # Sunday was picked: the morning is on today and is the first step, nothing is "Rest day".
    expect(phone.locator(".flashes")).to_contain_text("A good first step: start your morning.")
    expect(phone.locator("[data-routine='morning']")).not_to_contain_text("Rest day")
    expect(phone.get_by_role("button", name="Did it yesterday?")).to_have_count(0)
    expect(phone.get_by_text("Next reminder: Reflect at 18:00 today.")).to_be_visible()
    assert problems(phone) == []


def test_skipping_every_question_keeps_the_defaults_and_ends_on_today(new_phone, clocks):
    phone = new_phone()
    clocks.install(phone, SUNDAY)
    register(phone, name="Ana", first_run=True)
    for path in ("days", "times", "reminders"):
        phone.get_by_role("link", name="Skip this question").click()
        phone.wait_for_url(re.compile(rf"/welcome/{path}$"))
    phone.get_by_role("link", name="Skip this question").click()
    phone.wait_for_url(re.compile(r"/today$"))
    expect(phone.locator(".flashes")).to_contain_text("rest day for Morning, Reflect and Goal review")
    expect(phone.locator("[data-routine='morning']")).to_contain_text("Rest day")
    assert problems(phone) == []
