"""/today and /progress keep what they computed between requests (webapp/pagecache.py): every
write shows at once, one user never sees another's figures, and a new local day is a new page."""

from __future__ import annotations

import re

import pytest

from tests.test_setbacks import api, setback_body
from tests.test_today import card, page, text
from webapp.auth.models import User
from webapp.extensions import db


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
