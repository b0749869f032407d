"""With PAGECACHE_URL, gunicorn's workers share what /today and /progress computed through Redis
(webapp/sharedcache.py): a worker meeting a user first reads what another computed, a write on
one shows at once on the other, one user's entries never reach another, deleting an account
deletes its entries, and Redis down or an entry tampered with leaves every page as it was.

Two apps on one SQLite file and one Redis database stand for two workers. Redis database 12 (the
deployment test uses 13, bench/load.py 11), under a prefix of each run's own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from tests.conftest import PASSWORD, TEST_SECRET, Clock, person, register, statements_naming, submit
from tests.test_setbacks import api, setback_body
from webapp import create_app
from webapp.extensions import db
from webapp.progress.blocks import PAGE

REDIS_URL = "redis://127.0.0.1:6379/12"
ROOT = Path(__file__).resolve().parent.parent


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        return f"Redis not reachable at {REDIS_URL}: {type(error).__name__}"
    return None


@pytest.fixture
def prefix():
    if problem := _redis_problem():
        from tests.conftest import unavailable

        unavailable(problem, "REQUIRE_REDIS")
    prefix = f"test-pagecache-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for name in client.scan_iter(match=f"{prefix}:*"):
        client.delete(name)


def worker(database: Path, prefix: str, url: str = REDIS_URL, clock: Clock | None = None):
    """An app as one gunicorn worker would have it: the same database, Redis and secret key."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 15}},
            "RATELIMIT_STORAGE_URI": "memory://",
            "PAGECACHE_URL": url,
            "PAGECACHE_PREFIX": prefix,
        },
        instance_path=str(database.parent / "instance"),
    )
    with app.app_context():
        db.create_all()
    app.config["CLOCK"] = clock or Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    return app


@pytest.fixture
def workers(tmp_path, prefix):
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    database = tmp_path / "shared.sqlite3"
    return worker(database, prefix, clock=clock), worker(database, prefix, clock=clock)


def sign_in(client, email: str = "ana@example.com"):
    response = submit(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def body(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, f"GET {path} gave {response.status_code}"
    # The per-session token and per-response nonce aside, the page is what it shows.
    return re.sub(
        r'(csrf-token" content|nonce|name="csrf_token" value|name="form_id" value)="[^"]*"',
        "",
        (response.get_data(as_text=True)),
    )


class Renders:
    """The blocks of /progress one app renders (each block render makes a template context)."""

    def __init__(self, app, monkeypatch):
        self.count = 0
        with app.app_context():
            template = app.jinja_env.get_template(PAGE)
        new_context = template.new_context

        def counted(*args, **kwargs):
            self.count += 1
            return new_context(*args, **kwargs)

        monkeypatch.setattr(template, "new_context", counted)


def test_what_one_worker_computed_the_other_reads_without_computing_it(workers, monkeypatch):
    first, second = workers
    ana = first.test_client()
    assert register(ana).status_code == 302
    assert api(ana, setback_body()).status_code == 201
    on_first = body(ana, "/progress"), body(ana, "/today")

    again = second.test_client()
    sign_in(again)
    renders = Renders(second, monkeypatch)
    with statements_naming(second, "schedule_version") as plan_reads:
        on_second = body(again, "/progress"), body(again, "/today")
    assert on_second == on_first
    assert renders.count == 0 and plan_reads == []


def test_a_write_on_one_worker_shows_at_once_on_the_other(workers):
    first, second = workers
    ana, again = first.test_client(), second.test_client()
    assert register(ana).status_code == 302
    sign_in(again)
    assert "Last 90 days:" not in body(again, "/progress") and "Last 90 days:" not in body(ana, "/progress")
    assert api(ana, setback_body()).status_code == 201
    assert "Last 90 days: 1 setback logged" in body(again, "/progress")
    assert api(again, setback_body()).status_code == 201
    assert "Last 90 days: 2 setbacks logged" in body(ana, "/progress")


def test_one_users_entries_never_reach_another(workers):
    first, second = workers
    marker = f"MARKER{uuid.uuid4().hex[:8]}"
    ana = first.test_client()
    assert register(ana).status_code == 302
    ben = first.test_client()
    assert register(ben, email="ben@example.com", zone="America/New_York").status_code == 302
    token = ana.get("/api/csrf").get_json()["csrf_token"]
    moment = "2026-03-02T09:00:00+00:00"
    for routine, data in (
        ("morning", {"intention": f"Call {marker} first", "affirmation_ids": []}),
        ("reflect", {"went_well": marker, "small_win": f"Booked {marker}", "mood": 4}),
    ):
        written = {"id": str(uuid.uuid4()), "routine": routine, "completed_at": moment, "data": data}
        assert ana.post("/api/completions", json=written, headers={"X-CSRFToken": token}).status_code == 201
    setback = setback_body(what_happened=f"{marker} said no", follow_up_on="2026-03-02")
    assert api(ana, setback).status_code == 201
    assert marker in body(ana, "/today") and marker in body(ana, "/progress")
    # Ben, through the other worker, on every page he can reach, each routine's /progress too.
    ben_again = second.test_client()
    sign_in(ben_again, "ben@example.com")
    paths = [
        rule.rule for rule in second.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments
    ]
    paths += [f"/progress?routine={routine}" for routine in ("morning", "breathe", "reflect", "goals")]
    for path in paths:
        if path == "/logout":
            continue
        assert marker.encode() not in ben_again.get(path).get_data(), path
    assert "Booked" not in body(ben_again, "/progress")


def test_deleting_an_account_deletes_its_shared_entries_at_once(workers, prefix):
    first, _second = workers
    ana = first.test_client()
    assert register(ana).status_code == 302
    body(ana, "/today"), body(ana, "/progress")
    ana_id = person(first, "ana@example.com").id
    store = redis.Redis.from_url(REDIS_URL)
    assert list(store.scan_iter(match=f"{prefix}:{ana_id}:*"))
    assert submit(ana, "/account/delete", {"password": PASSWORD}, page="/account").status_code == 302
    assert list(store.scan_iter(match=f"{prefix}:{ana_id}:*")) == []


def test_with_redis_down_every_page_is_computed_and_redis_not_asked_again_for_a_while(
    tmp_path, prefix, caplog
):
    # A port nothing listens on: the connection is refused at once.
    down = worker(tmp_path / "down.sqlite3", prefix, url="redis://127.0.0.1:9/0")
    ana = down.test_client()
    assert register(ana).status_code == 302
    assert api(ana, setback_body()).status_code == 201
    assert "Last 90 days: 1 setback logged" in body(ana, "/progress")
    assert "Monday 2 March" in body(ana, "/today")
    shared = down.extensions["pagecache_shared"]
    assert shared.down_until > 0
    asked = []
    shared.client.hmget = lambda *args: asked.append(args)
    down.extensions.pop("pagecache", None)  # this process's entries gone: only Redis could answer
    assert "Last 90 days: 1 setback logged" in body(ana, "/progress")
    assert asked == []
    assert len([record for record in caplog.records if "Redis failed" in record.getMessage()]) == 1


def test_an_entry_with_a_bad_signature_is_a_miss(workers, prefix):
    first, second = workers
    ana = first.test_client()
    assert register(ana).status_code == 302
    assert api(ana, setback_body()).status_code == 201
    shown = body(ana, "/progress"), body(ana, "/today")
    store = redis.Redis.from_url(REDIS_URL)
    for name in store.scan_iter(match=f"{prefix}:*"):
        for field, value in store.hgetall(name).items():
            store.hset(name, field, value[:-1] + bytes([value[-1] ^ 1]))
    again = second.test_client()
    sign_in(again)
    assert (body(again, "/progress"), body(again, "/today")) == shown


def test_a_key_names_the_same_field_in_every_process():
    # Another process hashes strings and dates with another seed: sets iterate in another order.
    script = (
        "from datetime import date; from webapp.sharedcache import canonical_bytes;"
        "from webapp.progress.blocks import frozen; from webapp.progress.views import _day_with_year;"
        "import hashlib, sys;"
        "key = ('k', frozenset({'a', 'b', 'c', 'd'}), frozenset(date(2026, 1, d) for d in range(1, 30)),"
        " {'x': frozenset({('a', 1), ('b', 2)})}, _day_with_year);"
        "shown = repr(frozen({'days': {date(2026, 1, d) for d in range(1, 30)}, 'f': _day_with_year,"
        " 'names': frozenset('abcdefgh')}));"
        "sys.stdout.write(hashlib.sha256(canonical_bytes(key) + shown.encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
