"""In a real browser: a no logged through the page's script (the API) still brings back what was
learned the last time the same objection came up, and the playbook page is one tap away."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import problems, register

pytestmark = pytest.mark.browser


def log_no(phone, what: str, objection: str, learned: str = "") -> None:
    phone.goto("/setbacks")
    phone.get_by_label("What happened?").fill(what)
    phone.get_by_label("The objection").select_option(objection)
    if learned:
        # The optional fields are one tap away (issue 13): open them as a person would.
        phone.get_by_text("Add what you controlled, learned, a follow-up").click()
        phone.get_by_label("What I learned").fill(learned)
    with phone.expect_response("**/api/setbacks") as answer:
        phone.get_by_role("button", name="Log it").click()
    assert answer.value.status == 201  # sent by the offline queue's script, not the plain form
    phone.wait_for_url(re.compile(r"/setbacks\?logged="))


def test_a_no_logged_through_the_script_brings_back_the_last_lesson_for_its_objection(phone):
    register(phone)
    log_no(phone, "Acme: too expensive", "price", "Anchor on the cost of doing nothing")
    log_no(phone, "Initech: wrong quarter", "timing", "Ask when budgets are set")
    expect(phone.locator("[data-lessons-for]")).to_have_count(0)  # first time "timing" comes up

    log_no(phone, "Globex: over budget", "price")
    card = phone.locator('[data-lessons-for="price"]')
    expect(card).to_contain_text("You've heard “Price” before")
    expect(card).to_contain_text("Anchor on the cost of doing nothing")
    expect(card).not_to_contain_text("Ask when budgets are set")

    card.get_by_role("link", name="Your playbook for “Price”").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("“Price”")
    expect(phone.locator(".lesson-learned")).to_have_text(["Anchor on the cost of doing nothing"])
    assert problems(phone) == []
