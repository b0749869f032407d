"""Where does one request's time go? cProfile over repeated in-process requests.

    .venv/bin/python bench/profile_request.py [PATH ...] [--requests 100] [--days 1095] [--postgres]

Seeds the same account as bench/pages.py (three years of history), signs in, sends each PATH
(default: /help /today /progress, plus `POST /api/completions` when given as "POST:completion")
`--requests` times with `Accept-Encoding: br, gzip`, and prints per request: the SQL statements
and commits, then the functions with the most time of their own and the most time in total.
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
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402

from webapp.extensions import db  # noqa: E402

HEADERS = {"Accept-Encoding": "br, gzip"}


def completion_request(client, csrf: str):
    """One `POST /api/completions` of a breathing session a minute ago, with a fresh id."""
    moment = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return client.post(
        "/api/completions",
        json={
            "id": str(uuid.uuid4()),
            "routine": "breathe",
            "completed_at": moment,
            "data": {"pattern": "box", "seconds": 60},
        },
        headers={**HEADERS, "X-CSRFToken": csrf},
    )


def profile(app, paths: list[str], count: int, top: int) -> None:
    client = app.test_client()
    pages.sign_in(client)
    csrf = client.get("/api/csrf").get_json()["csrf_token"]
    statements = commits = 0

    def count_statement(*_args, **_kwargs):
        nonlocal statements
        statements += 1

    def count_commit(*_args, **_kwargs):
        nonlocal commits
        commits += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count_statement)
    event.listen(engine, "commit", count_commit)
    try:
        for path in paths:

            def send(path=path):
                if path == "POST:completion":
                    response = completion_request(client, csrf)
                else:
                    response = client.get(path, headers=HEADERS)
                response.get_data()
                if response.status_code >= 400:
                    raise RuntimeError(f"{path} gave {response.status_code}")

            for _ in range(5):
                send()
            statements = commits = 0
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(count):
                send()
            profiler.disable()
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
    args = parser.parse_args(argv)
    os.environ.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="rebound-profile-") as tmp:
        if not args.postgres:
            uri = f"sqlite:///{Path(tmp) / 'p.sqlite3'}"
            app = pages.build_app(uri, {"connect_args": {"timeout": 15}}, tmp)
            pages.seed_user(app, days=args.days)
            profile(app, args.paths, args.requests, args.top)
            return 0
        schema = f"rebound_profile_{uuid.uuid4().hex[:12]}"
        admin = create_engine(pages.TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
            app = pages.build_app(pages.TEST_DATABASE_URL, options, tmp)
            pages.seed_user(app, days=args.days)
            profile(app, args.paths, args.requests, args.top)
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
