"""The `reflections` part of export and import: one evening reflection per local day."""

from __future__ import annotations

from webapp.extensions import db
from webapp.portability import (
    Collection,
    ImportProblem,
    check_room,
    expect_dict,
    expect_list,
    read_date,
    read_datetime,
    read_str,
)
from webapp.routines.core import MAX_TEXT, REFLECTION_FIELDS, is_newer_write
from webapp.routines.models import Reflection


def export_reflections(user) -> list[dict]:
    rows = db.session.scalars(db.select(Reflection).filter_by(user_id=user.id).order_by(Reflection.local_day))
    return [
        {
            "local_day": r.local_day.isoformat(),
            **{name: getattr(r, name) for name in REFLECTION_FIELDS},
            "mood": r.mood,
            "written_at": r.written_at.isoformat(),
        }
        for r in rows
    ]


def _read_mood(row: dict, where: str) -> int | None:
    mood = row.get("mood")
    if mood is None:
        return None
    if not isinstance(mood, int) or isinstance(mood, bool) or not 1 <= mood <= 5:
        raise ImportProblem(f"{where}.mood: expected a whole number from 1 to 5, or null.")
    return mood


# One a day for over 27 years.
MAX_REFLECTIONS = 10_000


def import_reflections(user, value, now) -> None:
    """Add the file's reflections; of two for the same day (in the file or already here), the later wins."""
    # Plain rows, and new reflections in one bulk insert: thousands of ORM objects take seconds.
    by_day = {
        r.local_day: {"id": r.id, "written_at": r.written_at}
        for r in db.session.execute(
            db.select(Reflection.id, Reflection.local_day, Reflection.written_at).filter_by(user_id=user.id)
        )
    }
    already = len(by_day)
    updates: dict[int, dict] = {}
    for index, row in enumerate(expect_list(value, "reflections", MAX_REFLECTIONS)):
        where = f"reflections[{index}]"
        row = expect_dict(row, where)
        day = read_date(row, "local_day", where)
        texts = {name: read_str(row, name, where, MAX_TEXT) for name in REFLECTION_FIELDS}
        mood = _read_mood(row, where)
        written_at = read_datetime(row, "written_at", where)
        current = by_day.get(day)
        if current is not None and not is_newer_write(current["written_at"], written_at):
            continue
        if current is None:
            current = by_day[day] = {"user_id": user.id, "local_day": day}
        elif "id" in current:
            updates[current["id"]] = current
        current.update(texts, mood=mood, written_at=written_at)
    check_room("reflections", already, len(by_day) - already, MAX_REFLECTIONS)
    new = [row for row in by_day.values() if "id" not in row]
    if new:
        db.session.execute(db.insert(Reflection), new)
    if updates:
        db.session.execute(db.update(Reflection), list(updates.values()))


REFLECTIONS_EXPORT = Collection("reflections", export_reflections, import_reflections)
