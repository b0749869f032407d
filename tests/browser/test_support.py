"""The support corner end to end, on two phones: invite → accept → cheer → the owner's /today
shows it → the owner ends the link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, horizontal_overflow, problems, register, snap

pytestmark = pytest.mark.browser

# Monday 2 March 2026, 10:00 in Berlin.
MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_invite_accepted_a_cheer_sent_seen_and_the_link_ended(new_phone, live_server, clocks):
    owner = new_phone()
    clocks.install(owner, MORNING)
    register(owner, name="Alex")

    owner.goto("/support")
    owner.get_by_label("Small wins from my reflections").check()
    owner.get_by_role("button", name="Create an invite link").click()
    link = owner.get_by_label("Invite link")
    expect(link).to_be_visible()
    invite_url = link.input_value()
    assert re.search(r"/support/join/[A-Za-z0-9_-]{20,}$", invite_url)
    owner.get_by_role("button", name="Copy link").click()
    expect(owner.locator("[data-share-status]")).not_to_be_empty()
    assert horizontal_overflow(owner) == 0
    snap(owner, "support-invite-created")

    # Someone new opens the link, creates an account and comes straight back to the invite.
    supporter = new_phone(timezone_id="America/New_York")
    clocks.install(supporter)
    supporter.goto(invite_url)
    supporter.get_by_role("link", name="Create an account").click()
    supporter.get_by_label("Email").fill("sunniva@example.com")
    supporter.get_by_label("Your first name").fill("Sunniva")
    supporter.get_by_label("Password", exact=True).fill(PASSWORD)
    supporter.get_by_role("button", name="Create account").click()
    supporter.wait_for_url(re.compile(r"/support/join/"))
    expect(supporter.get_by_role("heading", level=1)).to_have_text("Alex would like you in their corner")
    expect(supporter.locator(".corner-sees")).to_contain_text("small wins")
    snap(supporter, "support-join")
    supporter.get_by_role("button", name="Accept").click()
    supporter.wait_for_url(re.compile(r"/support/people/\d+$"))
    person_url = supporter.url
    expect(supporter.get_by_role("heading", level=1)).to_have_text("Alex")
    supporter.get_by_role("button", name="Proud of you").click()
    expect(supporter.get_by_role("status")).to_contain_text("Sent")
    expect(supporter.locator(".corner-cheers")).to_contain_text("2 of 3 left today")
    snap(supporter, "support-person-after-cheer")

    owner.goto("/today")
    waiting = owner.locator(".corner-waiting")
    expect(waiting).to_contain_text("Sunniva")
    expect(waiting).to_contain_text("Proud of you")
    snap(owner, "support-today-cheer")

    owner.goto("/support")
    owner.get_by_role("button", name="End link with Sunniva").click()
    expect(owner.get_by_role("status")).to_contain_text("Link with Sunniva ended")
    expect(owner.locator("body")).not_to_contain_text("Since")

    response = supporter.goto(person_url)
    assert response.status == 404
    supporter.goto("/support")
    expect(supporter.locator("main")).not_to_contain_text("Alex")
    assert problems(owner) == []
    assert [p for p in problems(supporter) if "status of 404" not in p] == []
