"""A whole day on a phone: the morning routine, a minute of breathing, the evening reflection."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.routines.models import Completion, Reflection

from .conftest import horizontal_overflow, problems, register, snap

pytestmark = pytest.mark.browser

# Monday 2 March 2026, 08:00 in Berlin.
MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
HOUR = 3600


def routine_card(page, routine: str):
    return page.locator(f"[data-routine='{routine}']")


def test_a_morning_a_breath_and_a_reflection_make_a_done_day(phone, live_server, clocks):
    clocks.install(phone, MORNING)
    register(phone, name="Ana")

    phone.goto("/morning")
    phone.get_by_role("textbox", name="What matters most today?").fill("Ask every prospect one more question")
    snap(phone, "day-morning")
    phone.get_by_role("button", name="Done").click()
    expect(phone.get_by_role("status")).to_contain_text("Morning done")

    clocks.fast_forward(phone, 4 * HOUR)
    phone.goto("/breathe")
    phone.get_by_label("Pattern").select_option("box")
    phone.get_by_label("How long").select_option("1")
    phone.get_by_role("button", name="Start").click()
    clocks.run_for(phone, 61)
    expect(phone.get_by_role("status")).to_have_text("Counted for today.")
    snap(phone, "day-breathe-counted")

    clocks.fast_forward(phone, 7 * HOUR)
    phone.goto("/reflect")
    phone.get_by_label("What went well").fill("Two discovery calls that went deep")
    phone.get_by_label("What didn't go well").fill("Acme said no on price")
    phone.get_by_label("What I learned").fill("Bring the ROI numbers to the first call")
    phone.get_by_label("A reframe").fill("Their no was about budget timing, not about me")
    phone.get_by_label("A small win to celebrate").fill("Booked the demo with Globex")
    phone.get_by_role("radio", name=re.compile(r"^4\b")).check()
    snap(phone, "day-reflect")
    phone.get_by_role("button", name="Save today's reflection").click()
    expect(phone.get_by_role("status")).to_contain_text("Saved")

    phone.goto("/today")
    for routine in ("morning", "breathe", "reflect"):
        expect(routine_card(phone, routine)).to_contain_text("Done today")
    expect(routine_card(phone, "goals")).not_to_contain_text("Done today")
    assert horizontal_overflow(phone) == 0
    snap(phone, "day-today-done")

    with live_server.app.app_context():
        rows = db.session.scalars(db.select(Completion).order_by(Completion.routine)).all()
        assert {row.routine: str(row.local_day) for row in rows} == {
            "breathe": "2026-03-02",
            "morning": "2026-03-02",
            "reflect": "2026-03-02",
        }
        assert next(row for row in rows if row.routine == "breathe").data["seconds"] >= 60
        reflection = db.session.scalar(db.select(Reflection))
        assert reflection.mood == 4
    assert problems(phone) == []
