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

from flask_babel import format_number

from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l

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


# Deeper than any export (a goal's entries sit four levels down); parsed by hand beyond this,
# nesting is only a way to exhaust the parser.
MAX_DEPTH = 16
# The largest whole number an export holds is a goal target; anything past this is no data
# Rebound wrote, and some would not fit the database.
MAX_INTEGER = 2**53


def read_document(raw: bytes) -> Any:
    """An uploaded export as JSON values, or an ImportProblem saying, for people, what is wrong.

    Refused here rather than half-way through an import: text that isn't UTF-8, nesting deeper
    than MAX_DEPTH (200,000 "[" would exhaust the parser), numbers no database column holds
    (5,000 digits), NaN and Infinity, lone surrogates ("\\ud800": valid JSON, no storable
    text) and NUL characters (PostgreSQL text can't hold them)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportProblem(_("That file isn't JSON. Choose the .json file Rebound exported.")) from error
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise ImportProblem(TOO_DEEP) from error
    except ImportProblem:
        raise
    except json.JSONDecodeError as error:
        raise ImportProblem(_("That file isn't JSON. Choose the .json file Rebound exported.")) from error
    except ValueError as error:  # Python refuses integers of more than 4,300 digits
        raise ImportProblem(_("That file holds a number far too large for any Rebound data.")) from error
    _check_values(document)
    return document


TOO_DEEP = _l("That file nests deeper than %(depth)d levels; a Rebound export never does.", depth=MAX_DEPTH)


def _refuse_constant(name: str):
    raise ImportProblem(_("The file holds %(value)s, which is not a number Rebound stores.", value=name))


def _check_values(document: Any) -> None:
    stack: list[tuple[Any, str, int]] = [(document, "the file", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, dict | list) and depth >= MAX_DEPTH:
            raise ImportProblem(TOO_DEEP)
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, where)
                stack.append((item, f"{where}.{key}" if where != "the file" else key, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
            raise ImportProblem(_("%(where)s: the number is far too large.", where=where))


def _check_text(value: str, where: str) -> None:
    if "\x00" in value:
        raise ImportProblem(_("%(where)s: holds a NUL character, which no text can.", where=where))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ImportProblem(
            _("%(where)s: holds a broken character (a lone UTF-16 surrogate).", where=where)
        ) from error


def export_document(user, now: datetime) -> dict:
    document: dict[str, Any] = {"version": VERSION, "exported_at": now.isoformat()}
    for collection in _collections().values():
        document[collection.name] = collection.export(user)
    return document


def import_document(user, document: Any, now: datetime) -> list[str]:
    """Stage a version-1 document into `user`'s account, derived state refreshed; return the
    names imported. The caller commits."""
    if not isinstance(document, dict):
        raise ImportProblem(_("This isn't a Rebound export: expected a JSON object."))
    if document.get("version") != VERSION:
        raise ImportProblem(
            _(
                "This file is version %(found)s; Rebound reads version %(version)d.",
                found=repr(document.get("version")),
                version=VERSION,
            )
        )
    unknown = set(document) - set(_collections()) - {"version", "exported_at"}
    if unknown:
        raise ImportProblem(_("Unknown parts in this file: %(parts)s.", parts=", ".join(sorted(unknown))))
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


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)` in a
# setback's words would become a link that leaks the sheet). OWASP's advice: a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Readers that turn JSON values into Python ones, with messages that say where the problem is.


def _at(where: str, key: str) -> str:
    """Where in the file a value is: `completions[3].routine`."""
    return f"{where}.{key}"


def expect_list(value: Any, where: str, cap: int) -> list:
    """A list of at most `cap` items: every collection has a cap, so no file can make one
    request (or every later page) slow."""
    if not isinstance(value, list):
        raise ImportProblem(_("%(where)s: expected a list.", where=where))
    if len(value) > cap:
        raise ImportProblem(
            _(
                "%(where)s: %(count)s items; Rebound takes at most %(cap)s in one account.",
                where=where,
                count=format_number(len(value)),
                cap=format_number(cap),
            )
        )
    return value


def check_room(where: str, already: int, adding: int, cap: int) -> None:
    """The account may hold at most `cap` of a collection: importing new copies again and again
    (fresh ids each time) can't grow it without bound."""
    if already + adding > cap:
        raise ImportProblem(
            _(
                "%(where)s: this account has %(already)s and the file adds %(adding)s; "
                "Rebound keeps at most %(cap)s in one account.",
                where=where,
                already=format_number(already),
                adding=format_number(adding),
                cap=format_number(cap),
            )
        )


def expect_dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ImportProblem(_("%(where)s: expected an object.", where=where))
    return value


def read_str(row: dict, key: str, where: str, max_length: int, required: bool = False) -> str:
    value = row.get(key)
    if value is None:
        if required:
            raise ImportProblem(_("%(where)s: missing.", where=_at(where, key)))
        return ""
    if not isinstance(value, str):
        raise ImportProblem(_("%(where)s: expected text.", where=_at(where, key)))
    if len(value) > max_length:
        raise ImportProblem(
            _("%(where)s: longer than %(max)d characters.", where=_at(where, key), max=max_length)
        )
    return value


# No Rebound history lies outside these years. Year 1 would make every streak walk 700,000 days
# (seconds per page) and can't even be moved into some time zones.
EARLIEST, LATEST = date(1970, 1, 1), date(2100, 12, 31)


def read_date(row: dict, key: str, where: str, required: bool = True) -> date | None:
    value = row.get(key)
    if value is None and not required:
        return None
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(
            _("%(where)s: expected a date like 2026-03-02.", where=_at(where, key))
        ) from error
    if not EARLIEST <= day <= LATEST:
        # NOTE: %(where)s names a field of the file; %(value)s is the date found there.
        raise ImportProblem(
            _("%(where)s: %(value)s is outside the years 1970 to 2100.", where=_at(where, key), value=value)
        )
    return day


def read_datetime(row: dict, key: str, where: str) -> datetime:
    value = row.get(key)
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(
            _("%(where)s: expected a date and time like 2026-03-02T08:15:00+01:00.", where=_at(where, key))
        ) from error
    if moment.tzinfo is None:
        raise ImportProblem(_("%(where)s: the time needs its UTC offset.", where=_at(where, key)))
    if not EARLIEST <= moment.date() <= LATEST:
        # NOTE: %(where)s names a field of the file; %(value)s is the date found there.
        raise ImportProblem(
            _("%(where)s: %(value)s is outside the years 1970 to 2100.", where=_at(where, key), value=value)
        )
    return moment


def read_time(row: dict, key: str, where: str) -> time:
    value = row.get(key)
    try:
        parsed = time.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ImportProblem(_("%(where)s: expected a time like 08:00.", where=_at(where, key))) from error
    return parsed.replace(second=0, microsecond=0)
