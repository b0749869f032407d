"""/progress after a write: each block of the page is kept under what it shows
(webapp/progress/blocks.py). A write shows at once in every block it changes, a block it does not
change is not rendered again, the kept blocks are always the whole page, and one user's blocks
are never another's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup

from tests.test_progress import _complete_on, _days, _figure, _log_setback, _page, _reflect_on
from webapp.extensions import db
from webapp.i18n.core import N_
from webapp.progress import blocks


@dataclass(frozen=True)
class Account:
    """What a kept value's key takes from the account: its id."""

    id: int


def kept_blocks(app) -> list[tuple]:
    """The keys of the kept blocks: (user id, day, language, block, values)."""
    store = app.extensions.get("pagecache", {}).get("progress_part")
    return list(store.entries) if store else []


def renders_of(app, block: str) -> int:
    return sum(1 for key in kept_blocks(app) if key[3] == block)


# --- the page is its blocks ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_kept_blocks_make_the_same_page_as_the_whole_template(app, clock, client, user, language):
    from webapp.auth.models import User
    from webapp.progress.views import page_context, progress_figures

    _complete_on(app, clock, user, _days(date(2026, 2, 20), date(2026, 3, 2)))
    _reflect_on(app, clock, user, date(2026, 3, 1), 4, small_win="Booked a demo")
    _log_setback(app, clock, user, "price")
    clock.set("2026-03-02T19:00:00+00:00")
    with app.test_request_context("/progress", headers={"Accept-Language": language}):
        account = db.session.get(User, user.id)
        today = account.local_day(clock())
        context = page_context(today, "breathe", progress_figures(account, today, "breathe"))
        whole = render_template(blocks.PAGE, **context)
        assert str(blocks.render(account, today, context)) == whole
        # And again, every block from memory.
        assert str(blocks.render(account, today, context)) == whole


def test_the_page_has_a_block_for_each_part_and_nothing_outside_them(app):
    with app.test_request_context("/progress"):
        found = dict(blocks._blocks(blocks.PAGE))
    assert list(found) == [
        "summary",
        "streaks",
        "calendar",
        "mood",
        "insights",
        "setbacks",
        "follow_ups",
        "goals",
        "wins",
        "milestones",
    ]
    # What each reads is found in the template and what it includes.
    assert {"moods", "mood_summary", "day_words"} <= set(found["mood"])
    assert "insights" in found["insights"] and "follow_ups" in found["follow_ups"]


def _with_templates(app, templates: dict):
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), app.jinja_env.loader])
    app.jinja_env.cache.clear()


@pytest.fixture
def own_templates(app):
    loader = app.jinja_env.loader
    yield lambda templates: _with_templates(app, templates)
    app.jinja_env.loader = loader
    app.jinja_env.cache.clear()


def test_a_block_that_reads_the_request_is_refused_not_kept(app, own_templates, monkeypatch):
    own_templates({"reads_request.html": "{% block a %}{{ request.path }}{% endblock %}"})
    monkeypatch.setattr(blocks, "PAGE", "reads_request.html")
    with app.test_request_context("/progress"), pytest.raises(ValueError, match="request"):
        blocks.render(Account(1), date(2026, 3, 2), {})


def test_text_outside_the_blocks_is_refused(app, own_templates, monkeypatch):
    own_templates({"text_between.html": "{% block a %}A{% endblock %}lost{% block b %}B{% endblock %}"})
    monkeypatch.setattr(blocks, "PAGE", "text_between.html")
    with app.test_request_context("/progress"), pytest.raises(ValueError, match="only blocks"):
        blocks.render(Account(1), date(2026, 3, 2), {})


def test_a_block_is_rendered_with_the_values_it_reads_only(app, own_templates, monkeypatch):
    own_templates(
        {"two.html": "{% block a %}{{ shown }}{% endblock %}{% block b %}{{ other }}{% endblock %}"}
    )
    monkeypatch.setattr(blocks, "PAGE", "two.html")
    day = date(2026, 3, 2)
    with app.test_request_context("/progress"):
        assert blocks.render(Account(1), day, {"shown": "one", "other": "two"}) == "onetwo"
        assert blocks.render(Account(1), day, {"shown": "one", "other": "three"}) == "onethree"
        assert blocks.render(Account(2), day, {"shown": "one", "other": "two"}) == "onetwo"
    # Block a was rendered once for user 1 (its value unchanged) and once for user 2.
    assert sorted(key[0] for key in kept_blocks(app) if key[3] == "a") == [1, 2]


# --- what a key is made of ----------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: object
    y: object


@dataclass
class Mutable:
    x: int


def test_values_that_read_differently_never_share_a_key():
    frozen = blocks.frozen
    assert frozen(1) != frozen(1.0) != frozen(True)
    assert frozen(1) != frozen(True)
    assert frozen("<b>") != frozen(Markup("<b>"))
    assert frozen([1, 2]) != frozen((1, 2))
    assert frozen({"a": 1}) != frozen({"a": 1.0})
    assert frozen(Point(1, 2)) != frozen(Point(1, 2.0))
    assert frozen(N_("%(n)s day", n=1)) != frozen(N_("%(n)s day", n=2))
    assert frozen({"a": [Point(date(2026, 3, 2), "x")]}) == frozen({"a": [Point(date(2026, 3, 2), "x")]})
    hash(frozen({"a": [Point(date(2026, 3, 2), {3, 4})]}))


def test_a_built_in_kind_is_tagged_by_its_name_and_never_shares_a_key_with_another_value():
    # A built-in class's repr looks its module up each time; a key holds hundreds of floats,
    # bools and containers, and the shared page cache digests the key's repr.
    frozen = blocks.frozen
    key = frozen(
        {
            "a": [1.5, True, (1,), {2}, frozenset({3})],
            "f": test_values_that_read_differently_never_share_a_key,
        }
    )
    assert "<class" not in repr(key)
    assert frozen(1.5) != frozen(("float", 1.5))
    assert frozen(["a"]) != frozen(("a",))
    assert frozen({"a": 1}) != frozen((("a", 1),))
    assert frozen({1}) != frozen(frozenset({1}))
    assert frozen(Markup("x")) != frozen("x") and frozen(Markup("x")) != frozen(("Markup", "x"))


@pytest.mark.parametrize("value", [Mutable(1), object(), [Mutable(1)], bytearray(b"x")])
def test_a_value_that_could_change_under_an_equal_key_is_refused(value):
    with pytest.raises(TypeError):
        blocks.frozen(value)


# --- each write shows at once in the blocks it changes -------------------------------------------------


def test_a_day_done_shows_in_the_summary_the_streaks_the_calendar_and_the_milestones(
    app, clock, client, user
):
    _complete_on(app, clock, user, _days(date(2026, 3, 2), date(2026, 3, 7)))
    clock.set("2026-03-08T08:00:00+00:00")
    before = _page(client, "?routine=breathe")
    assert 'summary-figure">6<span class="summary-of">/7' in before
    assert _figure(before, "breathe", "current") == "6 days"
    assert 'class="day-pending"' in before and "milestones-title" not in before

    _complete_on(app, clock, user, [date(2026, 3, 8)])
    clock.set("2026-03-08T10:00:00+00:00")
    after = _page(client, "?routine=breathe")

    assert 'summary-figure">7<span class="summary-of">/7' in after
    assert _figure(after, "breathe", "current") == "7 days"
    assert 'class="day-pending"' not in after
    assert "Breathe over the last 12 months: 7 days done" in after
    assert re.search(r"milestones-title.*A first week of practice", after, re.S)


def test_a_mood_changed_on_the_same_evening_shows_in_the_chart_and_the_table(app, clock, client, user):
    _reflect_on(app, clock, user, date(2026, 3, 2), 3, small_win="First win")
    clock.set("2026-03-02T19:00:00+00:00")
    before = _page(client)
    assert re.findall(r'data-mood="(\d)"', before) == ["3"] and "Average 3 over 1 evening." in before

    _reflect_on(app, clock, user, date(2026, 3, 2), 5, small_win="A better win")
    clock.set("2026-03-02T19:00:00+00:00")
    after = _page(client)

    assert re.findall(r'data-mood="(\d)"', after) == ["5"] and "Average 5 over 1 evening." in after
    assert "A better win" in after and "First win" not in after


def test_a_setback_shows_in_the_setbacks_lines(app, clock, client, user):
    _log_setback(app, clock, user, "price")
    before = _page(client)
    assert 'data-objection="price">1<' in before

    _log_setback(app, clock, user, "price")
    after = _page(client)

    assert 'data-objection="price">2<' in after and "2 setbacks logged." in after


@pytest.mark.both_dbs
def test_a_follow_up_marked_shows_in_the_follow_up_figures(app, clock, client, user):
    from webapp.setbacks.models import Setback

    _log_setback(app, clock, user, "price")
    assert 'data-figure="won-back"' not in _page(client)
    with app.app_context():
        setback = db.session.scalar(db.select(Setback).filter_by(user_id=user.id))
        setback.follow_up_outcome = "won_back"
        setback.followed_up_at = clock()
        db.session.commit()

    after = _page(client)

    assert '<strong data-figure="won-back">1</strong> of the 1 no you followed up' in after


@pytest.mark.both_dbs
def test_a_goal_entry_shows_in_its_weeks(app, clock, client, user):
    from webapp.goals.models import Goal

    with app.app_context():
        goal = Goal(
            user_id=user.id, name="Calls", kind="activity", period="day", target=5, created_at=clock()
        )
        db.session.add(goal)
        db.session.commit()
        goal_id = goal.id
    _complete_on(app, clock, user, [date(2026, 3, 2)], "goals", {"progress": {str(goal_id): 6}})
    assert '<tr><th scope="row">2 Mar (so far)</th><td>6</td>' in _page(client)

    # The same day's review saved again, later: its figure replaces the first.
    _complete_on(app, clock, user, [date(2026, 3, 2)], "goals", {"progress": {str(goal_id): 9}}, hour=10)

    assert '<tr><th scope="row">2 Mar (so far)</th><td>9</td>' in _page(client)


# --- and only there ------------------------------------------------------------------------------


@pytest.mark.both_dbs
def test_a_write_that_changes_nothing_a_block_shows_does_not_render_it_again(app, clock, client, user):
    _reflect_on(app, clock, user, date(2026, 3, 2), 3)
    clock.set("2026-03-02T19:00:00+00:00")
    first = _page(client)
    assert renders_of(app, "mood") == 1 and renders_of(app, "setbacks") == 1

    # The same mood saved again, and a setback: a new data version, the mood block as it was.
    _reflect_on(app, clock, user, date(2026, 3, 2), 3)
    _log_setback(app, clock, user, "price", occurred_at="2026-03-02T10:00:00+00:00")
    clock.set("2026-03-02T19:00:00+00:00")
    second = _page(client)

    assert renders_of(app, "mood") == 1 and renders_of(app, "setbacks") == 2
    mood = re.compile(
        r'<section class="card progress-section" aria-labelledby="mood-title">.*?</section>', re.S
    )
    assert mood.search(first).group(0) == mood.search(second).group(0)


def test_two_accounts_with_the_same_history_never_share_a_kept_block(app, clock, client, user, other_client):
    from tests.conftest import person

    ben = person(app, "ben@example.com")
    for who in (user, ben):
        _complete_on(app, clock, who, [date(2026, 3, 2)])
    clock.set(datetime(2026, 3, 2, 19, tzinfo=UTC))
    assert _page(client) == _page(client)
    kept = len(kept_blocks(app))
    _page(other_client)

    assert len(kept_blocks(app)) == 2 * kept
    assert {key[0] for key in kept_blocks(app)} == {user.id, ben.id}


# --- what the figures keep between writes --------------------------------------------------------


def test_a_day_logged_late_shows_on_the_calendar_kept_through_yesterday(app, clock, client, user):
    _complete_on(app, clock, user, [date(2026, 3, 2), date(2026, 3, 4)])
    clock.set("2026-03-04T19:00:00+00:00")
    before = _page(client, "?routine=breathe")
    assert before.count('class="day-done"') == 2 and before.count('class="day-missed"') == 1

    _complete_on(app, clock, user, [date(2026, 3, 3)])  # written as of the 3rd, seen on the 4th
    clock.set("2026-03-04T19:00:00+00:00")
    after = _page(client, "?routine=breathe")

    assert after.count('class="day-done"') == 3 and after.count('class="day-missed"') == 0


def test_the_insights_expected_days_follow_the_schedule_they_are_kept_under(app):
    from webapp.insights.data import _expected
    from webapp.routines.core import Schedule

    days = frozenset(date(2026, 3, 2) + timedelta(days=offset) for offset in range(7))
    weekdays = Schedule(versions=((date(2026, 1, 1), frozenset(range(5))),))
    every_day = Schedule(versions=((date(2026, 1, 1), frozenset(range(7))),))
    with app.app_context():
        assert len(_expected(Account(1), weekdays, days)) == 5
        assert len(_expected(Account(1), every_day, days)) == 7
        assert len(_expected(Account(1), weekdays, days - {date(2026, 3, 2)})) == 4


def test_the_kept_insights_follow_every_input_they_are_kept_under(app):
    from webapp.progress.views import _insights

    monday = date(2026, 3, 2)
    done = {
        "morning": frozenset({monday}),
        "breathe": frozenset(),
        "goals": frozenset(),
        "reflect": frozenset(),
    }
    expected = {routine: frozenset({monday}) for routine in done}
    inputs = ({monday: 3}, done, expected, frozenset(), monday)
    with app.app_context():
        assert _insights(Account(1), inputs).mood_days == 1
        assert _insights(Account(1), ({monday: 3, monday + timedelta(days=1): 4}, *inputs[1:])).mood_days == 2
        # The same inputs, the same figures (from memory); another account's are its own.
        assert _insights(Account(1), inputs) is _insights(Account(1), inputs)
        assert _insights(Account(2), inputs) is not _insights(Account(1), inputs)


# --- rows written in Python, as the template wrote them -------------------------------------------

# The loops progress/_page.html had, to compare with what replaced them.
TEMPLATE_ROWS = {
    "mood": (
        "{% for day, level in moods|reverse %}\n"
        '        <tr><th scope="row"><time datetime="{{ day.isoformat() }}">{{ day_words(day) }}</time></th>'
        '<td data-mood="{{ level }}">{{ level }} \u00b7 {{ mood_words[level] }}</td></tr>\n'
        "      {% endfor %}"
    ),
    "bars": (
        "{% for w in weeks %}<rect class=\"goal-bar {{ 'goal-current' if w.current else ('goal-met' if w.met "
        'else \'goal-short\') }}" x="{{ w.x }}" y="{{ w.y }}" width="14" height="{{ w.height }}"/>'
        '<line class="goal-target" x1="{{ w.x - 2 }}" x2="{{ w.x + 16 }}" y1="{{ w.target_y }}" '
        'y2="{{ w.target_y }}"/>{% endfor %}'
    ),
    "weeks": (
        "{% for w in weeks|reverse %}\n"
        '          <tr><th scope="row">{% if w.current %}{% trans day=day_words_short(w.monday) %}{{ day }} '
        "(so far){% endtrans %}{% else %}{{ day_words_short(w.monday) }}{% endif %}</th>"
        "<td>{{ w.total }}</td><td>{{ w.target }}</td></tr>\n"
        "        {% endfor %}"
    ),
    "words": (
        "{% set weeks_words = namespace(items=[]) %}{% for w in weeks %}{% if w.current %}"
        '{% set weeks_words.items = weeks_words.items + [_("%(done)s of %(target)s so far", done=w.total, '
        "target=w.target)] %}{% else %}{% set weeks_words.items = weeks_words.items + "
        '[_("%(done)s of %(target)s", done=w.total, target=w.target)] %}{% endif %}{% endfor %}'
        '{{ weeks_words.items|join("; ") }}'
    ),
}


@pytest.mark.parametrize("language", ["en", "de", "fr", "pt-BR"])
def test_the_rows_written_in_python_are_the_templates_rows(app, language):
    from webapp.progress import core, views

    monday = date(2026, 3, 2)
    moods = [(monday + timedelta(days=offset), offset % 5 + 1) for offset in range(12)]
    mondays = [monday + timedelta(weeks=offset) for offset in range(8)]
    weeks = core.goal_weeks(mondays, {mondays[0]: 6, mondays[3]: 31}, dict.fromkeys(mondays, 25), mondays[-1])
    context = {
        "moods": moods,
        "weeks": weeks,
        "day_words": views._day_with_year,
        "day_words_short": views._day_and_month,
        "mood_words": views.MOODS,
    }
    with app.test_request_context("/progress", headers={"Accept-Language": language}):
        # Escaped as an .html template is (a template from a string is not, by default).
        escaped = "{%% autoescape true %%}%s{%% endautoescape %%}"
        template = {
            name: app.jinja_env.from_string(escaped % source).render(context)
            for name, source in TEMPLATE_ROWS.items()
        }
        assert views.mood_rows(moods) == template["mood"]
        assert views.goal_bars(weeks) == template["bars"]
        assert views.goal_week_rows(weeks) == template["weeks"]
        assert views.goal_weeks_words(weeks) == template["words"]
