"""How much slower are /today and /progress than an empty page, for someone with three years of history?

    .venv/bin/python bench/pages.py [--requests 200] [--days 1095]

Builds the app on a temporary SQLite file (and on PostgreSQL too when TEST_DATABASE_URL, or the
local default, answers: in a private schema it creates and drops), seeds one user with three
years of practice (the demo's rhythm over four routines, 1,000 setbacks, 1,000 reflections),
signs in with Flask's test client and times each page in-process: the server's time per request,
with no network in between. Every request sends `Accept-Encoding: br, gzip`, as a phone does, so
compression is part of what is measured.

The baseline is /help while signed in: the base layout with the tab bar and none of the user's
data. It is compared in turn with a bare Flask route on the same app that loads the same session
(Flask-Login's user from the signed cookie, through the app's own loader) and answers a few
bytes: what any signed-in request costs before a page does anything. All are measured in the same
run, interleaved, so that they see the same machine. Aims (issue 17): /help within 3x the bare
route, /today within 1.5x /help, /progress within 3x /help. Exits 0 whatever the result: it's a
benchmark, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.clock import utcnow  # noqa: E402
from webapp.extensions import db  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
EMAIL = "bench@rebound.example"
PASSWORD = "bench password, not secret"
BASELINE = "/help"
# A route added to the benchmark's app only: the signed-in user loaded, a few bytes answered.
BARE = "/bare"
BARE_AIM = 3.0  # /help within 3x the bare route
# (page, the blueprint that serves it, the aim as a multiple of the baseline median)
# /progress includes the insights (a year of evenings); /api/insights is the same work on its own.
PAGES = (("/today", "routines", 1.5), ("/progress", "progress", 3.0), ("/api/insights", "insights", 2.0))
# What a phone sends: compression is part of every page's cost.
HEADERS = {"Accept-Encoding": "br, gzip"}
YEARS_OF_DAYS = 3 * 365
SETBACKS = 1000
REFLECTIONS = 1000
WARMUP = 10


@dataclass(frozen=True)
class Row:
    page: str
    median_ms: float | None
    p95_ms: float | None
    aim: float | None  # None for the baseline
    note: str = ""

    def ratio(self, baseline_median: float) -> float | None:
        return None if self.median_ms is None else self.median_ms / baseline_median


def build_app(uri: str, engine_options: dict, instance_path: str):
    """The app on the given database, with its tables made."""
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        instance_path=instance_path,
    )
    with app.app_context():
        db.create_all()
    return app


def bare_app(app):
    """A bare Flask app on the same database and secret key whose one route, BARE, loads the
    same session: the signed cookie read, the sign-in and its user fetched in one SQL query,
    a few bytes answered. No extensions, no templates, no ORM."""
    import flask
    from sqlalchemy import bindparam, select

    bare = flask.Flask("bare")
    bare.secret_key = app.secret_key
    bare.session_interface = app.session_interface
    with app.app_context():
        engine = db.engine
        sign_in, user = db.metadata.tables["sign_in_session"], db.metadata.tables["user"]
    query = (
        select(user.c.id, user.c.email, sign_in.c.secret_sha256, sign_in.c.expires_at)
        .join_from(sign_in, user, user.c.id == sign_in.c.user_id)
        .where(sign_in.c.id == bindparam("id"))
    )

    @bare.get(BARE)
    def bench_bare():
        sign_in_id = int(flask.session["_user_id"].split(":", 1)[0])
        with engine.connect() as connection:
            row = connection.execute(query, {"id": sign_in_id}).first()
        return f"ok {row[0]}"

    return bare


def seed_user(
    app,
    days: int = YEARS_OF_DAYS,
    setbacks: int = SETBACKS,
    reflections: int = REFLECTIONS,
    email: str = EMAIL,
    seed: int = 7,
):
    """One account with `days` days of history (the demo's seeding); returns its Summary."""
    from webapp.demo import DEFAULT_ZONE, make_account, seed_history

    with app.app_context():
        now = utcnow()
        user = make_account(email, PASSWORD, DEFAULT_ZONE, now, name="Bench")
        return seed_history(user, days, random.Random(seed), now, setbacks=setbacks, reflections=reflections)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden inputs of the form on a page that posts to `action` (its CSRF token)."""
    for form in re.finditer(r"<form\b[^>]*>.*?</form>", html, re.S):
        opening = re.match(r"<form\b[^>]*>", form.group(0)).group(0)
        target = re.search(r'action="([^"]*)"', opening)
        if target and target.group(1).split("?")[0] == action:
            inputs = re.findall(r"<input\b[^>]*>", form.group(0))
            fields = {}
            for tag in inputs:
                if 'type="hidden"' in tag:
                    name = re.search(r'name="([^"]+)"', tag)
                    value = re.search(r'value="([^"]*)"', tag)
                    if name:
                        fields[name.group(1)] = value.group(1) if value else ""
            return fields
    raise RuntimeError(f"no form posting to {action}")


def sign_in(client, email: str = EMAIL, password: str = PASSWORD) -> None:
    """Sign in through /login, as a browser would."""
    fields = hidden_fields(client.get("/login").get_data(as_text=True), "/login")
    response = client.post("/login", data={**fields, "email": email, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed with {response.status_code}")


def time_requests(clients: dict, paths: list[str], count: int, warmup: int = WARMUP) -> dict:
    """Milliseconds per GET for each path (sent by `clients[path]`, or `clients[None]`), `count`
    rounds after `warmup`, the paths interleaved."""
    for path in paths:
        client = clients.get(path, clients[None])
        for _ in range(warmup):
            response = client.get(path, headers=HEADERS)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} gave {response.status_code}")
    timings: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(count):
        for path in paths:
            client = clients.get(path, clients[None])
            start = time.perf_counter()
            response = client.get(path, headers=HEADERS)
            response.get_data()
            timings[path].append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} gave {response.status_code}")
    return timings


def median_of(call, count: int) -> float:
    """The median time of `count` calls of `call`, in milliseconds."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(app, count: int, warmup: int = WARMUP) -> list[Row]:
    """Sign in and time the baseline and each page that exists; a page not built yet is a row saying so."""
    return measure_with_bare(app, count, warmup)[0]


def measure_with_bare(app, count: int, warmup: int = WARMUP) -> tuple[list[Row], Row]:
    """`measure`'s rows, and the bare app's row, timed in the same interleaved rounds."""
    client = app.test_client()
    sign_in(client)
    # The bare app's client carries the same signed session cookie.
    bare_client = bare_app(app).test_client()
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    bare_client.set_cookie(cookie.key, cookie.value)
    built = [page for page, blueprint, _aim in PAGES if blueprint in app.blueprints]
    timings = time_requests({None: client, BARE: bare_client}, [BARE, BASELINE, *built], count, warmup)
    rows = [Row(BASELINE, statistics.median(timings[BASELINE]), p95(timings[BASELINE]), None)]
    bare = Row(BARE, statistics.median(timings[BARE]), p95(timings[BARE]), None, "bare")
    for page, _blueprint, aim in PAGES:
        if page in timings:
            rows.append(Row(page, statistics.median(timings[page]), p95(timings[page]), aim))
        else:
            rows.append(Row(page, None, None, aim, f"skipped: {page} not built yet"))
    return rows, bare


def table(rows: list[Row]) -> str:
    baseline = rows[0].median_ms
    width = max(len(row.page) for row in rows) + 2
    lines = [f"{'page':<{width}}{'median ms':>10}{'p95 ms':>9}{'ratio':>8}  aim"]
    for row in rows:
        if row.median_ms is None:
            lines.append(f"{row.page:<{width}}{row.note:>27}")
            continue
        ratio = row.ratio(baseline)
        if row.aim is None:
            aim = "baseline (signed in, no data)"
        else:
            aim = f"within {row.aim:g}x: {'PASS' if ratio <= row.aim else 'MISS'}"
        lines.append(f"{row.page:<{width}}{row.median_ms:>10.2f}{row.p95_ms:>9.2f}{ratio:>7.2f}x  {aim}")
    return "\n".join(lines)


def bare_line(baseline: Row, bare: Row) -> str:
    """The baseline against a bare Flask app that loads the same session (timed in the same rounds)."""
    against = baseline.median_ms / bare.median_ms
    verdict = "PASS" if against <= BARE_AIM else "MISS"
    return (
        f"{BARE} (a bare Flask app loading the same session, one SQL query): median {bare.median_ms:.2f} ms, "
        f"p95 {bare.p95_ms:.2f} ms; {baseline.page} is {against:.2f}x it (aim {BARE_AIM:g}x: {verdict})"
    )


def after_write_line(app, count: int) -> str:
    """/today and /progress as first seen after a write, against /help in the same rounds: before
    every timed request the account logs a setback (`POST /api/setbacks` with the 08:00 mix's
    body, untimed), as in bench/load.py's mix, where /progress follows a setback. What the pages
    keep per data version cannot be used; what they keep under their content can where the
    setback left it alone (on /progress: every block but the setbacks')."""
    client = app.test_client()
    sign_in(client)
    csrf = client.get("/api/csrf").get_json()["csrf_token"]
    with app.app_context():
        moment = utcnow()

    def write():
        # The mix's setback, dated by the app's clock (a test's clock may be anywhere).
        body = {
            "id": str(uuid.uuid4()),
            "occurred_at": moment.isoformat(),
            "what_happened": "Prospect said the timing is wrong",
            "objection": "timing",
            "controlled": "My follow-up plan",
            "learned": "Ask about their quarter earlier",
            "follow_up_on": (moment + timedelta(days=14)).date().isoformat(),
        }
        response = client.post("/api/setbacks", json=body, headers={"X-CSRFToken": csrf})
        if response.status_code not in (200, 201):
            raise RuntimeError(
                f"POST /api/setbacks gave {response.status_code}: {response.get_data(as_text=True)}"
            )

    times: dict[str, list[float]] = {BASELINE: [], "/today": [], "/progress": []}
    for round_ in range(count + WARMUP):
        for path in times:
            write()
            start = time.perf_counter()
            response = client.get(path, headers=HEADERS)
            response.get_data()
            if round_ >= WARMUP:
                times[path].append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} gave {response.status_code}")
    base = statistics.median(times[BASELINE])
    parts = [
        f"{path} {statistics.median(values):.2f} ms ({statistics.median(values) / base:.2f}x)"
        for path, values in times.items()
        if path != BASELINE
    ]
    return (
        f"first view after a write (a setback logged before each), against {BASELINE} {base:.2f} ms: "
        + "; ".join(parts)
    )


def insights_line(app, count: int) -> str:
    """What the insights found on this history and what they cost, in-process (medians of
    `count` calls): everything as /api/insights does it; as /progress does it (the schedules and
    done days it has already read are passed in); and the pure core alone on the same data."""
    if "insights" not in app.blueprints:
        return "insights: not built yet"
    from webapp.auth.models import User
    from webapp.insights import core
    from webapp.insights.data import _MOODS, _SETBACK_DAYS, WINDOW_DAYS, insights_for, window
    from webapp.routines.schedule import schedules_for
    from webapp.streaks.data import done_days_by_routine

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=EMAIL))
        today = user.local_day(utcnow())
        result = insights_for(user, today)
        schedules, done = schedules_for(user), done_days_by_routine(user.id)
        first, last = window(today)
        params = {"user_id": user.id, "first": first, "today": last}
        parse, connection = date.fromisoformat, db.session.connection()
        moods = {parse(day): mood for day, mood in connection.execute(_MOODS, params)}
        setback_days = frozenset(parse(day) for (day,) in connection.execute(_SETBACK_DAYS, params))
        expected = {
            routine: frozenset(day for day in moods if schedules[routine].is_expected(day))
            for routine in core.PRACTICE_ROUTINES
        }
        alone = median_of(lambda: insights_for(user, today), count)
        # /progress passes what it has read already, the year's moods included (its chart uses them).
        on_progress = median_of(lambda: insights_for(user, today, schedules, done, moods), count)
        yesterday = last - timedelta(days=1)
        core_only = median_of(
            lambda: core.find_insights(moods, done, expected, setback_days, yesterday), count
        )
    shown = ", ".join(finding.practice for finding in result.findings) or "none"
    tested = sum(1 for finding in result.comparisons if finding.tested)
    return (
        f"insights: {result.mood_days} evenings with a mood in the last {WINDOW_DAYS} days; "
        f"{tested} of {len(core.COMPARISONS)} comparisons tested; shown: {shown}\n"
        f"insights cost: {alone:.2f} ms alone (as /api/insights), {on_progress:.2f} ms inside /progress, "
        f"of which the pure core {core_only:.2f} ms"
    )


def write_path_line(app, count: int) -> str:
    """What `POST /api/completions` costs on this history (a day's breathing saved again: the
    done days unchanged), and the streak work of a new day's completion, resumed from the stored
    state against rebuilt from the whole history (each rolled back), medians of `count`."""
    import uuid as uuid_module
    from datetime import UTC, datetime

    from webapp.auth.models import User
    from webapp.derived import refresh_derived
    from webapp.routines.models import Completion

    client = app.test_client()
    sign_in(client)
    csrf = client.get("/api/csrf").get_json()["csrf_token"]
    moment = datetime.now(UTC).isoformat()

    def post():
        body = {"id": str(uuid_module.uuid4()), "routine": "breathe", "completed_at": moment}
        body["data"] = {"pattern": "box", "seconds": 60}
        response = client.post("/api/completions", json=body, headers={**HEADERS, "X-CSRFToken": csrf})
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/completions gave {response.status_code}")

    post()
    api = median_of(post, count)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=EMAIL))
        now = utcnow()
        # A day after the last completion of the routine: what tomorrow morning's first write does.
        last = db.session.scalar(db.select(db.func.max(Completion.local_day)).filter_by(user_id=user.id))
        added = last + timedelta(days=1)

        def write(resume: bool):
            db.session.add(
                Completion(
                    user_id=user.id,
                    client_id=str(uuid_module.uuid4()),
                    routine="morning",
                    local_day=added,
                    zone=user.time_zone,
                    completed_at=now,
                    data={},
                    created_at=now,
                )
            )
            refresh_derived(user, ["morning"], now, added if resume else None)
            db.session.rollback()

        resumed, rebuilt = median_of(lambda: write(True), count), median_of(lambda: write(False), count)
    return (
        f"write path: POST /api/completions (the day's breathing again) {api:.2f} ms; a new day's "
        f"completion with its streak and reminder, rolled back: resumed {resumed:.2f} ms, "
        f"rebuilt from the whole history {rebuilt:.2f} ms ({rebuilt / resumed:.1f}x)"
    )


def postgres_problem(url: str) -> str | None:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 — any failure means "not here"
        return f"{type(error).__name__}"
    return None


def run_backend(name: str, uri: str, options: dict, instance: str, args) -> None:
    app = build_app(uri, options, instance)
    start = time.perf_counter()
    summary = seed_user(app, days=args.days)
    seeded = time.perf_counter() - start
    print(
        f"\n{name}: one user, {args.days} days from {summary.first_day}: {summary.completions} completions, "
        f"{summary.reflections} reflections, {summary.setbacks} setbacks, {summary.goal_entries} goal "
        f"entries (seeded in {seeded:.1f} s); {args.requests} requests per page"
    )
    rows, bare = measure_with_bare(app, args.requests)
    print(table(rows))
    print(bare_line(rows[0], bare))
    print(after_write_line(app, max(20, args.requests // 4)))
    print(insights_line(app, args.requests))
    print(write_path_line(app, max(20, args.requests // 4)))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--days", type=int, default=YEARS_OF_DAYS, help="days of history (default 1095)")
    args = parser.parse_args(argv)
    # The benchmark chooses its own databases; a deployment's DATABASE_URL must not leak in.
    os.environ.pop("DATABASE_URL", None)
    ran, skipped = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rebound-bench-") as tmp:
        sqlite = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        run_backend("sqlite", sqlite, {"connect_args": {"timeout": 15}}, str(Path(tmp) / "sqlite"), args)
        ran.append("sqlite")

        problem = postgres_problem(TEST_DATABASE_URL)
        if problem:
            skipped.append(f"postgresql (not reachable at {TEST_DATABASE_URL}: {problem})")
        else:
            schema = f"rebound_bench_{uuid.uuid4().hex[:12]}"
            admin = create_engine(TEST_DATABASE_URL)
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                options = {"connect_args": {"options": f"-csearch_path={schema}"}}
                run_backend("postgresql", TEST_DATABASE_URL, options, str(Path(tmp) / "postgresql"), args)
                ran.append("postgresql")
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    print(f"\nbackends run: {', '.join(ran)}" + (f"; skipped: {', '.join(skipped)}" if skipped else ""))
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
