"""Several reminder senders at once, as real processes: every due reminder reaches its device once,
and a sender killed mid-batch loses nothing (what it may send twice, the phone shows once).

Each sender is `flask --app webapp reminders send-due` in its own process, configured from the
environment like a deployed worker, on the real clock: the seeded reminders fell due a minute
ago. The local push service checks every message's VAPID signature and decrypts it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, insert, make_url, text

from tests.conftest import POSTGRES_PROBLEM, TEST_DATABASE_URL, unavailable
from tests.pushservice import PushService, Received, Subscription, generate_vapid_keys
from webapp import create_app
from webapp.auth.models import User
from webapp.extensions import db
from webapp.reminders.models import Occurrence, OutboxMessage, PushSubscription
from webapp.routines.models import EVERY_DAY, RoutineSetting, ScheduleVersion

ROOT = Path(__file__).resolve().parent.parent
ROUTINE = "morning"  # the 08:00 fan-out, with an affirmation looked up per reminder
SENDER_TIMEOUT = 120
# Started processes fight over the cores: these run one after another with test_deployment.py's.
pytestmark = pytest.mark.xdist_group("processes")


@dataclass
class Deployment:
    """The app's database as the senders see it, and the push service their devices belong to."""

    app: Flask
    push: PushService
    url: str


@contextmanager
def deployment(database_url: str, instance: Path, answer_delay: float = 0.0):
    """A push service and the environment of a shared deployment (keys, allowed push host).

    The variables go into os.environ, so the senders started from here inherit exactly what the
    test's own app was built from. Restores the environment on the way out."""
    private, public = generate_vapid_keys()
    saved = dict(os.environ)
    with PushService(vapid_public_key=public, answer_delay=answer_delay) as push:
        os.environ.update(
            DATABASE_URL=database_url,
            SECRET_KEY="senders-test-secret-not-for-production",
            VAPID_PUBLIC_KEY=public,
            VAPID_PRIVATE_KEY=private,
            VAPID_SUBJECT="mailto:ops@rebound.example",
            PUSH_ALLOWED_HOSTS=push.origin,
        )
        try:
            app = create_app(instance_path=str(instance))
            with app.app_context():
                db.create_all()
            yield Deployment(app, push, database_url)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            if "app" in locals():
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()


@pytest.fixture
def postgresql_url():
    """A private schema in the test database; the senders reach it through the URL's search_path."""
    if POSTGRES_PROBLEM:
        unavailable(POSTGRES_PROBLEM, "REQUIRE_POSTGRES")
    schema = f"senders_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'senders.sqlite3'}"


def seed_due_reminders(devices: Sequence[Subscription], now: datetime) -> None:
    """A user in UTC per device (anything with endpoint, p256dh and auth), each with a morning
    reminder that fell due a minute before `now`.

    Rows go in with a few bulk inserts (what registering and subscribing would have stored);
    the caller has an app context. bench/push_fanout.py seeds with it too."""
    fire_at = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    count = len(devices)
    user_ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "email": f"seller{n}@rebound.example",
                "password_hash": "unused",
                "display_name": "",
                "time_zone": "UTC",
                "day_end_hour": 0,
                "created_at": fire_at - timedelta(days=30),
            }
            for n in range(count)
        ],
    ).all()
    db.session.execute(
        insert(ScheduleVersion),
        [
            {
                "user_id": user_id,
                "routine": ROUTINE,
                "effective_from": date(2020, 1, 1),
                "weekdays_mask": EVERY_DAY,
                "created_at": fire_at - timedelta(days=30),
            }
            for user_id in user_ids
        ],
    )
    db.session.execute(
        insert(RoutineSetting),
        [
            {
                "user_id": user_id,
                "routine": ROUTINE,
                "reminder_time": fire_at.time(),
                "reminder_on": True,
                "next_fire_at": fire_at,
                "next_local_day": fire_at.date(),
            }
            for user_id in user_ids
        ],
    )
    db.session.execute(
        insert(PushSubscription),
        [
            {
                "user_id": user_id,
                "endpoint": device.endpoint,
                "p256dh": device.p256dh,
                "auth": device.auth,
                "browser": "Test",
                "created_at": fire_at - timedelta(days=1),
                "last_seen_at": fire_at - timedelta(days=1),
                "flag_reason": "",
            }
            for user_id, device in zip(user_ids, devices, strict=True)
        ],
    )
    db.session.commit()


def start_sender(*options: str) -> subprocess.Popen:
    """`flask --app webapp reminders send-due` in its own process, with this environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "reminders", "send-due", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(sender: subprocess.Popen) -> dict:
    """Wait for a sender to exit; its pass result (the JSON line it prints)."""
    out, err = sender.communicate(timeout=SENDER_TIMEOUT)
    assert sender.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def outbox_statuses(app: Flask) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(db.select(OutboxMessage.status)).all())


def tag_of(message: Received) -> str:
    return message.json()["tag"]


def assert_each_device_got_its_reminder_once(deployment: Deployment, devices: list[Subscription]) -> None:
    push, count = deployment.push, len(devices)
    received = push.received
    assert push.rejected == []
    by_device = Counter(message.token for message in received)
    by_topic = Counter(message.topic for message in received)
    assert len(received) == count
    assert set(by_device) == {device.token for device in devices}, "none missing"
    assert max(by_device.values()) == 1, "none twice"
    assert len(by_topic) == count and max(by_topic.values()) == 1
    with deployment.app.app_context():
        occurrences = db.session.scalars(db.select(Occurrence.id)).all()
    assert set(by_topic) == {f"occurrence{occurrence}" for occurrence in occurrences}
    assert all(tag_of(m) == f"rebound-{m.topic.removeprefix('occurrence')}" for m in received)
    assert outbox_statuses(deployment.app) == {"sent": count}


# A real push service's round trip. Without it one sender can send all 2,000 before another has
# finished starting up, and the test could not tell sharing from one sender doing everything.
SHARING_DELAY = 0.05


def run_senders_at_once(deployment: Deployment, senders: int, users: int) -> None:
    devices = [deployment.push.new_subscription() for _ in range(users)]
    with deployment.app.app_context():
        seed_due_reminders(devices, datetime.now(UTC))
    results = [finish(sender) for sender in [start_sender() for _ in range(senders)]]
    assert_each_device_got_its_reminder_once(deployment, devices)
    assert sum(result["sent"] for result in results) == users
    assert sum(result["queued"] for result in results) == users
    # Not one sender doing everything while the others found nothing: they really shared the work.
    assert sum(1 for result in results if result["sent"]) >= 2, results


@pytest.mark.postgres
def test_four_senders_on_postgresql_deliver_two_thousand_reminders_each_exactly_once(
    postgresql_url, tmp_path
):
    with deployment(postgresql_url, tmp_path / "instance", answer_delay=SHARING_DELAY) as running:
        run_senders_at_once(running, senders=4, users=2000)


def test_two_senders_on_sqlite_deliver_every_reminder_exactly_once(sqlite_url, tmp_path):
    with deployment(sqlite_url, tmp_path / "instance", answer_delay=SHARING_DELAY) as running:
        run_senders_at_once(running, senders=2, users=2000)


def _expire_leases(app: Flask) -> int:
    """Let the lease run out: what two minutes of waiting would do, without the wait."""
    with app.app_context():
        expired = db.session.execute(
            db.update(OutboxMessage)
            .where(OutboxMessage.status == "sending")
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        ).rowcount
        db.session.commit()
        return expired


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_sender_killed_mid_batch_loses_nothing_and_repeats_only_with_the_same_topic_and_tag(
    database, request, tmp_path
):
    users = 200
    url = request.getfixturevalue(f"{database}_url")
    # A real push service's round trip and two threads: the batch takes seconds, not a blink.
    with deployment(url, tmp_path / "instance", answer_delay=0.05) as running:
        push = running.push
        devices = [push.new_subscription() for _ in range(users)]
        with running.app.app_context():
            seed_due_reminders(devices, datetime.now(UTC))

        doomed = start_sender("--concurrency", "2")
        assert push.wait_for(10, timeout=SENDER_TIMEOUT), "the first sender never got going"
        doomed.send_signal(signal.SIGKILL)
        doomed.communicate(timeout=SENDER_TIMEOUT)
        assert doomed.returncode == -signal.SIGKILL
        statuses = outbox_statuses(running.app)
        assert statuses["sending"] > 0 and "sent" not in statuses, statuses

        # Its rows are leased: a sender starting now leaves them alone.
        assert finish(start_sender())["sent"] == 0
        # Everything the killed sender got out is in by now (its last requests were answered
        # while the second sender ran), so what follows is the third sender's alone.
        first_round = push.received
        assert len(first_round) < users, "killed before the batch was done"

        assert _expire_leases(running.app) == statuses["sending"]
        assert finish(start_sender())["sent"] == users
        assert outbox_statuses(running.app) == {"sent": users}

    everything = push.received
    second_round = everything[len(first_round) :]
    assert Counter(m.token for m in second_round) == Counter(d.token for d in devices), "nothing lost"
    copies: dict[str, list[Received]] = defaultdict(list)
    for message in everything:
        copies[message.token].append(message)
    twice = {token: sent for token, sent in copies.items() if len(sent) > 1}
    assert set(twice) == {m.token for m in first_round}
    for first, *again in twice.values():
        for repeat in again:
            assert (repeat.topic, tag_of(repeat)) == (first.topic, tag_of(first))
