from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime


class Goal(db.Model):
    """Something the user counts: activity they control (calls) or an outcome (deals)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="activity")  # "activity" | "outcome"
    period: Mapped[str] = mapped_column(String(8), default="day")  # "day" | "week"
    target: Mapped[int] = mapped_column(Integer)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GoalEntry(db.Model):
    """How much of a goal was done on one local day."""

    __table_args__ = (UniqueConstraint("goal_id", "local_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id", ondelete="CASCADE"), index=True)
    local_day: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer, default=0)


class WeeklyReview(db.Model):
    """The look back at a week (Monday start): what helped, what to change, next week's targets."""

    __table_args__ = (UniqueConstraint("user_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    helped: Mapped[str] = mapped_column(Text, default="")
    change: Mapped[str] = mapped_column(Text, default="")
    next_targets: Mapped[dict] = mapped_column(JSON, default=dict)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
