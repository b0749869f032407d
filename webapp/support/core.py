"""The support corner's rules, as plain Python (no Flask, no clock, no I/O).

Who may join through an invite, what a supporter may see, how many cheers a day a pair may
send, and when the weekly note goes out. `now`, days and zones are parameters; inputs are plain
values or small frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from webapp.i18n.core import N_, LazyText
from webapp.reminders.core import Occurrence, next_occurrence
from webapp.routines.core import Schedule

MAX_SUPPORTERS = 5
INVITE_DAYS = 7
CHEERS_PER_DAY = 3
WEEK = 7

# A short, fixed set: no free text, so a cheer can never carry anything hurtful.
CHEERS = {
    "proud": N_("Proud of you"),
    "keep-going": N_("Keep going"),
    "tough-day": N_("Tough day? You've got this"),
}

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DEFAULT_WEEKLY_WEEKDAY = 4  # Friday: the end of a selling week
DEFAULT_WEEKLY_TIME = time(17, 0)


@dataclass(frozen=True)
class InviteFacts:
    owner_id: int
    expires_at: datetime
    used: bool
    revoked: bool


# Why an invite can't be accepted: (HTTP status, the page's title, what to do).
INVITE_PROBLEMS = {
    "revoked": (410, N_("This invite was withdrawn"), N_("Ask the person who sent it for a new link.")),
    "used": (
        410,
        N_("This invite has already been used"),
        N_("Each invite link works once. Ask for a new one."),
    ),
    "expired": (410, N_("This invite has expired"), N_("Invite links last 7 days. Ask for a new one.")),
    "self": (400, N_("This is your own invite"), N_("Share it with someone you'd like in your corner.")),
    "already_linked": (409, N_("You're already connected"), N_("You already support this person.")),
    "full": (409, N_("Their support corner is full"), N_("A person can have at most 5 supporters.")),
}


def invite_problem(
    invite: InviteFacts, joiner_id: int, now: datetime, already_linked: bool, owner_supporters: int
) -> str | None:
    """Why `joiner_id` can't accept this invite now (a key of INVITE_PROBLEMS), or None.

    A withdrawn invite says so even when it has also expired; a used one says it was used. The
    person's own link, an existing link and a full corner come after: those are about who opens
    it, not about the link.
    """
    if invite.revoked:
        return "revoked"
    if invite.used:
        return "used"
    if now >= invite.expires_at:
        return "expired"
    if joiner_id == invite.owner_id:
        return "self"
    if already_linked:
        return "already_linked"
    if owner_supporters >= MAX_SUPPORTERS:
        return "full"
    return None


def can_invite(supporters: int, open_invites: int) -> bool:
    """A new invite only while supporters and open invites together stay within the limit."""
    return supporters + open_invites < MAX_SUPPORTERS


def invite_expires_at(now: datetime) -> datetime:
    return now + timedelta(days=INVITE_DAYS)


def visible_parts(show_wins: bool, show_goals: bool) -> list[str]:
    """What a supporter sees, in the words the join page and the owner's list use."""
    parts = [N_("Whether each routine is done today, its current streak and the last 7 days")]
    if show_wins:
        parts.append(N_("The small wins from your evening reflections"))
    if show_goals:
        parts.append(N_("Your goals and how far along they are"))
    return parts


NEVER_SHOWN = N_("Never your reflections' other words, your setbacks, moods or affirmations.")


def is_cheer_allowed(sent_today: int) -> bool:
    """At most CHEERS_PER_DAY cheers per pair per owner's local day."""
    return sent_today < CHEERS_PER_DAY


def week_ending(day: date) -> list[date]:
    """The 7 local days ending with `day`, oldest first."""
    return [day - timedelta(days=offset) for offset in range(WEEK - 1, -1, -1)]


def days_practised(done: Mapping[str, Iterable[date]], days: list[date]) -> int:
    """How many of `days` had at least one routine done."""
    wanted = set(days)
    return len({day for routine_days in done.values() for day in routine_days if day in wanted})


def is_quiet_week(schedules: Iterable[Schedule], days: list[date]) -> bool:
    """Whether nothing was on in those days: every routine paused (or off) all week long.

    The weekly note is not sent for such a week: "0 of 7 days" after a holiday would be guilt.
    """
    return not any(schedule.is_scheduled(day) for schedule in schedules for day in days)


@dataclass(frozen=True)
class Dot:
    day: date
    state: str  # "done" | "missed" | "rest" | "today" (not done yet, still open)


def last_seven(schedule: Schedule, done: Iterable[date], today: date) -> list[Dot]:
    """A routine's last 7 local days as dots, oldest first; today is open until it is done."""
    done = set(done)
    dots = []
    for day in week_ending(today):
        if day in done:
            state = "done"
        elif day == today:
            state = "today"
        elif schedule.is_expected(day):
            state = "missed"
        else:
            state = "rest"
        dots.append(Dot(day, state))
    return dots


def next_weekly_note(after: datetime, weekday: int, at: time, zone: str, day_end_hour: int) -> Occurrence:
    """The first moment strictly after `after` that is `weekday` at `at` in the owner's zone.

    The owner's local clock decides, across DST: 17:00 on a Friday stays 17:00 after the clocks
    change (zoneinfo's rules, through reminders.core.next_occurrence).
    """
    found = next_occurrence(after, at, zone, day_end_hour, lambda day: day.weekday() == weekday, WEEK + 1)
    assert found is not None  # every week has that weekday
    return found


def weekly_note_text(name: str, practised: int) -> str:
    """The weekly note's words: effort only, never what went wrong."""
    if practised == 0:
        return N_("%(name)s had a quiet week — a cheer could help them start again.", name=name)
    return N_("%(name)s practised %(days)d of 7 days this week — send a cheer?", name=name, days=practised)


def display_name(name: str, fallback: str | LazyText = N_("Someone")) -> str | LazyText:
    return name.strip() or fallback
