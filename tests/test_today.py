"""/today: each routine done or not, undo, "did it yesterday", streaks, follow-ups, the zone offer."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event

from tests.conftest import form_fields, page_forms, submit
from webapp import pagecache
from webapp.auth.models import User
from webapp.extensions import db
from webapp.routines.completions import complete_now
from webapp.routines.models import Completion, MorningEntry, Pause, ScheduleVersion
from webapp.routines.schedule import schedules_for
from webapp.routines.views import greeting, long_date
from webapp.setbacks.models import Setback

ROUTINE_PATHS = {"morning": "/morning", "breathe": "/breathe", "reflect": "/reflect", "goals": "/goals"}
BREATH = {"pattern": "box", "seconds": 90}


def complete(app, user_id: int, routine: str, at: str, data: dict | None = None, now: str | None = None):
    """Complete a routine at `at` (ISO with offset), as the one completion path does."""
    moment = datetime.fromisoformat(at)
    with app.app_context():
        user = db.session.get(User, user_id)
        complete_now(user, routine, data or BREATH, datetime.fromisoformat(now) if now else moment, moment)
        db.session.commit()  # the writer leaves the one commit to its caller


def done(app, user_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.scalars(db.select(Completion).filter_by(user_id=user_id).order_by(Completion.id))
        return [(row.routine, row.local_day.isoformat()) for row in rows]


def card(html: str, routine: str) -> str:
    """The text of one routine's card on the page."""
    match = re.search(rf'<li [^>]*id="routine-{routine}".*?</li>', html, re.S)
    assert match, f"no card for {routine}"
    return match.group(0)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def page(client) -> str:
    response = client.get("/today")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def set_day_end(app, user_id: int, hour: int) -> None:
    with app.app_context():
        db.session.get(User, user_id).day_end_hour = hour
        db.session.commit()


def made_a_week_ago(app, user_id: int) -> None:
    """The account existed before yesterday, so "did it yesterday?" has a yesterday to count."""
    with app.app_context():
        db.session.get(User, user_id).created_at = datetime(2026, 2, 23, 9, tzinfo=UTC)
        db.session.commit()


def add_setback(app, user_id: int, what: str, follow_up_on: date | None, followed_up: bool = False) -> int:
    moment = datetime(2026, 2, 20, 10, tzinfo=UTC)
    with app.app_context():
        setback = Setback(
            user_id=user_id,
            client_id=str(uuid.uuid4()),
            occurred_at=moment,
            local_day=moment.date(),
            what_happened=what,
            objection="price",
            follow_up_on=follow_up_on,
            followed_up_at=moment if followed_up else None,
            created_at=moment,
        )
        db.session.add(setback)
        db.session.commit()
        return setback.id


# The page


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/today")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("action", ["/today/undo", "/today/yesterday"])
def test_a_visitor_cannot_post_the_day_forms(client, action):
    response = client.post(action, data={"routine": "breathe"})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")


def test_a_new_user_sees_all_four_routines_not_done_yet(client, clock, user):
    html = page(client)
    for routine, path in ROUTINE_PATHS.items():
        shown = card(html, routine)
        assert 'data-done="false"' in shown
        assert f'href="{path}"' in shown
        assert "Not yet today" in text(shown)
        assert "Start a streak today" in text(shown)
        assert 'action="/today/undo"' not in shown
    assert "Goal review" in card(html, "goals")
    assert "Done today" not in html
    assert 'href="/reset"' in html and "Rough call? Reset" in text(html)
    assert "Follow-ups due" not in html


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        ("2026-03-02T09:00:00+00:00", "Good morning</h1>"),  # 10:00 in Berlin
        ("2026-03-02T12:30:00+00:00", "Good afternoon</h1>"),
        ("2026-03-02T19:00:00+00:00", "Good evening</h1>"),
    ],
)
def test_the_greeting_follows_the_local_hour_and_shows_the_local_date(client, clock, user, moment, words):
    clock.set(moment)
    html = page(client)
    assert words in html  # no first name given: no "ana" made out of ana@example.com
    assert "Monday 2 March" in html


def test_the_greeting_uses_the_first_name_given(app, client, clock, user):
    with app.app_context():
        db.session.get(User, user.id).display_name = "Ana"
        db.session.commit()
    assert "Good morning, Ana</h1>" in page(client)


@pytest.mark.parametrize(
    ("hour", "word"),
    [
        (0, "evening"),
        (4, "evening"),
        (5, "morning"),
        (11, "morning"),
        (12, "afternoon"),
        (17, "afternoon"),
        (18, "evening"),
        (23, "evening"),
    ],
)
def test_the_greeting_by_hour(hour, word):
    assert greeting(hour) == f"Good {word}"


def test_a_long_date_has_no_leading_zero():
    assert long_date(date(2026, 3, 2)) == "Monday 2 March"


def test_the_days_intention_is_shown_once_the_morning_routine_saved_it(app, client, clock, user):
    complete(app, user.id, "morning", "2026-03-02T08:00:00+01:00", {"intention": "Ask one more question"})
    html = page(client)
    assert "Today's intention:" in html and "Ask one more question" in html
    clock.set("2026-03-03T09:00:00+00:00")
    assert "Today's intention" not in page(client)


@pytest.mark.both_dbs
def test_the_intention_the_follow_ups_due_and_the_next_reminder_show_together(app, client, clock, user):
    # One statement reads all three: each follow-up due comes with the day's intention and reminder.
    complete(app, user.id, "morning", "2026-03-02T08:00:00+01:00", {"intention": "Ask one more question"})
    older = add_setback(app, user.id, "Procurement said next quarter", date(2026, 2, 27))
    newer = add_setback(app, user.id, "Lost the pilot to a cheaper tool", date(2026, 3, 2))
    html = page(client)
    assert "Ask one more question" in html and "Next reminder: Reflect at 18:00 today." in html
    assert re.findall(r'href="/setbacks#setback-(\d+)"', html) == [str(newer), str(older)]


# Done, streaks and rest days


@pytest.mark.both_dbs
def test_a_completed_routine_shows_done_with_its_streak(app, client, clock, user):
    for day in ("2026-02-28", "2026-03-01", "2026-03-02"):
        complete(app, user.id, "breathe", f"{day}T08:00:00+01:00", now="2026-03-02T09:00:00+00:00")
    shown = card(page(client), "breathe")
    assert 'data-done="true"' in shown
    assert "Done today" in text(shown)
    assert "3-day streak" in text(shown)
    assert 'action="/today/undo"' in shown and 'action="/today/yesterday"' not in shown


def test_a_pending_today_keeps_yesterdays_streak(app, client, clock, user):
    complete(app, user.id, "breathe", "2026-03-01T08:00:00+01:00", now="2026-03-02T09:00:00+00:00")
    shown = text(card(page(client), "breathe"))
    assert "1-day streak" in shown and "Not yet today" in shown


def test_a_day_the_routine_is_off_is_a_gentle_rest_day(client, clock, user):
    clock.set("2026-03-07T10:00:00+00:00")  # a Saturday; morning is on Monday to Friday
    html = page(client)
    assert "Rest day" in text(card(html, "morning"))
    assert "Not yet today" not in text(card(html, "morning"))
    assert "Rest day" not in text(card(html, "breathe"))


def test_another_users_completions_are_not_mine(app, client, clock, user, other_client):
    ben = db_user_id(app, "ben@example.com")
    complete(app, ben, "breathe", "2026-03-02T04:00:00-05:00")
    assert 'data-done="false"' in card(page(client), "breathe")
    assert 'data-done="true"' in card(page(other_client), "breathe")


def db_user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(User.id).filter_by(email=email))


# Undo


@pytest.mark.both_dbs
def test_undo_removes_todays_done_and_a_repeated_form_id_changes_nothing(app, client, clock, user):
    complete(app, user.id, "breathe", "2026-03-02T08:00:00+01:00")
    complete(app, user.id, "breathe", "2026-03-01T08:00:00+01:00", now="2026-03-02T09:00:00+00:00")
    fields = form_fields(client, "/today", "/today/undo")
    fields["routine"] = "breathe"
    response = client.post("/today/undo", data=fields)
    assert response.status_code == 303
    assert done(app, user.id) == [("breathe", "2026-03-01")]
    assert "no longer marked done" in page(client)

    complete(app, user.id, "breathe", "2026-03-02T09:30:00+01:00")
    again = client.post("/today/undo", data=fields)
    assert again.status_code == 303
    assert sorted(done(app, user.id)) == [("breathe", "2026-03-01"), ("breathe", "2026-03-02")]


def test_undo_with_nothing_done_today_says_so_and_changes_nothing(app, client, clock, user):
    complete(app, user.id, "morning", "2026-03-02T08:00:00+01:00", {"intention": ""})
    complete(app, user.id, "breathe", "2026-03-01T08:00:00+01:00", now="2026-03-02T09:00:00+00:00")
    response = submit(client, "/today/undo", {"routine": "breathe"}, page="/today")
    assert response.status_code == 303
    assert "nothing to undo" in page(client)
    assert sorted(done(app, user.id)) == [("breathe", "2026-03-01"), ("morning", "2026-03-02")]


# Did it yesterday


@pytest.mark.both_dbs
@pytest.mark.parametrize("routine", ["morning", "breathe", "goals"])
def test_did_it_yesterday_counts_the_previous_local_day(app, client, clock, user, routine):
    clock.set("2026-03-03T09:00:00+00:00")  # Tuesday; Monday was on for every routine
    response = submit(client, "/today/yesterday", {"routine": routine}, page="/today")
    assert response.status_code == 303
    assert done(app, user.id) == [(routine, "2026-03-02")]
    html = page(client)
    assert "counted for yesterday, Monday 2 March" in html
    shown = card(html, routine)
    assert "1-day streak" in text(shown) and 'action="/today/yesterday"' not in shown


def test_a_repeated_did_it_yesterday_changes_nothing(app, client, clock, user):
    made_a_week_ago(app, user.id)
    fields = form_fields(client, "/today", "/today/yesterday")
    fields["routine"] = "breathe"
    assert client.post("/today/yesterday", data=fields).status_code == 303
    with app.app_context():
        [first] = db.session.scalars(db.select(Completion).filter_by(user_id=user.id)).all()
        first_written = first.completed_at
    clock.advance(minutes=5)
    assert client.post("/today/yesterday", data=fields).status_code == 303
    with app.app_context():
        [again] = db.session.scalars(db.select(Completion).filter_by(user_id=user.id)).all()
        assert again.completed_at == first_written


def test_did_it_yesterday_never_overwrites_yesterdays_real_entry(app, client, clock, user):
    clock.set("2026-03-03T09:00:00+00:00")
    complete(app, user.id, "morning", "2026-03-02T08:00:00+01:00", {"intention": "Call the warm leads"})
    assert 'action="/today/yesterday"' not in card(page(client), "morning")
    # A stale page still holding the form: the day keeps its words.
    fields = form_fields(client, "/today", "/today/yesterday")
    response = client.post("/today/yesterday", data={**fields, "routine": "morning"})
    assert response.status_code == 303
    assert "already counted for yesterday" in page(client)
    with app.app_context():
        entry = db.session.scalar(db.select(MorningEntry).filter_by(user_id=user.id))
        assert (entry.local_day, entry.intention) == (date(2026, 3, 2), "Call the warm leads")


@pytest.mark.both_dbs
def test_before_the_day_end_hour_today_is_still_the_previous_date(app, client, clock, user):
    made_a_week_ago(app, user.id)
    set_day_end(app, user.id, 3)
    clock.set("2026-03-03T01:30:00+00:00")  # 02:30 on Tuesday in Berlin: still Monday's day
    html = page(client)
    assert "Monday 2 March" in html
    response = submit(client, "/today/yesterday", {"routine": "breathe"}, page="/today")
    assert response.status_code == 303
    assert done(app, user.id) == [("breathe", "2026-03-01")]
    complete(app, user.id, "breathe", "2026-03-03T02:30:00+01:00")
    assert sorted(done(app, user.id)) == [("breathe", "2026-03-01"), ("breathe", "2026-03-02")]
    assert "2-day streak" in text(card(page(client), "breathe"))


def test_yesterday_is_not_offered_for_a_reflection(app, client, clock, user):
    clock.set("2026-03-03T09:00:00+00:00")
    shown = card(page(client), "reflect")
    assert 'action="/today/yesterday"' not in shown
    assert 'href="/reflect"' in shown
    response = submit(client, "/today/yesterday", {"routine": "reflect"}, page="/today")
    assert response.status_code == 400
    assert "needs your own words" in response.get_data(as_text=True)
    assert done(app, user.id) == []


def test_yesterday_is_not_offered_for_a_day_the_routine_was_off(app, client, clock, user):
    made_a_week_ago(app, user.id)
    html = page(client)  # Monday: Sunday was off for the Monday-to-Friday routines
    assert 'action="/today/yesterday"' not in card(html, "morning")
    assert 'action="/today/yesterday"' in card(html, "breathe")


@pytest.mark.parametrize("action", ["/today/undo", "/today/yesterday"])
@pytest.mark.parametrize("routine", ["", "lunch", "Breathe"])
def test_a_bad_routine_is_400_and_saves_nothing(app, client, clock, user, action, routine):
    complete(app, user.id, "breathe", "2026-03-02T08:00:00+01:00")
    fields = form_fields(client, "/today", "/today/undo")
    response = client.post(action, data={**fields, "routine": routine})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "routine" in body and 'role="alert"' in body
    assert done(app, user.id) == [("breathe", "2026-03-02")]


def test_a_form_with_a_broken_form_id_is_400_and_saves_nothing(app, client, clock, user):
    made_a_week_ago(app, user.id)
    fields = form_fields(client, "/today", "/today/yesterday")
    response = client.post("/today/yesterday", data={**fields, "form_id": "not-a-uuid", "routine": "breathe"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert done(app, user.id) == []


# Follow-ups


@pytest.mark.both_dbs
def test_follow_ups_due_show_newest_due_first_and_only_mine(app, client, clock, user, other_client):
    ben = db_user_id(app, "ben@example.com")
    overdue = add_setback(app, user.id, "Procurement said next quarter", date(2026, 2, 25))
    due = add_setback(app, user.id, "Lost the pilot to a cheaper tool", date(2026, 3, 2))
    add_setback(app, user.id, "Follow up in a fortnight", date(2026, 3, 16))
    add_setback(app, user.id, "Already called them back", date(2026, 2, 27), followed_up=True)
    add_setback(app, user.id, "No follow-up planned", None)
    add_setback(app, ben, "Ben's own lost deal", date(2026, 3, 1))
    html = page(client)
    assert "Follow-ups due" in html
    assert html.index(f'href="/setbacks#setback-{due}"') < html.index(f'href="/setbacks#setback-{overdue}"')
    assert "due today" in html and "due Wed 25 Feb" in html
    for hidden in ("Follow up in a fortnight", "Already called them back", "No follow-up planned", "Ben's"):
        assert hidden not in html


def test_at_most_five_follow_ups_are_shown(app, client, clock, user):
    ids = [add_setback(app, user.id, f"Deal {n}", date(2026, 2, 20 + n)) for n in range(7)]
    html = page(client)
    shown = re.findall(r'href="/setbacks#setback-(\d+)"', html)
    assert [int(i) for i in shown] == ids[::-1][:5]


# The zone offer


def zone_offer(html: str) -> str | None:
    match = re.search(r'<form [^>]*action="/account/zone".*?</form>', html, re.S)
    return match.group(0) if match else None


def test_without_a_hint_of_the_phones_zone_there_is_no_zone_offer(client, clock, user):
    assert zone_offer(page(client)) is None


def test_the_zone_offer_is_rendered_from_the_phones_zone_when_the_clocks_differ(client, clock, user):
    client.set_cookie("phone_zone", "Asia/Tokyo")
    html = page(client)
    offer = zone_offer(html)
    assert offer is not None and " hidden" not in offer.split(">", 1)[0]
    assert "Your phone says you're in <strong>Asia/Tokyo</strong>" in offer
    assert "Keep Europe/Berlin" in offer
    [form] = [form for form in page_forms(html) if form["action"] == "/account/zone"]
    assert set(form["fields"]) == {"csrf_token", "form_id", "time_zone"}
    assert 'name="time_zone" value="Asia/Tokyo"' in offer


@pytest.mark.parametrize(
    "hint", ["Europe/Paris", "Europe/Berlin", "Not/AZone", "<b>x</b>", "Europe/" + "x" * 80]
)
def test_no_zone_offer_when_the_hint_would_change_nothing_or_is_no_zone(client, clock, user, hint):
    client.set_cookie("phone_zone", hint)
    html = page(client)
    assert zone_offer(html) is None and "<b>x</b>" not in html


def test_the_page_tells_its_script_which_phone_zone_the_server_heard(client, clock, user):
    # today.js writes the cookie only when the phone's zone differs from this (it never reads
    # document.cookie while the page loads).
    assert '<meta name="phone-zone" content="">' in page(client)
    client.set_cookie("phone_zone", "Asia/Tokyo")
    assert '<meta name="phone-zone" content="Asia/Tokyo">' in page(client)
    client.set_cookie("phone_zone", '"><b>x</b>')
    html = page(client)
    assert '<meta name="phone-zone" content="&#34;&gt;&lt;b&gt;x&lt;/b&gt;">' in html
    assert "<b>x</b>" not in html


def test_a_kept_zone_is_not_offered_again_but_a_new_one_is(client, clock, user):
    client.set_cookie("phone_zone", "Asia/Tokyo")
    client.set_cookie("zone_offer_kept", "Asia/Tokyo")
    assert zone_offer(page(client)) is None
    client.set_cookie("phone_zone", "America/Chicago")
    assert "America/Chicago" in zone_offer(page(client))


def test_accepting_the_zone_offer_switches_the_account(app, client, clock, user):
    client.set_cookie("phone_zone", "America/Chicago")
    response = submit(client, "/account/zone", {"time_zone": "America/Chicago"}, page="/today")
    assert response.status_code == 302
    client.set_cookie("phone_zone", "Europe/Berlin")
    assert "Keep America/Chicago" in zone_offer(page(client))


# Keeping it fast


def test_all_schedules_load_in_one_go_with_their_history_and_pauses(app, client, clock, user):
    submit(client, "/account", {"display_name": "", "time_zone": "Asia/Tokyo", "day_end_hour": "0"})
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with app.app_context():
        db.session.add(
            ScheduleVersion(
                user_id=user.id,
                routine="morning",
                effective_from=date(2026, 3, 9),
                weekdays_mask=0b1,
                created_at=now,
            )
        )
        db.session.add(
            Pause(
                user_id=user.id,
                routine="breathe",
                starts_on=date(2026, 3, 4),
                ends_on=date(2026, 3, 6),
                created_at=now,
            )
        )
        db.session.commit()
        account = db.session.get(User, user.id)
        together = schedules_for(account)
        assert together["morning"].versions == (
            (date(2026, 3, 2), frozenset(range(5))),
            (date(2026, 3, 9), frozenset({0})),
        )
        assert together["breathe"].pauses == ((date(2026, 3, 4), date(2026, 3, 6)),)
        assert together["reflect"].pauses == ()
        assert together["morning"].skipped == frozenset(), "Berlin to Tokyo at 10:00 jumps no whole day"
        assert together["morning"].weekdays_on(date(2026, 3, 10)) == frozenset({0})


def test_today_takes_a_handful_of_queries_however_much_history(app, client, clock, user):
    def count_queries() -> int:
        statements: list[str] = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page(client)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    # The plan (zone history, days on) is read once per plan version, which the writes below
    # leave as it was: both counts are of a page after the first and after a write.
    page(client)
    with app.app_context():
        pagecache.touch(db.session, [user.id])
        db.session.commit()
    empty = count_queries()
    for day in range(1, 8):
        for routine, data in (("breathe", BREATH), ("goals", {"progress": {}})):
            complete(app, user.id, routine, f"2026-02-{20 + day}T08:00:00+01:00", data)
        add_setback(app, user.id, f"Deal {day}", date(2026, 2, 20 + day))
    complete(app, user.id, "morning", "2026-03-02T08:00:00+01:00", {"intention": "Listen first"})
    # Ten: one of them reads the support corner's cheers waiting to be seen; the sign-in and its
    # user come in one query, and the zone history (capped at 500) in one more, read only by
    # pages that work out local days, never by every request.
    assert count_queries() == empty <= 10


def test_yesterday_is_not_offered_on_the_day_the_account_was_made(client, clock, user):
    html = page(client)  # registered this Monday morning: there was no yesterday in Rebound
    for routine in ("morning", "breathe", "goals"):
        assert 'action="/today/yesterday"' not in card(html, routine)


@pytest.mark.both_dbs
def test_each_write_shows_at_once_on_the_writers_pages_and_never_on_anothers(
    app, client, clock, user, other_client
):
    # The stored streak resumes on a new day's completion and rebuilds on an undo: neither may
    # leave a stale figure on the writer's pages, nor show on someone else's.
    def post(phone, day: str) -> str:
        token = phone.get("/api/csrf").get_json()["csrf_token"]
        client_id = str(uuid.uuid4())
        body = {"id": client_id, "routine": "breathe", "completed_at": f"{day}T08:00:00+01:00"}
        body["data"] = {"pattern": "box", "seconds": 60}
        response = phone.post("/api/completions", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 201
        return client_id

    clock.set("2026-03-02T09:00:00+00:00")
    ids = [post(client, day) for day in ("2026-02-28", "2026-03-01")]
    assert "2-day streak" in text(card(page(client), "breathe"))
    post(client, "2026-03-02")  # a new day: resumed from the stored state
    assert "3-day streak" in text(card(page(client), "breathe"))
    assert "Start a streak today" in text(card(page(other_client), "breathe"))
    # Undo the middle day (an older day): the streak is rebuilt, not resumed past it.
    token = client.get("/api/csrf").get_json()["csrf_token"]
    assert client.delete(f"/api/completions/{ids[1]}", headers={"X-CSRFToken": token}).status_code == 200
    assert "1-day streak" in text(card(page(client), "breathe"))
    progress = client.get("/progress").get_data(as_text=True)
    breathe = re.search(r'id="streak-breathe".*?data-figure="current">([^<]*)<', progress, re.S)
    assert breathe and breathe.group(1).strip() == "1 day"
    post(other_client, "2026-03-02")
    assert "1-day streak" in text(card(page(other_client), "breathe"))
    assert "1-day streak" in text(card(page(client), "breathe"))
