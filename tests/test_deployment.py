"""The scaled deployment, for real: two gunicorn `web` processes and two reminder `worker`s on one
PostgreSQL schema and one Redis, configured from the environment exactly as the Procfile runs them.

Traffic goes through both web processes over HTTP: a session made on one is good on the other,
sign-in limits per address are counted in Redis whichever process answers, every due reminder
reaches its device once however the two workers race, and a web process killed with SIGKILL in
the middle of a burst of completions loses none that it acknowledged; the phone's replay of the
rest through the other process stores each exactly once.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import create_engine, func, make_url, text

from tests.conftest import PASSWORD, POSTGRES_PROBLEM, TEST_DATABASE_URL, page_forms, unavailable
from tests.pushservice import PushService
from webapp import create_app
from webapp.auth.models import User
from webapp.config import new_vapid_key_pair
from webapp.extensions import db
from webapp.reminders.models import OutboxMessage, PushSubscription, SenderHeartbeat
from webapp.routines.models import EVERY_DAY, Completion, IdempotencyRecord, RoutineSetting, ScheduleVersion

# The tests that start processes of their own run one after another on one xdist worker
# (`--dist loadgroup`): side by side they would fight over the two cores and their timeouts.
pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("processes")]

ROOT = Path(__file__).resolve().parent.parent
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13
STARTUP = 45  # seconds a process may take to answer /healthz
INSERTED_USERS = 50


def _redis_problem() -> str | None:
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis not reachable at {REDIS_HOST}:{REDIS_PORT}: {type(error).__name__}"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def new_address() -> str:
    """A client address unique to this run (behind the 'router', it arrives as X-Forwarded-For)."""
    return f"10.{secrets.randbelow(254) + 1}.{secrets.randbelow(254) + 1}.{secrets.randbelow(254) + 1}"


@dataclass
class Process:
    """One Procfile process: its command, its log file and, while running, its Popen."""

    name: str
    command: list[str]
    log: Path
    popen: subprocess.Popen | None = None
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: dict[str, str]) -> Process:
        with self.log.open("ab") as log:
            # Its own process group: SIGKILL then takes the gunicorn master and its worker at once.
            self.popen = subprocess.Popen(
                self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def kill(self) -> None:
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def web_process(name: str, logs: Path, port: int | None = None) -> Process:
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}"]
    # Several gunicorns on one machine would otherwise share (and replace) one control socket.
    command.append("--no-control-socket")
    return Process(name, [*command, "webapp:create_app()"], logs / f"{name}.log", port=port)


def worker_process(name: str, logs: Path) -> Process:
    command = [sys.executable, "-m", "flask", "--app", "webapp", "reminders", "run"]
    return Process(name, command, logs / f"{name}.log")


def wait_until_healthy(web: Process) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if web.popen.poll() is not None:
            pytest.fail(f"{web.name} exited with {web.popen.returncode}:\n{web.tail()}")
        try:
            if httpx.get(f"{web.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # only waiting for a subprocess to come up
    pytest.fail(f"{web.name} did not answer /healthz within {STARTUP} s:\n{web.tail()}")


@dataclass
class Deployment:
    app: object  # the test's own view of the database (Flask app on the same schema)
    push: PushService
    env: dict[str, str]
    logs: Path
    web: dict[str, Process]
    workers: list[Process] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    phones: list = field(default_factory=list)

    def address(self) -> str:
        address = new_address()
        self.addresses.append(address)
        return address

    def start_workers(self, count: int = 2) -> None:
        while len(self.workers) < count:
            self.workers.append(worker_process(f"worker{len(self.workers) + 1}", self.logs).start(self.env))

    def restart(self, name: str) -> None:
        old = self.web[name]
        old.stop()
        self.web[name] = web_process(name, self.logs, port=old.port).start(self.env)
        wait_until_healthy(self.web[name])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if POSTGRES_PROBLEM:
        unavailable(POSTGRES_PROBLEM, "REQUIRE_POSTGRES")
    if problem := _redis_problem():
        unavailable(problem, "REQUIRE_REDIS")
    root = tmp_path_factory.mktemp("deployment")
    schema = f"deploy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url = url.render_as_string(hide_password=False)
    private, public = new_vapid_key_pair()
    push = PushService(vapid_public_key=public).start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "VAPID_PUBLIC_KEY": public,
        "VAPID_PRIVATE_KEY": private,
        "VAPID_SUBJECT": "mailto:ops@rebound.example",
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        # The page caches shared through Redis, as the README's deployment has them.
        "PAGECACHE_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        "PUSH_ALLOWED_HOSTS": push.origin,
        "TRUSTED_PROXY_COUNT": "1",
        "PYTHONUNBUFFERED": "1",
    }
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "SECRET_KEY": env["SECRET_KEY"],
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        instance_path=str(root / "instance"),
    )
    with app.app_context():
        db.create_all()
    running = Deployment(app, push, env, root, {})
    try:
        for name in ("a", "b"):
            running.web[name] = web_process(name, root).start(env)
        for web in running.web.values():
            wait_until_healthy(web)
        yield running
    finally:
        for process in [*running.web.values(), *running.workers]:
            process.stop()
        push.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        limits = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=2)
        for address in running.addresses:
            for key in limits.scan_iter(match=f"*{address}*"):
                limits.delete(key)
        for key in limits.scan_iter(match="rebound:pagecache:*"):
            limits.delete(key)


@pytest.fixture(autouse=True)
def _close_phones(deployment):
    yield
    while deployment.phones:
        deployment.phones.pop().http.close()


class Phone:
    """One person's browser: a cookie jar, an address, and whichever web process it reaches."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.address = deployment.address()
        self.http = httpx.Client(timeout=20, headers={"X-Forwarded-For": self.address})
        deployment.phones.append(self)

    def url(self, web: str, path: str) -> str:
        return self.deployment.web[web].url + path

    def get(self, web: str, path: str) -> httpx.Response:
        return self.http.get(self.url(web, path))

    def submit(self, web: str, action: str, data: dict) -> httpx.Response:
        """Fill in the form on `action`'s page like a browser (hidden CSRF and form_id) and send it."""
        page = self.get(web, action)
        assert page.status_code == 200, page.text
        [form] = [f for f in page_forms(page.text) if f["action"].split("?")[0] == action]
        return self.http.post(self.url(web, action), data={**form["fields"], **data})

    def csrf(self, web: str) -> str:
        return self.get(web, "/api/csrf").json()["csrf_token"]

    def api(self, web: str, method: str, path: str, body: dict, token: str) -> httpx.Response:
        return self.http.request(method, self.url(web, path), json=body, headers={"X-CSRFToken": token})


def registered(deployment: Deployment, web: str, email: str) -> Phone:
    phone = Phone(deployment)
    response = phone.submit(web, "/register", {"email": email, "password": PASSWORD, "time_zone": "UTC"})
    assert response.status_code == 302, response.text
    return phone


def breathe_days_done(page: str) -> int:
    """The breathing routine's "Days done" on /progress (none before its first day)."""
    card = page.split('id="streak-breathe"', 1)[1].split("</li>", 1)[0]
    found = re.search(r'data-figure="total">(\d+)<', card)
    return int(found.group(1)) if found else 0


def test_a_session_made_on_one_web_process_works_on_the_other(deployment):
    phone = registered(deployment, "a", "ana@rebound.example")
    assert phone.get("a", "/today").status_code == 200
    assert phone.get("b", "/today").status_code == 200
    # Both processes (and the shared page cache) have seen the page before the write.
    for web in ("a", "b"):
        assert breathe_days_done(phone.get(web, "/progress").text) == 0

    # A write through B with the CSRF token A issued, read back through A.
    done = phone.api(
        "b",
        "POST",
        "/api/completions",
        {
            "id": str(uuid.uuid4()),
            "routine": "breathe",
            "completed_at": datetime.now(UTC).isoformat(),
            "data": {"pattern": "box", "seconds": 60},
        },
        phone.csrf("a"),
    )
    assert done.status_code == 201, done.text
    for web in ("a", "b"):
        assert breathe_days_done(phone.get(web, "/progress").text) == 1

    # Signing in on B (a fresh browser) gives a session A accepts.
    laptop = Phone(deployment)
    response = laptop.submit("b", "/login", {"email": "ana@rebound.example", "password": PASSWORD})
    assert response.status_code == 302, response.text
    assert laptop.get("a", "/today").status_code == 200
    assert laptop.get("a", "/api/csrf").json()["user_id"] == phone.get("b", "/api/csrf").json()["user_id"]

    stranger = Phone(deployment)
    assert stranger.get("b", "/today").status_code == 302
    assert stranger.get("a", "/api/csrf").status_code == 401


def test_sign_in_limits_are_shared_by_every_web_process(deployment):
    attacker, neighbour = Phone(deployment), Phone(deployment)
    # A different address that has no account each time: the per-account slow-down (which counts
    # unknown addresses too) never steps in, so any 429 is the per-address limit.
    emails = (f"nobody{n}-{uuid.uuid4().hex[:6]}@rebound.example" for n in range(20))

    def guess() -> dict:
        return {"email": next(emails), "password": "wrong password"}

    statuses = [attacker.submit("ab"[n % 2], "/login", guess()).status_code for n in range(10)]
    assert statuses == [401] * 10
    for web in ("a", "b"):
        refused = attacker.submit(web, "/login", guess())
        assert refused.status_code == 429, f"web {web}: {refused.status_code}"
        assert "Too many tries" in refused.text
    assert neighbour.submit("b", "/login", guess()).status_code == 401
    assert neighbour.submit("a", "/login", guess()).status_code == 401


def _insert_users_due_now(app, push: PushService, count: int, fire_at: datetime) -> dict[int, object]:
    """`count` accounts (as registering would have made them) with one device each and a morning
    reminder that fell due at `fire_at`; {user id: device}."""
    devices = {}
    with app.app_context():
        users = [
            User(
                email=f"seller{n}@rebound.example",
                password_hash="unused",
                time_zone="UTC",
                created_at=fire_at,
            )
            for n in range(count)
        ]
        db.session.add_all(users)
        db.session.flush()
        for user in users:
            device = push.new_subscription()
            devices[user.id] = device
            db.session.add_all(
                [
                    ScheduleVersion(
                        user_id=user.id,
                        routine="morning",
                        effective_from=date(2020, 1, 1),
                        weekdays_mask=EVERY_DAY,
                        created_at=fire_at,
                    ),
                    RoutineSetting(
                        user_id=user.id,
                        routine="morning",
                        reminder_time=fire_at.time(),
                        reminder_on=True,
                        next_fire_at=fire_at,
                        next_local_day=fire_at.date(),
                    ),
                    PushSubscription(
                        user_id=user.id,
                        endpoint=device.endpoint,
                        p256dh=device.p256dh,
                        auth=device.auth,
                        browser="Test",
                        created_at=fire_at,
                        last_seen_at=fire_at,
                    ),
                ]
            )
        db.session.commit()
    return devices


def _make_due(app, user_id: int, routine: str, fire_at: datetime) -> None:
    with app.app_context():
        db.session.execute(
            db.update(ScheduleVersion)
            .filter_by(user_id=user_id, routine=routine)
            .values(weekdays_mask=EVERY_DAY)
        )
        db.session.execute(
            db.update(RoutineSetting)
            .filter_by(user_id=user_id, routine=routine)
            .values(reminder_on=True, next_fire_at=fire_at, next_local_day=fire_at.date())
        )
        db.session.commit()


def _outbox(app) -> Counter:
    with app.app_context():
        statuses = Counter(db.session.scalars(db.select(OutboxMessage.status)).all())
        due = db.session.scalar(
            db.select(func.count(RoutineSetting.id)).where(
                RoutineSetting.reminder_on.is_(True), RoutineSetting.next_fire_at <= datetime.now(UTC)
            )
        )
        db.session.commit()
    return statuses + Counter({"due settings": due})


def test_two_workers_show_every_due_reminder_exactly_once(deployment):
    app, push = deployment.app, deployment.push
    fire_at = (datetime.now(UTC) - timedelta(minutes=1)).replace(second=0, microsecond=0)
    phone = registered(deployment, "b", "dee@rebound.example")
    mine = push.new_subscription()
    subscribed = phone.api("a", "POST", "/api/push/subscriptions", mine.as_json(), phone.csrf("b"))
    assert subscribed.status_code == 201, subscribed.text
    user_id = phone.get("a", "/api/csrf").json()["user_id"]
    _make_due(app, user_id, "morning", fire_at)
    devices = {user_id: mine, **_insert_users_due_now(app, push, INSERTED_USERS, fire_at)}
    expected = len(devices)

    deployment.start_workers(2)
    assert push.wait_for(expected, timeout=40), (
        f"{len(push.received)} of {expected} delivered; {_outbox(app)}\n"
        + "\n".join(w.tail() for w in deployment.workers)
    )
    # Both workers have finished their passes: nothing left leased or pending, nothing due.
    deadline = time.monotonic() + 20
    while (statuses := _outbox(app)) != Counter({"sent": expected}) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert statuses == Counter({"sent": expected})

    assert push.rejected == []
    topics = {uid: Counter(m.topic for m in push.messages_for(device)) for uid, device in devices.items()}
    assert [uid for uid, got in topics.items() if not got] == [], "none missing"
    assert {uid: got for uid, got in topics.items() if got.total() > 1} == {}, "none twice"
    assert len(push.received) == expected
    assert len({m.topic for m in push.received}) == expected, "one occurrence per user"
    # Each worker records its heartbeat at the end of a pass; the one that found nothing left to
    # claim may still be finishing its first.
    deadline = time.monotonic() + 20
    while len(senders := _heartbeats(app)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(senders) == 2, f"both workers made a pass: {senders}"


def _heartbeats(app) -> list[str]:
    with app.app_context():
        names = db.session.scalars(db.select(SenderHeartbeat.name)).all()
        db.session.commit()
    return names


def _writes(days: int = 7) -> list[dict]:
    """One completion per routine and day of the last week: each its own row in the database."""
    now = datetime.now(UTC)
    data = {
        "morning": {"intention": "Ask one more question on every call"},
        "breathe": {"pattern": "box", "seconds": 60},
        "reflect": {"went_well": "Booked a demo", "learned": "Budget comes up late", "mood": 4},
        "goals": {"progress": {}},
    }
    return [
        {
            "id": str(uuid.uuid4()),
            "routine": routine,
            "completed_at": (now - timedelta(days=back)).isoformat(),
            "data": data[routine],
        }
        for back in range(days)
        for routine in data
    ]


def test_a_web_process_killed_mid_request_loses_nothing_it_acknowledged(deployment):
    app = deployment.app
    phones = [registered(deployment, "b", f"seller-{n}@fault.example") for n in range(3)]
    work = [(phone, phone.csrf("a"), write) for phone in phones for write in _writes()]
    acknowledged: dict[str, dict] = {}
    # 201 means "applied now"; a replay of an applied write is answered 200 with the stored answer.
    # Exactly once is counted here, in the answers, not in rows that unique keys cap at one.
    applied: Counter = Counter()
    lock = threading.Condition()

    def send(item):
        phone, token, write = item
        try:
            response = phone.api("a", "POST", "/api/completions", write, token)
        except httpx.TransportError:
            return
        if response.status_code in (200, 201) and response.json().get("id") == write["id"]:
            with lock:
                acknowledged[write["id"]] = response.json()
                applied[write["id"]] += response.status_code == 201
                lock.notify_all()

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        futures = [pool.submit(send, item) for item in work]
        with lock:
            assert lock.wait_for(lambda: len(acknowledged) >= 10, timeout=30), "web A never got going"
        deployment.web["a"].kill()
        for future in futures:
            future.result()
    assert deployment.web["a"].popen.returncode == -signal.SIGKILL
    unacknowledged = [(phone, write) for phone, _, write in work if write["id"] not in acknowledged]
    assert 10 <= len(acknowledged) < len(work) and unacknowledged, "killed midway"

    with app.app_context():
        stored = Counter(db.session.scalars(db.select(IdempotencyRecord.client_id)).all())
        days = {c.client_id: c.local_day.isoformat() for c in db.session.scalars(db.select(Completion))}
        db.session.commit()
    for client_id, answer in acknowledged.items():
        assert stored[client_id] == 1 and days[client_id] == answer["local_day"], client_id

    # The phone's queue replays what got no answer, through the process still up: each once.
    for phone, write in unacknowledged:
        response = phone.api("b", "POST", "/api/completions", write, phone.csrf("b"))
        assert response.status_code in (200, 201) and response.json()["id"] == write["id"], response.text
        applied[write["id"]] += response.status_code == 201
    deployment.restart("a")
    # A second replay of everything, through the restarted A, changes nothing.
    for phone, token, write in work:
        again = phone.api("a", "POST", "/api/completions", write, token)
        assert again.status_code == 200 and again.json()["id"] == write["id"], again.text

    ids = {write["id"] for _, _, write in work}
    with app.app_context():
        records = Counter(
            db.session.scalars(
                db.select(IdempotencyRecord.client_id).where(IdempotencyRecord.client_id.in_(ids))
            )
        )
        completions = Counter(
            db.session.scalars(db.select(Completion.client_id).where(Completion.client_id.in_(ids)))
        )
        db.session.commit()
    assert records == Counter(ids) and completions == Counter(ids), "every completion stored"
    # A write A applied but never answered (killed first) is answered 200 on its replay: 0 counted.
    assert set(applied.values()) <= {0, 1} and sum(applied.values()) >= 10, "no write applied twice"
