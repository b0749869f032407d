"""The `user` part of export and import."""

from __future__ import annotations

from webapp.auth.models import ZoneChange
from webapp.localday import MAX_DAY_END_HOUR, is_valid_time_zone
from webapp.portability import (
    Collection,
    ImportProblem,
    check_room,
    expect_dict,
    expect_list,
    read_datetime,
    read_str,
)

# Someone who flies every week for ten years changes zone about 500 times.
MAX_ZONE_CHANGES = 500


def export_user(user) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "time_zone": user.time_zone,
        "day_end_hour": user.day_end_hour,
        "created_at": user.created_at.isoformat(),
        "zone_changes": [
            {"changed_at": c.changed_at.isoformat(), "old_zone": c.old_zone, "new_zone": c.new_zone}
            for c in user.zone_changes
        ],
    }


def import_user(user, value, now) -> None:
    """Take the name, zone, day end and zone history; never the email or password."""
    row = expect_dict(value, "user")
    zone = read_str(row, "time_zone", "user", 64, required=True)
    if not is_valid_time_zone(zone):
        raise ImportProblem(f"user.time_zone: {zone!r} is not a time zone we know.")
    day_end = row.get("day_end_hour", 0)
    if not isinstance(day_end, int) or isinstance(day_end, bool) or not 0 <= day_end <= MAX_DAY_END_HOUR:
        raise ImportProblem(f"user.day_end_hour: expected a whole number from 0 to {MAX_DAY_END_HOUR}.")
    known = {(c.changed_at, c.old_zone, c.new_zone) for c in user.zone_changes}
    for index, item in enumerate(
        expect_list(row.get("zone_changes", []), "user.zone_changes", MAX_ZONE_CHANGES)
    ):
        where = f"user.zone_changes[{index}]"
        item = expect_dict(item, where)
        change = (
            read_datetime(item, "changed_at", where),
            read_str(item, "old_zone", where, 64, required=True),
            read_str(item, "new_zone", where, 64, required=True),
        )
        if not all(is_valid_time_zone(z) for z in change[1:]):
            raise ImportProblem(f"{where}: unknown time zone.")
        if change not in known:
            user.zone_changes.append(ZoneChange(changed_at=change[0], old_zone=change[1], new_zone=change[2]))
            known.add(change)
    check_room("user.zone_changes", 0, len(known), MAX_ZONE_CHANGES)
    user.zone_changes.sort(key=lambda c: c.changed_at)
    user.display_name = read_str(row, "display_name", "user", 80)
    user.time_zone = zone
    user.day_end_hour = day_end


USER_EXPORT = Collection("user", export_user, import_user)
