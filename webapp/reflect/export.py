"""The `reflections` part of export and import: one evening reflection per local day."""

from __future__ import annotations

from webapp.extensions import db
from webapp.portability import (
    Collection,
    ImportProblem,
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


def import_reflections(user, value, now) -> None:
    """Add the file's reflections; of two for the same day (in the file or already here), the later wins."""
    by_day = {r.local_day: r for r in db.session.scalars(db.select(Reflection).filter_by(user_id=user.id))}
    for index, row in enumerate(expect_list(value, "reflections")):
        where = f"reflections[{index}]"
        row = expect_dict(row, where)
        day = read_date(row, "local_day", where)
        texts = {name: read_str(row, name, where, MAX_TEXT) for name in REFLECTION_FIELDS}
        mood = _read_mood(row, where)
        written_at = read_datetime(row, "written_at", where)
        current = by_day.get(day)
        if current is not None and not is_newer_write(current.written_at, written_at):
            continue
        if current is None:
            current = Reflection(user_id=user.id, local_day=day)
            db.session.add(current)
            by_day[day] = current
        for name, text in texts.items():
            setattr(current, name, text)
        current.mood = mood
        current.written_at = written_at


REFLECTIONS_EXPORT = Collection("reflections", export_reflections, import_reflections)
