"""Export and import, version 1 (CONTRACT.md "Export and import").

Each feature describes its collection (a `Collection`: how to export a user's rows as plain JSON
values and how to import them back); `create_app` lists them, in the order they are imported.
The document is validated and imported in one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

VERSION = 1
# Recomputed or bound to this server's keys: exported for the record, never imported.
NOT_IMPORTED = ("streaks", "subscriptions", "support")


class ImportProblem(ValueError):
    """The file can't be imported; the message says where and why, for people."""


@dataclass(frozen=True)
class Collection:
    name: str
    export: Callable[[Any], Any]
    load: Callable[[Any, Any, datetime], None] | None


def init_app(app, collections: list[Collection]) -> None:
    """Use `collections` for export and import; `load(user, value, now)` stages a collection's
    rows in the session or raises ImportProblem, and runs in this order (goals before the
    completions that name them)."""
    app.extensions["rebound.collections"] = {collection.name: collection for collection in collections}


def _collections() -> dict[str, Collection]:
    from flask import current_app

    return current_app.extensions["rebound.collections"]


def export_document(user, now: datetime) -> dict:
    document: dict[str, Any] = {"version": VERSION, "exported_at": now.isoformat()}
    for collection in _collections().values():
        document[collection.name] = collection.export(user)
    return document


def import_document(user, document: Any, now: datetime) -> list[str]:
    """Stage a version-1 document into `user`'s account, derived state refreshed; return the
    names imported. The caller commits."""
    if not isinstance(document, dict):
        raise ImportProblem("This isn't a Rebound export: expected a JSON object.")
    if document.get("version") != VERSION:
        raise ImportProblem(
            f"This file is version {document.get('version')!r}; Rebound reads version {VERSION}."
        )
    unknown = set(document) - set(_collections()) - {"version", "exported_at"}
    if unknown:
        raise ImportProblem(f"Unknown parts in this file: {', '.join(sorted(unknown))}.")
    imported = []
    for collection in _collections().values():
        if collection.load is None or collection.name not in document or collection.name in NOT_IMPORTED:
            continue
        collection.load(user, document[collection.name], now)
        imported.append(collection.name)
    from webapp.derived import refresh_derived

    refresh_derived(user, None, now)
    return imported


def csv_zip(document: dict) -> bytes:
    """One CSV per collection (nested values as JSON text), zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in document.items():
            if name in ("version", "exported_at"):
                continue
            rows = value if isinstance(value, list) else [value]
            columns: list[str] = []
            for row in rows:
                columns += [key for key in row if key not in columns]
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({key: _cell(item) for key, item in row.items()})
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


# Readers that turn JSON values into Python ones, with messages that say where the problem is.


def expect_list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ImportProblem(f"{where}: expected a list.")
    return value


def expect_dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ImportProblem(f"{where}: expected an object.")
    return value


def read_str(row: dict, key: str, where: str, max_length: int, required: bool = False) -> str:
    value = row.get(key)
    if value is None:
        if required:
            raise ImportProblem(f"{where}.{key}: missing.")
        return ""
    if not isinstance(value, str):
        raise ImportProblem(f"{where}.{key}: expected text.")
    if len(value) > max_length:
        raise ImportProblem(f"{where}.{key}: longer than {max_length} characters.")
    return value


# No Rebound history lies outside these years. Year 1 would make every streak walk 700,000 days
# (seconds per page) and can't even be moved into some time zones.
EARLIEST, LATEST = date(1970, 1, 1), date(2100, 12, 31)
OUT_OF_RANGE = "is outside the years 1970 to 2100."


def read_date(row: dict, key: str, where: str, required: bool = True) -> date | None:
    value = row.get(key)
    if value is None and not required:
        return None
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(f"{where}.{key}: expected a date like 2026-03-02.") from error
    if not EARLIEST <= day <= LATEST:
        raise ImportProblem(f"{where}.{key}: {value} {OUT_OF_RANGE}")
    return day


def read_datetime(row: dict, key: str, where: str) -> datetime:
    value = row.get(key)
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(
            f"{where}.{key}: expected a date and time like 2026-03-02T08:15:00+01:00."
        ) from error
    if moment.tzinfo is None:
        raise ImportProblem(f"{where}.{key}: the time needs its UTC offset.")
    if not EARLIEST <= moment.date() <= LATEST:
        raise ImportProblem(f"{where}.{key}: {value} {OUT_OF_RANGE}")
    return moment


def read_time(row: dict, key: str, where: str) -> time:
    value = row.get(key)
    try:
        parsed = time.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(f"{where}.{key}: expected a time like 08:00.") from error
    return parsed.replace(second=0, microsecond=0)
