"""The support corner's rows: invites, links between an owner and a supporter, cheers, the weekly note."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime


class SupportInvite(db.Model):
    """A single-use link the owner shares. Only a hash of its token is kept: the token is a key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # What the supporter will see, chosen when inviting and shown on the join page.
    show_wins: Mapped[bool] = mapped_column(Boolean, default=False)
    show_goals: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set once: accepted (used_at), declined (declined_at) or revoked by the owner (revoked_at).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupportLink(db.Model):
    """One person (supporter) cheering on another (owner). Ending it deletes it, and its cheers."""

    __table_args__ = (UniqueConstraint("owner_id", "supporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    show_wins: Mapped[bool] = mapped_column(Boolean, default=False)
    show_goals: Mapped[bool] = mapped_column(Boolean, default=False)
    # The owner muted this supporter: their cheers are kept (the limit still counts) but never shown.
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Cheer(db.Model):
    """A one-tap cheer from a supporter; its client id makes a replay change nothing."""

    __table_args__ = (UniqueConstraint("sender_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("support_link.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    # The owner's local day it arrived on: the daily limit counts per pair and per that day.
    owner_day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupportSettings(db.Model):
    """The owner's weekly note to their supporters: on which weekday, at what local time."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    weekly_on: Mapped[bool] = mapped_column(Boolean, default=True)
    weekly_weekday: Mapped[int] = mapped_column(Integer, default=4)  # Monday = 0
    weekly_time: Mapped[time] = mapped_column(Time)
    # The next note in UTC (recomputed after each one and on every change); None when off.
    next_weekly_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_weekly_day: Mapped[date | None] = mapped_column(Date)
