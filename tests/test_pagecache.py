"""/today and /progress keep what they computed between requests (webapp/pagecache.py): every
write shows at once, one user never sees another's figures, and a new local day is a new page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import person, register, statements_naming
from tests.test_setbacks import api, setback_body
from tests.test_today import add_setback, card, page, text
from webapp.auth.models import User, ZoneChange
from webapp.extensions import db
from webapp.goals.models import Goal, WeeklyReview
from webapp.routines.completions import record_completion
from webapp.routines.export import DAY_NAMES, import_routines
from webapp.routines.models import Pause, ScheduleVersion
from webapp.routines.schedule import schedules_for

NOW = {"completed_at": "2026-03-02T09:00:00+00:00"}


def setbacks_line(client) -> str:
    html = client.get("/progress").get_data(as_text=True)
    match = re.search(r"Last 90 days: ([^<]*) logged", html)
    return match.group(1) if match else "none"


def data_version(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).data_version


@pytest.mark.both_dbs
def test_a_setback_shows_at_once_on_the_writers_progress_and_never_on_anothers(
    app, client, clock, user, other_client
):
    # Both pages are read (and kept) first; a setback is not a streak change, so it is the
    # version bump of any write, not the streak's write path, that must make them read again.
    assert setbacks_line(client) == "none" and setbacks_line(other_client) == "none"
    assert api(client, setback_body()).status_code == 201
    assert setbacks_line(client) == "1 setback"
    assert setbacks_line(other_client) == "none"
    assert api(other_client, setback_body()).status_code == 201
    assert api(other_client, setback_body()).status_code == 201
    assert setbacks_line(other_client) == "2 setbacks"
    assert setbacks_line(client) == "1 setback"


@pytest.mark.both_dbs
def test_reading_keeps_the_data_version_and_each_write_moves_it(app, client, clock, user):
    before = data_version(app, user.id)
    page(client)
    client.get("/progress")
    assert data_version(app, user.id) == before
    assert api(client, setback_body()).status_code == 201
    assert data_version(app, user.id) > before


@pytest.mark.both_dbs
def test_a_new_local_day_is_a_new_page_not_the_day_before_kept(app, client, clock, user):
    clock.set("2026-03-02T22:30:00+00:00")  # Monday evening in UTC, the account's zone
    token = client.get("/api/csrf").get_json()["csrf_token"]
    body = {"id": "5f0d7a52-6f55-4a53-9d43-000000000001", "routine": "breathe"}
    body |= {"completed_at": "2026-03-02T22:00:00+00:00", "data": {"pattern": "box", "seconds": 60}}
    assert client.post("/api/completions", json=body, headers={"X-CSRFToken": token}).status_code == 201
    monday = page(client)
    assert "Monday 2 March" in monday and 'data-done="true"' in card(monday, "breathe")
    assert 'data-figure="current">1 day<' in client.get("/progress").get_data(as_text=True)
    clock.set("2026-03-03T06:00:00+00:00")  # no write since: only the day moved
    tuesday = page(client)
    assert "Tuesday 3 March" in tuesday
    shown = card(tuesday, "breathe")
    assert 'data-done="false"' in shown and "1-day streak" in text(shown)
    progress = client.get("/progress").get_data(as_text=True)
    assert re.search(r'id="streak-breathe".*?data-figure="current">\s*1 day\s*<', progress, re.S)


def test_the_kept_progress_page_is_kept_per_language(app, client, clock, user):
    # The rendered body of /progress is kept (it holds no form or token); a browser asking in
    # another language, with nothing written in between, gets it in that language.
    assert "<h1>Progress</h1>" in client.get("/progress").get_data(as_text=True)
    german = client.get("/progress", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de"' in german and "<h1>Fortschritt</h1>" in german
    assert "<h1>Progress</h1>" in client.get("/progress").get_data(as_text=True)


def test_the_kept_progress_page_follows_the_routine_asked_for(app, client, clock, user):
    for routine in ("morning", "breathe", "reflect", "goals"):
        html = client.get(f"/progress?routine={routine}").get_data(as_text=True)
        assert re.search(rf'href="[^"]*routine={routine}#calendar" aria-current="true"', html)


def form_ids(html: str) -> list[str]:
    return re.findall(r'name="form_id" value="([^"]+)"', html)


def test_the_kept_today_cards_get_fresh_form_fields_each_time(app, client, clock, user):
    # The header and cards are kept as rendered, but every form on every view has its own form_id
    # and the session's token: a kept form_id would make the second Undo a "repeat".
    token = client.get("/api/csrf").get_json()["csrf_token"]
    done = (("breathe", {"pattern": "box", "seconds": 60}), ("goals", {"progress": {}}))
    for number, (routine, data) in enumerate(done, start=1):
        body = {"id": f"5f0d7a52-6f55-4a53-9d43-00000000001{number}", "routine": routine, "data": data}
        body["completed_at"] = "2026-03-02T08:00:00+00:00"
        assert client.post("/api/completions", json=body, headers={"X-CSRFToken": token}).status_code == 201
    first, second = page(client), page(client)
    ids = form_ids(first) + form_ids(second)
    assert len(form_ids(first)) == 2 and len(set(ids)) == len(ids)  # an Undo on each done card
    assert "\x00" not in first + second
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', second).group(1)
    assert re.findall(r'name="csrf_token" value="([^"]+)"', second) == [token] * len(form_ids(second))


def test_the_kept_today_header_follows_the_hour_and_the_language(app, client, clock, user):
    clock.set("2026-03-02T09:00:00+00:00")  # 10:00 in Berlin
    assert "Good morning</h1>" in page(client)
    clock.set("2026-03-02T12:30:00+00:00")  # the same day, nothing written in between
    assert "Good afternoon</h1>" in page(client)
    german = client.get("/today", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Guten Tag</h1>" in german and "Good afternoon" not in german


def test_the_kept_follow_ups_get_fresh_form_fields_each_time(app, client, clock, user):
    # Kept as rendered with the cards: the "Followed up?" forms too get their own form_id and the
    # session's token on every view, never the ones of the view that rendered them first.
    add_setback(app, user.id, "Procurement said next quarter", date(2026, 3, 2))
    first, second = page(client), page(client)
    outcome = r'action="/setbacks/\d+/followed-up".*?name="form_id" value="([^"]+)"'
    ids = re.findall(outcome, first, re.S) + re.findall(outcome, second, re.S)
    assert len(ids) == 2 and len(set(ids)) == 2
    assert "\x00" not in first + second
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', second).group(1)
    assert re.findall(r'name="csrf_token" value="([^"]+)"', second) == [token] * len(form_ids(second))


@pytest.mark.both_dbs
def test_the_kept_today_parts_show_each_write_that_changes_them_at_once(app, client, clock, user):
    # Kept across writes while what they show is unchanged: each change below must show at once.
    token = client.get("/api/csrf").get_json()["csrf_token"]

    def write(path: str, body: dict) -> None:
        assert client.post(path, json=body, headers={"X-CSRFToken": token}).status_code == 201

    clock.set("2026-03-02T09:00:00+00:00")  # 10:00 in Berlin
    before = page(client)
    write("/api/setbacks", setback_body())  # its follow-up is weeks away: /today shows the same
    assert page(client).split('name="csrf_token"')[0] == before.split('name="csrf_token"')[0]
    write("/api/setbacks", setback_body(what_happened="Initech went quiet", follow_up_on="2026-03-02"))
    html = page(client)
    assert "Follow-ups due" in html and "Initech went quiet" in html and "due today" in html
    morning = {"intention": "Ask who signs", "affirmation_ids": []}
    write("/api/completions", {"id": str(uuid.uuid4()), "routine": "morning", "data": morning, **NOW})
    html = page(client)
    assert "Ask who signs" in html and "Done today" in text(card(html, "morning"))
    again = {"intention": "Ask who signs, then who pays", "affirmation_ids": []}
    write("/api/completions", {"id": str(uuid.uuid4()), "routine": "morning", "data": again, **NOW})
    assert "Ask who signs, then who pays" in page(client)
    with app.app_context():
        db.session.get(User, user.id).display_name = "Ana"
        db.session.commit()
    assert "Good morning, Ana</h1>" in page(client)


@pytest.mark.both_dbs
def test_two_people_whose_today_shows_the_same_each_get_their_own(app, client, clock, user):
    # Same zone, same (empty) day, same hour: the same parts, but never one kept for the other.
    with app.app_context():
        db.session.get(User, user.id).display_name = "Ana"
        db.session.commit()
    ana = page(client)
    other = app.test_client()
    assert register(other, email="cleo@example.com", name="Cleo").status_code == 302
    cleo = page(other)
    assert "Good morning, Cleo</h1>" in cleo and "Ana" not in cleo
    cleo_token = re.search(r'<meta name="csrf-token" content="([^"]+)"', cleo).group(1)
    ana_token = re.search(r'<meta name="csrf-token" content="([^"]+)"', ana).group(1)
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', cleo)) <= {cleo_token} != {ana_token}
    add_setback(app, person(app, "cleo@example.com").id, "Lost to a rival, Cleo", date(2026, 3, 2))
    assert "Lost to a rival, Cleo" in page(other) and "Lost to a rival, Cleo" not in page(client)


# The plan (zone history, days on, pauses, goals, weekly reviews) is kept under the plan version,
# across the writes of a day's practice: each write of it must show at once, on both pages.


def plan_version(app, user_id: int) -> int:
    with app.app_context():
        return db.session.get(User, user_id).plan_version


def plant(app, user_id: int, change) -> None:
    """`change(user)` written straight to the database, as any writer of the table would."""
    with app.app_context():
        change(db.session.get(User, user_id))
        db.session.commit()


MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _days_off(user) -> None:
    # The account's days on from its first day (registering wrote them), switched off.
    versions = db.select(ScheduleVersion).filter_by(user_id=user.id, routine="breathe")
    for version in db.session.scalars(versions):
        version.weekdays_mask = 0


def _pause(user) -> None:
    db.session.add(
        Pause(
            user_id=user.id,
            routine="breathe",
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 3, 9),
            created_at=MONDAY,
        )
    )


def _goal(user) -> None:
    db.session.add(Goal(user_id=user.id, name="Calls to Initech", target=7, period="week", created_at=MONDAY))


def _review(user) -> None:
    db.session.add(WeeklyReview(user_id=user.id, week_start=date(2026, 2, 23), written_at=MONDAY))


REVIEWED = "<li><strong>A first weekly review</strong> <time"


def _far_zone(user) -> None:
    user.change_zone("Pacific/Kiritimati", MONDAY)  # UTC+14


def _rest_today(client) -> bool:
    return "nothing expected today" in text(card(page(client), "breathe"))


def _progress(client) -> str:
    return client.get("/progress").get_data(as_text=True)


@pytest.mark.both_dbs
@pytest.mark.parametrize(
    ("change", "before", "shown"),
    [
        (_days_off, lambda client: not _rest_today(client), _rest_today),
        (_pause, lambda client: not _rest_today(client), _rest_today),
        (
            _far_zone,
            lambda client: "Monday 2 March" in page(client),
            lambda client: "Tuesday 3 March" in page(client),
        ),
        (
            _goal,
            lambda client: "Calls to Initech" not in _progress(client),
            lambda client: "Calls to Initech" in _progress(client),
        ),
        (
            _review,
            lambda client: REVIEWED not in _progress(client),
            lambda client: REVIEWED in _progress(client),
        ),
    ],
    ids=["days-on", "pause", "zone", "goal", "weekly-review"],
)
def test_each_change_of_the_plan_shows_at_once_after_the_practice_kept_it(
    app, client, clock, user, other_client, change, before, shown
):
    # Both pages read the plan, then a day's practice moves the data version but not the plan's:
    # the plan is kept. A change of the plan must then show on the next view, and only the
    # writer's.
    clock.set("2026-03-02T12:00:00+00:00")  # 13:00 in Berlin, 02:00 on Tuesday in Kiritimati
    token = client.get("/api/csrf").get_json()["csrf_token"]
    assert before(client) and before(other_client)
    kept = plan_version(app, user.id)
    body = {
        "id": str(uuid.uuid4()),
        "routine": "morning",
        "data": {"intention": "", "affirmation_ids": []},
        **NOW,
    }
    assert client.post("/api/completions", json=body, headers={"X-CSRFToken": token}).status_code == 201
    assert api(client, setback_body()).status_code == 201
    assert before(client) and plan_version(app, user.id) == kept
    plant(app, user.id, change)
    assert plan_version(app, user.id) > kept
    assert shown(client)
    assert before(other_client)


@pytest.mark.both_dbs
def test_archiving_a_goal_takes_it_off_progress_at_once(app, client, clock, user):
    plant(app, user.id, _goal)
    assert "Calls to Initech" in _progress(client)
    with app.app_context():
        db.session.scalar(db.select(Goal).filter_by(user_id=user.id)).archived = True
        db.session.commit()
    assert "Calls to Initech" not in _progress(client)


@pytest.mark.both_dbs
def test_a_transaction_that_changed_the_plan_reads_it_as_changed(app, client, clock, user):
    # The bump is in the transaction, not yet in the loaded user: what is kept for the version
    # the user row still says must not be handed to the writer that changed it.
    page(client)
    with app.app_context():
        account = db.session.get(User, user.id)
        assert schedules_for(account)["breathe"].is_expected(date(2026, 3, 2))
        _days_off(account)
        db.session.flush()
        assert not schedules_for(account)["breathe"].is_expected(date(2026, 3, 2))
        db.session.rollback()
        assert schedules_for(account)["breathe"].is_expected(date(2026, 3, 2))
        with db.session.begin_nested():  # a savepoint's end is not the transaction's
            _days_off(account)
        assert not schedules_for(account)["breathe"].is_expected(date(2026, 3, 2))
        db.session.rollback()


@pytest.mark.both_dbs
def test_importing_routines_shows_their_days_and_pauses_at_once(app, client, clock, user):
    # The import deletes the days on and pauses in bulk, round the unit of work, then adds the
    # file's: the page must show the file's days, not the kept pause.
    plant(app, user.id, _pause)
    assert _rest_today(client)
    every_day = list(DAY_NAMES)
    with app.app_context():
        account = db.session.get(User, user.id)
        import_routines(account, [{"routine": "breathe", "days_on": every_day}], MONDAY)
        db.session.commit()
    assert not _rest_today(client)


def breath(at: str) -> dict:
    data = {"pattern": "box", "seconds": 60}
    return {"id": str(uuid.uuid4()), "routine": "breathe", "completed_at": at, "data": data}


@pytest.mark.both_dbs
def test_a_write_hands_the_zone_history_it_left_alone_to_the_requests_after_it(app, client, clock, user):
    # Every write moves the data version; a completion or a setback changes no zone, so the
    # history it read is kept for the version it commits instead of being read again.
    token = client.get("/api/csrf").get_json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    page(client)
    with statements_naming(app, "zone_change") as reads:
        assert (
            client.post("/api/completions", json=breath(NOW["completed_at"]), headers=headers).status_code
            == 201
        )
        assert api(client, setback_body(), token).status_code == 201
        assert client.post("/api/completions", json=reflect_body(), headers=headers).status_code == 201
        client.get("/progress")
        page(client)
    assert reads == []


def reflect_body() -> dict:
    data = {"went_well": "A call", "mood": 3}
    return {"id": str(uuid.uuid4()), "routine": "reflect", "completed_at": NOW["completed_at"], "data": data}


@pytest.mark.both_dbs
def test_a_zone_history_written_while_a_write_runs_is_read_again_after_it(app, clock, user):
    # Another request (a move to Tokyo and back, say, from an import) commits a zone history
    # between this write's read of the history and its own commit: the history the write read
    # is out of date at the version it commits, so it must not be kept for that version.
    with app.app_context():
        ana = db.session.get(User, user.id)
        assert [span.zone for span in ana.zone_spans()] == ["Europe/Berlin"]
        with db.engine.begin() as other:
            changes = [
                ("2026-02-20T08:00:00", "Europe/Berlin", "Asia/Tokyo"),
                ("2026-02-25T08:00:00", "Asia/Tokyo", "Europe/Berlin"),
            ]
            for at, old, new in changes:
                moment = datetime.fromisoformat(at).replace(tzinfo=UTC)
                other.execute(
                    db.insert(ZoneChange),
                    {"user_id": user.id, "changed_at": moment, "old_zone": old, "new_zone": new},
                )
            # As any writer of the zone history does (pagecache's flush hook): both versions move.
            other.execute(
                db.update(User)
                .where(User.id == user.id)
                .values(data_version=User.data_version + 1, plan_version=User.plan_version + 1)
            )
        record_completion(
            ana, str(uuid.uuid4()), "breathe", clock(), {"pattern": "box", "seconds": 60}, clock()
        )
        db.session.commit()
    with app.app_context():
        ana = db.session.get(User, user.id)
        assert [span.zone for span in ana.zone_spans()] == ["Europe/Berlin", "Asia/Tokyo", "Europe/Berlin"]


@pytest.mark.both_dbs
def test_a_write_that_moves_the_zone_keeps_no_history_read_before_the_move(app, clock, user):
    with app.app_context():
        ana = db.session.get(User, user.id)
        assert [span.zone for span in ana.zone_spans()] == ["Europe/Berlin"]
        record_completion(
            ana, str(uuid.uuid4()), "breathe", clock(), {"pattern": "box", "seconds": 60}, clock()
        )
        # The same transaction then moves the account to Tokyo and back (no view does that
        # today): the current zone is as it was, the history is not.
        ana.change_zone("Asia/Tokyo", clock())
        ana.change_zone("Europe/Berlin", clock() + timedelta(minutes=1))
        db.session.commit()
    with app.app_context():
        ana = db.session.get(User, user.id)
        assert [span.zone for span in ana.zone_spans()] == ["Europe/Berlin", "Asia/Tokyo", "Europe/Berlin"]
