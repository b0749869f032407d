from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime


class StreakRecord(db.Model):
    """The streak walk's state as of a routine's last completed day (see streaks.core.StreakState).

    Derived data: recomputed from the completions whenever an input changes, and by
    `flask --app webapp streaks rebuild`. Reading it on a later day resumes the walk.
    """

    __table_args__ = (UniqueConstraint("user_id", "routine"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    routine: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[date | None] = mapped_column(Date)
    streak: Mapped[int] = mapped_column(Integer, default=0)
    run: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    longest: Mapped[int] = mapped_column(Integer, default=0)
    last_break: Mapped[date | None] = mapped_column(Date)
    strength: Mapped[float] = mapped_column(Float, default=0.0)
    comeback: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
