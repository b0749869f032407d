"""Where does one request's time go? cProfile over repeated in-process requests.

    .venv/bin/python bench/profile_request.py [PATH ...] [--requests 100] [--days 1095] [--postgres]
                                              [--timed-only] [--sql] [--cpu] [--dump PREFIX] [--cold]
                                              [--shared-cache redis://127.0.0.1:6379/11]

Seeds the same account as bench/pages.py (three years of history), signs in, sends each PATH
(default: /help /today /progress) `--requests` times with `Accept-Encoding: br, gzip`, and
prints per request: the SQL statements and commits, then the functions with the most time of
their own and the most time in total. Then the same number of requests again without the
profiler: CPU milliseconds per request of this process (the app and the test client) and, on
PostgreSQL, of the database backends serving it (read from /proc, as bench/load.py does).

Besides GET paths, the writes of bench/load.py's 08:00 mix, with the same bodies:

- "POST:completion": `POST /api/completions` of a breathing session (a day already done);
- "POST:morning": the morning routine done again today (a new id for a day already done);
- "POST:morning-first": the morning routine's first completion of today (today's morning
  completion is deleted and its stored streak put back between requests, untimed);
- "POST:reflection": the evening reflection as the mix saves it (`POST /api/completions`);
- "POST:setback": `POST /api/setbacks`;
- "MIX": the mix's five steps in turn as one (/today, the three writes, /progress): every page
  view follows a write, as in bench/load.py.

`--cold` empties the page caches (webapp/pagecache.py) between requests (between mixes for MIX):
what a gunicorn worker pays when it meets the user for the first time, as it mostly does under
bench/load.py, where each user's requests land on any of the workers and each keeps its own.
With `--shared-cache URL` the app shares them through that Redis database (PAGECACHE_URL,
emptied before and after): `--cold` then empties only this process's, as a worker meeting the
user first finds what the others computed in Redis. The Redis server's CPU is counted too.

A benchmark's helper, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mix  # noqa: E402
import pages  # noqa: E402
from load import flush_redis_database, redis_server_pids  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402

from webapp.database import WROTE  # noqa: E402
from webapp.extensions import db  # noqa: E402

HEADERS = {"Accept-Encoding": "br, gzip"}
# How this process's PostgreSQL sessions are found: with its pid, since several runs at once
# (A/B runs side by side, other sessions' benchmarks) would otherwise count each other's backends.
APPLICATION_NAME = f"rebound_profile_{os.getpid()}"


def _moment(minutes_ago: int = 1) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def _post(client, csrf: str, path: str, body: dict):
    return client.post(path, json=body, headers={**HEADERS, "X-CSRFToken": csrf})


def completion_request(client, csrf: str):
    """One `POST /api/completions` of a breathing session a minute ago, with a fresh id."""
    body = {"routine": "breathe", "completed_at": _moment(), "data": {"pattern": "box", "seconds": 60}}
    return _post(client, csrf, "/api/completions", {"id": str(uuid.uuid4()), **body})


def morning_request(client, csrf: str):
    """The mix's morning routine (bench/mix.py, as bench/load.py sends it)."""
    return _post(client, csrf, "/api/completions", mix.morning_body())


def reflection_request(client, csrf: str):
    """The mix's evening reflection."""
    return _post(client, csrf, "/api/completions", mix.reflection_body())


def setback_request(client, csrf: str):
    """The mix's setback."""
    return _post(client, csrf, "/api/setbacks", mix.setback_body())


REQUESTS: dict[str, Callable] = {
    "POST:completion": completion_request,
    "POST:morning": morning_request,
    "POST:morning-first": morning_request,
    "POST:reflection": reflection_request,
    "POST:setback": setback_request,
}


MIX_STEPS = ("/today", "POST:morning", "POST:reflection", "POST:setback", "/progress")


class FirstOfTheDay:
    """Puts the account back as it was before its first morning completion of today: that
    completion and its entry deleted, the stored morning streak as it was (untimed)."""

    def __init__(self, app):
        from webapp.auth.models import User
        from webapp.clock import utcnow
        from webapp.derived import refresh_derived

        self.app = app
        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(email=pages.EMAIL))
            self.user_id, self.today = user.id, user.local_day(utcnow())
            self._delete()
            refresh_derived(user, ["morning"], utcnow())
            db.session.commit()
            self.streak = (
                db.session.execute(
                    text("SELECT * FROM streak_record WHERE user_id = :u AND routine = 'morning'"),
                    {"u": self.user_id},
                )
                .mappings()
                .one()
            )
            db.session.remove()

    def _delete(self):
        key = {"u": self.user_id, "d": self.today}
        db.session.execute(
            text("DELETE FROM completion WHERE user_id = :u AND routine = 'morning' AND local_day = :d"), key
        )
        db.session.execute(text("DELETE FROM morning_entry WHERE user_id = :u AND local_day = :d"), key)

    def __call__(self):
        with self.app.app_context():
            self._delete()
            columns = [name for name in self.streak if name not in ("id", "user_id", "routine")]
            assignments = ", ".join(f"{name} = :{name}" for name in columns)
            db.session.execute(
                text(f"UPDATE streak_record SET {assignments} WHERE id = :id"),  # noqa: S608 (its own columns)
                dict(self.streak),
            )
            db.session.commit()
            db.session.remove()


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process on this machine (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving this process (PostgreSQL runs here too)."""

    def __init__(self, app):
        self.app = app

    def __call__(self) -> float:
        with self.app.app_context():
            if db.engine.dialect.name != "postgresql":
                return 0.0
        admin = create_engine(pages.TEST_DATABASE_URL)
        try:
            with admin.connect() as connection:
                pids = connection.execute(
                    text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": APPLICATION_NAME},
                ).scalars()
                return sum(process_cpu_seconds(pid) for pid in pids)
        finally:
            admin.dispose()


class RedisCpu:
    """CPU seconds of the Redis server(s) on this machine, when the app shares its page caches."""

    def __init__(self, app):
        self.pids = redis_server_pids() if app.extensions.get("pagecache_shared") else []

    def __call__(self) -> float:
        return sum(process_cpu_seconds(pid) for pid in self.pids)


def profile(
    app,
    paths: list[str],
    count: int,
    top: int,
    timed_only: bool = False,
    sql: bool = False,
    cpu: bool = False,
    dump: str | None = None,
    cold: bool = False,
) -> None:
    client = app.test_client()
    pages.sign_in(client)
    csrf = client.get("/api/csrf").get_json()["csrf_token"]
    statements = commits = 0
    shown: list[str] = []
    counting = True  # not while a reset puts the account back

    def count_statement(_conn, _cursor, statement, *_args, **_kwargs):
        nonlocal statements
        if not counting:
            return
        statements += 1
        if sql:
            shown.append(" ".join(statement.split())[:160])

    def count_commit(conn, *_args, **_kwargs):
        nonlocal commits
        if not counting:
            return
        # Counted: a transaction that wrote. A page that only read ends with a COMMIT too
        # (webapp/database.py, to keep PostgreSQL's prepared statements); that one is free.
        wrote = bool(conn.info.get(WROTE))
        commits += wrote
        if sql:
            shown.append("COMMIT" if wrote else "COMMIT (only read)")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_statement)
    event.listen(engine, "commit", count_commit)
    backend_cpu = BackendCpu(app)
    redis_cpu = RedisCpu(app)
    try:
        for path in paths:
            first_of_the_day = FirstOfTheDay(app) if path == "POST:morning-first" else None

            def reset(first_of_the_day=first_of_the_day):
                nonlocal counting
                if cold:
                    # As a gunicorn worker meeting the user for the first time: under bench/load.py
                    # each user's requests land on any of the workers, each with its own caches
                    # (what they share in Redis, with --shared-cache, stays).
                    app.extensions.pop("pagecache", None)
                if first_of_the_day:
                    counting = False
                    first_of_the_day()
                    counting = True

            def send(path=path):
                if path == "MIX":  # the 08:00 mix's five steps in turn, each view after a write
                    for step in MIX_STEPS:
                        send(step)
                    return
                request = REQUESTS.get(path)
                response = request(client, csrf) if request else client.get(path, headers=HEADERS)
                response.get_data()
                if response.status_code >= 400:
                    raise RuntimeError(f"{path} gave {response.status_code}")

            for _ in range(5):
                send()
                reset()
            if sql:
                shown.clear()
                send()
                print(f"\n=== {path}: the statements of one request")
                print("\n".join(f"  {line}" for line in shown))
                reset()
            statements = commits = 0
            if not timed_only:
                # CPU time, not wall time: waiting for PostgreSQL (which shares the cores) costs none.
                profiler = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
                for _ in range(count):
                    profiler.enable()
                    send()
                    profiler.disable()
                    reset()
                if dump:
                    profiler.dump_stats(f"{dump}.{path.replace('/', '_').replace(':', '_')}.prof")
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                total_ms = stats.total_tt * 1000 / count
                print(
                    f"\n=== {path}: {total_ms:.2f} ms/request under cProfile, "
                    f"{statements / count:.1f} statements, {commits / count:.1f} commits per request"
                )
                stats.sort_stats("tottime").print_stats(top)
                stats.sort_stats("cumulative").print_stats(top)
                print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:20000])
            # The same requests without the profiler: this process's CPU and the database's.
            statements = commits = 0
            process = database = shared = 0.0
            for _ in range(count):
                before_database, before_redis, before = backend_cpu(), redis_cpu(), time.process_time()
                send()
                process += time.process_time() - before
                database += backend_cpu() - before_database
                shared += redis_cpu() - before_redis
                reset()
            print(
                f"=== {path}: without the profiler {process * 1000 / count:.2f} ms CPU/request in process "
                f"(app + test client) + {database * 1000 / count:.2f} ms PostgreSQL backend"
                + (f" + {shared * 1000 / count:.2f} ms Redis" if redis_cpu.pids else "")
                + f"; {statements / count:.1f} statements, {commits / count:.1f} commits per request"
            )
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
        event.remove(engine, "commit", count_commit)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("paths", nargs="*", default=["/help", "/today", "/progress"])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--days", type=int, default=pages.YEARS_OF_DAYS)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--timed-only", action="store_true", help="only the timing without the profiler")
    parser.add_argument("--sql", action="store_true", help="print the statements of one request per path")
    parser.add_argument(
        "--cpu", action="store_true", help="profile this process's CPU time instead of wall time"
    )
    parser.add_argument(
        "--dump", metavar="PREFIX", help="also save each path's profile as PREFIX.<path>.prof"
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="empty the page caches before every request, as a worker meeting the user first",
    )
    parser.add_argument(
        "--shared-cache",
        metavar="URL",
        help="share the page caches through this Redis database (emptied before and after)",
    )
    args = parser.parse_args(argv)
    if args.shared_cache:
        flush_redis_database(args.shared_cache)
        os.environ["PAGECACHE_URL"] = args.shared_cache
    else:
        os.environ.pop("PAGECACHE_URL", None)
    try:
        return _run(args)
    finally:
        if args.shared_cache:
            flush_redis_database(args.shared_cache)


def _run(args) -> int:

    def run():
        profile(
            app,
            args.paths,
            args.requests,
            args.top,
            args.timed_only,
            args.sql,
            args.cpu,
            args.dump,
            args.cold,
        )

    os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="rebound-profile-") as tmp:
        if not args.postgres:
            uri = f"sqlite:///{Path(tmp) / 'p.sqlite3'}"
            app = pages.build_app(uri, {"connect_args": {"timeout": 15}}, tmp)
            pages.seed_user(app, days=args.days)
            run()
            return 0
        schema = f"rebound_profile_{uuid.uuid4().hex[:12]}"
        admin = create_engine(pages.TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            connect = {"options": f"-csearch_path={schema}", "application_name": APPLICATION_NAME}
            options = {"connect_args": connect}
            app = pages.build_app(pages.TEST_DATABASE_URL, options, tmp)
            pages.seed_user(app, days=args.days)
            run()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
