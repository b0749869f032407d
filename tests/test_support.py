"""The support corner: a few chosen people see the effort, never the setbacks, and cheer it on.

Two and three people on SQLite and PostgreSQL. The owner (Alex, in Berlin) keeps private words
in reflections, setbacks, moods, affirmations and reviews; every response a supporter can reach
is searched for them.
"""

from __future__ import annotations

import html
import io
import json
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token, form_fields, person, submit
from tests.support_helpers import (
    GOAL,
    OWNER_NAME,
    PRIVATE,
    WIN,
    answer,
    api,
    cheer,
    create_invite,
    link_to,
    new_person,
    plant_private_words,
    post_form,
)
from webapp import create_app
from webapp.extensions import db
from webapp.reminders.models import Occurrence
from webapp.support.models import Cheer, SupportInvite, SupportLink, SupportSettings


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    # Several accounts per test; how passwords are hashed is tested in test_auth.py.
    monkeypatch.setattr("webapp.auth.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def alex(app, clock):
    return new_person(app, "alex@example.com", OWNER_NAME)


@pytest.fixture
def sam(app, clock):
    return new_person(app, "sam@example.com", "Sunniva", zone="America/New_York")


@pytest.fixture
def kim(app, clock):
    return new_person(app, "kim@example.com", "Kaito", zone="Asia/Tokyo")


def text(response) -> str:
    """What a response says, as a person reads it (HTML entities decoded, zipped CSVs opened)."""
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            return "".join(archive.read(name).decode() for name in archive.namelist())
    return html.unescape(response.get_data().decode(errors="replace"))


def reachable_pages(app) -> list[str]:
    """Every GET page and API answer without a parameter: what any signed-in person can open."""
    rules = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and "<" not in rule.rule and rule.rule not in ("/logout",)
    )
    return [*rules, "/account/export.csv.zip", "/reset?step=breathe", "/reset?step=affirmation"]


def everything_seen_by(app, client, extra: list[str]) -> str:
    """The text of every response this person can reach, plus `extra` paths."""
    seen = []
    for path in [*reachable_pages(app), *extra]:
        with client.get(path) as response:
            seen.append(text(response))
    return "\n".join(seen)


# --- inviting and joining --------------------------------------------------------------------


@pytest.mark.both_dbs
def test_an_invite_shows_who_asks_and_exactly_what_will_be_visible_then_links_two_people(app, alex, sam):
    path = create_invite(alex, wins=True)
    page = text(sam.get(path))
    assert f"{OWNER_NAME} would like you in their corner" in page
    assert "alex@example.com" in page
    assert "The small wins from your evening reflections" in page
    assert "goals and how far along" not in page
    assert "Never their reflections' other words, their setbacks, moods or affirmations" in page

    response = answer(sam, path)
    assert response.status_code == 303
    link_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert sam.get(f"/support/people/{link_id}").status_code == 200
    assert "Sunniva" in text(alex.get("/support"))
    assert OWNER_NAME in text(sam.get("/support"))
    with app.app_context():
        link = db.session.get(SupportLink, link_id)
        assert (link.show_wins, link.show_goals, link.muted) == (True, False, False)


def test_the_invite_link_is_shown_once_and_only_its_hash_is_kept(app, alex):
    path = create_invite(alex)
    assert path.split("/")[-1] not in text(alex.get("/support")), "shown once"
    with app.app_context():
        invite = db.session.scalar(db.select(SupportInvite))
        assert path.split("/")[-1] not in (invite.token_sha256,)
        assert invite.expires_at - invite.created_at == timedelta(days=7)


def test_a_visitor_signs_up_through_the_invite_and_comes_back_to_it(app, alex):
    path = create_invite(alex)
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200
    shown = text(page)
    assert OWNER_NAME not in shown, "who asks is shown only after signing in"
    assert f'href="/register?next={path}"' in shown and f'href="/login?next={path}"' in shown
    fields = form_fields(visitor, f"/register?next={path}", "/register")
    data = {
        "email": "new@example.com",
        "password": PASSWORD,
        "time_zone": "Europe/Paris",
        "display_name": "Noor",
    }
    response = visitor.post(f"/register?next={path}", data={**fields, **data})
    assert response.status_code == 302
    assert response.headers["Location"] == path
    assert f"{OWNER_NAME} would like you in their corner" in text(visitor.get(path))


def test_a_visitor_signing_in_comes_back_to_the_invite(app, alex, sam):
    path = create_invite(alex)
    submit(sam, "/logout", page="/account")
    fields = form_fields(sam, f"/login?next={path}", "/login")
    response = sam.post(
        f"/login?next={path}", data={**fields, "email": "sam@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == path


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/", "javascript:alert(1)"])
def test_registering_never_sends_anyone_to_another_site(app, clock, target):
    visitor = app.test_client()
    data = {"email": "new@example.com", "password": PASSWORD, "time_zone": "UTC", "display_name": ""}
    response = submit(visitor, "/register", data, page="/register")
    assert response.status_code == 302
    page = visitor.get(f"/register?next={target}")
    assert urlsplit(page.headers["Location"]).netloc in ("", "localhost")


@pytest.mark.both_dbs
def test_invite_problems_are_clear_4xx_pages(app, clock, alex, sam, kim):
    # Unknown.
    response = sam.get("/support/join/not-a-real-token")
    assert response.status_code == 404 and "isn't valid" in text(response)
    # Self-invite.
    path = create_invite(alex)
    response = alex.get(path)
    assert response.status_code == 400 and "your own invite" in text(response)
    # Reused: Sunniva accepts, Kaito tries the same link.
    assert answer(sam, path).status_code == 303
    response = kim.get(path)
    assert response.status_code == 410 and "already been used" in text(response)
    # Already linked: a second invite to Sunniva.
    second = create_invite(alex)
    response = sam.get(second)
    assert response.status_code == 409 and "already connected" in text(response)
    # ...and accepting it anyway (a page opened before the first link was made) changes nothing.
    assert post_form(sam, second, {"decision": "accept"}).status_code == 409
    # Revoked.
    with app.app_context():
        invite_id = db.session.scalar(
            db.select(SupportInvite.id)
            .where(SupportInvite.used_at.is_(None))
            .order_by(SupportInvite.id.desc())
        )
    assert submit(alex, f"/support/invites/{invite_id}/revoke", page="/support").status_code == 303
    response = kim.get(second)
    assert response.status_code == 410 and "withdrawn" in text(response)
    # Expired: 7 days later, on the page and on the form.
    third = create_invite(alex)
    clock.advance(days=7)
    response = kim.get(third)
    assert response.status_code == 410 and "expired" in text(response)
    assert post_form(kim, third, {"decision": "accept"}).status_code == 410
    # Accepting one's own invite by posting the form anyway.
    fourth = create_invite(alex)
    assert post_form(alex, fourth, {"decision": "accept"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SupportLink.id))) == 1


def test_accepting_a_stale_page_after_the_invite_was_withdrawn_is_refused(app, alex, sam):
    path = create_invite(alex)
    fields = form_fields(sam, path, path)  # Sunniva has the page open...
    with app.app_context():
        invite_id = db.session.scalar(db.select(SupportInvite.id))
    submit(alex, f"/support/invites/{invite_id}/revoke", page="/support")  # ...Alex withdraws it
    response = sam.post(path, data={**fields, "decision": "accept"})
    assert response.status_code == 410
    assert text(sam.get("/support")).count(OWNER_NAME) == 0


@pytest.mark.both_dbs
def test_one_link_opened_by_two_people_at_once_links_only_one(app, alex, sam, kim):
    path = create_invite(alex)
    pages = [(client, form_fields(client, path, path)) for client in (sam, kim)]

    def accept(page):
        client, fields = page
        return client.post(path, data={**fields, "decision": "accept"}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(accept, pages)) == [303, 410]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SupportLink.id))) == 1


def test_declining_shares_nothing_and_uses_up_the_invite(app, alex, sam):
    path = create_invite(alex)
    response = answer(sam, path, "decline")
    assert response.status_code == 303
    assert "declined" in text(sam.get(response.headers["Location"]))
    assert OWNER_NAME not in text(sam.get("/support"))
    assert sam.get(path).status_code == 410
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SupportLink.id))) == 0


@pytest.mark.both_dbs
def test_at_most_five_supporters_counting_open_invites(app, alex):
    paths = [create_invite(alex) for _ in range(5)]
    html = text(alex.get("/support"))
    assert "Create an invite link" not in html and "the most there can be" in html
    token = csrf_token(alex, "/support")
    response = alex.post("/support/invites", data={"csrf_token": token, "form_id": str(uuid.uuid4())})
    assert response.status_code == 409 and "up to 5 supporters" in text(response)
    # Five people accept; a sixth invite can't exist, and a full corner refuses an old link too.
    for number, path in enumerate(paths):
        assert answer(new_person(app, f"p{number}@example.com", f"P{number}"), path).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SupportLink.id))) == 5


# --- what a supporter sees -------------------------------------------------------------------


@pytest.mark.both_dbs
@pytest.mark.parametrize(("wins", "goals"), [(False, False), (True, False), (False, True), (True, True)])
def test_a_supporter_sees_the_practice_and_only_what_the_owner_allowed(app, clock, alex, sam, wins, goals):
    plant_private_words(alex)
    link_id = link_to(alex, sam, wins=wins, goals=goals)
    page = text(sam.get(f"/support/people/{link_id}"))
    assert OWNER_NAME in page
    for label in ("Morning", "Breathe", "Reflect", "Goal review"):
        assert label in page
    assert "Done today" in page  # the morning and the reflection of today
    assert (WIN in page) is wins
    assert (GOAL in page) is goals
    seen = everything_seen_by(app, sam, [f"/support/people/{link_id}"])
    assert PRIVATE not in seen
    assert (WIN in seen) is wins and (GOAL in seen) is goals
    assert "mood" not in page.lower()
    sent = cheer(sam, link_id)
    assert sent.status_code == 201 and PRIVATE not in text(sent)


@pytest.mark.both_dbs
def test_three_people_each_see_only_what_their_own_link_allows(app, clock, alex, sam, kim):
    plant_private_words(alex)
    sams = link_to(alex, sam, wins=True)
    kims = link_to(alex, kim)
    # Kaito sees no wins though Sunniva does; neither can open the other's link.
    assert WIN in text(sam.get(f"/support/people/{sams}"))
    assert WIN not in everything_seen_by(app, kim, [f"/support/people/{kims}"])
    assert kim.get(f"/support/people/{sams}").status_code == 404
    assert sam.get(f"/support/people/{kims}").status_code == 404
    assert cheer(kim, sams).status_code == 404
    # Supporters never see each other, and the owner's data never shows on their own pages.
    assert "Kaito" not in everything_seen_by(app, sam, [f"/support/people/{sams}"])


def test_the_phone_keeps_no_copy_of_a_supporters_page(app, clock, alex, sam):
    link_id = link_to(alex, sam)
    for client, path in ((sam, f"/support/people/{link_id}"), (alex, "/support")):
        headers = client.get(path).headers
        assert headers["Cache-Control"] == "no-store"
        # Every signed-in page is no-store for HTTP caches; this marks it for the service worker.
        assert headers["X-Rebound-Offline"] == "never"


def test_the_owner_can_preview_what_a_supporter_sees(app, clock, alex, sam):
    plant_private_words(alex)
    link_id = link_to(alex, sam)
    page = text(alex.get(f"/support/people/{link_id}"))
    assert "What Sunniva sees" in page and "Send a cheer" not in page
    assert PRIVATE not in page and WIN not in page


@pytest.mark.both_dbs
def test_the_owner_changes_what_a_supporter_sees(app, clock, alex, sam):
    plant_private_words(alex)
    link_id = link_to(alex, sam)
    assert WIN not in text(sam.get(f"/support/people/{link_id}"))
    response = submit(alex, f"/support/links/{link_id}", {"show_wins": "y"}, page="/support")
    assert response.status_code == 303
    assert WIN in text(sam.get(f"/support/people/{link_id}"))
    submit(alex, f"/support/links/{link_id}", {}, page="/support")
    assert WIN not in text(sam.get(f"/support/people/{link_id}"))


def test_the_streak_and_the_last_seven_days_are_in_the_owners_local_day(app, clock, alex, sam):
    # 23:30 UTC on Monday is already Tuesday in Berlin: Alex breathed "today" there.
    link_id = link_to(alex, sam)
    clock.set("2026-03-02T23:30:00+00:00")
    token = csrf_token(alex, "/account")
    body = {
        "id": str(uuid.uuid4()),
        "routine": "breathe",
        "completed_at": "2026-03-02T23:20:00+00:00",
        "data": {"pattern": "box", "seconds": 60},
    }
    assert alex.post("/api/completions", json=body, headers={"X-CSRFToken": token}).status_code == 201
    page = text(sam.get(f"/support/people/{link_id}"))
    assert "Tuesday 3 March where Alex is" in page
    assert "1-day streak" in page
    assert 'class="corner-dot is-done"' in page


# --- ending a link ---------------------------------------------------------------------------


@pytest.mark.both_dbs
@pytest.mark.parametrize("who_ends", ["owner", "supporter"])
def test_either_side_ends_the_link_and_then_neither_sees_the_other(app, clock, alex, sam, who_ends):
    plant_private_words(alex)
    link_id = link_to(alex, sam, wins=True, goals=True)
    assert cheer(sam, link_id).status_code == 201
    ender = alex if who_ends == "owner" else sam
    response = submit(ender, f"/support/links/{link_id}/end", page="/support")
    assert response.status_code == 303
    for client in (alex, sam):
        assert client.get(f"/support/people/{link_id}").status_code == 404
        assert post_form(client, f"/support/links/{link_id}/end").status_code == 404
    assert cheer(sam, link_id).status_code == 404
    seen_by_sam = everything_seen_by(app, sam, [f"/support/people/{link_id}"])
    for marker in (PRIVATE, WIN, GOAL, OWNER_NAME):
        assert marker not in seen_by_sam
    assert "Sunniva" not in everything_seen_by(app, alex, [f"/support/people/{link_id}"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Cheer.id))) == 0


@pytest.mark.both_dbs
def test_deleting_an_account_ends_its_links(app, clock, alex, sam, kim):
    link_to(alex, sam)
    kims = link_to(kim, alex)
    response = submit(alex, "/account/delete", {"password": PASSWORD}, page="/account")
    assert response.status_code in (302, 303)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SupportLink.id))) == 0
    assert kim.get(f"/support/people/{kims}").status_code == 404
    assert OWNER_NAME not in text(sam.get("/support"))


# --- cheers ----------------------------------------------------------------------------------


@pytest.mark.both_dbs
def test_a_cheer_is_201_then_200_on_replay_and_waits_on_today_until_seen(app, clock, alex, sam):
    link_id = link_to(alex, sam)
    client_id = str(uuid.uuid4())
    first = cheer(sam, link_id, "keep-going", client_id)
    assert first.status_code == 201
    replay = cheer(sam, link_id, "proud", client_id)
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    assert first.get_json()["kind"] == "keep-going" and first.get_json()["to"] == link_id
    today = text(alex.get("/today"))
    assert "Your corner is cheering" in today and "Keep going" in today and "Sunniva" in today
    assert submit(alex, "/support/cheers/seen", page="/today").status_code == 303
    assert "Your corner is cheering" not in text(alex.get("/today"))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Cheer.id))) == 1


@pytest.mark.both_dbs
def test_three_cheers_per_pair_per_day_then_a_clear_429(app, clock, alex, sam, kim):
    sams = link_to(alex, sam)
    kims = link_to(alex, kim)
    for _ in range(3):
        assert cheer(sam, sams).status_code == 201
    over = cheer(sam, sams)
    assert over.status_code == 429
    assert over.get_json()["error"] == "too_many_cheers"
    assert "3 cheers today" in over.get_json()["message"]
    assert cheer(kim, kims).status_code == 201, "the limit is per pair"
    page = text(sam.get(f"/support/people/{sams}"))
    assert "You've sent today's 3 cheers" in page
    fields = form_fields(kim, f"/support/people/{kims}", f"/support/people/{kims}/cheers")
    # The page's button past the limit (a stale page) is a 429 page with the reason.
    for _ in range(2):
        fields["form_id"] = str(uuid.uuid4())
        assert kim.post(f"/support/people/{kims}/cheers", data={**fields, "kind": "proud"}).status_code == 303
    fields["form_id"] = str(uuid.uuid4())
    response = kim.post(f"/support/people/{kims}/cheers", data={**fields, "kind": "proud"})
    assert response.status_code == 429 and "daily limit" in text(response)
    # A new day where Alex is (Berlin midnight is 23:00 UTC).
    clock.set("2026-03-02T23:00:00+00:00")
    assert cheer(sam, sams).status_code == 201


@pytest.mark.both_dbs
def test_six_cheers_at_once_still_make_three(app, clock, alex, sam):
    link_id = link_to(alex, sam)
    token = csrf_token(sam, "/account")
    cookie = sam.get_cookie("session").value

    def send(_):
        phone = app.test_client()
        phone.set_cookie("session", cookie)
        body = {"id": str(uuid.uuid4()), "to": link_id, "kind": "proud"}
        return phone.post("/api/cheers", json=body, headers={"X-CSRFToken": token}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(send, range(6)))
    assert statuses == [201, 201, 201, 429, 429, 429]


def test_a_double_tap_on_a_cheer_button_sends_one(app, clock, alex, sam):
    link_id = link_to(alex, sam)
    fields = form_fields(sam, f"/support/people/{link_id}", f"/support/people/{link_id}/cheers")
    for _ in range(2):
        response = sam.post(f"/support/people/{link_id}/cheers", data={**fields, "kind": "tough-day"})
        assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Cheer.id))) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"to": 1, "kind": "hugs"}, 422),
        ({"to": "1", "kind": "proud"}, 422),
        ({"to": True, "kind": "proud"}, 422),
        ({"to": 99999, "kind": "proud"}, 404),
        ({"to": 10**30, "kind": "proud"}, 404),
        ({"kind": "proud"}, 422),
    ],
)
def test_a_bad_cheer_is_refused_with_a_message(app, clock, alex, sam, body, status):
    link_to(alex, sam)
    response = api(sam, "POST", "/api/cheers", {"id": str(uuid.uuid4()), **body})
    assert response.status_code == status
    assert response.get_json()["message"]


def test_the_owner_cannot_cheer_themselves_through_their_own_link(app, clock, alex, sam):
    link_id = link_to(alex, sam)
    assert cheer(alex, link_id).status_code == 404


@pytest.mark.both_dbs
def test_a_muted_supporter_is_never_shown_and_never_told(app, clock, alex, sam):
    link_id = link_to(alex, sam)
    assert submit(alex, f"/support/links/{link_id}", {"muted": "y"}, page="/support").status_code == 303
    response = cheer(sam, link_id)
    assert response.status_code == 201, "muting is silent: no one is told they are muted"
    assert "Your corner is cheering" not in text(alex.get("/today"))
    assert "Muted" not in everything_seen_by(app, sam, [f"/support/people/{link_id}"])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Occurrence.id)).filter_by(routine="support")) == 0
    # Cheers already waiting hide too when a supporter is muted later.
    submit(alex, f"/support/links/{link_id}", {}, page="/support")
    assert cheer(sam, link_id).status_code == 201
    assert "Your corner is cheering" in text(alex.get("/today"))
    submit(alex, f"/support/links/{link_id}", {"muted": "y"}, page="/support")
    assert "Your corner is cheering" not in text(alex.get("/today"))


def test_a_zone_change_moves_the_weekly_note_with_it(app, clock, alex, sam):
    link_to(alex, sam)
    alex_id = person(app, "alex@example.com").id
    with app.app_context():
        assert (
            db.session.get(SupportSettings, alex_id).next_weekly_at.isoformat() == "2026-03-06T16:00:00+00:00"
        )
    profile = {"display_name": OWNER_NAME, "time_zone": "America/New_York", "day_end_hour": "0"}
    assert submit(alex, "/account", profile).status_code in (302, 303)
    with app.app_context():  # Friday 17:00 in New York
        assert (
            db.session.get(SupportSettings, alex_id).next_weekly_at.isoformat() == "2026-03-06T22:00:00+00:00"
        )


# --- the rough-day signal, export and import -------------------------------------------------


def test_the_reset_offers_to_tell_supporters_once_a_day(app, clock, alex, sam):
    assert "Let my supporters know" not in text(alex.get("/reset?step=affirmation"))
    link_to(alex, sam)
    page = text(alex.get("/reset?step=affirmation"))
    assert "Let my supporters know" in page
    response = submit(alex, "/support/rough-day", page="/reset?step=affirmation")
    assert response.status_code == 303
    assert "will hear you had a tough call" in text(alex.get(response.headers["Location"]))
    submit(alex, "/support/rough-day", page="/reset?step=affirmation")
    with app.app_context():
        kinds = db.session.scalars(db.select(Occurrence.kind).filter_by(routine="support")).all()
        assert len(kinds) == 1 and kinds[0].startswith("rough-")


@pytest.mark.both_dbs
def test_the_export_lists_links_with_what_each_may_see_and_never_the_other_persons_data(
    app, clock, alex, sam
):
    plant_private_words(alex)
    link_id = link_to(alex, sam, wins=True)
    mine = alex.get("/api/export").get_json()["support"]
    assert mine["supporters"] == [
        {
            "link": link_id,
            "name": "Sunniva",
            "since": mine["supporters"][0]["since"],
            "sees": {"practice": True, "small_wins": True, "goal_progress": False},
            "muted": False,
        }
    ]
    assert mine["supporting"] == []
    theirs_response = sam.get("/api/export")
    theirs = theirs_response.get_json()["support"]
    assert theirs["supporting"][0]["i_see"] == {"practice": True, "small_wins": True, "goal_progress": False}
    exported = text(theirs_response) + text(sam.get("/account/export.csv.zip"))
    for marker in (PRIVATE, WIN, GOAL):
        assert marker not in exported


def test_import_ignores_the_support_part(app, clock, alex, sam):
    link_to(alex, sam)
    document = alex.get("/api/export").get_json()
    newcomer = new_person(app, "new@example.com", "Noor")
    upload = {"file": (io.BytesIO(json.dumps(document).encode()), "rebound.json")}
    fields = form_fields(newcomer, "/account", "/account/import")
    response = newcomer.post("/account/import", data={**fields, **upload}, content_type="multipart/form-data")
    assert response.status_code in (302, 303), text(response)[:500]
    with app.app_context():
        noor = person(app, "new@example.com")
        assert (
            db.session.scalar(
                db.select(db.func.count(SupportLink.id)).where(
                    (SupportLink.owner_id == noor.id) | (SupportLink.supporter_id == noor.id)
                )
            )
            == 0
        )


CONTRACT_PATHS = [
    "/support",
    "/support/invites",
    "/support/join/<token>",
    "/support/people/<int:link_id>",
    "/support/links/<int:link_id>/end",
    "/api/cheers",
]


def test_the_contracts_support_paths_exist():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert [path for path in CONTRACT_PATHS if path not in rules] == []
