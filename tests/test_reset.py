""" "Rough call? Reset": a two-field setback, a minute of breathing, one affirmation."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import form_fields, submit
from webapp.extensions import db
from webapp.routines.content import AFFIRMATIONS, OBJECTIONS, affirmation_by_id, prompt_for_day
from webapp.routines.models import Completion
from webapp.setbacks.models import Setback

RESET_LINES = [a for a in AFFIRMATIONS if a.theme in ("self-worth", "resilience")]


def setbacks(app, user_id):
    with app.app_context():
        query = db.select(Setback).filter_by(user_id=user_id)
        return [(s.what_happened, s.objection, s.local_day.isoformat()) for s in db.session.scalars(query)]


def breathe_days(app, user_id):
    with app.app_context():
        query = db.select(Completion).filter_by(routine="breathe", user_id=user_id)
        return [(c.local_day.isoformat(), c.data) for c in db.session.scalars(query)]


def shown_line(html: str):
    return next(a for a in RESET_LINES if str(a.text) in unescape(html))


@pytest.mark.parametrize(
    "path", ["/reset", "/reset?step=setback", "/reset?step=breathe", "/reset?step=affirmation"]
)
def test_every_step_renders_for_someone_with_no_data(client, user, path):
    response = client.get(path)
    assert response.status_code == 200
    assert " style=" not in response.get_data(as_text=True)


@pytest.mark.both_dbs
def test_the_whole_reset_saves_one_setback_and_counts_a_minute_of_breathing(app, client, user, clock):
    first = submit(client, "/reset", {"what_happened": "Acme said no on price", "objection": "price"})
    assert first.status_code == 302
    # The step carries the setback's id along, for the earlier lessons the last step brings back.
    assert first.headers["Location"].startswith("/reset?step=breathe&logged=")
    breathing = client.get("/reset?step=breathe").get_data(as_text=True)
    assert "Saved to your setbacks log." in breathing
    assert "I took a minute to breathe" in breathing
    assert 'data-pattern="box" data-seconds="60"' in breathing

    second = submit(client, "/reset", page="/reset?step=breathe")
    assert second.status_code == 302
    assert second.headers["Location"] == "/reset?step=affirmation"
    last = client.get("/reset?step=affirmation").get_data(as_text=True)
    shown_line(last)
    assert 'href="/today"' in last and "Back to work" in last

    assert setbacks(app, user.id) == [("Acme said no on price", "price", "2026-03-02")]
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "box", "seconds": 60})]


def test_the_objection_may_be_left_open(app, client, user, clock):
    response = submit(client, "/reset", {"what_happened": "Went quiet after the demo"})
    assert response.status_code == 302
    assert setbacks(app, user.id) == [("Went quiet after the demo", "other", "2026-03-02")]


def test_every_objection_on_offer_is_accepted(app, client, user, clock):
    for key in OBJECTIONS:
        assert (
            submit(client, "/reset", {"what_happened": f"A no: {key}", "objection": key}).status_code == 302
        )
    assert sorted(s[1] for s in setbacks(app, user.id)) == sorted(OBJECTIONS)


def test_the_setback_can_be_skipped_straight_to_breathing(app, client, user, clock):
    html = client.get("/reset").get_data(as_text=True)
    assert 'href="/reset?step=breathe"' in html
    assert submit(client, "/reset", page="/reset?step=breathe").status_code == 302
    assert setbacks(app, user.id) == []
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "box", "seconds": 60})]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"what_happened": ""}, "A few words are enough"),
        ({"what_happened": "   "}, "A few words are enough"),
        ({"what_happened": "x" * 501}, "Keep it under 500 characters."),
        ({"what_happened": "Lost it", "objection": "bad_luck"}, "Choose one from the list"),
        ({"what_happened": "Lost it", "form_id": "twice"}, "reload the page"),
    ],
)
def test_a_setback_that_doesnt_fit_is_refused_with_a_message(app, client, user, clock, data, message):
    response = submit(client, "/reset", data)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert setbacks(app, user.id) == []


def test_a_bad_form_id_on_the_breathing_step_saves_nothing(app, client, user, clock):
    response = submit(client, "/reset", {"form_id": "again"}, page="/reset?step=breathe")
    assert response.status_code == 400
    assert breathe_days(app, user.id) == []


def test_a_repeated_form_id_saves_one_setback_and_one_breath(app, client, user, clock):
    fields = form_fields(client, "/reset", "/reset")
    for text in ("Acme said no", "Acme said no, again"):
        response = client.post("/reset", data=dict(fields, what_happened=text, objection="timing"))
        assert response.headers["Location"] == f"/reset?step=breathe&logged={fields['form_id']}"
    breath = form_fields(client, "/reset?step=breathe", "/reset")
    for _ in range(2):
        assert client.post("/reset", data=breath).status_code == 302
        clock.advance(minutes=5)
    assert setbacks(app, user.id) == [("Acme said no", "timing", "2026-03-02")]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1


def test_the_affirmation_is_steady_for_the_day_and_chosen_per_person(app, client, user, clock):
    first = shown_line(client.get("/reset?step=affirmation").get_data(as_text=True))
    clock.advance(hours=8)
    assert shown_line(client.get("/reset?step=affirmation").get_data(as_text=True)) == first
    expected = prompt_for_day(RESET_LINES, f"{user.id}|reset", clock().date())
    assert first == expected
    assert affirmation_by_id(first.id) == first


def test_the_affirmation_moves_on_over_the_days(client, user, clock):
    seen = set()
    for _ in range(10):
        seen.add(shown_line(client.get("/reset?step=affirmation").get_data(as_text=True)).id)
        clock.advance(days=1)
    assert len(seen) > 1


@pytest.mark.both_dbs
def test_another_persons_reset_stays_theirs(app, client, user, other_client, clock):
    submit(client, "/reset", {"what_happened": "Acme said no on price", "objection": "price"})
    submit(client, "/reset", page="/reset?step=breathe")
    for path in ("/reset", "/reset?step=breathe", "/reset?step=affirmation", "/breathe"):
        html = other_client.get(path).get_data(as_text=True)
        shown = re.sub(r"<[^>]+>", " ", html)  # what Ben reads (his form carries the words in a hook)
        assert "Acme said no on price" not in html
        assert "Saved to your setbacks log." not in shown
        assert "Counted for today:" not in shown
    ana_fields = form_fields(client, "/reset", "/reset")
    response = other_client.post("/reset", data=dict(ana_fields, what_happened="Ben's forged note"))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Setback.id))) == 1
        assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1


def test_an_unknown_step_is_not_found(client, user):
    assert client.get("/reset?step=celebrate").status_code == 404


def test_the_last_step_has_nothing_to_post(app, client, user):
    fields = form_fields(client, "/reset?step=breathe", "/reset")
    response = client.post("/reset", data=dict(fields, step="affirmation"))
    assert response.status_code == 400
    assert breathe_days(app, user.id) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/reset")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
