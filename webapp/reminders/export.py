"""The `reminders` and `subscriptions` parts of export and import."""

from __future__ import annotations

from webapp.extensions import db
from webapp.portability import Collection, ImportProblem, expect_dict, expect_list, read_time
from webapp.reminders.models import PushSubscription
from webapp.routines.core import ROUTINES
from webapp.routines.models import DEFAULT_REMINDERS, RoutineSetting


def export_reminders(user) -> list[dict]:
    rows = db.session.scalars(
        db.select(RoutineSetting).filter_by(user_id=user.id).order_by(RoutineSetting.routine)
    )
    return [
        {
            "routine": row.routine,
            "time": row.reminder_time.strftime("%H:%M"),
            "on": row.reminder_on,
            "next_at": row.next_fire_at.isoformat() if row.next_fire_at else None,
        }
        for row in rows
    ]


def import_reminders(user, value, now) -> None:
    """Each routine's reminder time and switch (the import recomputes the next reminders)."""
    settings = {
        s.routine: s for s in db.session.scalars(db.select(RoutineSetting).filter_by(user_id=user.id))
    }
    for index, row in enumerate(expect_list(value, "reminders", len(ROUTINES))):
        where = f"reminders[{index}]"
        row = expect_dict(row, where)
        routine = row.get("routine")
        if routine not in ROUTINES:
            raise ImportProblem(f"{where}.routine: expected one of {', '.join(ROUTINES)}.")
        if not isinstance(row.get("on"), bool):
            raise ImportProblem(f"{where}.on: expected true or false.")
        setting = settings.get(routine)
        if setting is None:
            setting = RoutineSetting(
                user_id=user.id, routine=routine, reminder_time=DEFAULT_REMINDERS[routine][0]
            )
            db.session.add(setting)
            settings[routine] = setting
        setting.reminder_time = read_time(row, "time", where)
        setting.reminder_on = row["on"]


def export_subscriptions(user) -> list[dict]:
    """For the record only: a subscription is bound to this server's VAPID keys, so import skips it."""
    rows = db.session.scalars(
        db.select(PushSubscription).filter_by(user_id=user.id).order_by(PushSubscription.id)
    )
    return [
        {"browser": row.browser, "created_at": row.created_at.isoformat(), "endpoint": row.endpoint}
        for row in rows
    ]


REMINDERS_EXPORT = Collection("reminders", export_reminders, import_reminders)

SUBSCRIPTIONS_EXPORT = Collection("subscriptions", export_subscriptions, None)
