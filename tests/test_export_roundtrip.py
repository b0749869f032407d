"""Export, then import into another account: every collection comes back the same."""

from __future__ import annotations

import io
import json
import random

import pytest

from tests.conftest import PASSWORD, form_fields, register
from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.demo import make_account, seed_history
from webapp.extensions import db

# Ids a database hands out can't match across accounts; everything else must.
UNSTABLE = {"exported_at"}


def comparable(document: dict) -> dict:
    document = {k: v for k, v in document.items() if k not in UNSTABLE}
    # The next reminder depends on the account's zone; the settings themselves must match.
    document["reminders"] = [
        {k: v for k, v in row.items() if k != "next_at"} for row in document["reminders"]
    ]
    document["user"] = {k: v for k, v in document["user"].items() if k not in ("email", "created_at")}
    for goal in document["goals"]["goals"]:
        goal.pop("id")
    document["goals"]["goals"].sort(key=lambda g: (g["name"], g["created_at"]))
    for review in document["goals"]["weekly_reviews"]:
        review["next_targets"] = sorted(review["next_targets"].values())
    for own in document["affirmations"]["own"]:
        own.pop("id")
    for completion in document["completions"]:
        if completion["routine"] == "goals":
            completion["data"]["progress"] = sorted(completion["data"]["progress"].values())
        if completion["routine"] == "morning":
            completion["data"]["affirmation_ids"] = len(completion["data"]["affirmation_ids"])
    return document


@pytest.mark.both_dbs
def test_a_lived_in_account_exports_and_imports_whole(app, clock):
    clock.set("2026-03-30T18:00:00+00:00")
    with app.app_context():
        source = make_account("lived@example.com", PASSWORD, "Europe/London", utcnow())
        seed_history(source, 40, random.Random(3), utcnow())
    phone = app.test_client()
    fields = form_fields(phone, "/login", "/login")
    phone.post("/login", data={**fields, "email": "lived@example.com", "password": PASSWORD})
    exported = phone.get("/api/export").get_json()
    for name in (
        "completions",
        "reflections",
        "setbacks",
        "goals",
        "affirmations",
        "routines",
        "streaks",
        "reminders",
    ):
        assert exported[name], f"the seeded account has {name}"

    other = app.test_client()
    register(other, email="copy@example.com", zone="UTC")
    upload = (io.BytesIO(json.dumps(exported).encode()), "rebound.json")
    response = other.post(
        "/account/import",
        data={**form_fields(other, "/account", "/account/import"), "file": upload},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    imported = other.get("/api/export").get_json()
    assert comparable(imported) == comparable(exported)
    # Streaks are recomputed on import, and come out the same as the source's.
    assert imported["streaks"] == exported["streaks"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 2


@pytest.mark.both_dbs
def test_importing_the_same_file_twice_adds_nothing_the_second_time(app, clock):
    clock.set("2026-03-30T18:00:00+00:00")
    with app.app_context():
        source = make_account("twice@example.com", PASSWORD, "Europe/London", utcnow())
        seed_history(source, 20, random.Random(5), utcnow())
        from webapp.portability import export_document

        document = json.loads(json.dumps(export_document(db.session.get(User, source.id), utcnow())))
    other = app.test_client()
    register(other, email="twice-copy@example.com", zone="UTC")

    def upload():
        return other.post(
            "/account/import",
            data={
                **form_fields(other, "/account", "/account/import"),
                "file": (io.BytesIO(json.dumps(document).encode()), "r.json"),
            },
            content_type="multipart/form-data",
        )

    assert upload().status_code == 302
    once = comparable(other.get("/api/export").get_json())
    assert upload().status_code == 302
    assert comparable(other.get("/api/export").get_json()) == once


@pytest.mark.both_dbs
def test_an_account_moves_between_two_instances_with_separate_databases(app, clock, tmp_path):
    """Export from one Rebound, import into another with its own database and keys: every
    collection comes across, and streaks rebuilt there are identical."""
    from tests.conftest import TEST_SECRET
    from webapp import create_app

    clock.set("2026-03-30T18:00:00+00:00")
    with app.app_context():
        source = make_account("mover@example.com", PASSWORD, "America/New_York", utcnow())
        seed_history(source, 60, random.Random(11), utcnow())
        from webapp.portability import export_document
        from webapp.reminders.models import PushSubscription

        db.session.add(
            PushSubscription(
                user_id=source.id,
                endpoint="https://fcm.googleapis.com/fcm/send/abc",
                p256dh="x",
                auth="y",
                browser="Chrome on Android",
                created_at=utcnow(),
                last_seen_at=utcnow(),
            )
        )
        db.session.commit()

        exported = json.loads(json.dumps(export_document(db.session.get(User, source.id), utcnow())))

    # The other instance: a separate SQLite database, its own secret and VAPID keys.
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET + "-other",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}",
        },
        instance_path=str(tmp_path / "other-instance"),
    )
    other.config["CLOCK"] = clock
    assert other.config["VAPID_PUBLIC_KEY"] != app.config["VAPID_PUBLIC_KEY"]
    with other.app_context():
        db.create_all()
        try:
            target = make_account("mover@example.com", PASSWORD, "UTC", utcnow())
            db.session.commit()
            path = tmp_path / "export.json"
            path.write_text(json.dumps(exported))
            runner = other.test_cli_runner()
            result = runner.invoke(args=["users", "import", str(path), "mover@example.com"])
            assert result.exit_code == 0, result.output
            assert runner.invoke(args=["streaks", "rebuild"]).exit_code == 0
            moved = json.loads(json.dumps(export_document(db.session.get(User, target.id), utcnow())))
        finally:
            db.session.remove()
            db.engine.dispose()
    assert len(exported["subscriptions"]) == 1
    assert moved["subscriptions"] == [], "subscriptions belong to the other server's keys"
    assert comparable({**moved, "subscriptions": []}) == comparable({**exported, "subscriptions": []})
    assert moved["streaks"] == exported["streaks"]
