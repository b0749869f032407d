"""Shared by the support corner's tests: people, invites, links and the owner's private words."""

from __future__ import annotations

import re
import uuid

from tests.conftest import csrf_token, register, submit

# Words only the owner wrote, in every private place. Any response a supporter can reach that
# contains PRIVATE is a leak; WIN and GOAL may appear only where the owner allowed them.
PRIVATE = "Zq9Private"
WIN = "Zq9SmallWin"
GOAL = "Zq9GoalName"
OWNER_NAME = "Alex"

JOIN_LINK = re.compile(r'value="https?://[^"/]+(/support/join/[A-Za-z0-9_-]+)"')


def new_person(app, email: str, name: str, zone: str = "Europe/Berlin"):
    client = app.test_client()
    response = register(client, email=email, zone=zone, name=name)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def api(client, method: str, path: str, body=None):
    return client.open(
        path, method=method, json=body, headers={"X-CSRFToken": csrf_token(client, "/account")}
    )


def create_invite(client, wins: bool = False, goals: bool = False) -> str:
    """The owner makes an invite on /support; returns its path /support/join/<token>."""
    data = {}
    if wins:
        data["show_wins"] = "y"
    if goals:
        data["show_goals"] = "y"
    response = submit(client, "/support/invites", data, page="/support")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    html = client.get("/support").get_data(as_text=True)
    match = JOIN_LINK.search(html)
    assert match, "the new invite's link is on /support"
    return match.group(1)


def answer(client, path: str, decision: str = "accept"):
    return submit(client, path, {"decision": decision})


def link_to(owner_client, supporter_client, wins: bool = False, goals: bool = False) -> int:
    """An accepted link: the supporter's person page id."""
    path = create_invite(owner_client, wins, goals)
    response = answer(supporter_client, path)
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    assert supporter_client.get(response.headers["Location"]).status_code == 200  # shows the welcome once
    return int(response.headers["Location"].rsplit("/", 1)[1])


def post_form(client, path: str, data: dict | None = None):
    """A form post with a valid token and a fresh form_id, as a page that is still open would send."""
    fields = {"csrf_token": csrf_token(client, "/account"), "form_id": str(uuid.uuid4())}
    return client.post(path, data={**fields, **(data or {})})


def cheer(client, link_id, kind: str = "proud", client_id: str | None = None):
    return api(
        client, "POST", "/api/cheers", {"id": client_id or str(uuid.uuid4()), "to": link_id, "kind": kind}
    )


def plant_private_words(client, moment: str = "2026-03-02T08:30:00+00:00") -> None:
    """The owner's reflection (every field, a mood of 1), a setback, an affirmation, an intention,
    a goal and its weekly review, each carrying markers."""
    token = csrf_token(client, "/account")
    reflection = {
        "id": str(uuid.uuid4()),
        "routine": "reflect",
        "completed_at": moment,
        "data": {
            "went_well": f"{PRIVATE} went well",
            "didnt_go_well": f"{PRIVATE} didnt",
            "learned": f"{PRIVATE} learned",
            "reframe": f"{PRIVATE} reframe",
            "small_win": f"{WIN} booked a demo",
            "mood": 1,
        },
    }
    assert client.post("/api/completions", json=reflection, headers={"X-CSRFToken": token}).status_code == 201
    setback = {
        "id": str(uuid.uuid4()),
        "occurred_at": moment,
        "what_happened": f"{PRIVATE} lost Acme",
        "objection": "price",
        "controlled": f"{PRIVATE} controlled",
        "learned": f"{PRIVATE} setback lesson",
    }
    assert client.post("/api/setbacks", json=setback, headers={"X-CSRFToken": token}).status_code == 201
    assert submit(client, "/morning/affirmations", {"text": f"I am {PRIVATE}"}).status_code == 302
    assert submit(client, "/morning", {"intention": f"{PRIVATE} intention"}).status_code == 302
    assert (
        submit(client, "/goals", {"name": f"{GOAL} calls", "kind": "activity", "target": "5"}).status_code
        == 302
    )
    assert submit(client, "/goals/review", {"helped": f"{PRIVATE} review"}).status_code == 302
