"""Where a routine ends: how far through the day the user is, and the one useful next step.

Every routine page (and the breathing guide's finish screen) shows the same finish state once
the routine is done today, so the day reads as one flow instead of four separate forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from webapp.clock import utcnow
from webapp.extensions import db
from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l
from webapp.routines.core import ROUTINES, next_routine
from webapp.routines.models import Completion
from webapp.routines.schedule import schedules_for


@dataclass(frozen=True)
class Step:
    routine: str
    label: str
    path: str
    action: str  # the button: what the user will do
    why: str  # one line under it
    done_title: str  # the finish screen's heading once this routine is done


STEPS = {
    "morning": Step(
        "morning",
        "Morning",
        "/morning",
        _l("Start your morning"),
        _l("Three minutes to set up the day."),
        _l("Your day is set"),
    ),
    "breathe": Step(
        "breathe",
        "Breathe",
        "/breathe",
        _l("Breathe for a minute"),
        _l("Slow breaths steady the next call."),
        _l("Well breathed"),
    ),
    "goals": Step(
        "goals",
        _l("Goal review"),
        "/goals",
        _l("Review today's goals"),
        _l("Count what you did, not what they said."),
        _l("Today's goals are in"),
    ),
    "reflect": Step(
        "reflect",
        "Reflect",
        "/reflect",
        _l("Write tonight's reflection"),
        _l("A few lines turn today into something learned."),
        _l("Today is written down"),
    ),
}


@dataclass(frozen=True)
class DayProgress:
    day: date
    done: frozenset[str]
    expected: frozenset[str]
    hour: int

    @property
    def done_count(self) -> int:
        return len(self.done)

    @property
    def total(self) -> int:
        return len(ROUTINES)

    def next_step(self, just_done: str | None = None) -> Step | None:
        routine = next_routine(just_done, self.done, self.expected, self.hour)
        return STEPS[routine] if routine else None


_DONE_TODAY = select(Completion.routine).where(
    Completion.user_id == bindparam("user_id"), Completion.local_day == bindparam("day")
)


def day_progress(user) -> DayProgress:
    """Which routines are done today and which are expected (not a rest day), in the user's day."""
    now = utcnow()
    day, zone = user.local_day(now), user.zone_at(now)
    done = frozenset(db.session.connection().execute(_DONE_TODAY, {"user_id": user.id, "day": day}).scalars())
    expected = frozenset(
        routine for routine, schedule in schedules_for(user).items() if schedule.is_expected(day)
    )
    return DayProgress(day, done, expected, now.astimezone(ZoneInfo(zone)).hour)


@dataclass(frozen=True)
class Finish:
    routine: Step
    progress: DayProgress
    next: Step | None


def finish_for(user, routine: str, progress: DayProgress | None = None) -> Finish:
    """The finish state of `routine` (which the caller knows is done today)."""
    progress = progress or day_progress(user)
    return Finish(STEPS[routine], progress, progress.next_step(routine))


@dataclass(frozen=True)
class NextLink:
    href: str
    label: str
    why: str


def next_link(progress: DayProgress, just_done: str | None) -> NextLink:
    """The finish screen's one button: the next routine, or the week's progress when all are done."""
    step = progress.next_step(just_done)
    if step is not None:
        return NextLink(step.path, f"Next: {step.action}", step.why)
    if just_done is not None and progress.done | {just_done} >= set(ROUTINES):
        return NextLink(
            "/progress", _("See your week"), _("All four done today. That is the whole practice.")
        )
    return NextLink("/today", _("Back to Today"), _("Nothing else is due today. Rest is part of it."))
