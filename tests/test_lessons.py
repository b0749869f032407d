"""Lessons resurface when an objection comes up again (the user's own, same objection only), the
playbook page per objection, the morning's lesson, and follow-ups closed with what came of them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from tests.conftest import csrf_token, form_fields, page_forms, person, register, submit
from tests.test_setbacks import _import
from webapp.extensions import db
from webapp.setbacks.models import Setback

BEN_SECRET = "Ben9c2dPrivateLesson"


def add(app, user_id, day: date, objection="price", learned="", follow_up_on=None, what="A call"):
    with app.app_context():
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        setback = Setback(
            user_id=user_id,
            client_id=str(uuid.uuid4()),
            occurred_at=moment,
            local_day=day,
            what_happened=what,
            objection=objection,
            learned=learned,
            follow_up_on=follow_up_on,
            created_at=moment,
        )
        db.session.add(setback)
        db.session.commit()
        return setback.id


@pytest.fixture
def history(app, user, other_client, clock):
    """Ana's lessons over February: four for price, one for timing, one price setback without a
    lesson; and Ben's own price lesson, which Ana must never see."""
    for day, learned in [
        (3, "Price lesson one"),
        (10, "Price lesson two"),
        (17, "Price lesson three"),
        (24, "Price lesson four"),
    ]:
        add(app, user.id, date(2026, 2, day), "price", learned)
    add(app, user.id, date(2026, 2, 25), "price", "")
    add(app, user.id, date(2026, 2, 26), "timing", "Timing lesson")
    add(app, person(app, "ben@example.com").id, date(2026, 2, 27), "price", BEN_SECRET)
    return user


def post_setback(client, **changes):
    body = {
        "id": str(uuid.uuid4()),
        "what_happened": "Globex: too expensive",
        "objection": "price",
        **changes,
    }
    return client.post("/api/setbacks", json=body, headers={"X-CSRFToken": csrf_token(client, "/setbacks")})


@pytest.mark.both_dbs
def test_the_api_answers_with_the_three_newest_earlier_lessons_for_the_same_objection(client, history):
    body = {
        "id": str(uuid.uuid4()),
        "what_happened": "Globex: too expensive",
        "objection": "price",
        "learned": "Its own lesson",
    }
    first = client.post("/api/setbacks", json=body, headers={"X-CSRFToken": csrf_token(client, "/setbacks")})
    assert first.status_code == 201
    lessons = first.get_json()["lessons"]
    assert [lesson["learned"] for lesson in lessons] == [
        "Price lesson four",
        "Price lesson three",
        "Price lesson two",
    ]
    assert {lesson["objection"] for lesson in lessons} == {"price"}
    assert lessons[0]["local_day"] == "2026-02-24"
    assert BEN_SECRET not in first.get_data(as_text=True)
    # A replay answers the same, lessons included.
    replay = client.post("/api/setbacks", json=body, headers={"X-CSRFToken": csrf_token(client, "/setbacks")})
    assert replay.status_code == 200 and replay.get_json() == first.get_json()


@pytest.mark.both_dbs
def test_an_objection_met_for_the_first_time_brings_back_nothing(client, history):
    assert post_setback(client, objection="competitor").get_json()["lessons"] == []
    assert [item["learned"] for item in post_setback(client, objection="timing").get_json()["lessons"]] == [
        "Timing lesson"
    ]


@pytest.mark.both_dbs
def test_another_persons_lessons_never_come_back(app, client, other_client, history):
    response = post_setback(other_client)
    assert [lesson["learned"] for lesson in response.get_json()["lessons"]] == [BEN_SECRET]
    for page in ("/setbacks/objections/price", "/setbacks", "/morning"):
        assert BEN_SECRET not in client.get(page).get_data(as_text=True)
    assert "Price lesson" not in other_client.get("/setbacks/objections/price").get_data(as_text=True)


@pytest.mark.both_dbs
def test_logging_on_the_setbacks_page_shows_the_earlier_lessons(client, history):
    response = submit(
        client,
        "/setbacks",
        {"what_happened": "Initech: over budget", "objection": "price", "learned": "New one"},
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    card = html.split('data-lessons-for="price"')[1].split("</section>")[0]
    assert card.index("Price lesson four") < card.index("Price lesson three") < card.index("Price lesson two")
    assert "Price lesson one" not in card and "New one" not in card and "Timing lesson" not in card
    assert "You've heard “Price” before" in html
    assert 'href="/setbacks/objections/price"' in card
    # Without having just logged one, the page shows no such card, only the playbook's contents.
    plain = client.get("/setbacks").get_data(as_text=True)
    assert "data-lessons-for" not in plain and "Your playbook" in plain


@pytest.mark.both_dbs
def test_the_reset_brings_back_earlier_lessons_on_its_last_step(client, history):
    first = submit(client, "/reset", {"what_happened": "Hooli: no budget", "objection": "price"})
    breathe_page = first.headers["Location"]
    logged = breathe_page.split("logged=")[1]
    # The breathing step's form posts to /reset?logged=<id>, as a browser would send it.
    second = client.post(f"/reset?logged={logged}", data=form_fields(client, breathe_page, "/reset"))
    assert second.headers["Location"].startswith("/reset?step=affirmation&logged=")
    last = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "You've heard “Price” before" in last and "Price lesson four" in last
    # Someone else's id in the address shows nothing.
    assert "data-lessons-for" not in client.get(f"/reset?step=affirmation&logged={uuid.uuid4()}").get_data(
        as_text=True
    )


@pytest.mark.both_dbs
def test_the_playbook_lists_every_lesson_for_an_objection_newest_first(client, history):
    html = client.get("/setbacks/objections/price").get_data(as_text=True)
    order = [html.index(f"Price lesson {n}") for n in ("four", "three", "two", "one")]
    assert order == sorted(order)
    assert "Timing lesson" not in html and 'href="/setbacks/objections/timing"' in html
    empty = client.get("/setbacks/objections/competitor")
    assert empty.status_code == 200 and "No lessons for “Went with a competitor” yet" in empty.get_data(
        as_text=True
    )
    assert client.get("/setbacks/objections/nonsense").status_code == 404


@pytest.mark.both_dbs
def test_the_morning_shows_one_of_the_users_lessons_as_the_days_reframe(client, history, clock):
    html = client.get("/morning").get_data(as_text=True)
    assert "Today's reframe, in your own words" in html
    shown = [
        text
        for text in (
            "Price lesson one",
            "Price lesson two",
            "Price lesson three",
            "Price lesson four",
            "Timing lesson",
        )
        if text in html
    ]
    assert len(shown) == 1
    clock.advance(hours=3)
    assert shown[0] in client.get("/morning").get_data(as_text=True)


def test_a_morning_without_lessons_shows_no_reframe_card(client, user, clock):
    assert "Today's reframe" not in client.get("/morning").get_data(as_text=True)


# --- follow-ups -----------------------------------------------------------------------------------


def outcome_form(client, setback_id: int, page: str = "/today") -> dict:
    action = f"/setbacks/{setback_id}/followed-up"
    for form in page_forms(client.get(page).get_data(as_text=True)):
        if form["action"] == action:
            return dict(form["fields"])
    raise AssertionError(f"no follow-up form for {setback_id} on {page}")


def outcome_of(app, setback_id):
    with app.app_context():
        setback = db.session.get(Setback, setback_id)
        return setback.follow_up_outcome, setback.followed_up_at is not None


@pytest.mark.both_dbs
def test_a_due_follow_up_is_closed_from_today_with_its_outcome(app, client, user, clock):
    won = add(app, user.id, date(2026, 2, 20), follow_up_on=date(2026, 3, 2), what="Acme, price")
    silent = add(app, user.id, date(2026, 2, 21), follow_up_on=date(2026, 3, 1), what="Initech, silent")
    today = client.get("/today").get_data(as_text=True)
    assert "Won back" in today and "Still no" in today and "No answer" in today

    response = client.post(
        f"/setbacks/{won}/followed-up", data={**outcome_form(client, won), "outcome": "won_back"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    assert outcome_of(app, won) == ("won_back", True)
    page = client.get("/today").get_data(as_text=True)
    assert "Won back. That no was the start of a conversation." in page
    assert "Acme, price" not in page and "Initech, silent" in page

    fields = outcome_form(client, silent, "/setbacks")
    assert (
        client.post(f"/setbacks/{silent}/followed-up", data={**fields, "outcome": "no_answer"}).headers[
            "Location"
        ]
        == "/setbacks"
    )
    progress = client.get("/progress").get_data(as_text=True)
    assert (
        '<strong data-figure="won-back">1</strong> of the 2 no\'s you followed up turned into a later yes'
        in (progress.replace("&#39;", "'"))
    )


@pytest.mark.both_dbs
def test_a_made_up_outcome_is_refused_and_nothing_changes(app, client, user, clock):
    setback = add(app, user.id, date(2026, 2, 20), follow_up_on=date(2026, 3, 2))
    response = client.post(
        f"/setbacks/{setback}/followed-up", data={**outcome_form(client, setback), "outcome": "maybe"}
    )
    assert response.status_code == 400
    assert "Choose won back, still no or no answer." in response.get_data(as_text=True)
    assert outcome_of(app, setback) == (None, False)


@pytest.mark.both_dbs
def test_someone_elses_follow_up_is_not_found(app, client, user, other_client, clock):
    setback = add(app, user.id, date(2026, 2, 20), follow_up_on=date(2026, 3, 2))
    fields = form_fields(other_client, "/setbacks", "/setbacks")
    response = other_client.post(f"/setbacks/{setback}/followed-up", data={**fields, "outcome": "won_back"})
    assert response.status_code == 404
    assert outcome_of(app, setback) == (None, False)


@pytest.mark.both_dbs
def test_follow_up_outcomes_travel_in_the_export_and_come_back_on_import(app, client, user, clock):
    setback = add(app, user.id, date(2026, 2, 20), follow_up_on=date(2026, 3, 2))
    client.post(
        f"/setbacks/{setback}/followed-up", data={**outcome_form(client, setback), "outcome": "still_no"}
    )
    document = client.get("/api/export").get_json()
    assert [row["follow_up_outcome"] for row in document["setbacks"]] == ["still_no"]

    phone = app.test_client()
    register(phone, email="ana.new@example.com", zone="UTC")
    assert _import(phone, json.loads(json.dumps(document))).status_code == 302
    assert phone.get("/api/export").get_json()["setbacks"] == document["setbacks"]
    assert "of the 1 no you followed up" in phone.get("/progress").get_data(as_text=True)


def test_progress_invites_closing_follow_ups_before_there_are_any(client, user, clock):
    html = client.get("/progress").get_data(as_text=True)
    assert "No's that turned into a yes" in html and "every no is a conversation you started" in html
