from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime


class PushSubscription(db.Model):
    """One device's Web Push subscription (a browser's PushSubscription)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    browser: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when the push service refused it for good (413, a bad key, a host no longer allowed).
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flag_reason: Mapped[str] = mapped_column(String(200), default="")


class RemovedDevice(db.Model):
    """A device the user removed from their list, so its browser's routine re-send can't add it back.

    Only a hash of the endpoint is kept: the endpoint itself is a capability to push to that browser.
    Turning reminders on again on that device (an explicit subscribe) drops the record."""

    __table_args__ = (UniqueConstraint("user_id", "endpoint_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint_sha256: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Occurrence(db.Model):
    """One reminder to show: (user, routine, local day) for a scheduled one, or a snooze or a test."""

    __table_args__ = (UniqueConstraint("user_id", "routine", "local_day", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    routine: Mapped[str] = mapped_column(String(16))
    local_day: Mapped[date] = mapped_column(Date)
    # "scheduled" | "snooze-<id of the occurrence snoozed>" | "test-<uuid>": unique per day.
    kind: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # "pending" (waiting for due_at) -> "queued" (outbox rows made) | "skipped" | "dropped"
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(db.Model):
    """One occurrence for one device: claimed with a lease, sent at least once."""

    __table_args__ = (UniqueConstraint("occurrence_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscription.id", ondelete="CASCADE"), index=True
    )
    # "pending" | "sending" (leased) | "sent" | "failed" | "dropped" | "skipped"
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SenderHeartbeat(db.Model):
    """The last pass of each reminder sender process, for /healthz."""

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_pass_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_failed: Mapped[int] = mapped_column(Integer, default=0)
