"""The `routines` part of export and import: days on, reminder, pauses, schedule history."""

from __future__ import annotations

import uuid

from webapp.extensions import db
from webapp.localday import is_valid_time_zone
from webapp.portability import (
    Collection,
    ImportProblem,
    check_room,
    expect_dict,
    expect_list,
    read_date,
    read_datetime,
    read_time,
)
from webapp.routines.completions import parse_client_id
from webapp.routines.core import (
    ROUTINES,
    InvalidInput,
    clean_completion_data,
    is_newer_write,
)
from webapp.routines.models import (
    DEFAULT_REMINDERS,
    Completion,
    Pause,
    RoutineSetting,
    ScheduleVersion,
    weekdays_to_mask,
)
from webapp.routines.settings import pauses, schedule_versions, settings_by_routine

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_names(weekdays) -> list[str]:
    return [DAY_NAMES[day] for day in sorted(weekdays)]


def read_days(value, where: str) -> frozenset[int]:
    names = expect_list(value, where, 7)
    if not all(isinstance(name, str) and name in DAY_NAMES for name in names):
        raise ImportProblem(f"{where}: expected day names from {', '.join(DAY_NAMES)}.")
    return frozenset(DAY_NAMES.index(name) for name in names)


def export_routines(user) -> list[dict]:
    settings = settings_by_routine(user.id)
    versions = schedule_versions(user.id)
    all_pauses = pauses(user.id)
    rows = []
    for routine in ROUTINES:
        setting = settings.get(routine)
        history = [v for v in versions if v.routine == routine]
        rows.append(
            {
                "routine": routine,
                "days_on": day_names(history[-1].weekdays) if history else [],
                "reminder_time": setting.reminder_time.strftime("%H:%M") if setting else None,
                "reminder_on": bool(setting and setting.reminder_on),
                "pauses": [
                    {"from": p.starts_on.isoformat(), "to": p.ends_on.isoformat()}
                    for p in all_pauses
                    if p.routine == routine
                ],
                "schedule_history": [
                    {"effective_from": v.effective_from.isoformat(), "days_on": day_names(v.weekdays)}
                    for v in history
                ],
            }
        )
    return rows


# A routine's days change and it pauses now and then: hundreds of times would be a lifetime.
MAX_HISTORY = 500
MAX_PAUSES = 500
# Four routines every day for almost 14 years. Each is one per routine and day, so a file with
# fresh ids adds nothing for days the account already has.
MAX_COMPLETIONS = 20_000


def import_routines(user, value, now) -> None:
    """Replace the account's routine settings with the file's (days, reminder, pauses)."""
    settings = settings_by_routine(user.id)
    seen = set()
    for index, row in enumerate(expect_list(value, "routines", len(ROUTINES))):
        where = f"routines[{index}]"
        row = expect_dict(row, where)
        routine = row.get("routine")
        if routine not in ROUTINES:
            raise ImportProblem(f"{where}.routine: expected one of {', '.join(ROUTINES)}.")
        if routine in seen:
            raise ImportProblem(f"{where}.routine: {routine} appears twice.")
        seen.add(routine)
        history = []
        for h_index, item in enumerate(
            expect_list(row.get("schedule_history", []), f"{where}.schedule_history", MAX_HISTORY)
        ):
            h_where = f"{where}.schedule_history[{h_index}]"
            item = expect_dict(item, h_where)
            history.append(
                (read_date(item, "effective_from", h_where), read_days(item.get("days_on"), h_where))
            )
        if not history:
            history = [(user.created_at.date(), read_days(row.get("days_on", []), f"{where}.days_on"))]
        new_pauses = []
        for p_index, item in enumerate(expect_list(row.get("pauses", []), f"{where}.pauses", MAX_PAUSES)):
            p_where = f"{where}.pauses[{p_index}]"
            item = expect_dict(item, p_where)
            starts, ends = read_date(item, "from", p_where), read_date(item, "to", p_where)
            if ends < starts:
                raise ImportProblem(f"{p_where}: ends before it starts.")
            new_pauses.append((starts, ends))
        reminder_on = row.get("reminder_on", False)
        if not isinstance(reminder_on, bool):
            raise ImportProblem(f"{where}.reminder_on: expected true or false.")

        setting = settings.get(routine) or RoutineSetting(
            user_id=user.id, routine=routine, reminder_time=DEFAULT_REMINDERS[routine][0]
        )
        if row.get("reminder_time") is not None:
            setting.reminder_time = read_time(row, "reminder_time", where)
        setting.reminder_on = reminder_on
        db.session.add(setting)
        db.session.execute(db.delete(ScheduleVersion).filter_by(user_id=user.id, routine=routine))
        db.session.execute(db.delete(Pause).filter_by(user_id=user.id, routine=routine))
        for effective_from, weekdays in dict(history).items():
            db.session.add(
                ScheduleVersion(
                    user_id=user.id,
                    routine=routine,
                    effective_from=effective_from,
                    weekdays_mask=weekdays_to_mask(weekdays),
                    created_at=now,
                )
            )
        for starts, ends in sorted(set(new_pauses)):
            db.session.add(
                Pause(user_id=user.id, routine=routine, starts_on=starts, ends_on=ends, created_at=now)
            )


def export_completions(user) -> list[dict]:
    rows = db.session.scalars(
        db.select(Completion).filter_by(user_id=user.id).order_by(Completion.local_day, Completion.routine)
    )
    return [
        {
            "id": c.client_id,
            "routine": c.routine,
            "completed_at": c.completed_at.isoformat(),
            "local_day": c.local_day.isoformat(),
            "zone": c.zone,
            "data": c.data,
        }
        for c in rows
    ]


def import_completions(user, value, now) -> None:
    """Add the file's completions; a day that already has one keeps the later write."""
    # Plain rows, and new completions in one bulk insert: 20,000 ORM objects would take seconds.
    stored = db.session.execute(
        db.select(
            Completion.id,
            Completion.routine,
            Completion.local_day,
            Completion.completed_at,
            Completion.client_id,
        ).filter_by(user_id=user.id)
    ).all()
    existing = {(c.routine, c.local_day): {"id": c.id, "completed_at": c.completed_at} for c in stored}
    taken_ids = {c.client_id for c in stored}
    updates: dict[int, dict] = {}
    # The goals part ran first and gave the file's goals new ids here; goal reviews name them.
    goal_ids = db.session.info.pop("imported_goal_ids", {})
    already = len(existing)
    for index, row in enumerate(expect_list(value, "completions", MAX_COMPLETIONS)):
        where = f"completions[{index}]"
        row = expect_dict(row, where)
        routine = row.get("routine")
        try:
            data = clean_completion_data(routine, row.get("data"))
            client_id = parse_client_id(row.get("id"))
        except InvalidInput as problem:
            raise ImportProblem(f"{where}.{problem.field}: {problem.message}") from problem
        if routine == "goals":
            unknown = [key for key in data["progress"] if int(key) not in goal_ids]
            if unknown:
                raise ImportProblem(
                    f"{where}.data.progress: names goal {unknown[0]}, which isn't in the file."
                )
            data = {"progress": {str(goal_ids[int(key)]): amount for key, amount in data["progress"].items()}}
        completed_at = read_datetime(row, "completed_at", where)
        day = read_date(row, "local_day", where)
        zone = row.get("zone")
        if not isinstance(zone, str) or not is_valid_time_zone(zone):
            raise ImportProblem(f"{where}.zone: expected a time zone such as Europe/Berlin.")
        current = existing.get((routine, day))
        if current is not None:
            if (
                is_newer_write(current["completed_at"], completed_at)
                and current["completed_at"] != completed_at
            ):
                current.update(completed_at=completed_at, data=data, zone=zone)
                if "id" in current:
                    updates[current["id"]] = current
            continue
        if client_id in taken_ids:
            client_id = str(uuid.uuid4())
        existing[(routine, day)] = {
            "user_id": user.id,
            "client_id": client_id,
            "routine": routine,
            "local_day": day,
            "zone": zone,
            "completed_at": completed_at,
            "data": data,
            "created_at": now,
        }
        taken_ids.add(client_id)
    check_room("completions", already, len(existing) - already, MAX_COMPLETIONS)
    new = [row for row in existing.values() if "id" not in row]
    if new:
        db.session.execute(db.insert(Completion), new)
    if updates:
        db.session.execute(db.update(Completion), list(updates.values()))


ROUTINES_EXPORT = Collection("routines", export_routines, import_routines)

COMPLETIONS_EXPORT = Collection("completions", export_completions, import_completions)
