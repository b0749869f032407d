"""How fast does the reminder sender fan out one minute's reminders, against a one-by-one webpush() loop?

    .venv/bin/python bench/push_fanout.py [--users 10000] [--sample 200] [--postgres] [--concurrency 32]

Seeds 10,000 users with one device each and a morning reminder due in the same minute (bulk
inserts, the seeding of tests/test_reminder_senders.py) on a temporary SQLite file, or with
--postgres in a private schema of TEST_DATABASE_URL's database. Then times the real sender,
`send_due` (occurrences and outbox rows, claims with leases, its push loop and shared
keep-alive connections), against the local push service of tests/pushservice.py on loopback, which answers
every request after a fixed 50 ms (a real push service's round trip) and verifies the VAPID
signature and decrypts every message. The comparison, in the same run: a plain loop of
`pywebpush.webpush()` calls, one after another, over a sample of other devices.

The push service runs in a process of its own, as a real one runs on a machine of its own: it
takes none of the sender's CPU or interpreter lock. `--concurrency 16,32,64` times the sender
once per count of pushes in flight, each on a fresh database. Beside it, the crypto floor: the
same payload encrypted for one device (ECDH P-256, HKDF, AES-GCM: what every message must cost)
10,000 times in this process by pywebpush (which the sender encrypts with), as CPU per
message. Aims: the sender at
least 10x the loop's rate; issue 17's at least 600 messages/s and at most 1 ms of sender CPU
per message. Exits 0 whatever the result: it's a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections import namedtuple
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ANSWER_DELAY = 0.05
RATE_AIM = 600  # messages a second (issue 17)
CPU_AIM_MS = 1.0  # sender CPU per message (issue 17)
SUBJECT = "mailto:ops@rebound.example"
AIM = 10.0

Device = namedtuple("Device", "endpoint token p256dh auth")


def push_service_process(conn, public_key: str, answer_delay: float) -> None:
    """The push service, in its own process, driven over a pipe by the benchmark."""
    from tests.pushservice import PushService

    with PushService(vapid_public_key=public_key, answer_delay=answer_delay) as push:
        conn.send(push.origin)
        while True:
            command, argument = conn.recv()
            if command == "subscribe":
                devices = [push.new_subscription() for _ in range(argument)]
                conn.send([Device(d.endpoint, d.token, d.p256dh, d.auth) for d in devices])
            elif command == "tally":
                received = push.received
                conn.send(
                    {
                        "received": len(received),
                        "devices": len({m.token for m in received}),
                        "topics": len({m.topic for m in received}),
                        "rejected": len(push.rejected),
                    }
                )
                push.clear()
            else:
                conn.send(None)
                return


class RemotePush:
    """The benchmark's handle on the push service process."""

    def __init__(self, public_key: str, answer_delay: float):
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=push_service_process, args=(child, public_key, answer_delay), daemon=True
        )
        self._process.start()
        self.origin = self._conn.recv()

    def ask(self, command: str, argument=None):
        self._conn.send((command, argument))
        return self._conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self._process.join(timeout=10)


def sample_message() -> dict:
    """A morning reminder's payload, as the sender makes it (same fields, same size; the words
    in English: lazy strings made plain, as the sender does inside its language)."""
    from webapp.reminders import messages
    from webapp.routines import content

    token = messages.snooze_token("bench-secret", 123456, 7890)
    return {
        "title": str(messages.TITLES["morning"]),
        "body": str(content.AFFIRMATIONS[0].text),
        "tag": "rebound-123456",
        "url": "/morning",
        "routine": "morning",
        "occurrence": 123456,
        "snooze_token": token,
        "actions": [{"action": "start", "title": "Start"}, {"action": "later", "title": "Later"}],
    }


def one_by_one(push: RemotePush, private_key: str, sample: int) -> tuple[float, dict]:
    """Seconds for a plain loop of webpush() calls over `sample` devices; the push service's tally."""
    from pywebpush import webpush

    devices = push.ask("subscribe", sample)
    data = json.dumps(sample_message(), separators=(",", ":"))
    start = time.perf_counter()
    for n, device in enumerate(devices):
        webpush(
            subscription_info={
                "endpoint": device.endpoint,
                "keys": {"p256dh": device.p256dh, "auth": device.auth},
            },
            data=data,
            vapid_private_key=private_key,
            vapid_claims={"sub": SUBJECT},
            ttl=7200,
            headers={"Topic": f"occurrence{n}", "Urgency": "normal"},
            timeout=10,
        )
    return time.perf_counter() - start, push.ask("tally")


def crypto_floor(push: RemotePush, count: int = 10_000) -> float:
    """CPU milliseconds per message to encrypt the same payload `count` times for one device."""
    from pywebpush import WebPusher

    [device] = push.ask("subscribe", 1)
    data = json.dumps(sample_message(), separators=(",", ":")).encode()
    pusher = WebPusher({"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}})
    start = time.process_time()
    for _ in range(count):
        pusher.encode(data, "aes128gcm")
    return (time.process_time() - start) * 1000 / count


def build_app(uri: str, engine_options: dict, instance: str, keys: tuple[str, str], origin: str):
    from webapp import create_app
    from webapp.extensions import db

    private, public = keys
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "RATELIMIT_STORAGE_URI": "memory://",
            "VAPID_PRIVATE_KEY": private,
            "VAPID_PUBLIC_KEY": public,
            "VAPID_SUBJECT": SUBJECT,
            "PUSH_ALLOWED_HOSTS": (origin,),
        },
        instance_path=instance,
    )
    with app.app_context():
        db.create_all()
    return app


def sender_process(build: tuple, concurrency: int, start_at: float, results) -> None:
    """One sender process (as `flask reminders run` is one): a `send_due` pass from `start_at`
    (wall clock) on, reporting its start, end, CPU seconds and messages sent."""
    from webapp.extensions import db
    from webapp.reminders.sender import send_due

    app = build_app(*build)
    with app.app_context():
        time.sleep(max(0.0, start_at - time.time()))  # every sender starts at the same moment
        started, cpu = time.time(), time.process_time()
        result = send_due(datetime.now(UTC), concurrency=concurrency)
        results.put((started, time.time(), time.process_time() - cpu, result.sent))
        db.session.remove()
        db.engine.dispose()


def run_sender(
    app, push: RemotePush, users: int, concurrency: int, senders: int = 1, build: tuple = ()
) -> tuple[float, float, object, dict]:
    """Seconds (wall clock, then the senders' CPU) for one `send_due` pass over `users` reminders
    due in the same minute, by one sender in this process or by `senders` processes sharing the
    outbox; its result (the messages sent); the push service's tally."""
    from tests.test_reminder_senders import seed_due_reminders
    from webapp.extensions import db
    from webapp.reminders.sender import PassResult, send_due

    devices = push.ask("subscribe", users)
    with app.app_context():
        seed_due_reminders(devices, datetime.now(UTC))
        if senders == 1:
            start, cpu = time.perf_counter(), time.process_time()
            result = send_due(datetime.now(UTC), concurrency=concurrency)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        db.session.remove()
        db.engine.dispose()
    if senders > 1:
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        start_at = time.time() + 5  # after every process has imported the app
        processes = [
            context.Process(target=sender_process, args=(build, concurrency, start_at, results))
            for _ in range(senders)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=600) for _ in processes]
        for process in processes:
            process.join(timeout=60)
        elapsed = max(end for _, end, _, _ in reports) - min(start for start, _, _, _ in reports)
        cpu = sum(used for _, _, used, _ in reports)
        result = PassResult()
        result.sent = sum(sent for *_, sent in reports)
    return elapsed, cpu, result, push.ask("tally")


def postgres_schema() -> str:
    schema = f"rebound_fanout_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 3})
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema


def drop_schema(schema: str) -> None:
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=10_000, help="users, one device each (default 10000)")
    parser.add_argument(
        "--sample", type=int, default=200, help="messages in the one-by-one loop (default 200)"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at TEST_DATABASE_URL, not SQLite")
    parser.add_argument(
        "--concurrency", default="", help="pushes in flight per sender, e.g. 16,32,64 (default: the sender's)"
    )
    parser.add_argument(
        "--senders", type=int, default=1, help="sender processes sharing the outbox (default 1)"
    )
    args = parser.parse_args(argv)
    os.environ.pop("DATABASE_URL", None)  # the benchmark chooses its database

    from tests.pushservice import generate_vapid_keys
    from webapp.reminders.sender import CONCURRENCY

    counts = [int(n) for n in args.concurrency.split(",") if n.strip()] or [CONCURRENCY]
    keys = generate_vapid_keys()
    started = time.perf_counter()
    push = RemotePush(keys[1], ANSWER_DELAY)
    print(f"push service at {push.origin} (own process), every answer after {ANSWER_DELAY * 1000:.0f} ms")
    try:
        loop_seconds, tally = one_by_one(push, keys[0], args.sample)
        loop_rate = args.sample / loop_seconds
        print(
            f"one-by-one webpush() loop: {args.sample} messages in {loop_seconds:.1f} s = {loop_rate:.1f}/s"
            f" (push service received {tally['received']}, rejected {tally['rejected']})"
        )
        floor = crypto_floor(push)
        print(
            f"crypto floor: the same payload encrypted 10,000 times in one process, {floor:.3f} ms CPU each"
            " (pywebpush)"
        )
        backend = "postgresql" if args.postgres else "sqlite"
        for concurrency in counts:
            with tempfile.TemporaryDirectory(prefix="rebound-fanout-") as tmp:
                schema = None
                if args.postgres:
                    schema = postgres_schema()
                    url = make_url(TEST_DATABASE_URL).render_as_string(hide_password=False)
                    options = {"connect_args": {"options": f"-csearch_path={schema}"}}
                else:
                    url = f"sqlite:///{Path(tmp) / 'fanout.sqlite3'}"
                    options = {"connect_args": {"timeout": 15}}
                try:
                    build = (url, options, str(Path(tmp) / "instance"), keys, push.origin)
                    app = build_app(*build)
                    seconds, cpu, result, tally = run_sender(
                        app, push, args.users, concurrency, args.senders, build
                    )
                finally:
                    if schema:
                        drop_schema(schema)
            rate = args.users / seconds
            ratio = rate / loop_rate
            verdict = "PASS" if ratio >= AIM else "MISS"
            once = tally["received"] == tally["devices"] == tally["topics"] == args.users
            print(
                f"sender (send_due, {args.senders} process{'es' if args.senders > 1 else ''} x "
                f"{concurrency} in flight, {backend}): {result.sent:,} sent"
                f" in {seconds:.1f} s = {rate:.0f}/s; {ratio:.1f}x the loop (aim >= {AIM:g}x: {verdict})"
            )
            per_message = cpu / args.users * 1000
            print(
                f"  rate aim >= {RATE_AIM}/s: {'PASS' if rate >= RATE_AIM else 'MISS'};"
                f" sender CPU: {cpu:.1f} s,"
                f" {per_message:.2f} ms per notification = {per_message / floor:.1f}x the crypto floor"
                f" (aim <= {CPU_AIM_MS:g} ms: {'PASS' if per_message <= CPU_AIM_MS else 'MISS'})"
            )
            print(
                f"  push service: received {tally['received']:,} verified and decrypted"
                f" ({'each device once' if once else 'NOT each device once'}), rejected {tally['rejected']}"
            )
    finally:
        push.stop()
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
