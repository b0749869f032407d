"""The evening reflection: today's entry editable all day, earlier days read-only, support on a hard day."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from markupsafe import escape

from tests.conftest import form_fields, register, submit
from webapp.extensions import db
from webapp.reflect.forms import LABELS, MOODS
from webapp.reflect.views import support_for
from webapp.routines.content import SELF_COMPASSION_LINES
from webapp.routines.core import REFLECTION_FIELDS
from webapp.routines.models import Completion, Reflection

HELP_LINE = "If today is more than a bad day"
EMPTY = {name: "" for name in REFLECTION_FIELDS}


def reflect(client, mood="", **answers):
    # The mood is always sent explicitly: the test form parser would otherwise pick the first radio.
    return submit(client, "/reflect", {**EMPTY, **answers, "mood": str(mood)})


def reflections(app, user_id):
    with app.app_context():
        return [
            (r.local_day.isoformat(), r.went_well, r.mood)
            for r in db.session.scalars(
                db.select(Reflection).filter_by(user_id=user_id).order_by(Reflection.local_day)
            )
        ]


def test_the_labels_follow_the_reflection_fields():
    assert tuple(LABELS) == REFLECTION_FIELDS


def test_the_page_renders_for_a_user_with_no_reflection_yet(client, user, clock):
    response = client.get("/reflect")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<legend>How was today?</legend>" in html
    for number, word in MOODS.items():
        assert f'value="{number}"' in html and str(word) in html
    assert "Before you move on" not in html and HELP_LINE not in html


def test_the_reframe_prompt_rotates_by_day_and_a_reflection_prompt_nudges(client, user, clock):
    from webapp.reflect.views import reframe_prompt
    from webapp.routines.content import REFRAME_PROMPTS

    days = [date(2026, 3, 2 + offset) for offset in range(len(REFRAME_PROMPTS))]
    assert sorted(reframe_prompt(day) for day in days) == sorted(p.text for p in REFRAME_PROMPTS)
    html = client.get("/reflect").get_data(as_text=True)
    assert escape(reframe_prompt(date(2026, 3, 2))) in html
    assert "Tonight's question" in html


@pytest.mark.both_dbs
def test_saving_a_reflection_counts_the_routine_and_prefills_the_page(app, client, user, clock):
    response = reflect(client, 4, went_well="Booked a demo with Acme", small_win="Asked a better question")
    assert response.status_code == 302 and response.headers["Location"] == "/reflect"
    assert reflections(app, user.id) == [("2026-03-02", "Booked a demo with Acme", 4)]
    with app.app_context():
        [done] = db.session.scalars(db.select(Completion).filter_by(user_id=user.id)).all()
        assert (done.routine, done.local_day) == ("reflect", date(2026, 3, 2))
    html = client.get("/reflect").get_data(as_text=True)
    assert "Booked a demo with Acme</textarea>" in html
    [checked] = [tag for tag in re.findall(r"<input[^>]*>", html) if " checked" in tag]
    assert 'name="mood"' in checked and 'value="4"' in checked
    assert "Today's reflection is saved" in html


@pytest.mark.both_dbs
def test_editing_todays_reflection_updates_the_same_row(app, client, user, clock):
    reflect(client, 2, went_well="First draft")
    with app.app_context():
        first_id = db.session.scalar(db.select(Reflection.id).filter_by(user_id=user.id))
    clock.advance(hours=8)  # 18:00 in Berlin, still the same day
    assert reflect(client, 4, went_well="Better by the evening").status_code == 302
    with app.app_context():
        [saved] = db.session.scalars(db.select(Reflection).filter_by(user_id=user.id)).all()
        assert (saved.id, saved.went_well, saved.mood) == (first_id, "Better by the evening", 4)
        assert db.session.scalar(db.select(db.func.count(Completion.id))) == 1


def test_a_mood_alone_is_enough(app, client, user, clock):
    assert reflect(client, 3).status_code == 302
    assert reflections(app, user.id) == [("2026-03-02", "", 3)]


def test_an_entirely_empty_reflection_is_refused_kindly(app, client, user, clock):
    response = reflect(client, "", went_well="   ")
    assert response.status_code == 400
    assert "nothing to save yet" in response.get_data(as_text=True)
    assert reflections(app, user.id) == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"went_well": "x" * 2001}, "went_well", "under 2,000 characters"),
        ({"reframe": "y" * 2001}, "reframe", "under 2,000 characters"),
        ({"mood": "6"}, "mood", "Choose one of the five moods"),
        ({"mood": "good"}, "mood", "Choose one of the five moods"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    app, client, user, clock, data, field, message
):
    response = submit(client, "/reflect", {**EMPTY, "went_well": "ok", "mood": "3", **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error">{message}' in html or (f'id="{field}-error"' in html and message in html)
    assert reflections(app, user.id) == []


def test_exactly_2000_characters_with_browser_line_breaks_fit(app, client, user, clock):
    text = ("a" * 998 + "\r\n") * 2  # 2,000 characters once each line break counts as one
    assert reflect(client, 3, learned=text).status_code == 302


def test_a_repeated_form_id_changes_nothing(app, client, user, clock):
    fields = form_fields(client, "/reflect", "/reflect")
    first = {**fields, **EMPTY, "went_well": "Kept going", "mood": "4"}
    assert client.post("/reflect", data=first).status_code == 302
    clock.advance(minutes=5)
    again = {**fields, **EMPTY, "went_well": "A double tap with other words", "mood": "1"}
    assert client.post("/reflect", data=again).status_code == 302
    assert reflections(app, user.id) == [("2026-03-02", "Kept going", 4)]


@pytest.mark.parametrize(
    ("mood", "kind_words", "help_link"),
    [(1, True, True), (2, True, False), (3, False, False), (4, False, False), (5, False, False)],
)
def test_a_low_mood_brings_a_kind_line_and_a_mood_of_1_the_help_link(
    client, user, clock, mood, kind_words, help_link
):
    reflect(client, mood, went_well="A day")
    html = client.get("/reflect").get_data(as_text=True)
    assert ("Before you move on" in html) is kind_words
    assert ('href="/breathe"' in html and "Breathe for a minute" in html) is kind_words
    assert (HELP_LINE in html and 'href="/help"' in html) is help_link


def test_a_setback_logged_today_brings_the_kind_line_without_the_help_link(app, client, user, clock):
    submit(client, "/setbacks", {"what_happened": "Acme said no on price", "objection": "price"})
    html = client.get("/reflect").get_data(as_text=True)
    assert "Before you move on" in html and "Breathe for a minute" in html
    assert HELP_LINE not in html


def test_the_kind_line_is_the_same_all_day_for_a_user():
    day = date(2026, 3, 2)
    first = support_for(7, day, 1, False)
    assert first.line == support_for(7, day, 2, True).line == support_for(7, day, None, True).line
    assert first.line in {line.text for line in SELF_COMPASSION_LINES}
    assert support_for(7, day, 4, False) is None
    assert support_for(7, day, None, True).show_help is False


@pytest.mark.both_dbs
def test_yesterdays_entry_is_read_only_and_today_starts_fresh(app, client, user, clock):
    reflect(client, 2, went_well="Monday's words")
    clock.advance(days=1)
    page = client.get("/reflect").get_data(as_text=True)
    assert "Monday&#39;s words" not in page and "Today's reflection is saved" not in page
    reflect(client, 4, went_well="Tuesday's words")
    assert reflections(app, user.id) == [
        ("2026-03-02", "Monday's words", 2),
        ("2026-03-03", "Tuesday's words", 4),
    ]

    yesterday = client.get("/reflect/2026-03-02")
    html = yesterday.get_data(as_text=True)
    assert yesterday.status_code == 200
    assert "Monday&#39;s words" in html and "Mood: 2 · Low" in html
    assert "<form" not in html.split('<main id="main"')[1].split("</main>")[0]
    assert "Change today" not in html
    assert client.post("/reflect/2026-03-02", data={}).status_code in (400, 405)
    assert "Change today's reflection" in client.get("/reflect/2026-03-03").get_data(as_text=True)


@pytest.mark.parametrize(
    "day", ["2026-03-01", "2026-02-30", "2026-3-2", "20260302", "yesterday", "2026-03-02x"]
)
def test_a_day_with_no_entry_or_a_malformed_date_is_404(client, user, clock, day):
    reflect(client, 3, went_well="only today")
    assert client.get(f"/reflect/{day}").status_code == 404


def test_a_second_user_cannot_see_my_reflection(app, client, user, other_client, clock):
    reflect(client, 1, went_well="Ana's private words")
    assert client.get("/reflect/2026-03-02").status_code == 200
    assert other_client.get("/reflect/2026-03-02").status_code == 404
    for page in ("/reflect", "/reflect/history"):
        assert "Ana&#39;s private words" not in other_client.get(page).get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(app, clock):
    visitor = app.test_client()
    for page in ("/reflect", "/reflect/history", "/reflect/2026-03-02"):
        response = visitor.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.both_dbs
def test_history_lists_newest_first_20_to_a_page(app, client, user, clock):
    with app.app_context():
        for offset in range(25):
            day = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + offset)
            db.session.add(
                Reflection(
                    user_id=user.id, local_day=day, went_well=f"entry {day.isoformat()}", written_at=clock()
                )
            )
        db.session.commit()
    first = client.get("/reflect/history").get_data(as_text=True)
    assert first.count('class="card reflect-entry"') == 20
    assert first.index("entry 2026-01-25") < first.index("entry 2026-01-24")
    assert "entry 2026-01-05" not in first and "Page 1 of 2" in first
    second = client.get("/reflect/history?page=2").get_data(as_text=True)
    assert second.count('class="card reflect-entry"') == 5 and "entry 2026-01-01" in second
    assert client.get("/reflect/history?page=3").status_code == 404


def test_history_renders_for_a_user_with_no_reflections(client, user, clock):
    response = client.get("/reflect/history")
    assert response.status_code == 200 and "No reflections yet" in response.get_data(as_text=True)


# Export and import


@pytest.mark.both_dbs
def test_reflections_survive_an_export_and_import_into_a_fresh_account(app, client, user, clock):
    reflect(client, 2, went_well="Lost Acme", reframe="They had no budget this quarter")
    clock.advance(days=1)
    reflect(client, 5, small_win="Two meetings booked")
    document = client.get("/api/export").get_json()
    assert [r["local_day"] for r in document["reflections"]] == ["2026-03-02", "2026-03-03"]
    assert set(document["reflections"][0]) == {"local_day", *REFLECTION_FIELDS, "mood", "written_at"}

    phone = app.test_client()
    register(phone, email="ana.new@example.com", zone="Europe/Berlin")
    response = _import(phone, document)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert phone.get("/api/export").get_json()["reflections"] == document["reflections"]
    # Importing the same file again adds nothing.
    assert _import(phone, document).status_code == 302
    assert phone.get("/api/export").get_json()["reflections"] == document["reflections"]


@pytest.mark.both_dbs
def test_of_two_reflections_for_one_day_the_later_written_is_kept(app, client, user, clock):
    reflect(client, 3, went_well="Written at nine")
    older = {
        "local_day": "2026-03-02",
        "went_well": "An older draft",
        "mood": 1,
        "written_at": "2026-03-02T06:00:00+00:00",
    }
    newer = {**older, "went_well": "From the evening", "mood": 4, "written_at": "2026-03-02T20:00:00+01:00"}
    assert _import(client, {"version": 1, "reflections": [older]}).status_code == 302
    assert reflections(app, user.id) == [("2026-03-02", "Written at nine", 3)]
    assert _import(client, {"version": 1, "reflections": [newer, older]}).status_code == 302
    assert reflections(app, user.id) == [("2026-03-02", "From the evening", 4)]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"written_at": "2026-03-02T20:00:00+00:00"}, "reflections[0].local_day"),
        ({"local_day": "2026-03-02", "written_at": "yesterday"}, "reflections[0].written_at"),
        ({"local_day": "2026-03-02", "written_at": "2026-03-02T20:00:00"}, "needs its UTC offset"),
        (
            {"local_day": "2026-03-02", "mood": 9, "written_at": "2026-03-02T20:00:00+00:00"},
            "reflections[0].mood",
        ),
        ({"local_day": "2026-03-02", "mood": True, "written_at": "2026-03-02T20:00:00+00:00"}, "from 1 to 5"),
        (
            {"local_day": "2026-03-02", "learned": 42, "written_at": "2026-03-02T20:00:00+00:00"},
            "expected text",
        ),
        (
            {"local_day": "2026-03-02", "learned": "z" * 2001, "written_at": "2026-03-02T20:00:00+00:00"},
            "reflections[0].learned: longer than 2000",
        ),
        ("not an object", "reflections[0]: expected an object"),
    ],
)
def test_a_bad_reflection_in_a_file_says_where_and_nothing_is_imported(
    app, client, user, clock, row, message
):
    good = {"local_day": "2026-02-27", "went_well": "fine", "written_at": "2026-02-27T18:00:00+00:00"}
    response = _import(client, {"version": 1, "reflections": [row, good]})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert reflections(app, user.id) == []


def _import(client, document):
    return client.post(
        "/account/import",
        data={
            **form_fields(client, "/account", "/account/import"),
            "file": (io.BytesIO(json.dumps(document).encode()), "export.json"),
        },
        content_type="multipart/form-data",
    )
