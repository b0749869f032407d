"""`flask --app webapp demo create` and the seeding the page benchmark shares with it."""

from __future__ import annotations

import importlib.util
import random
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import register, submit
from webapp.extensions import db
from webapp.localday import local_day
from webapp.routines.core import REFLECTION_FIELDS, ROUTINES, clean_completion_data

DEMO_EMAIL = "demo@rebound.example"
TODAY = date(2026, 3, 2)  # the clock fixture's day in London


def create(app, *args):
    return app.test_cli_runner().invoke(args=["demo", "create", *args])


def rows(model, **filters):
    return list(db.session.scalars(db.select(model).filter_by(**filters)))


def account(email: str = DEMO_EMAIL):
    from webapp.auth.models import User

    return db.session.scalar(db.select(User).filter_by(email=email))


@pytest.mark.both_dbs
def test_demo_create_makes_an_account_with_a_believable_history(app, clock):
    from webapp.goals.models import Goal, GoalEntry
    from webapp.routines.models import Completion, MorningEntry, Pause, Reflection
    from webapp.setbacks.log import OBJECTION_IDS
    from webapp.setbacks.models import Setback
    from webapp.streaks.data import stored_states

    result = create(app, "--days", "30")
    assert result.exit_code == 0, result.output
    assert "Made demo@rebound.example (Europe/London) with 30 days" in result.output
    assert "Password: " in result.output

    with app.app_context():
        user = account()
        assert user.time_zone == "Europe/London"
        completions = rows(Completion, user_id=user.id)
        history = {TODAY - timedelta(days=n) for n in range(31)}
        done_on = {c.local_day for c in completions}
        assert done_on <= history
        assert len(done_on) > len(history) / 2
        assert {c.routine for c in completions} == set(ROUTINES)
        for completion in completions:
            assert completion.data == clean_completion_data(completion.routine, completion.data)
            assert completion.local_day == local_day(completion.completed_at, completion.zone)
            assert completion.completed_at <= clock()

        pauses = rows(Pause, user_id=user.id)
        assert {p.routine for p in pauses} == set(ROUTINES)
        paused = {
            p.starts_on + timedelta(days=n) for p in pauses for n in range((p.ends_on - p.starts_on).days + 1)
        }
        assert not paused & done_on

        # A reflection is its reflect completion's data, as a completion made by the app keeps it.
        reflections = rows(Reflection, user_id=user.id)
        assert reflections
        reflect_data = {c.local_day: c.data for c in completions if c.routine == "reflect"}
        assert set(reflect_data) == {r.local_day for r in reflections}
        for reflection in reflections:
            assert 1 <= reflection.mood <= 5
            assert reflection.went_well
            mirrored = {name: getattr(reflection, name) for name in (*REFLECTION_FIELDS, "mood")}
            assert reflect_data[reflection.local_day] == mirrored
        mornings = {c.local_day: c.data for c in completions if c.routine == "morning"}
        entries = rows(MorningEntry, user_id=user.id)
        assert {
            e.local_day: {"intention": e.intention, "affirmation_ids": e.affirmation_ids} for e in entries
        } == (mornings)

        setbacks = rows(Setback, user_id=user.id)
        assert setbacks
        assert {s.objection for s in setbacks} <= set(OBJECTION_IDS)
        assert all(s.what_happened for s in setbacks)
        assert any(s.follow_up_on for s in setbacks)

        goals = {goal.id: goal for goal in rows(Goal, user_id=user.id)}
        assert sorted(g.name for g in goals.values()) == ["Calls", "Demos", "Follow-ups", "Meetings booked"]
        goal_entries = rows(GoalEntry, user_id=user.id)
        assert {e.goal_id for e in goal_entries} == set(goals)
        amounts = {(str(e.goal_id), e.local_day): e.amount for e in goal_entries}
        for completion in completions:
            if completion.routine == "goals":
                for goal_id, amount in completion.data["progress"].items():
                    assert amounts[(goal_id, completion.local_day)] == amount

        before = {routine: stored_states(user.id).get(routine) for routine in ROUTINES}
        assert all(state is not None for state in before.values())

    result = app.test_cli_runner().invoke(args=["streaks", "rebuild"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {routine: stored_states(account().id).get(routine) for routine in ROUTINES} == before


def test_the_default_demo_spends_freezes_and_breaks_a_streak(app, clock):
    from webapp.routines.schedule import schedules_for
    from webapp.streaks.core import day_statuses
    from webapp.streaks.data import done_days_by_routine, stored_states

    result = create(app)
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = account()
        statuses = Counter()
        for routine in ROUTINES:
            statuses.update(
                day_statuses(
                    schedules_for(user)[routine], done_days_by_routine(user.id)[routine], TODAY
                ).values()
            )
        assert any(stored_states(user.id).get(routine).last_break for routine in ROUTINES)
    assert statuses["frozen"] > 0
    assert statuses["paused"] == 4 * 7


def test_demo_create_refuses_an_email_that_exists_unless_asked_to_replace(app, clock):
    from webapp.routines.models import Completion

    options = ["--days", "12", "--email", "Sam@Example.com", "--password", "a long enough password"]
    first = create(app, *options)
    assert first.exit_code == 0, first.output
    assert "Password:" not in first.output  # only a generated password is printed
    with app.app_context():
        first = account("sam@example.com")
        first_id, first_hash = first.id, first.password_hash
        first_count = len(rows(Completion, user_id=first_id))

    again = create(app, *options)
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert "--replace" in again.output
    with app.app_context():
        assert account("sam@example.com").password_hash == first_hash
        assert len(rows(Completion, user_id=first_id)) == first_count

    replaced = create(app, *options, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert replaced.output.startswith("Replaced sam@example.com")
    with app.app_context():
        # A new account (SQLite may reuse the id), with a history just like the first.
        assert account("sam@example.com").password_hash != first_hash
        assert len(rows(Completion)) == first_count

    client = app.test_client()
    signed_in = submit(client, "/login", {"email": "sam@example.com", "password": "a long enough password"})
    assert signed_in.status_code == 302
    assert client.get("/today").status_code == 200
    assert client.get("/progress").status_code == 200


def test_the_same_seed_makes_the_same_history(app, clock):
    from webapp.goals.models import Goal, GoalEntry
    from webapp.routines.models import Completion, Reflection
    from webapp.setbacks.models import Setback

    def history(email: str, seed: int):
        result = create(app, "--days", "40", "--email", email, "--seed", str(seed))
        assert result.exit_code == 0, result.output
        with app.app_context():
            user_id = account(email).id
            names = {goal.id: goal.name for goal in rows(Goal, user_id=user_id)}
            return (
                sorted((c.routine, c.local_day, c.completed_at) for c in rows(Completion, user_id=user_id)),
                sorted((r.local_day, r.mood, r.went_well) for r in rows(Reflection, user_id=user_id)),
                sorted((s.occurred_at, s.objection, s.follow_up_on) for s in rows(Setback, user_id=user_id)),
                sorted((names[e.goal_id], e.local_day, e.amount) for e in rows(GoalEntry, user_id=user_id)),
            )

    first = history("one@example.com", 7)
    assert history("two@example.com", 7) == first
    assert history("three@example.com", 8) != first


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--zone", "Mars/Olympus"], "time zone"),
        (["--password", "short"], "characters"),
        (["--email", "not-an-email"], "email address"),
        (["--days", "0"], "--days"),
    ],
)
def test_demo_create_says_what_is_wrong_and_makes_nothing(app, clock, options, message):
    from webapp.auth.models import User

    result = create(app, *options)
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert rows(User) == []


def test_seed_history_fits_an_account_made_by_signing_up(app, client, clock):
    from webapp.demo import seed_history
    from webapp.routines.models import Reflection, RoutineSetting, ScheduleVersion
    from webapp.setbacks.models import Setback

    register(client, email="ana@example.com")
    with app.app_context():
        ana = account("ana@example.com")
        summary = seed_history(ana, 20, random.Random(1), clock(), setbacks=9, reflections=6)
        assert summary.first_day == date(2026, 2, 10)
        assert len(rows(Setback, user_id=ana.id)) == summary.setbacks == 9
        assert len(rows(Reflection, user_id=ana.id)) == summary.reflections == 6
        assert len(rows(RoutineSetting, user_id=ana.id)) == len(ROUTINES)
        versions = rows(ScheduleVersion, user_id=ana.id)
        assert sorted(v.routine for v in versions) == sorted(ROUTINES)
        assert {v.effective_from for v in versions} == {summary.first_day}
    assert client.get("/today").status_code == 200


def test_the_demo_words_keep_to_the_house_tone():
    from webapp import demo
    from webapp.setbacks.log import OBJECTION_IDS

    assert set(demo.OBJECTION_WEIGHTS) <= set(OBJECTION_IDS)
    assert set(demo.WHAT_HAPPENED) == set(demo.OBJECTION_WEIGHTS)
    assert set(demo.MOOD_WEIGHTS) == {1, 2, 3, 4, 5}
    moods = Counter(demo.MOOD_WEIGHTS)
    assert moods[3] + moods[4] > 50 and moods[1] < moods[2]
    texts = [
        *demo.INTENTIONS,
        *demo.WENT_WELL,
        *demo.DIDNT_GO_WELL,
        *demo.LEARNED,
        *demo.REFRAMES,
        *demo.SMALL_WINS,
        *demo.CONTROLLED,
        *demo.SETBACK_LESSONS,
        *(line for lines in demo.WHAT_HAPPENED.values() for line in lines),
        *(text for text, _favourite in demo.OWN_AFFIRMATIONS),
    ]
    assert len(texts) == len(set(texts))
    assert not [text for text in texts if "!" in text]


def _bench():
    path = Path(__file__).resolve().parent.parent / "bench" / "pages.py"
    spec = importlib.util.spec_from_file_location("bench_pages", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_page_benchmark_seeds_signs_in_and_times_a_small_history(app, clock):
    bench = _bench()
    summary = bench.seed_user(app, days=10, setbacks=4, reflections=3)
    assert (summary.setbacks, summary.reflections) == (4, 3)
    rows_ = bench.measure(app, count=2, warmup=1)
    assert [row.page for row in rows_] == [
        bench.BASELINE,
        *(page for page, _bp, _aim in bench.PAGES),
    ]
    assert rows_[0].median_ms > 0
    assert rows_[1].median_ms > 0  # /today
    report = bench.table(rows_)
    assert "/today" in report and "within 2x" in report


def test_the_page_benchmark_times_the_pages_as_first_seen_after_a_write(app, clock):
    bench = _bench()
    bench.seed_user(app, days=3, setbacks=1, reflections=1)
    line = bench.after_write_line(app, count=2)
    assert line.startswith("first view after a write (a setback logged before each), against /help")
    assert "/today" in line and "/progress" in line


def test_the_page_benchmark_compares_the_base_page_with_a_bare_app_on_the_same_session(app, clock):
    bench = _bench()
    bench.seed_user(app, days=3, setbacks=1, reflections=1)
    rows_, bare = bench.measure_with_bare(app, count=2, warmup=1)
    assert bare.page == bench.BARE and bare.median_ms > 0
    line = bench.bare_line(rows_[0], bare)
    assert line.startswith(f"{bench.BARE} (a bare Flask app") and "/help is" in line
