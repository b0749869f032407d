"""/progress: streak figures, the calendar heatmap, mood, setbacks, goals, wins and milestones."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import person
from webapp.extensions import db
from webapp.progress import core

BREATH = {"pattern": "box", "seconds": 60}


def _user(app, who):
    from webapp.auth.models import User

    return db.session.get(User, who.id)


def _complete_on(app, clock, who, days, routine="breathe", data=None, hour=9):
    """Complete `routine` on each of `days` (Berlin and New York both agree at 09:00-17:00 UTC)."""
    from webapp.routines.completions import complete_now

    for day in days:
        clock.set(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))
        with app.app_context():
            complete_now(_user(app, who), routine, dict(data or BREATH), clock())
            db.session.commit()


def _reflect_on(app, clock, who, day, mood, small_win=""):
    _complete_on(app, clock, who, [day], "reflect", {"mood": mood, "small_win": small_win}, hour=17)


def _log_setback(app, clock, who, objection, occurred_at=None):
    from webapp.setbacks.log import record_setback

    payload = {"what_happened": "Lost the renewal", "objection": objection}
    if occurred_at:
        payload["occurred_at"] = occurred_at
    with app.app_context():
        answer = record_setback(_user(app, who), str(uuid.uuid4()), payload, clock())
        db.session.commit()
    assert answer.status == 201


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _figure(html: str, routine: str, name: str) -> str:
    card = re.search(rf'id="streak-{routine}">(.*?)</li>', html, re.S).group(1)
    return re.search(rf'data-figure="{name}">([^<]*)', card).group(1).strip()


def _page(client, query=""):
    response = client.get("/progress" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- pages ------------------------------------------------------------------------------------


def test_a_new_user_sees_friendly_empty_states(client, user):
    html = _page(client)
    assert "Your calendar fills in as you go" in html
    assert "No moods yet" in html
    assert "No setbacks logged in the last 90 days" in html
    assert "No goals yet" in html
    assert "small wins you note in your evening reflection collect here" in html
    assert "Next: <strong>A first week of practice</strong>" in html
    assert html.count('class="day-done"') == 0
    assert "A freeze covers a missed day; you earn one for every 7 days done, up to 2." in html


def test_the_progress_page_needs_a_sign_in(client):
    response = client.get("/progress")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.both_dbs
def test_streaks_and_the_calendar_follow_the_days_done(app, clock, client, user):
    # Ten days done, a miss covered by the freeze earned on day 7, a miss that breaks, five more.
    _complete_on(app, clock, user, _days(date(2026, 3, 2), date(2026, 3, 11)))
    _complete_on(app, clock, user, _days(date(2026, 3, 14), date(2026, 3, 18)))
    clock.set("2026-03-18T19:00:00+00:00")

    html = _page(client, "?routine=breathe")

    assert _figure(html, "breathe", "current") == "5 days"
    assert _figure(html, "breathe", "longest") == "10 days"
    assert _figure(html, "breathe", "total") == "15"
    assert _figure(html, "breathe", "freezes") == "0"
    assert "Came back after a break in 1 day." in html
    assert html.count('class="day-done"') == 15
    assert html.count('class="day-frozen"') == 1
    assert html.count('class="day-missed"') == 1
    assert "Breathe over the last 12 months: 15 days done, 1 day covered by a freeze" in html
    assert '<tr><th scope="row">March 2026</th><td>15</td><td>1</td><td>0</td></tr>' in html
    # The other routines were never done.
    assert "Not started yet" in re.search(r'id="streak-morning">(.*?)</li>', html, re.S).group(1)


def test_the_calendar_shows_the_routine_picked_and_morning_by_default(app, clock, client, user):
    _complete_on(app, clock, user, _days(date(2026, 3, 2), date(2026, 3, 4)))
    _complete_on(app, clock, user, [date(2026, 3, 4)], "morning", {"intention": "Ask better questions"})
    clock.set("2026-03-04T19:00:00+00:00")

    default = _page(client)
    assert 'aria-current="true">Morning</a>' in default
    assert 'aria-current="true">Morning</a>' in _page(client, "?routine=")
    assert default.count('class="day-done"') == 1
    breathe = _page(client, "?routine=breathe")
    assert 'aria-current="true">Breathe</a>' in breathe
    assert breathe.count('class="day-done"') == 3


def test_today_not_yet_done_is_drawn_pending_not_missed(app, clock, client, user):
    _complete_on(app, clock, user, [date(2026, 3, 2)])
    clock.set("2026-03-03T09:00:00+00:00")
    html = _page(client, "?routine=breathe")
    assert html.count('class="day-done"') == 1
    assert html.count('class="day-pending"') == 1
    assert html.count('class="day-missed"') == 0
    assert _figure(html, "breathe", "current") == "1 day"


def test_an_unknown_routine_is_not_found(client, user):
    assert client.get("/progress?routine=bogus").status_code == 404


@pytest.mark.both_dbs
def test_moods_show_as_a_line_a_summary_and_a_table(app, clock, client, user):
    _reflect_on(app, clock, user, date(2026, 3, 2), 2)
    _reflect_on(app, clock, user, date(2026, 3, 3), 4, small_win="Booked a demo with Acme")
    _reflect_on(app, clock, user, date(2026, 3, 5), 5)
    clock.set("2026-03-05T19:00:00+00:00")

    html = _page(client)

    assert re.findall(r'data-mood="(\d)"', html) == ["5", "4", "2"]
    assert html.count('class="mood-dot"') == 3
    assert html.count('class="mood-line"') == 1  # 2 and 3 March join; 5 March stands alone
    assert "Average 3.7 over 3 evenings." in html
    assert "Not enough entries yet to compare" in html
    assert "Booked a demo with Acme" in html
    assert 'href="/reflect/2026-03-03"' in html


@pytest.mark.both_dbs
def test_setbacks_are_counted_by_objection_over_the_last_90_days(app, clock, client, user):
    for objection in ("price", "price", "price", "timing"):
        _log_setback(app, clock, user, objection)
    _log_setback(app, clock, user, "competitor", occurred_at="2025-10-01T10:00:00+00:00")

    html = _page(client)

    assert 'data-objection="price">3<' in html
    assert 'data-objection="timing">1<' in html
    assert 'data-objection="competitor">0<' in html
    assert "4 setbacks logged." in html


@pytest.mark.both_dbs
def test_goal_weeks_show_totals_against_targets(app, clock, client, user):
    from webapp.goals.models import Goal

    with app.app_context():
        goal = Goal(
            user_id=user.id, name="Calls", kind="activity", period="day", target=5, created_at=clock()
        )
        db.session.add(goal)
        db.session.commit()
        goal_id = goal.id
    _complete_on(app, clock, user, [date(2026, 3, 2)], "goals", {"progress": {str(goal_id): 6}})
    _complete_on(app, clock, user, [date(2026, 3, 3)], "goals", {"progress": {str(goal_id): 4}})
    clock.set("2026-03-10T09:00:00+00:00")

    html = _page(client)

    chart = re.search(rf'id="goal-{goal_id}">(.*?)</div>', html, re.S).group(1)
    # A daily target of 5 on a Monday-to-Friday goal review: 25 a week.
    assert '<tr><th scope="row">2 Mar</th><td>10</td><td>25</td></tr>' in chart
    assert '<tr><th scope="row">9 Mar (so far)</th><td>0</td><td>25</td></tr>' in chart
    assert "At or above target in 0 of the last 1 week." in chart
    assert chart.count('<rect class="goal-bar ') == 2  # the goal is two weeks old


def test_milestones_are_dated_and_the_next_one_is_named(app, clock, client, user):
    _complete_on(app, clock, user, _days(date(2026, 3, 2), date(2026, 3, 9)))
    clock.set("2026-03-09T19:00:00+00:00")

    html = _page(client)

    assert "<strong>A first week of practice</strong>" in html
    assert 'datetime="2026-03-08"' in html
    assert "Next: <strong>30 days of practice</strong>" in html
    assert "22 more days with a routine done." in html


@pytest.mark.both_dbs
def test_a_hundred_nos_is_a_milestone(app, clock, client, user):
    from webapp.setbacks.models import Setback

    with app.app_context():
        for index in range(100):
            day = date(2026, 1, 1) + timedelta(days=index // 2)
            moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            db.session.add(
                Setback(
                    user_id=user.id,
                    client_id=str(uuid.uuid4()),
                    occurred_at=moment,
                    local_day=day,
                    objection="price",
                    created_at=moment,
                )
            )
        db.session.commit()

    html = _page(client)

    assert "<strong>100 no&#39;s logged</strong>" in html
    assert "conversations you had the nerve to start" in html
    assert 'datetime="2026-02-19"' in html  # the 100th: two a day from 1 January


def test_another_users_data_never_appears(app, clock, client, user, other_client):
    ben = person(app, "ben@example.com")
    _complete_on(app, clock, ben, _days(date(2026, 3, 2), date(2026, 3, 9)))
    _reflect_on(app, clock, ben, date(2026, 3, 9), 5, small_win="Ben's quiet win")
    _log_setback(app, clock, ben, "price")

    html = _page(client, "?routine=breathe")

    assert html.count('class="day-done"') == 0
    assert "Ben&#39;s quiet win" not in html and "Ben's quiet win" not in html
    assert "No moods yet" in html
    assert "No setbacks logged in the last 90 days" in html
    assert "Next: <strong>A first week of practice</strong>" in html
    ben_html = other_client.get("/progress?routine=breathe").get_data(as_text=True)
    assert ben_html.count('class="day-done"') == 8


# --- the pure chart helpers -------------------------------------------------------------------


def test_the_calendar_covers_53_weeks_from_a_monday_to_today():
    first, last = core.calendar_range(date(2026, 3, 18))
    assert first == date(2025, 3, 17) and first.weekday() == 0
    assert last == date(2026, 3, 18)


@pytest.mark.parametrize(
    ("day", "position"),
    [
        (date(2026, 3, 2), (core.LABEL_WIDTH, core.LABEL_HEIGHT)),  # the first Monday
        (date(2026, 3, 8), (core.LABEL_WIDTH, core.LABEL_HEIGHT + 6 * core.STEP)),  # its Sunday
        (date(2026, 3, 9), (core.LABEL_WIDTH + core.STEP, core.LABEL_HEIGHT)),
        (date(2026, 3, 18), (core.LABEL_WIDTH + 2 * core.STEP, core.LABEL_HEIGHT + 2 * core.STEP)),
    ],
)
def test_heatmap_cells_sit_in_week_columns_with_monday_on_top(day, position):
    assert core.cell_position(day, date(2026, 3, 2)) == position


def test_a_heatmap_has_a_square_per_day_and_names_the_months():
    statuses = {date(2026, 3, 30): "done", date(2026, 3, 31): "frozen"}
    chart = core.heatmap(statuses, date(2026, 3, 23), date(2026, 4, 1))
    assert len(chart.cells) == 10
    assert [cell.status for cell in chart.cells[7:]] == ["done", "frozen", "empty"]
    assert chart.width == core.LABEL_WIDTH + 2 * core.STEP
    assert chart.height == core.LABEL_HEIGHT + 7 * core.STEP
    assert [(label.text, label.x) for label in chart.months] == [("Apr", core.LABEL_WIDTH + core.STEP)]
    # With room before the next month's name, the first column names its own month.
    longer = core.heatmap({}, date(2026, 3, 2), date(2026, 4, 1))
    assert [label.text for label in longer.months] == ["Mar", "Apr"]
    # Each label carries its month and weekday by number: a page writes them in its own language.
    assert [label.month for label in longer.months] == [3, 4]
    assert longer.weekday_rows == (0, 2, 4)
    assert [text for text, _y in longer.weekday_labels] == ["Mon", "Wed", "Fri"]


def test_a_heatmap_starts_on_a_monday():
    with pytest.raises(ValueError):
        core.heatmap({}, date(2026, 3, 3), date(2026, 3, 10))


@pytest.mark.parametrize(
    ("done", "scheduled", "status"),
    [(True, True, "done"), (True, False, "extra"), (False, True, "pending"), (False, False, "pending")],
)
def test_today_joins_the_calendar_only_when_done(done, scheduled, status):
    merged = core.with_today({date(2026, 3, 1): "missed"}, date(2026, 3, 2), done, scheduled)
    assert merged == {date(2026, 3, 1): "missed", date(2026, 3, 2): status}


def test_month_counts_add_extras_to_done_and_cover_every_month_in_range():
    statuses = {
        date(2026, 1, 31): "done",
        date(2026, 2, 1): "extra",
        date(2026, 2, 2): "done",
        date(2026, 2, 3): "frozen",
        date(2026, 2, 4): "paused",
        date(2026, 2, 5): "missed",
    }
    counts = core.month_counts(statuses, date(2026, 1, 26), date(2026, 3, 1))
    assert counts == [
        core.MonthCount(date(2026, 1, 1), 1, 0, 0),
        core.MonthCount(date(2026, 2, 1), 2, 1, 1),
        core.MonthCount(date(2026, 3, 1), 0, 0, 0),
    ]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 3, 2), date(2026, 3, 1)),  # the calendar's year
        (date(2026, 1, 31), date(2026, 1, 31)),  # one day
        (date(2024, 1, 31), date(2024, 3, 1)),  # a leap February between two month ends
    ],
)
def test_month_counts_are_the_days_of_each_month_counted_one_by_one(first, last):
    """Counted from the days with a status (outside the range too), as counting every day of
    the range gives."""
    import random

    rng = random.Random(17)
    kinds = ["done", "extra", "frozen", "paused", "missed", "off"]
    statuses = {
        first + timedelta(days=offset): rng.choice(kinds) for offset in range(-40, (last - first).days + 40)
    }
    by_month: dict[date, list[int]] = {}
    day = first
    while day <= last:
        numbers = by_month.setdefault(day.replace(day=1), [0, 0, 0])
        status = statuses.get(day)
        for column, counted in enumerate((("done", "extra"), ("frozen",), ("paused",))):
            numbers[column] += status in counted
        day += timedelta(days=1)
    assert core.month_counts(statuses, first, last) == [
        core.MonthCount(month, *numbers) for month, numbers in by_month.items()
    ]


def test_the_mood_line_breaks_at_days_without_a_mood():
    first, last = date(2026, 3, 1), date(2026, 3, 3)
    chart = core.mood_chart({first: 5, date(2026, 3, 2): 3}, first, last)
    assert chart.lines == ("30,8 161,50",)
    assert [(dot.x, dot.y) for dot in chart.dots] == [(30, 8), (161, 50)]

    gappy = core.mood_chart({first: 5, last: 1}, first, last)
    assert gappy.lines == ()
    assert [(dot.x, dot.y) for dot in gappy.dots] == [(30, 8), (292, 92)]


def test_moods_outside_the_window_are_left_out():
    chart = core.mood_chart({date(2026, 2, 28): 4, date(2026, 3, 1): 4}, date(2026, 3, 1), date(2026, 3, 3))
    assert [dot.day for dot in chart.dots] == [date(2026, 3, 1)]


@pytest.mark.parametrize(
    ("recent", "earlier", "trend"),
    [(4, 3, "up"), (2, 4, "down"), (3, 3, "same"), (None, 3, None), (4, None, None)],
)
def test_the_mood_trend_compares_the_last_30_days_with_the_30_before(recent, earlier, trend):
    today = date(2026, 3, 31)
    moods = {}
    if recent is not None:
        moods[today - timedelta(days=3)] = recent
    if earlier is not None:
        moods[today - timedelta(days=40)] = earlier
    moods[today - timedelta(days=80)] = 1  # inside the 90 days, outside both windows
    summary = core.mood_summary(moods, today)
    assert summary.trend == trend
    assert summary.entries == len(moods)


def test_bars_are_shares_of_the_largest_value():
    found = core.bars([("price", "Price", 4), ("timing", "Timing", 1), ("other", "Other", 0)])
    assert [bar.width for bar in found] == [100.0, 25.0, 0.0]
    assert [bar.width for bar in core.bars([("price", "Price", 0)])] == [0.0]


def test_goal_weeks_scale_to_the_largest_total_or_target():
    mondays = [date(2026, 3, 2), date(2026, 3, 9)]
    weeks = core.goal_weeks(mondays, {mondays[0]: 30}, {mondays[0]: 20, mondays[1]: 20}, mondays[1])
    first, second = weeks
    assert (first.met, first.height, first.y, first.target_y) == (True, 60.0, 0.0, 20.0)
    assert (second.met, second.height, second.current, second.x) == (False, 0.0, True, 20)


def test_recent_weeks_start_no_earlier_than_the_goals_first_week():
    assert len(core.recent_mondays(date(2026, 3, 18))) == 8
    assert core.recent_mondays(date(2026, 3, 18), since=date(2026, 3, 4)) == [
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 16),
    ]


def test_milestones_are_dated_by_the_day_they_were_reached():
    days = [date(2026, 1, 1) + timedelta(days=2 * offset) for offset in range(31)]
    found = {m.key: m for m in core.milestones(days, 120, date(2026, 2, 1), None)}
    assert found["days-7"].reached_on == days[6]
    assert found["days-30"].reached_on == days[29]
    assert found["days-100"].reached_on is None and found["days-100"].to_go == 69
    assert found["nos-100"].reached_on == date(2026, 2, 1)
    assert found["first-review"].reached_on is None
    assert [m.key for m in core.reached(found.values())] == ["days-30", "nos-100", "days-7"]


def test_the_next_milestone_is_the_one_closest_to_done():
    assert core.next_milestone(core.milestones([], 0, None, None)).key == "days-7"
    days = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(10)]
    assert core.next_milestone(core.milestones(days, 90, None, date(2026, 1, 5))).key == "nos-100"
    everything = [date(2020, 1, 1) + timedelta(days=offset) for offset in range(400)]
    assert core.next_milestone(core.milestones(everything, 100, date(2021, 1, 1), date(2020, 1, 8))) is None


@pytest.mark.parametrize(("count", "words"), [(0, "0 days"), (1, "1 day"), (2, "2 days")])
def test_plural_counts_read_naturally(count, words):
    assert core.plural(count, "day") == words


def test_the_calendar_squares_are_written_only_from_numbers_and_known_statuses():
    from webapp.progress.core import Cell, cells_svg

    assert cells_svg([Cell(date(2026, 3, 2), "done", 30, 16)]) == (
        '<rect x="30" y="16" width="10" height="10" rx="2" class="day-done"/>'
    )
    with pytest.raises(ValueError):
        cells_svg([Cell(date(2026, 3, 2), '"><script>', 0, 0)])


# /progress reads its setbacks and its reflections in one statement each: what each part of the
# page gets from them must be what a plain count of the rows gives.

FIGURES_TODAY = date(2026, 3, 2)
# Days before FIGURES_TODAY (negative: after it): older than the insights' year, its first day,
# inside it, the first of the 90 days and the day before, today, a setback dated ahead.
SETBACK_OFFSETS = (800, 366, 365, 364, 200, 90, 89, 89, 3, 0, 0, -2)


def _setbacks_on(app, user_id: int, offsets) -> list:
    from webapp.setbacks.models import FOLLOW_UP_OUTCOMES, Setback

    objections, outcomes = ("price", "timing", "authority"), (None, *sorted(FOLLOW_UP_OUTCOMES))
    rows = []
    with app.app_context():
        for number, offset in enumerate(offsets):
            day = FIGURES_TODAY - timedelta(days=offset)
            moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            objection, outcome = objections[number % 3], outcomes[number % len(outcomes)]
            db.session.add(
                Setback(
                    user_id=user_id,
                    client_id=str(uuid.uuid4()),
                    occurred_at=moment,
                    local_day=day,
                    objection=objection,
                    follow_up_outcome=outcome,
                    created_at=moment,
                )
            )
            rows.append((day, objection, outcome))
        db.session.commit()
    return rows


@pytest.mark.both_dbs
@pytest.mark.parametrize("repeat", [1, 10])  # 12 and 120 setbacks: without and with a 100th
def test_the_setback_figures_are_what_counting_the_setbacks_gives(app, clock, user, repeat):
    from webapp.insights.data import window
    from webapp.progress.views import SETBACK_DAYS, setback_figures
    from webapp.setbacks.lessons import follow_ups_of

    rows = _setbacks_on(app, user.id, SETBACK_OFFSETS * repeat)
    first, (year_first, _) = FIGURES_TODAY - timedelta(days=SETBACK_DAYS - 1), window(FIGURES_TODAY)
    with app.app_context():
        figures = setback_figures(user.id, FIGURES_TODAY)
    recent = {objection: 0 for _day, objection, _outcome in rows}
    outcomes: dict[str, int] = {}
    for day, objection, outcome in rows:
        recent[objection] += day >= first
        if outcome is not None:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert figures.counts == recent
    assert figures.logged == len(rows)
    ordered = sorted(day for day, _objection, _outcome in rows)  # ids follow the days' order here
    assert figures.hundredth == (ordered[core.NOS_GOAL - 1] if len(rows) >= core.NOS_GOAL else None)
    assert figures.follow_ups == follow_ups_of(outcomes)
    assert figures.days == {day for day, _o, _u in rows if year_first <= day <= FIGURES_TODAY}


@pytest.mark.both_dbs
def test_the_moods_and_wins_are_the_years_moods_and_the_newest_wins(app, clock, user):
    from webapp.insights.data import window
    from webapp.progress.views import SMALL_WINS, moods_and_wins
    from webapp.routines.models import Reflection

    year_first, _ = window(FIGURES_TODAY)
    written = {}
    with app.app_context():
        for offset in range(-1, 400, 3):
            day = FIGURES_TODAY - timedelta(days=offset)
            mood = None if offset % 7 == 0 else 1 + offset % 5
            win = "" if offset % 2 else f"Win <{offset}> & more"
            moment = datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
            db.session.add(
                Reflection(user_id=user.id, local_day=day, mood=mood, small_win=win, written_at=moment)
            )
            written[day] = (mood, win)
        db.session.commit()
        moods, wins = moods_and_wins(user.id, FIGURES_TODAY)
    assert moods == {
        day: mood
        for day, (mood, _win) in written.items()
        if mood is not None and year_first <= day <= FIGURES_TODAY
    }
    assert (
        wins
        == sorted(((day, win) for day, (_mood, win) in written.items() if win), reverse=True)[:SMALL_WINS]
    )
