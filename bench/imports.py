"""How long does an import take when a file is at every cap, against an ordinary export?

    .venv/bin/python bench/imports.py [--sqlite-only]

Builds the app on a temporary SQLite file (and on PostgreSQL when TEST_DATABASE_URL, or the
local default, answers: in a private schema it creates and drops). Seeds one account with three
years of the demo's practice and exports it: the ordinary file. Then makes a file at the caps
(20,000 completions, 10,000 setbacks, 10,000 reflections, by stretching the ordinary one over
more days) and times, through POST /account/import as a browser sends it, in the same run:

- the ordinary file into a new account (the comparison),
- the file at the caps into a new account,
- the same file at the caps again (it must change nothing),
- one file over a cap (refused before anything is written).

Exits 0 whatever the result: it's a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.pages import build_app, hidden_fields, postgres_problem, seed_user, sign_in  # noqa: E402
from webapp.reflect.export import MAX_REFLECTIONS  # noqa: E402
from webapp.routines.export import MAX_COMPLETIONS  # noqa: E402
from webapp.setbacks.export import MAX_SETBACKS  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench password, not secret"
UPLOAD_LIMIT = 4 * 1024 * 1024 - 4096  # the import's cap, less the form around the file
CAPS = (("setbacks", MAX_SETBACKS), ("completions", MAX_COMPLETIONS), ("reflections", MAX_REFLECTIONS))


def _fits(document: dict) -> bool:
    return len(json.dumps(document).encode()) <= UPLOAD_LIMIT


def worst_case(document: dict, part: str, cap: int) -> dict:
    """The ordinary export with `part` repeated on earlier days (fresh ids) up to its cap, or as
    many as the 4 MB upload limit holds; the other collections emptied."""
    file = {key: ([] if isinstance(value, list) else value) for key, value in document.items()}
    file["goals"] = {"goals": [], "weekly_reviews": []}
    file["affirmations"] = {"own": [], "curated_choices": []}
    source = [row for row in document[part] if part != "completions" or row["routine"] != "goals"]
    rows: dict = {}
    shift = 0
    while len(rows) < cap:
        for row in source:
            day = date.fromisoformat(row["local_day"]) - timedelta(days=shift)
            key = (row.get("routine"), day) if part != "setbacks" else uuid.uuid4()
            if key in rows or len(rows) >= cap:
                continue
            moved = {**row, "local_day": day.isoformat()}
            for moment in ("completed_at", "occurred_at", "written_at"):
                if moment in row:
                    moved[moment] = (datetime.fromisoformat(row[moment]) - timedelta(days=shift)).isoformat()
            if "id" in row:
                moved["id"] = str(uuid.uuid4())
            rows[key] = moved
        shift += 1200
    file[part] = list(rows.values())
    while not _fits(file):
        file[part] = file[part][: int(len(file[part]) * 0.97)]
    return file


def upload(app, email: str, document: dict) -> tuple[int, float, int]:
    """POST the file to /account/import signed in as `email`: (status, seconds, bytes)."""
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    fields = hidden_fields(client.get("/account").get_data(as_text=True), "/account/import")
    body = json.dumps(document).encode()
    start = time.perf_counter()
    response = client.post(
        "/account/import",
        data={**fields, "file": (io.BytesIO(body), "rebound-export.json")},
        content_type="multipart/form-data",
    )
    return response.status_code, time.perf_counter() - start, len(body)


def run_backend(name: str, uri: str, options: dict, instance: str) -> None:
    app = build_app(uri, options, instance)
    seed_user(app, email="source@rebound.example")
    seed_user(app, days=1, setbacks=0, reflections=0, email="ordinary@rebound.example")
    client = app.test_client()
    sign_in(client, "source@rebound.example", PASSWORD)
    ordinary = client.get("/api/export").get_json()
    files = [(part, worst_case(ordinary, part, cap)) for part, cap in CAPS]
    over = worst_case(ordinary, "setbacks", MAX_SETBACKS + 1)
    rows = [("ordinary export (comparison)", *upload(app, "ordinary@rebound.example", ordinary))]
    for n, (part, file) in enumerate(files):
        email = f"worst{n}@rebound.example"
        seed_user(app, days=1, setbacks=0, reflections=0, email=email)
        label = f"{len(file[part]):,} {part}"
        rows.append((f"{label}, new account", *upload(app, email, file)))
        rows.append((f"{label}, the same file again", *upload(app, email, file)))
    seed_user(app, days=1, setbacks=0, reflections=0, email="over@rebound.example")
    rows.append(
        (f"{len(over['setbacks']):,} setbacks (over the cap)", *upload(app, "over@rebound.example", over))
    )
    print(
        f"\n{name}: the ordinary file holds {len(ordinary['completions']):,} completions, "
        f"{len(ordinary['setbacks']):,} setbacks and {len(ordinary['reflections']):,} reflections"
    )
    base = rows[0][2]
    print(f"{'import':<44}{'status':>7}{'seconds':>9}{'MB':>7}{'ratio':>8}")
    for label, status, seconds, size in rows:
        print(f"{label:<44}{status:>7}{seconds:>9.2f}{size / 1e6:>7.2f}{seconds / base:>7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_backend(
            "SQLite",
            f"sqlite:///{tmp}/bench.sqlite3",
            {"connect_args": {"timeout": 15}},
            f"{tmp}/instance-sqlite",
        )
        if args.sqlite_only:
            return
        problem = postgres_problem(TEST_DATABASE_URL)
        if problem:
            print(f"\nPostgreSQL: skipped ({problem} at {TEST_DATABASE_URL})")
            return
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            options = {"connect_args": {"options": f"-csearch_path={schema}"}}
            run_backend("PostgreSQL", TEST_DATABASE_URL, options, f"{tmp}/instance-pg")
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
