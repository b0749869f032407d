"""The support corner's rules, with explicit dates and no framework."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from webapp.streaks.core import Schedule
from webapp.support import core
from webapp.support.core import Dot, InviteFacts, invite_problem

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN = InviteFacts(owner_id=1, expires_at=NOW + timedelta(days=7), used=False, revoked=False)
EVERY_DAY = Schedule(versions=((date(2026, 1, 1), frozenset(range(7))),))
WEEKDAYS = Schedule(versions=((date(2026, 1, 1), frozenset(range(5))),))


@pytest.mark.parametrize(
    ("invite", "joiner", "now", "linked", "supporters", "problem"),
    [
        (OPEN, 2, NOW, False, 0, None),
        (OPEN, 2, NOW + timedelta(days=7) - timedelta(seconds=1), False, 4, None),
        (OPEN, 2, NOW + timedelta(days=7), False, 0, "expired"),
        (OPEN, 1, NOW, False, 0, "self"),
        (OPEN, 2, NOW, True, 1, "already_linked"),
        (OPEN, 2, NOW, False, 5, "full"),
        (InviteFacts(1, NOW + timedelta(days=7), used=True, revoked=False), 2, NOW, False, 0, "used"),
        # A withdrawn invite says so, even once it has expired or was used.
        (InviteFacts(1, NOW - timedelta(days=1), used=True, revoked=True), 2, NOW, False, 0, "revoked"),
        # A used link says it was used, whoever opens it (even its owner).
        (InviteFacts(1, NOW + timedelta(days=7), used=True, revoked=False), 1, NOW, False, 0, "used"),
    ],
)
def test_who_may_accept_an_invite(invite, joiner, now, linked, supporters, problem):
    assert invite_problem(invite, joiner, now, linked, supporters) == problem


def test_every_invite_problem_is_a_4xx_with_words():
    for status, title, message in core.INVITE_PROBLEMS.values():
        assert 400 <= status < 500 and title and message


@pytest.mark.parametrize(
    ("supporters", "open_invites", "allowed"),
    [(0, 0, True), (4, 0, True), (3, 1, True), (4, 1, False), (5, 0, False)],
)
def test_invites_stay_within_five_supporters(supporters, open_invites, allowed):
    assert core.can_invite(supporters, open_invites) is allowed


@pytest.mark.parametrize(("sent", "allowed"), [(0, True), (2, True), (3, False), (10, False)])
def test_three_cheers_a_day(sent, allowed):
    assert core.is_cheer_allowed(sent) is allowed


def test_what_a_supporter_sees_is_said_in_plain_words():
    assert len(core.visible_parts(False, False)) == 1
    assert core.visible_parts(True, True)[1:] == [
        "The small wins from your evening reflections",
        "Your goals and how far along they are",
    ]


def test_the_last_seven_days_as_dots():
    today = date(2026, 3, 8)  # a Sunday
    done = {date(2026, 3, 2), date(2026, 3, 6), date(2026, 3, 7)}
    dots = core.last_seven(WEEKDAYS, done, today)
    assert [dot.state for dot in dots] == ["done", "missed", "missed", "missed", "done", "done", "today"]
    assert dots[0] == Dot(date(2026, 3, 2), "done")
    # An undone day the routine is off is a rest day.
    assert core.last_seven(WEEKDAYS, set(), date(2026, 3, 9))[5].state == "rest"


def test_days_practised_counts_days_with_any_routine():
    week = core.week_ending(date(2026, 3, 6))
    assert week[0] == date(2026, 2, 28) and len(week) == 7
    done = {"morning": {date(2026, 3, 2), date(2026, 3, 3)}, "breathe": {date(2026, 3, 3), date(2026, 2, 1)}}
    assert core.days_practised(done, week) == 2


def test_a_week_with_everything_paused_is_quiet():
    week = core.week_ending(date(2026, 3, 13))
    paused = Schedule(versions=EVERY_DAY.versions, pauses=((date(2026, 3, 7), date(2026, 3, 13)),))
    half = Schedule(versions=EVERY_DAY.versions, pauses=((date(2026, 3, 7), date(2026, 3, 12)),))
    assert core.is_quiet_week([paused, paused], week)
    assert not core.is_quiet_week([paused, half], week)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Friday 17:00 in Berlin: 16:00 UTC in winter time...
        (datetime(2026, 3, 23, tzinfo=UTC), datetime(2026, 3, 27, 16, 0, tzinfo=UTC)),
        # ...15:00 UTC after the clocks go forward on 29 March.
        (datetime(2026, 3, 27, 16, 0, tzinfo=UTC), datetime(2026, 4, 3, 15, 0, tzinfo=UTC)),
        # Back in winter time after 25 October.
        (datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 30, 16, 0, tzinfo=UTC)),
    ],
)
def test_the_weekly_note_follows_the_owners_clock_across_dst(after, expected):
    found = core.next_weekly_note(after, 4, time(17, 0), "Europe/Berlin", 0)
    assert found.fire_at == expected
    assert found.local_day.weekday() == 4


def test_the_weekly_note_says_effort_never_misses():
    assert core.weekly_note_text("Alex", 5) == "Alex practised 5 of 7 days this week — send a cheer?"
    assert "quiet week" in core.weekly_note_text("Alex", 0)


def test_core_imports_only_the_standard_library_and_other_cores():
    tree = ast.parse(Path(core.__file__).read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    for name in imported:
        assert name.split(".")[0] in {
            "__future__",
            "collections",
            "dataclasses",
            "datetime",
        } or name.endswith(".core"), name
