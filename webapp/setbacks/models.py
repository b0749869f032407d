from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.i18n.translations import lazy_gettext as _l
from webapp.models import UTCDateTime

FOLLOW_UP_OUTCOMES = {"won_back": _l("Won back"), "still_no": _l("Still no"), "no_answer": _l("No answer")}


class Setback(db.Model):
    """A rejection or lost deal, logged to learn from it (and to follow up)."""

    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    local_day: Mapped[date] = mapped_column(Date)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    objection: Mapped[str] = mapped_column(String(16))
    controlled: Mapped[str] = mapped_column(Text, default="")
    learned: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What came of the follow-up: one of FOLLOW_UP_OUTCOMES, or None when not followed up (or
    # marked done before outcomes were asked for).
    follow_up_outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
