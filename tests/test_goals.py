"""Goals: add, +1, edit, archive; the daily goal review; the weekly review; export and import."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from tests.conftest import form_fields, page_forms, person, register, submit
from webapp.extensions import db
from webapp.goals.models import Goal, GoalEntry, WeeklyReview
from webapp.routines.models import Completion

D = date.fromisoformat


def add_goal(client, name="Calls", target=20, period="day", kind="activity"):
    data = {"name": name, "target": str(target), "period": period, "kind": kind}
    response = submit(client, "/goals", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def goal_ids(app, user_id) -> dict[str, int]:
    with app.app_context():
        return {g.name: g.id for g in db.session.scalars(db.select(Goal).filter_by(user_id=user_id))}


def goals_of(app, user_id) -> dict[str, Goal]:
    with app.app_context():
        rows = db.session.scalars(db.select(Goal).filter_by(user_id=user_id))
        return {g.name: g for g in rows}


def amounts(app, user_id) -> dict[tuple[int, date], int]:
    with app.app_context():
        rows = db.session.scalars(db.select(GoalEntry).filter_by(user_id=user_id))
        return {(e.goal_id, e.local_day): e.amount for e in rows}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def page(client, path="/goals") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- the goals page ---------------------------------------------------------------------------


def test_the_page_offers_starter_goals_to_someone_with_none(clock, client, user):
    html = page(client)
    for words in (
        "Calls: 20 a day",
        "Follow-ups: 10 a day",
        "Demos: 3 a week",
        "No&#39;s collected: 5 a day",
    ):
        assert words in html
    assert "Today&#39;s review" not in html  # nothing to review yet


def test_a_starter_goal_takes_one_tap(app, clock, client, user):
    [demos] = [f for f in page_forms(page(client)) if f["fields"].get("name") == "Demos"]
    response = client.post(demos["action"], data=demos["fields"])
    assert response.status_code == 302
    goal = goals_of(app, user.id)["Demos"]
    assert (goal.kind, goal.period, goal.target, goal.archived) == ("activity", "week", 3, False)
    assert "Added Demos: 3 a week." in page(client)
    html = page(client)
    assert "0 of 3 this week" in html
    assert "Demos: 3 a week" not in html and "Calls: 20 a day" in html  # the others stay on offer


@pytest.mark.both_dbs
def test_adding_a_goal_shows_it_with_its_progress(app, clock, client, user):
    add_goal(client, "Calls", 20)
    add_goal(client, "Deals won", 2, period="week", kind="outcome")
    goals = goals_of(app, user.id)
    assert (goals["Deals won"].kind, goals["Deals won"].period) == ("outcome", "week")
    assert goals["Calls"].created_at.isoformat() == "2026-03-02T09:00:00+00:00"
    assert "Added Deals won: 2 a week." in page(client)
    html = page(client)
    assert "These you control." in html and "These you influence." in html
    assert html.index("These you control.") < html.index("Calls") < html.index("These you influence.")
    assert html.index("These you influence.") < html.index("Deals won")
    assert "0 of 20 today" in html and "0 of 2 this week" in html
    assert f'<label for="progress-{goals["Calls"].id}">' in html
    assert f'<progress id="progress-{goals["Calls"].id}" max="20" value="0">' in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the goal a short name"),
        ({"name": "   "}, "Give the goal a short name"),
        ({"name": "n" * 81}, "80 characters or fewer"),
        ({"target": "0"}, "from 1 to 1000"),
        ({"target": "1001"}, "from 1 to 1000"),
        ({"target": "lots"}, "from 1 to 1000"),
        ({"target": "2.5"}, "from 1 to 1000"),
        ({"target": "-3"}, "from 1 to 1000"),
        ({"target": ""}, "from 1 to 1000"),
        ({"kind": "luck"}, "Choose activity or outcome"),
        ({"period": "month"}, "Choose a day or a week"),
    ],
)
def test_a_bad_goal_is_refused_with_a_message_and_nothing_saved(app, clock, client, user, data, message):
    fields = {"name": "Calls", "target": "20", "period": "day", "kind": "activity", **data}
    response = submit(client, "/goals", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Goal) == 0


def test_two_active_goals_may_not_share_a_name(app, clock, client, user):
    add_goal(client, "Calls")
    response = submit(client, "/goals", {"name": "calls", "target": "5", "period": "day", "kind": "activity"})
    assert response.status_code == 400
    assert "already have a goal called calls" in response.get_data(as_text=True)
    assert count(app, Goal) == 1


def test_a_repeated_form_id_adds_one_goal(app, clock, client, user):
    fields = form_fields(client, "/goals", "/goals")
    fields.update(name="Calls", target="20", period="day", kind="activity")
    assert client.post("/goals", data=fields).status_code == 302
    assert client.post("/goals", data=dict(fields, name="Emails")).status_code == 302
    assert set(goal_ids(app, user.id)) == {"Calls"}


def test_the_page_needs_a_sign_in(app):
    response = app.test_client().get("/goals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- +1 ---------------------------------------------------------------------------------------


@pytest.mark.both_dbs
def test_plus_one_counts_today_and_a_repeat_changes_nothing(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    action = f"/goals/{calls}/plus-one"
    response = submit(client, action, page="/goals")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#goal-{calls}")
    fields = form_fields(client, "/goals", action)
    assert client.post(action, data=fields).status_code == 302
    assert client.post(action, data=fields).status_code == 302  # a double tap
    assert amounts(app, user.id) == {(calls, D("2026-03-02")): 2}
    assert "2 of 20 today" in page(client)
    clock.advance(days=1)
    submit(client, action, page="/goals")
    assert amounts(app, user.id)[(calls, D("2026-03-03"))] == 1
    assert "1 of 20 today" in page(client)


def test_a_weekly_goal_shows_this_weeks_total(app, clock, client, user):
    add_goal(client, "Demos", 3, period="week")
    demos = goal_ids(app, user.id)["Demos"]
    for day in ("2026-03-01T12:00:00+00:00", "2026-03-02T12:00:00+00:00", "2026-03-04T12:00:00+00:00"):
        clock.set(day)  # Sunday belongs to last week
        submit(client, f"/goals/{demos}/plus-one", page="/goals")
    assert "2 of 3 this week" in page(client)


def test_plus_one_follows_the_users_local_day(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    clock.set("2026-03-02T23:30:00+00:00")  # already Tuesday in Berlin
    submit(client, f"/goals/{calls}/plus-one", page="/goals")
    assert amounts(app, user.id) == {(calls, D("2026-03-03")): 1}


# --- edit and archive -------------------------------------------------------------------------


def test_editing_a_goal_changes_its_name_target_and_period(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    response = submit(
        client, f"/goals/{calls}", {"name": "Dials", "target": "25", "period": "week"}, page="/goals"
    )
    assert response.status_code == 302
    goal = goals_of(app, user.id)["Dials"]
    assert (goal.id, goal.target, goal.period, goal.kind) == (calls, 25, "week", "activity")
    assert "0 of 25 this week" in page(client)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Give the goal a short name"),
        ({"target": "0"}, "from 1 to 1000"),
        ({"period": "fortnight"}, "Choose a day or a week"),
        ({"name": "Demos"}, "already have a goal called Demos"),
    ],
)
def test_a_bad_edit_is_refused_and_nothing_changes(app, clock, client, user, data, message):
    add_goal(client, "Calls", 20)
    add_goal(client, "Demos", 3, period="week")
    calls = goal_ids(app, user.id)["Calls"]
    fields = {"name": "Dials", "target": "25", "period": "day", **data}
    response = submit(client, f"/goals/{calls}", fields, page="/goals")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="goal-edit" open' in html
    goal = goals_of(app, user.id)["Calls"]
    assert (goal.target, goal.period) == (20, "day")


def test_a_repeated_edit_form_id_changes_nothing(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    fields = form_fields(client, "/goals", f"/goals/{calls}")
    client.post(f"/goals/{calls}", data=dict(fields, name="Dials", target="25", period="day"))
    client.post(f"/goals/{calls}", data=dict(fields, name="Other", target="5", period="week"))
    goal = goals_of(app, user.id)["Dials"]
    assert (goal.target, goal.period) == (25, "day")


def test_archiving_takes_a_goal_off_the_page_and_keeps_its_history(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    submit(client, f"/goals/{calls}/plus-one", page="/goals")
    fields = form_fields(client, "/goals", f"/goals/{calls}/archive")
    assert client.post(f"/goals/{calls}/archive", data=fields).status_code == 302
    assert client.post(f"/goals/{calls}/archive", data=fields).status_code == 302  # repeat: no change
    assert goals_of(app, user.id)["Calls"].archived is True
    assert amounts(app, user.id) == {(calls, D("2026-03-02")): 1}
    html = page(client)
    assert "of 20 today" not in html
    assert "Calls: 20 a day" in html  # the starters are offered again
    plus = form_fields(client, "/goals", "/goals")
    assert client.post(f"/goals/{calls}/plus-one", data=plus).status_code == 404
    add_goal(client, "Calls", 15)  # the name is free again
    with app.app_context():
        active = db.session.scalars(db.select(Goal).filter_by(user_id=user.id, archived=False))
        assert [(g.name, g.target) for g in active] == [("Calls", 15)]


# --- another user's goal ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        ("/plus-one", {}),
        ("", {"name": "Mine now", "target": "1", "period": "day"}),
        ("/archive", {}),
    ],
)
def test_another_users_goal_is_not_found_for_every_post(app, clock, client, user, other_client, suffix, data):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    fields = form_fields(other_client, "/goals", "/goals")
    response = other_client.post(f"/goals/{calls}{suffix}", data=dict(fields, **data))
    assert response.status_code == 404
    goal = goals_of(app, user.id)["Calls"]
    assert (goal.name, goal.target, goal.archived) == ("Calls", 20, False)
    assert amounts(app, user.id) == {}
    assert other_client.post("/goals/999999/plus-one", data=fields).status_code == 404


def test_another_users_goal_is_ignored_in_my_daily_review(app, clock, client, user, other_client):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    add_goal(other_client, "Emails", 5)
    fields = form_fields(other_client, "/goals", "/goals/today")
    assert (
        other_client.post("/goals/today", data=dict(fields, **{f"amount-{calls}": "99"})).status_code == 302
    )
    assert amounts(app, user.id) == {}


# --- the daily goal review --------------------------------------------------------------------


@pytest.mark.both_dbs
def test_the_daily_review_completes_the_goals_routine_and_stores_the_amounts(app, clock, client, user):
    add_goal(client, "Calls", 20)
    add_goal(client, "Deals won", 2, period="week", kind="outcome")
    ids = goal_ids(app, user.id)
    submit(client, f"/goals/{ids['Calls']}/plus-one", page="/goals")
    html = page(client)
    assert f'name="amount-{ids["Calls"]}"' in html and 'value="1"' in html  # prefilled with today's
    assert "Done for today" not in html
    clock.set("2026-03-02T17:00:00+00:00")
    response = submit(
        client,
        "/goals/today",
        {f"amount-{ids['Calls']}": "12", f"amount-{ids['Deals won']}": "1"},
        page="/goals",
    )
    assert response.status_code == 302
    with app.app_context():
        [completion] = db.session.scalars(db.select(Completion).filter_by(user_id=user.id))
        assert (completion.routine, completion.local_day) == ("goals", D("2026-03-02"))
        assert completion.data == {"progress": {str(ids["Calls"]): 12, str(ids["Deals won"]): 1}}
    assert amounts(app, user.id) == {
        (ids["Calls"], D("2026-03-02")): 12,
        (ids["Deals won"], D("2026-03-02")): 1,
    }
    html = page(client)
    assert "Done for today" in html and "12 of 20 today" in html and "1 of 2 this week" in html
    # Later the same day: the day keeps one completion, with the newer numbers.
    clock.advance(minutes=30)
    submit(client, "/goals/today", {f"amount-{ids['Calls']}": "15"}, page="/goals")
    assert amounts(app, user.id)[(ids["Calls"], D("2026-03-02"))] == 15
    assert count(app, Completion) == 1


@pytest.mark.parametrize("amount", ["-1", "ten", "2.5", "10001", "1e3", "²"])
def test_a_bad_daily_amount_is_refused_and_nothing_saved(app, clock, client, user, amount):
    add_goal(client, "Calls", 20)
    add_goal(client, "Emails", 5)
    ids = goal_ids(app, user.id)
    response = submit(
        client,
        "/goals/today",
        {f"amount-{ids['Calls']}": amount, f"amount-{ids['Emails']}": "3"},
        page="/goals",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a whole number from 0 to 10,000." in html
    assert f'id="amount-{ids["Calls"]}-error"' in html and f'value="{amount}"' in html
    assert count(app, Completion) == 0 and amounts(app, user.id) == {}


def test_an_empty_daily_box_counts_as_zero(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    submit(client, f"/goals/{calls}/plus-one", page="/goals")
    submit(client, "/goals/today", {f"amount-{calls}": ""}, page="/goals")
    assert amounts(app, user.id) == {(calls, D("2026-03-02")): 0}


def test_a_repeated_daily_review_form_id_changes_nothing(app, clock, client, user):
    add_goal(client, "Calls", 20)
    calls = goal_ids(app, user.id)["Calls"]
    fields = form_fields(client, "/goals", "/goals/today")
    assert client.post("/goals/today", data=dict(fields, **{f"amount-{calls}": "7"})).status_code == 302
    clock.advance(minutes=5)
    assert client.post("/goals/today", data=dict(fields, **{f"amount-{calls}": "9"})).status_code == 302
    assert amounts(app, user.id) == {(calls, D("2026-03-02")): 7}
    assert count(app, Completion) == 1


# --- the weekly review ------------------------------------------------------------------------


def _four_weeks_of_work(app, client, clock, user):
    """Calls 20 a day and Demos 3 a week since February; four weeks of numbers to look back on."""
    clock.set("2026-02-02T08:00:00+00:00")
    add_goal(client, "Calls", 20)
    add_goal(client, "Demos", 3, period="week")
    ids = goal_ids(app, user.id)
    weeks = {"2026-02-02": (100, 3), "2026-02-09": (110, 4), "2026-02-16": (95, 2), "2026-02-23": (105, 4)}
    with app.app_context():
        for monday, (calls, demos) in weeks.items():
            # Monday holds most of it; Friday the rest (the week's total is what counts).
            db.session.add(
                GoalEntry(user_id=user.id, goal_id=ids["Calls"], local_day=D(monday), amount=calls - 5)
            )
            friday = D(monday).replace(day=D(monday).day + 4)
            db.session.add(GoalEntry(user_id=user.id, goal_id=ids["Calls"], local_day=friday, amount=5))
            db.session.add(
                GoalEntry(user_id=user.id, goal_id=ids["Demos"], local_day=D(monday), amount=demos)
            )
        db.session.commit()
    clock.set("2026-03-02T09:00:00+00:00")
    return ids


@pytest.mark.both_dbs
def test_the_weekly_review_saves_and_sets_next_weeks_targets(app, clock, client, user):
    ids = _four_weeks_of_work(app, client, clock, user)
    html = page(client, "/goals/review")
    assert "Week of 23 February 2026" in html
    assert "105 of 100" in html and "20 a day × 5 days" in html  # daily target × the days it was on
    assert "4 of 3" in html
    # Calls: 20, 22, 19, 21 a day, last week met → median 20.5 × 1.1 = 22.55 → 23.
    assert "Suggested 23; now 20." in html and f'name="target-{ids["Calls"]}"' in html
    # Demos: 3, 4, 2, 4, last week met → median 3.5 × 1.1 = 3.85 → 4.
    assert "Suggested 4; now 3." in html
    response = submit(
        client,
        "/goals/review",
        {
            "helped": "Calling before ten.",
            "change": "No meetings on Monday mornings.",
            f"target-{ids['Calls']}": "22",
        },
    )
    assert response.status_code == 302
    goals = goals_of(app, user.id)
    assert (goals["Calls"].target, goals["Demos"].target) == (22, 4)  # Demos took the suggestion
    with app.app_context():
        [review] = db.session.scalars(db.select(WeeklyReview).filter_by(user_id=user.id))
        assert review.week_start == D("2026-02-23")
        assert (review.helped, review.change) == ("Calling before ten.", "No meetings on Monday mornings.")
        assert review.next_targets == {str(ids["Calls"]): 22, str(ids["Demos"]): 4}
        assert review.written_at.isoformat() == "2026-03-02T09:00:00+00:00"
    html = page(client, "/goals/review")
    assert "You reviewed this week" in html and "Calling before ten." in html
    assert "Past reviews" in html and "Calls 22" in html

    clock.advance(hours=2)
    response = submit(
        client, "/goals/review", {"helped": "Calling before ten, and a walk.", f"target-{ids['Calls']}": "21"}
    )
    assert response.status_code == 302
    with app.app_context():
        [review] = db.session.scalars(db.select(WeeklyReview).filter_by(user_id=user.id))
        assert review.helped == "Calling before ten, and a walk."
        assert review.next_targets[str(ids["Calls"])] == 21
    assert goals_of(app, user.id)["Calls"].target == 21


def test_an_older_weeks_review_keeps_the_current_targets(app, clock, client, user):
    ids = _four_weeks_of_work(app, client, clock, user)
    html = page(client, "/goals/review?week=2026-02-11")
    assert "Week of 9 February 2026" in html and "110 of 100" in html and "older week" in html
    response = submit(
        client,
        "/goals/review",
        {"helped": "A good week.", f"target-{ids['Calls']}": "30"},
        page="/goals/review?week=2026-02-09",
    )
    assert response.status_code == 302
    assert goals_of(app, user.id)["Calls"].target == 20
    with app.app_context():
        review = db.session.scalar(db.select(WeeklyReview))
        assert review.week_start == D("2026-02-09") and review.next_targets[str(ids["Calls"])] == 30


def test_a_week_in_progress_can_be_reviewed_and_suggests_from_finished_weeks(app, clock, client, user):
    ids = _four_weeks_of_work(app, client, clock, user)
    submit(client, f"/goals/{ids['Calls']}/plus-one", page="/goals")
    html = page(client, "/goals/review?week=2026-03-04")
    assert "Week of 2 March 2026" in html and "(this week, so far)" in html
    assert "1 of 100" in html and "Suggested 23; now 20." in html


def test_a_paused_day_lowers_the_weeks_share_of_a_daily_target(app, clock, client, user):
    from webapp.routines.models import Pause

    _four_weeks_of_work(app, client, clock, user)
    with app.app_context():
        db.session.add(
            Pause(
                user_id=user.id,
                routine="goals",
                starts_on=D("2026-02-26"),
                ends_on=D("2026-02-27"),
                created_at=clock(),
            )
        )
        db.session.commit()
    assert "105 of 60" in page(client, "/goals/review") and "× 3 days" in page(client, "/goals/review")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target": "0"}, "from 1 to 1000"),
        ({"target": "many"}, "from 1 to 1000"),
        ({"target": ""}, "from 1 to 1000"),
        ({"helped": "x" * 2001}, "under 2000 characters"),
    ],
)
def test_a_bad_weekly_review_is_refused_and_nothing_saved(app, clock, client, user, data, message):
    ids = _four_weeks_of_work(app, client, clock, user)
    data = dict(data)
    fields = {"helped": "Fine.", f"target-{ids['Calls']}": data.pop("target", "22"), **data}
    response = submit(client, "/goals/review", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, WeeklyReview) == 0
    assert goals_of(app, user.id)["Calls"].target == 20


def test_a_repeated_weekly_review_form_id_changes_nothing(app, clock, client, user):
    ids = _four_weeks_of_work(app, client, clock, user)
    fields = form_fields(client, "/goals/review", "/goals/review")
    client.post("/goals/review", data=dict(fields, helped="First.", **{f"target-{ids['Calls']}": "22"}))
    client.post("/goals/review", data=dict(fields, helped="Second.", **{f"target-{ids['Calls']}": "40"}))
    assert goals_of(app, user.id)["Calls"].target == 22
    with app.app_context():
        assert db.session.scalar(db.select(WeeklyReview.helped)) == "First."


@pytest.mark.parametrize(
    ("week", "message"), [("soon", "like 2026-02-23"), ("2026-03-09", "hasn&#39;t started")]
)
def test_a_bad_week_is_a_400_with_a_message(clock, client, user, week, message):
    response = client.get(f"/goals/review?week={week}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_weekly_review_renders_with_no_goals(clock, client, user):
    html = page(client, "/goals/review")
    assert "No goals yet" in html and "Your weekly reviews will collect here" in html
    assert submit(client, "/goals/review", {"helped": "Setting up."}).status_code == 302


# --- export and import ------------------------------------------------------------------------


def _import(client, document):
    return client.post(
        "/account/import",
        data={
            **form_fields(client, "/account", "/account/import"),
            "file": (io.BytesIO(json.dumps(document).encode()), "export.json"),
        },
        content_type="multipart/form-data",
    )


def _by_name(part):
    """The goals part with ids replaced by names, so two accounts can be compared."""
    names = {goal["id"]: goal["name"] for goal in part["goals"]}
    goals = sorted(
        ({k: v for k, v in g.items() if k != "id"} for g in part["goals"]), key=lambda g: g["name"]
    )
    reviews = [
        dict(r, next_targets={names[int(k)]: v for k, v in r["next_targets"].items()})
        for r in part["weekly_reviews"]
    ]
    return goals, reviews


@pytest.mark.both_dbs
def test_goals_and_reviews_survive_export_and_import(app, clock, client, user):
    ids = _four_weeks_of_work(app, client, clock, user)
    add_goal(client, "Meetings booked", 4, period="week", kind="outcome")
    submit(client, "/goals/review", {"helped": "Mornings.", "change": "Lunch away from the desk."})
    submit(client, f"/goals/{ids['Demos']}/archive", page="/goals")
    document = client.get("/api/export").get_json()
    part = document["goals"]
    assert {g["name"] for g in part["goals"]} == {"Calls", "Demos", "Meetings booked"}
    calls = next(g for g in part["goals"] if g["name"] == "Calls")
    assert calls["kind"] == "activity" and calls["period"] == "day" and calls["target"] == 23
    assert {"local_day": "2026-02-23", "amount": 100} in calls["entries"]
    assert next(g for g in part["goals"] if g["name"] == "Demos")["archived"] is True
    [review] = part["weekly_reviews"]
    assert review["week_start"] == "2026-02-23" and review["next_targets"][str(ids["Calls"])] == 23

    phone = app.test_client()
    register(phone, email="ana.new@example.com", zone="Europe/Berlin")
    add_goal(phone, "Emails", 5)  # the new account's own ids come first: old ids must be mapped
    response = _import(phone, document)
    assert response.status_code == 302, response.get_data(as_text=True)
    again = phone.get("/api/export").get_json()["goals"]
    again["goals"] = [g for g in again["goals"] if g["name"] != "Emails"]
    assert _by_name(again) == _by_name(part)
    new = person(app, "ana.new@example.com")
    assert set(goal_ids(app, new.id)) == {"Calls", "Demos", "Meetings booked", "Emails"}
    assert goal_ids(app, new.id)["Calls"] != ids["Calls"]

    # The same file again: nothing doubles.
    assert _import(phone, document).status_code == 302
    assert len(goal_ids(app, new.id)) == 4
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(WeeklyReview.id)).filter_by(user_id=new.id)) == 1


GOAL = {
    "id": 7,
    "name": "Calls",
    "kind": "activity",
    "period": "day",
    "target": 20,
    "archived": False,
    "created_at": "2026-02-02T08:00:00+00:00",
    "entries": [],
}
REVIEW = {
    "week_start": "2026-02-23",
    "helped": "",
    "change": "",
    "next_targets": {"7": 22},
    "written_at": "2026-03-02T09:00:00+00:00",
}


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ([], "goals: expected an object"),
        ({"goals": [dict(GOAL, kind="luck")]}, "goals.goals[0].kind: expected one of activity, outcome"),
        ({"goals": [dict(GOAL, target=0)]}, "goals.goals[0].target"),
        ({"goals": [dict(GOAL, name="")]}, "goals.goals[0].name"),
        ({"goals": [dict(GOAL, id="seven")]}, "goals.goals[0].id"),
        ({"goals": [GOAL, GOAL]}, "two goals share an id"),
        ({"goals": [dict(GOAL, entries=[{"local_day": "2026-02-02", "amount": -1}])]}, "entries[0].amount"),
        ({"goals": [dict(GOAL, created_at="yesterday")]}, "goals.goals[0].created_at"),
        ({"goals": [GOAL], "weekly_reviews": [dict(REVIEW, week_start="2026-02-24")]}, "is not a Monday"),
        ({"goals": [GOAL], "weekly_reviews": [dict(REVIEW, next_targets={"8": 3})]}, "goal 8 isn"),
        ({"goals": [GOAL], "weekly_reviews": [dict(REVIEW, next_targets={"7": 5000})]}, "next_targets.7"),
        ({"goals": [GOAL], "weekly_reviews": [REVIEW, REVIEW]}, "a week appears twice"),
    ],
)
def test_a_bad_goals_part_says_where_and_imports_nothing(app, clock, client, user, part, message):
    response = _import(client, {"version": 1, "goals": part})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert count(app, Goal) == 0 and count(app, WeeklyReview) == 0
