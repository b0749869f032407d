"""The breathing timer page: choosing a pattern, and logging a session with a plain form."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from tests.conftest import form_fields, submit
from webapp.breathe.views import phase_kind, timer_patterns
from webapp.extensions import db
from webapp.routines.content import BREATHING_PATTERNS
from webapp.routines.models import Completion


def breathe_days(app, user_id):
    with app.app_context():
        query = db.select(Completion).filter_by(routine="breathe", user_id=user_id)
        return [(c.local_day.isoformat(), c.data) for c in db.session.scalars(query)]


def page(client, path="/breathe"):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_the_page_renders_for_someone_with_no_sessions(client, user):
    status, html = page(client)
    assert status == 200
    for pattern in BREATHING_PATTERNS.values():
        assert str(pattern.name) in html
    # Without JavaScript the chosen pattern (box by default) is explained, the others wait hidden.
    assert str(BREATHING_PATTERNS["box"].how) in html
    assert str(BREATHING_PATTERNS["box"].when) in html
    assert 'data-breathe-note="box">' in html
    assert 'data-breathe-note="478" hidden>' in html
    assert "Counted for today:" not in html


def test_the_page_carries_the_timer_hooks_and_no_inline_style_or_script(client, user):
    status, html = page(client)
    assert status == 200
    # Drawn only where scripts run (app.css: `@media (scripting: none)` hides it), so the page keeps
    # its shape when breathe.js takes over.
    assert 'class="breathe-timer" data-breathe-timer>' in html
    assert 'aria-live="polite"' in html
    assert " style=" not in html
    assert "<script>" not in html and "<script " not in html.replace('<script type="module" src=', "")


def test_choosing_a_pattern_explains_it(client, user):
    status, html = page(client, "/breathe?pattern=478&minutes=3")
    assert status == 200
    assert str(BREATHING_PATTERNS["478"].how) in html
    assert 'data-breathe-note="478">' in html
    assert 'data-seconds="180"' in html
    assert "Log 3 minutes of breathing" in html
    fields = form_fields(client, "/breathe?pattern=478&minutes=3", "/breathe")
    assert (fields["pattern"], fields["minutes"]) == ("478", "3")


def test_a_custom_rhythm_is_explained_in_its_own_counts(client, user):
    status, html = page(client, "/breathe?pattern=custom&minutes=1&inhale=4&hold_in=2&exhale=8&hold_out=0")
    assert status == 200
    assert "breathe in for 4 seconds, hold for 2, breathe out for 8." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("pattern=custom&inhale=1", "Breathing in should last between 2 and 12 seconds."),
        ("pattern=custom&hold_out=13", "The hold after breathing out should last between 0 and 12 seconds."),
        ("pattern=custom&exhale=soon", "Breathing out needs a number of seconds."),
        ("pattern=square", "Choose one of the breathing patterns on this page."),
        ("minutes=2", "Choose 1, 3 or 5 minutes."),
    ],
)
def test_a_pattern_that_doesnt_fit_is_refused_with_a_message(client, user, query, message):
    status, html = page(client, f"/breathe?{query}")
    assert status == 400
    assert message in unescape(html)


def test_odd_custom_counts_do_not_matter_when_another_pattern_is_chosen(client, user):
    status, _ = page(client, "/breathe?pattern=box&inhale=99")
    assert status == 200


@pytest.mark.both_dbs
@pytest.mark.parametrize(("minutes", "seconds"), [("1", 60), ("3", 180), ("5", 300)])
def test_logging_a_session_counts_it_for_today_with_its_seconds(app, client, user, clock, minutes, seconds):
    response = submit(client, "/breathe", {"pattern": "coherent", "minutes": minutes})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/breathe?pattern=coherent&minutes={minutes}"
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "coherent", "seconds": seconds})]
    _, html = page(client)
    assert "Counted for today:" in html


def test_the_timers_fallback_logs_the_exact_seconds_breathed(app, client, user, clock):
    response = submit(client, "/breathe", {"pattern": "box", "minutes": "3", "seconds": "95"})
    assert response.status_code == 302
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "box", "seconds": 95})]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pattern": "square"}, "Choose one of the breathing patterns on this page."),
        ({"pattern": ""}, "Choose one of the breathing patterns on this page."),
        ({"minutes": "2"}, "Choose 1, 3 or 5 minutes."),
        ({"minutes": "lots"}, "Choose 1, 3 or 5 minutes."),
        ({"seconds": "30"}, "A session counts from one minute, up to an hour."),
        ({"seconds": "-60"}, "A session counts from one minute, up to an hour."),
        ({"form_id": "again"}, "reload the page"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(app, client, user, clock, data, message):
    response = submit(client, "/breathe", {"pattern": "box", "minutes": "1", **data})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert breathe_days(app, user.id) == []


def test_a_repeated_form_id_changes_nothing(app, client, user, clock):
    fields = form_fields(client, "/breathe", "/breathe")
    first = client.post("/breathe", data=dict(fields, pattern="478", minutes="3"))
    clock.advance(minutes=10)
    again = client.post("/breathe", data=dict(fields, pattern="box", minutes="5"))
    assert (first.status_code, again.status_code) == (302, 302)
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "478", "seconds": 180})]


def test_a_session_logged_late_in_the_evening_counts_for_that_local_day(app, client, user, clock):
    clock.set("2026-03-02T22:30:00+00:00")  # 23:30 in Berlin
    submit(client, "/breathe", {"pattern": "sigh", "minutes": "1"})
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "sigh", "seconds": 60})]


@pytest.mark.both_dbs
def test_another_persons_session_is_not_mine(app, client, user, other_client, clock):
    submit(client, "/breathe", {"pattern": "box", "minutes": "5"})
    _, html = page(other_client)
    assert "Counted for today:" not in html
    # Ben sending Ana's form (her token, her form id) is refused, and changes nothing.
    ana_fields = form_fields(client, "/breathe", "/breathe")
    response = other_client.post("/breathe", data=dict(ana_fields, pattern="box", minutes="1"))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1


def test_the_api_accepts_what_the_timer_sends(app, client, user, clock):
    token = re.search(r'name="csrf-token" content="([^"]+)"', page(client)[1]).group(1)
    payload = {
        "id": "5b0f6a3e-7d7c-4b8e-9a55-2f3c2a1d9e10",
        "routine": "breathe",
        "completed_at": "2026-03-02T08:59:30.120Z",
        "data": {"pattern": "coherent", "seconds": 180},
    }
    response = client.post("/api/completions", json=payload, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert breathe_days(app, user.id) == [("2026-03-02", {"pattern": "coherent", "seconds": 180})]


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/breathe")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("Breathe in", "in"),
        ("Top up", "in"),
        ("Hold", "hold"),
        ("Breathe out", "out"),
        ("Long breath out", "out"),
    ],
)
def test_each_phase_word_moves_the_guide_the_right_way(word, kind):
    assert phase_kind(word) == kind


def test_the_timer_gets_every_pattern_with_its_phases_in_order():
    patterns = timer_patterns()
    assert set(patterns) == set(BREATHING_PATTERNS)
    for pattern_id, pattern in BREATHING_PATTERNS.items():
        sent = patterns[pattern_id]["phases"]
        assert [(p["word"], p["seconds"]) for p in sent] == [(str(w), s) for w, s in pattern.phases]
        # Every round must end emptied out: the guide starts each round small.
        kinds = [p["kind"] for p in sent]
        assert "in" in kinds and "out" in kinds
        assert kinds.index("in") < max(i for i, k in enumerate(kinds) if k == "out")
        assert kinds[-1] in ("out", "hold")
    assert json.loads(json.dumps(patterns)) == patterns
