"""The setbacks log: log a no fast, follow up when it's due, see which objections recur; the API; export."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import csrf_token, form_fields, register, submit
from webapp.extensions import db
from webapp.routines.content import OBJECTIONS
from webapp.routines.models import IdempotencyRecord
from webapp.setbacks.models import Setback

HELP_LINE = "If today is more than a bad day"


def log(client, **data):
    fields = {"what_happened": "Acme said no on price", "objection": "price", "controlled": "", "learned": ""}
    return submit(client, "/setbacks", {**fields, **data})


def saved(app, user_id):
    with app.app_context():
        return [
            (s.what_happened, s.objection, s.local_day.isoformat(), s.follow_up_on, s.followed_up_at)
            for s in db.session.scalars(db.select(Setback).filter_by(user_id=user_id).order_by(Setback.id))
        ]


def add(app, user_id, what, day: date, objection="price", follow_up_on=None, followed_up_at=None):
    """A setback written straight to the database (for dates the clock fixture didn't visit)."""
    with app.app_context():
        setback = Setback(
            user_id=user_id,
            client_id=str(uuid.uuid4()),
            occurred_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
            local_day=day,
            what_happened=what,
            objection=objection,
            follow_up_on=follow_up_on,
            followed_up_at=followed_up_at,
            created_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        )
        db.session.add(setback)
        db.session.commit()
        return setback.id


def main_part(html: str) -> str:
    return html.split('<main id="main"')[1].split("</main>")[0]


def test_the_page_renders_for_a_user_with_no_setbacks(client, user, clock):
    response = client.get("/setbacks")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing logged yet" in html and "Nothing logged in the last 30 days" in html
    assert "Follow-ups due" not in html and "Before you move on" not in html
    for label in OBJECTIONS.values():
        assert f">{label}</option>" in html


@pytest.mark.both_dbs
def test_logging_a_setback_saves_it_and_offers_a_kind_word_and_a_reset(app, client, user, clock):
    response = log(
        client, controlled="My prep", learned="Ask about budget earlier", follow_up_on="2026-03-09"
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/setbacks?logged=")
    assert saved(app, user.id) == [("Acme said no on price", "price", "2026-03-02", date(2026, 3, 9), None)]
    html = client.get("/setbacks").get_data(as_text=True)
    assert "Logged." in html
    assert "Before you move on" in html and 'href="/breathe"' in html and 'href="/reset"' in html
    assert HELP_LINE not in html
    assert "Ask about budget earlier" in html and "Follow up on Mon 9 Mar 2026" in html
    assert "Follow-ups due" not in html


def test_after_a_mood_of_1_the_setbacks_page_also_points_to_help(app, client, user, clock):
    submit(client, "/reflect", {"went_well": "", "mood": "1"})
    log(client)
    html = client.get("/setbacks").get_data(as_text=True)
    assert "Before you move on" in html and HELP_LINE in html and 'href="/help"' in html


def test_a_setback_without_a_follow_up_date_is_fine(app, client, user, clock):
    assert log(client, objection="went_silent", follow_up_on="").status_code == 302
    assert saved(app, user.id) == [("Acme said no on price", "went_silent", "2026-03-02", None, None)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"what_happened": ""}, "what_happened", "A few words are enough"),
        ({"what_happened": "   "}, "what_happened", "A few words are enough"),
        ({"what_happened": "x" * 2001}, "what_happened", "under 2,000 characters"),
        ({"learned": "y" * 2001}, "learned", "under 2,000 characters"),
        ({"objection": "too_expensive"}, "objection", "Choose one from the list"),
        ({"follow_up_on": "next week"}, "follow_up_on", "Use a date like 2026-03-09"),
        ({"follow_up_on": "2026-02-30"}, "follow_up_on", "Use a date like 2026-03-09"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    app, client, user, clock, data, field, message
):
    response = log(client, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1).replace("&#39;", "'")
    assert saved(app, user.id) == []


def test_a_repeated_form_id_logs_one_setback(app, client, user, clock):
    fields = form_fields(client, "/setbacks", "/setbacks")
    body = {**fields, "what_happened": "Lost Globex to a competitor", "objection": "competitor"}
    assert client.post("/setbacks", data=body).status_code == 302
    assert client.post("/setbacks", data={**body, "what_happened": "double tap"}).status_code == 302
    assert [row[0] for row in saved(app, user.id)] == ["Lost Globex to a competitor"]


@pytest.mark.both_dbs
def test_due_follow_ups_come_first_and_future_or_done_ones_do_not(app, client, user, clock):
    today = date(2026, 3, 2)
    add(app, user.id, "Due today", today - timedelta(days=7), follow_up_on=today)
    add(app, user.id, "Overdue", today - timedelta(days=10), follow_up_on=today - timedelta(days=2))
    add(app, user.id, "Next week", today - timedelta(days=1), follow_up_on=today + timedelta(days=7))
    add(app, user.id, "Already done", today - timedelta(days=9), follow_up_on=today, followed_up_at=clock())
    html = main_part(client.get("/setbacks").get_data(as_text=True))
    due = html.split('id="due-heading"')[1].split('id="log-heading"')[0]
    assert due.index("Overdue") < due.index("Due today")
    assert "Next week" not in due and "Already done" not in due
    assert html.index("Follow-ups due") < html.index("Log a setback")
    assert "due today" in due and "due since Sat 28 Feb" in due


@pytest.mark.both_dbs
def test_marking_a_follow_up_done_takes_it_off_the_due_list(app, client, user, clock):
    setback_id = add(app, user.id, "Call Initech back", date(2026, 2, 20), follow_up_on=date(2026, 3, 1))
    other_id = add(app, user.id, "Email Hooli", date(2026, 2, 21), follow_up_on=date(2026, 3, 2))
    action = f"/setbacks/{setback_id}/followed-up"
    response = submit(client, action, page="/setbacks")
    assert response.status_code == 302
    assert saved(app, user.id)[0][4] == clock()
    html = client.get("/setbacks").get_data(as_text=True)
    assert "Marked as followed up." in html
    due = html.split('id="due-heading"')[1].split('id="log-heading"')[0]
    assert "Call Initech back" not in due and "Email Hooli" in due
    # The other due item has its own form id, so it can still be marked.
    assert submit(client, f"/setbacks/{other_id}/followed-up", page="/setbacks").status_code == 302
    assert saved(app, user.id)[1][4] == clock()
    assert "Follow-ups due" not in client.get("/setbacks").get_data(as_text=True)


def test_marking_twice_keeps_the_first_time(app, client, user, clock):
    setback_id = add(app, user.id, "Call Initech back", date(2026, 2, 20), follow_up_on=date(2026, 3, 1))
    fields = form_fields(client, "/setbacks", f"/setbacks/{setback_id}/followed-up")
    first = clock()
    assert client.post(f"/setbacks/{setback_id}/followed-up", data=fields).status_code == 302
    clock.advance(hours=2)
    assert client.post(f"/setbacks/{setback_id}/followed-up", data=fields).status_code == 302
    assert saved(app, user.id)[0][4] == first


def test_marking_without_a_valid_form_is_400_and_changes_nothing(app, client, user, clock):
    setback_id = add(app, user.id, "Call Initech back", date(2026, 2, 20), follow_up_on=date(2026, 3, 1))
    fields = form_fields(client, "/setbacks", f"/setbacks/{setback_id}/followed-up")
    response = client.post(f"/setbacks/{setback_id}/followed-up", data={**fields, "form_id": "nope"})
    assert response.status_code == 400 and "reload the page" in response.get_data(as_text=True)
    assert saved(app, user.id)[0][4] is None


def test_a_second_user_cannot_see_or_mark_my_setbacks(app, client, user, other_client, clock):
    setback_id = add(app, user.id, "Ana's lost deal", date(2026, 2, 20), follow_up_on=date(2026, 3, 1))
    assert "Ana&#39;s lost deal" in client.get("/setbacks").get_data(as_text=True)
    assert "Ana&#39;s lost deal" not in other_client.get("/setbacks").get_data(as_text=True)
    fields = form_fields(other_client, "/setbacks", "/setbacks")  # Ben's own valid form
    response = other_client.post(f"/setbacks/{setback_id}/followed-up", data=fields)
    assert response.status_code == 404
    assert other_client.post("/setbacks/999999/followed-up", data=fields).status_code == 404
    assert saved(app, user.id)[0][4] is None


def test_signed_out_visitors_are_sent_to_sign_in(app, clock):
    response = app.test_client().get("/setbacks")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.both_dbs
def test_recent_setbacks_are_newest_first_4_to_a_page(app, client, user, clock):
    start = date(2026, 1, 1)
    for offset in range(35):
        add(app, user.id, f"setback #{offset:02d}", start + timedelta(days=offset))
    first = main_part(client.get("/setbacks").get_data(as_text=True))
    recent = first.split('id="recent-heading"')[1]
    assert recent.count('<li class="setback"') == 4
    assert recent.index("setback #34") < recent.index("setback #33")
    assert "setback #30" not in recent and "Page 1 of 9" in recent
    last = client.get("/setbacks?page=9").get_data(as_text=True).split('id="recent-heading"')[1]
    assert last.count('<li class="setback"') == 3 and "setback #00" in last
    assert client.get("/setbacks?page=10").status_code == 404


@pytest.mark.both_dbs
def test_objections_are_counted_over_the_last_30_days(app, client, user, other_client, clock):
    today = date(2026, 3, 2)
    for days_ago, objection in [(0, "price"), (3, "price"), (29, "price"), (5, "timing"), (30, "timing")]:
        add(app, user.id, "lost one", today - timedelta(days=days_ago), objection=objection)
    html = client.get("/setbacks").get_data(as_text=True)
    table = html.split('class="setback-counts"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table) == [
        ("Price", "3"),
        ("Timing", "1"),
    ]
    assert "you logged 4 setbacks" in html and "Price came up most" in html
    assert "Nothing logged in the last 30 days" in other_client.get("/setbacks").get_data(as_text=True)


# The JSON API (CONTRACT.md: POST /api/setbacks)


def api(client, body, token=None):
    token = token or csrf_token(client, "/setbacks")
    return client.post("/api/setbacks", json=body, headers={"X-CSRFToken": token})


def setback_body(**changes) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "occurred_at": "2026-03-02T09:30:00+01:00",
        "what_happened": "Umbrella Corp chose a competitor",
        "objection": "competitor",
        "controlled": "My demo",
        "learned": "Show the integration first",
        "follow_up_on": "2026-04-01",
        **changes,
    }


@pytest.mark.both_dbs
def test_the_api_logs_a_setback_once_and_a_replay_gets_the_same_answer(app, client, user, clock):
    body = setback_body()
    first = api(client, body)
    assert first.status_code == 201
    assert first.get_json() == {"id": body["id"], "local_day": "2026-03-02", "lessons": []}
    replay = api(client, {**body, "what_happened": "a replay with other words"})
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    assert saved(app, user.id) == [
        ("Umbrella Corp chose a competitor", "competitor", "2026-03-02", date(2026, 4, 1), None)
    ]


@pytest.mark.both_dbs
def test_a_replay_gets_its_answer_whatever_its_body_says_by_now(app, client, user, clock):
    body = setback_body()
    first = api(client, body)
    replay = api(client, {**body, "what_happened": "", "occurred_at": "yesterday"})
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.get_json() == first.get_json()
    assert len(saved(app, user.id)) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"objection": "too_expensive"}, "objection"),
        ({"follow_up_on": "1 April"}, "follow_up_on"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"what_happened": ""}, "what_happened"),
        ({"what_happened": None}, "what_happened"),
        ({"id": "not-a-uuid"}, "id"),
    ],
)
def test_bad_api_input_is_422_with_a_message_and_nothing_is_saved(app, client, user, clock, changes, field):
    response = api(client, setback_body(**changes))
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["error"] == "invalid" and answer["field"] == field and answer["message"].startswith(field)
    assert saved(app, user.id) == []


def test_the_api_wants_a_session(app, client, user, clock):
    visitor = app.test_client()
    response = visitor.post("/api/setbacks", json=setback_body())
    assert response.status_code == 401 and response.get_json()["error"] == "login_required"
    assert response.headers["Content-Type"].startswith("application/json")
    assert saved(app, user.id) == []


# Export and import


def _import(client, document):
    return client.post(
        "/account/import",
        data={
            **form_fields(client, "/account", "/account/import"),
            "file": (io.BytesIO(json.dumps(document).encode()), "export.json"),
        },
        content_type="multipart/form-data",
    )


@pytest.mark.both_dbs
def test_setbacks_survive_an_export_and_import_into_a_fresh_account(app, client, user, clock):
    api(client, setback_body())
    setback_id = add(app, user.id, "Initech went silent", date(2026, 2, 20), "went_silent", date(2026, 3, 1))
    submit(client, f"/setbacks/{setback_id}/followed-up", page="/setbacks")
    log(client, what_happened="Hooli: no budget", follow_up_on="")
    document = client.get("/api/export").get_json()
    rows = document["setbacks"]
    assert [row["what_happened"] for row in rows] == [
        "Initech went silent",
        "Umbrella Corp chose a competitor",
        "Hooli: no budget",
    ]
    assert set(rows[0]) == {
        "id",
        "occurred_at",
        "local_day",
        "what_happened",
        "objection",
        "controlled",
        "learned",
        "follow_up_on",
        "followed_up_at",
        "follow_up_outcome",
    }
    assert rows[0]["followed_up_at"] == "2026-03-02T09:00:00+00:00" and rows[2]["follow_up_on"] is None

    phone = app.test_client()
    register(phone, email="ana.new@example.com", zone="UTC")
    assert _import(phone, document).status_code == 302
    assert phone.get("/api/export").get_json()["setbacks"] == rows
    # The same file again adds nothing, and a replay of an imported id from an old offline queue is "done".
    assert _import(phone, document).status_code == 302
    assert phone.get("/api/export").get_json()["setbacks"] == rows
    assert api(phone, {**setback_body(), "id": rows[1]["id"]}).status_code == 200
    assert len(phone.get("/api/export").get_json()["setbacks"]) == 3


@pytest.mark.both_dbs
def test_an_id_twice_in_a_file_is_imported_once(app, client, user, clock):
    row = {
        "id": str(uuid.uuid4()),
        "occurred_at": "2026-03-01T10:00:00+00:00",
        "local_day": "2026-03-01",
        "what_happened": "First copy",
        "objection": "timing",
    }
    assert (
        _import(
            client, {"version": 1, "setbacks": [row, {**row, "what_happened": "Second copy"}]}
        ).status_code
        == 302
    )
    assert saved(app, user.id) == [("First copy", "timing", "2026-03-01", None, None)]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(IdempotencyRecord.id))) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "abc"}, "setbacks[0].id: must be a UUID"),
        ({"objection": "nope"}, "setbacks[0].objection: expected one of price"),
        ({"what_happened": ""}, "setbacks[0].what_happened: needs a few words"),
        ({"what_happened": None}, "setbacks[0].what_happened: missing"),
        ({"what_happened": "w" * 2001}, "setbacks[0].what_happened: longer than 2000"),
        ({"occurred_at": "2026-03-01"}, "setbacks[0].occurred_at: the time needs its UTC offset"),
        ({"local_day": "March 1"}, "setbacks[0].local_day: expected a date"),
        ({"follow_up_on": "soon"}, "setbacks[0].follow_up_on: expected a date"),
        ({"followed_up_at": "later"}, "setbacks[0].followed_up_at: expected a date and time"),
        ({"learned": ["a", "list"]}, "setbacks[0].learned: expected text"),
        ({"follow_up_outcome": "maybe"}, "setbacks[0].follow_up_outcome: expected one of won_back"),
    ],
)
def test_a_bad_setback_in_a_file_says_where_and_nothing_is_imported(
    app, client, user, clock, change, message
):
    row = {
        "id": str(uuid.uuid4()),
        "occurred_at": "2026-03-01T10:00:00+00:00",
        "local_day": "2026-03-01",
        "what_happened": "Lost one",
        "objection": "price",
        **change,
    }
    good = {**row, "id": str(uuid.uuid4()), "what_happened": "fine", "objection": "price"}
    response = _import(client, {"version": 1, "setbacks": [row, good]})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert saved(app, user.id) == []


def test_setbacks_that_are_not_a_list_are_refused(app, client, user, clock):
    response = _import(client, {"version": 1, "setbacks": {"id": "x"}})
    assert response.status_code == 400 and "setbacks: expected a list" in response.get_data(as_text=True)
