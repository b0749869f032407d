"""The progress page's figures and chart geometry, as plain Python.

This module does no I/O, never reads the clock and knows nothing of Flask or the database:
`today` is a parameter and the inputs are dates, numbers and mappings of them. It returns
numbers ready to drop into SVG attributes (x, y, width, height, points), so the templates stay
free of arithmetic and the charts can be tested with explicit dates.

Charts and their rules
----------------------
- Calendar heatmap: GitHub-style columns of weeks, Monday at the top, for the 53 weeks ending
  with today's week (`calendar_range`). A day's status comes from the streak walk through
  yesterday (`webapp.streaks.core.day_statuses`); today is added only when done, and otherwise
  drawn as "pending" (today neither breaks nor freezes). Days before the first completion have
  no status and are drawn "empty". Days after today are not drawn.
- Mood line: one x step per day over the window, y from mood 1 (bottom) to 5 (top). Days without
  a mood are gaps: consecutive days form one polyline, and every entry also gets a dot, so a
  lone day still shows.
- Mood trend: the average of the last 30 days against the 30 days before; a difference under
  0.3 of a mood point is "about the same". Either window empty: no trend.
- Bars: widths are shares of the largest value in percent (0-100), for a viewBox 100 wide.
- Goal weeks: bar heights are shares of the largest total or target in the goal's weeks.
- Milestones: days of practice are distinct local days with any routine done; the 7th, 30th,
  100th and 365th such day are dated. "100 no's" is dated by the 100th setback's day. The next
  milestone is the unreached one closest to done (by share of the way there).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from webapp.goals.core import week_start
from webapp.i18n.core import N_, ngettext

ONE_DAY = timedelta(days=1)

# --- the calendar heatmap ---------------------------------------------------------------------

CALENDAR_WEEKS = 53
# The drawn calendar on a phone: about four months, so a day is a square a thumb can see
# (the month table below it keeps the whole year).
PHONE_WEEKS = 18
CELL = 10  # a day's square, in SVG units
STEP = 12  # a square plus the gap to the next
LABEL_WIDTH = 26  # room for "Mon", "Wed", "Fri" on the left
LABEL_HEIGHT = 14  # room for the month names on top
# Statuses a cell may carry; "pending" is today not done yet, "empty" a day before any completion.
CELL_STATUSES = ("done", "extra", "frozen", "missed", "paused", "off", "pending", "empty")


@dataclass(frozen=True)
class Cell:
    day: date
    status: str
    x: int
    y: int


@dataclass(frozen=True)
class MonthLabel:
    text: str
    x: int
    month: int = 0  # 1-12: what a page writes in its own language (`text` is the English)


@dataclass(frozen=True)
class Heatmap:
    cells: tuple[Cell, ...]
    months: tuple[MonthLabel, ...]
    weekday_labels: tuple[tuple[str, int], ...]  # (text, y of the text's baseline)
    width: int
    height: int
    weekday_rows: tuple[int, ...] = (0, 2, 4)  # the weekday (Monday 0) of each label, for other languages


def calendar_range(today: date, weeks: int = CALENDAR_WEEKS) -> tuple[date, date]:
    """The first and last day drawn: the Monday `weeks - 1` weeks before today's week, and today."""
    return week_start(today) - timedelta(weeks=weeks - 1), today


def with_today(statuses: Mapping[date, str], today: date, done_today: bool, scheduled_today: bool) -> dict:
    """Statuses through yesterday plus today: "done" or "extra" when done, else "pending"."""
    merged = dict(statuses)
    if done_today:
        merged[today] = "done" if scheduled_today else "extra"
    else:
        merged[today] = "pending"
    return merged


def cell_position(day: date, first: date) -> tuple[int, int]:
    """The (x, y) of a day's square: a column per week from `first` (a Monday), a row per weekday."""
    column = (day - first).days // 7
    return LABEL_WIDTH + column * STEP, LABEL_HEIGHT + day.weekday() * STEP


def heatmap(statuses: Mapping[date, str], first: date, last: date) -> Heatmap:
    """The squares, month labels and size of a calendar from `first` (a Monday) through `last`."""
    if first.weekday() != 0:
        raise ValueError("a calendar starts on a Monday")
    cells = []
    day = first
    while day <= last:
        x, y = cell_position(day, first)
        cells.append(Cell(day, statuses.get(day, "empty"), x, y))
        day += ONE_DAY
    columns = (last - first).days // 7 + 1
    return Heatmap(
        cells=tuple(cells),
        months=tuple(_month_labels(first, last)),
        weekday_labels=(("Mon", _text_y(0)), ("Wed", _text_y(2)), ("Fri", _text_y(4))),
        width=LABEL_WIDTH + columns * STEP,
        height=LABEL_HEIGHT + 7 * STEP,
    )


def cells_svg(cells) -> str:
    """The calendar's squares as SVG text, written in one go: 365 squares through the template
    engine cost more than the rest of the page. Every value is a number or a known status word.
    """
    parts = []
    for cell in cells:
        if cell.status not in CELL_STATUSES:
            raise ValueError(f"unknown day status {cell.status!r}")
        x, y = int(cell.x), int(cell.y)
        parts.append(
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" class="day-{cell.status}"/>'
        )
    return "".join(parts)


def _text_y(row: int) -> int:
    return LABEL_HEIGHT + row * STEP + CELL - 1


def _month_labels(first: date, last: date) -> list[MonthLabel]:
    # A month is named above the column holding its 1st; the first column names its own month
    # only when the next name is at least three columns away, so names never overlap.
    labels = []
    day = first
    while day <= last:
        column = (day - first).days // 7
        if day.day == 1:
            labels.append((column, day))
        day += ONE_DAY
    if not labels or labels[0][0] >= 3:
        labels.insert(0, (0, first))
    return [
        MonthLabel(calendar.month_abbr[day.month], LABEL_WIDTH + column * STEP, day.month)
        for column, day in labels
    ]


@dataclass(frozen=True)
class MonthCount:
    month: date  # the 1st of the month
    done: int
    frozen: int
    paused: int


def month_counts(statuses: Mapping[date, str], first: date, last: date) -> list[MonthCount]:
    """Per calendar month touched by `first`..`last`, oldest first: days done (extras included),
    frozen and paused."""
    counts: dict[date, list[int]] = {}
    month = first.replace(day=1)
    while month <= last:
        counts[month] = [0, 0, 0]
        month = (month + timedelta(days=31)).replace(day=1)
    # The days with a status that counts, not every day of the year: a page asks this of a year.
    for day, status in statuses.items():
        column = _MONTH_COLUMNS.get(status)
        if column is not None and first <= day <= last:
            counts[day.replace(day=1)][column] += 1
    return [MonthCount(month, *numbers) for month, numbers in counts.items()]


_MONTH_COLUMNS = {"done": 0, "extra": 0, "frozen": 1, "paused": 2}


def day_words(day: date) -> str:
    """ "Mon 2 Mar 2026"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 day", "3 days"."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def calendar_summary(label: str, counts: Sequence[MonthCount]) -> str:
    """One sentence for the heatmap's aria-label."""
    done = sum(month.done for month in counts)
    frozen = sum(month.frozen for month in counts)
    paused = sum(month.paused for month in counts)
    # NOTE: %(routine)s is a routine's name; the others are counts of days, such as "3 days".
    return N_(
        "%(routine)s over the last 12 months: %(done)s done, %(frozen)s covered by a freeze, "
        "%(paused)s paused.",
        routine=label,
        done=ngettext("%(num)d day", "%(num)d days", done),
        frozen=ngettext("%(num)d day", "%(num)d days", frozen),
        paused=ngettext("%(num)d day", "%(num)d days", paused),
    )


# --- the mood line ----------------------------------------------------------------------------

MOOD_DAYS = 90
MOOD_WIDTH = 300
MOOD_HEIGHT = 100
MOOD_LEFT = 30  # room for the mood numbers
MOOD_PAD = 8


@dataclass(frozen=True)
class MoodDot:
    day: date
    mood: int
    x: float
    y: float


@dataclass(frozen=True)
class MoodChart:
    lines: tuple[str, ...]  # polyline `points` attributes, one per run of consecutive days
    dots: tuple[MoodDot, ...]
    grid: tuple[tuple[int, float], ...]  # (mood, y) for each level's guide line
    width: int
    height: int
    left: int


def mood_x(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return round(MOOD_LEFT + (day - first).days * (MOOD_WIDTH - MOOD_LEFT - MOOD_PAD) / span, 1)


def mood_y(mood: int) -> float:
    return round(MOOD_PAD + (5 - mood) * (MOOD_HEIGHT - 2 * MOOD_PAD) / 4, 1)


def mood_chart(moods: Mapping[date, int], first: date, last: date) -> MoodChart:
    """Lines and dots for the moods between `first` and `last` (inclusive); gaps where none."""
    dots = [
        MoodDot(day, mood, mood_x(day, first, last), mood_y(mood))
        for day, mood in sorted(moods.items())
        if first <= day <= last and mood is not None
    ]
    lines: list[str] = []
    run: list[MoodDot] = []
    for dot in dots:
        if run and dot.day - run[-1].day != ONE_DAY:
            lines.extend(_line(run))
            run = []
        run.append(dot)
    lines.extend(_line(run))
    return MoodChart(
        lines=tuple(lines),
        dots=tuple(dots),
        grid=tuple((mood, mood_y(mood)) for mood in range(5, 0, -1)),
        width=MOOD_WIDTH,
        height=MOOD_HEIGHT,
        left=MOOD_LEFT,
    )


def _line(run: Sequence[MoodDot]) -> list[str]:
    if len(run) < 2:
        return []
    return [" ".join(f"{_number(dot.x)},{_number(dot.y)}" for dot in run)]


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class MoodSummary:
    entries: int
    average: float | None
    recent: float | None  # the last 30 days
    earlier: float | None  # the 30 days before
    trend: str | None  # "up", "down", "same", or None without both windows


TREND_THRESHOLD = 0.3


def mood_summary(moods: Mapping[date, int], today: date) -> MoodSummary:
    """The average over the last 90 days and the last 30 days against the 30 before."""
    window = [mood for day, mood in moods.items() if today - timedelta(days=MOOD_DAYS - 1) <= day <= today]
    recent = [mood for day, mood in moods.items() if today - timedelta(days=29) <= day <= today]
    earlier = [
        mood for day, mood in moods.items() if today - timedelta(days=59) <= day <= today - timedelta(days=30)
    ]
    recent_avg, earlier_avg = _average(recent), _average(earlier)
    trend = None
    if recent_avg is not None and earlier_avg is not None:
        difference = recent_avg - earlier_avg
        trend = "same" if abs(difference) < TREND_THRESHOLD else "up" if difference > 0 else "down"
    return MoodSummary(len(window), _average(window), recent_avg, earlier_avg, trend)


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


# --- bars -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    width: float  # percent of the largest value


def bars(values: Iterable[tuple[str, str, int]]) -> list[Bar]:
    """(key, label, value) rows as bars sized against the largest value (0 for all zero)."""
    rows = list(values)
    largest = max((value for _, _, value in rows), default=0)
    return [
        Bar(key, label, value, round(100 * value / largest, 1) if largest else 0.0)
        for key, label, value in rows
    ]


# --- goals against their targets --------------------------------------------------------------

GOAL_WEEKS = 8
GOAL_WIDTH = 160
GOAL_HEIGHT = 60
GOAL_BAR = 14
GOAL_GAP = 6


@dataclass(frozen=True)
class GoalWeek:
    monday: date
    total: int
    target: int
    met: bool
    current: bool  # this week, still going
    x: int
    height: float
    y: float
    target_y: float


def goal_weeks(
    mondays: Sequence[date], totals: Mapping[date, int], targets: Mapping[date, int], this_week: date
) -> list[GoalWeek]:
    """Each week's total against its target, as bars in a GOAL_WIDTH x GOAL_HEIGHT box.

    Heights are shares of the largest total or target among the weeks; the target is drawn as a
    tick at `target_y`. A week with a target of 0 (nothing expected) counts as met.
    """
    largest = max([totals.get(m, 0) for m in mondays] + [targets.get(m, 0) for m in mondays] + [1])
    weeks = []
    for index, monday in enumerate(mondays):
        total, target = totals.get(monday, 0), targets.get(monday, 0)
        height = round(GOAL_HEIGHT * total / largest, 1)
        weeks.append(
            GoalWeek(
                monday=monday,
                total=total,
                target=target,
                met=total >= target,
                current=monday == this_week,
                x=index * (GOAL_BAR + GOAL_GAP),
                height=height,
                y=round(GOAL_HEIGHT - height, 1),
                target_y=round(GOAL_HEIGHT - GOAL_HEIGHT * target / largest, 1),
            )
        )
    return weeks


def recent_mondays(today: date, count: int = GOAL_WEEKS, since: date | None = None) -> list[date]:
    """The Mondays of the last `count` weeks through today's, oldest first, none before `since`'s week."""
    this_week = week_start(today)
    mondays = [this_week - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    if since is not None:
        mondays = [monday for monday in mondays if monday >= week_start(since)]
    return mondays


# --- milestones -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestone:
    key: str
    title: str
    note: str
    reached_on: date | None
    progress: int  # how far along: days practised, no's logged, reviews written
    goal: int

    @property
    def to_go(self) -> int:
        return max(self.goal - self.progress, 0)


PRACTICE_MILESTONES = (
    (7, N_("A first week of practice"), N_("Seven days with a routine done.")),
    (30, N_("30 days of practice"), N_("Thirty days with a routine done. It's becoming part of the job.")),
    (100, N_("100 days of practice"), N_("A hundred days. This is what a habit looks like from the inside.")),
    (365, N_("365 days of practice"), N_("A year's worth of days.")),
)
NOS_GOAL = 100


def milestones(
    practice_days: Iterable[date],
    setbacks_logged: int,
    hundredth_setback: date | None,
    first_review: date | None,
) -> list[Milestone]:
    """Every milestone, reached or not, in a fixed order (see the module docstring)."""
    days = sorted(set(practice_days))
    found = [
        Milestone(
            f"days-{goal}",
            title,
            note,
            days[goal - 1] if len(days) >= goal else None,
            min(len(days), goal),
            goal,
        )
        for goal, title, note in PRACTICE_MILESTONES
    ]
    found.append(
        Milestone(
            "nos-100",
            N_("100 no's logged"),
            N_("That's 100 conversations you had the nerve to start."),
            hundredth_setback if setbacks_logged >= NOS_GOAL else None,
            min(setbacks_logged, NOS_GOAL),
            NOS_GOAL,
        )
    )
    found.append(
        Milestone(
            "first-review",
            N_("A first weekly review"),
            N_("You stepped back and looked at a whole week."),
            first_review,
            1 if first_review else 0,
            1,
        )
    )
    return found


def reached(all_milestones: Iterable[Milestone]) -> list[Milestone]:
    """The milestones reached, most recent first."""
    done = [milestone for milestone in all_milestones if milestone.reached_on is not None]
    return sorted(done, key=lambda milestone: milestone.reached_on, reverse=True)


def next_milestone(all_milestones: Sequence[Milestone]) -> Milestone | None:
    """The unreached milestone closest to done; ties go to the earlier one in the list."""
    open_ones = [milestone for milestone in all_milestones if milestone.reached_on is None]
    if not open_ones:
        return None
    return max(
        open_ones, key=lambda milestone: (milestone.progress / milestone.goal, -open_ones.index(milestone))
    )
