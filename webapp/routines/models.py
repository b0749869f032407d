from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime

EVERY_DAY = 0b1111111
WEEKDAYS = 0b0011111

DEFAULT_DAYS = {"morning": WEEKDAYS, "breathe": EVERY_DAY, "reflect": WEEKDAYS, "goals": WEEKDAYS}
DEFAULT_REMINDERS = {
    "morning": (time(8, 0), True),
    "breathe": (time(14, 0), False),
    "reflect": (time(18, 0), True),
    "goals": (time(17, 30), False),
}


def mask_to_weekdays(mask: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask >> day & 1)


def weekdays_to_mask(days) -> int:
    return sum(1 << day for day in set(days))


class RoutineSetting(db.Model):
    """A user's reminder time and switch for one routine (its days live in ScheduleVersion)."""

    __table_args__ = (UniqueConstraint("user_id", "routine"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    routine: Mapped[str] = mapped_column(String(16))
    reminder_time: Mapped[time] = mapped_column(Time)
    reminder_on: Mapped[bool] = mapped_column(Boolean, default=False)
    # The next reminder, in UTC, recomputed from the local time, days, pauses and zone after
    # every send and every change; None when off or never due.
    next_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_local_day: Mapped[date | None] = mapped_column(Date)


class ScheduleVersion(db.Model):
    """The weekdays a routine is on from `effective_from`; a change adds a version, never rewrites one."""

    __table_args__ = (UniqueConstraint("user_id", "routine", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    routine: Mapped[str] = mapped_column(String(16))
    effective_from: Mapped[date] = mapped_column(Date)
    weekdays_mask: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def weekdays(self) -> frozenset[int]:
        return mask_to_weekdays(self.weekdays_mask)


class Pause(db.Model):
    """Days off for one routine (vacation, sick, a conference), both ends inclusive."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    routine: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Completion(db.Model):
    """A routine done on a local day: one per (user, routine, day); the later `completed_at` wins."""

    __table_args__ = (
        UniqueConstraint("user_id", "routine", "local_day"),
        UniqueConstraint("user_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # The id the phone made up for the first write of this day (what the API calls "id").
    client_id: Mapped[str] = mapped_column(String(36))
    routine: Mapped[str] = mapped_column(String(16))
    local_day: Mapped[date] = mapped_column(Date)
    zone: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(db.Model):
    """The answer given to a client id's first write, returned again on every replay."""

    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completion.id", ondelete="SET NULL"))
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserAffirmation(db.Model):
    """An affirmation the user wrote, mixed into their mornings unless hidden."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    favourite: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AffirmationChoice(db.Model):
    """A user's favourite or hidden mark on one of the curated affirmations."""

    __table_args__ = (UniqueConstraint("user_id", "affirmation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    affirmation_id: Mapped[str] = mapped_column(String(64))
    favourite: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class Reflection(db.Model):
    """The evening reflection of one local day (the later write wins)."""

    __table_args__ = (UniqueConstraint("user_id", "local_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    local_day: Mapped[date] = mapped_column(Date)
    went_well: Mapped[str] = mapped_column(Text, default="")
    didnt_go_well: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    reframe: Mapped[str] = mapped_column(Text, default="")
    small_win: Mapped[str] = mapped_column(Text, default="")
    mood: Mapped[int | None] = mapped_column(Integer)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MorningEntry(db.Model):
    """Today's intention and the affirmations shown, kept for the day's record."""

    __table_args__ = (UniqueConstraint("user_id", "local_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    local_day: Mapped[date] = mapped_column(Date)
    intention: Mapped[str] = mapped_column(Text, default="")
    affirmation_ids: Mapped[list] = mapped_column(JSON, default=list)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
