"""Backed-up recordings: the audio bytes, and whether the user has backup on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import db
from webapp.models import UTCDateTime


class RecordingBackup(db.Model):
    """The user turned backup on at `turned_on_at`; no row means recordings stay on their phones.

    A phone remembers under which `turned_on_at` it last matched the server: after backup went
    off and on again, what it had backed up before counts as not backed up (and is sent again)."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    turned_on_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Recording(db.Model):
    """The server copy of one affirmation in the user's voice (Opus in WebM/Ogg or AAC in MP4)."""

    __table_args__ = (UniqueConstraint("user_id", "affirmation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    affirmation_id: Mapped[str] = mapped_column(String(64))  # "own-<n>" or a curated id
    content_type: Mapped[str] = mapped_column(String(32))  # as sniffed, never as declared
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Loaded only when the audio itself is asked for: lists and counts never read the bytes.
    audio: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
