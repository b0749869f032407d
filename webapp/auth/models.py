from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.localday import ZoneSpan, local_day, zone_at
from webapp.models import UTCDateTime

PASSWORD_METHOD = "scrypt"  # noqa: S105 — the hashing method, not a password


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    day_end_hour: Mapped[int] = mapped_column(Integer, default=0)
    # The language of the account's pages (a BCP 47 tag, "pt-BR"); None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    # The language the browser last asked for: what reminders and cheers are written in when
    # `locale` is None and no browser is asking (webapp/i18n.user_locale).
    browser_locale: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Bumped by every write of the user's data (webapp/pagecache.py): the key of their pages' cache.
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped only by writes of the user's plan (pagecache.PLAN: zones, days on, goals, reviews),
    # which a day's practice never writes: the key of what pages read of those between writes.
    plan_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Loaded only when a rule needs the zone history, never to serve every request.
    zone_changes: Mapped[list[ZoneChange]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ZoneChange.changed_at"
    )

    # The sign-in this request runs under (webapp/auth/sessions.py sets both when it loads one).
    # Plain attributes (no annotation, so not mapped): SignIn or SignInSession | None, str | None.
    sign_in = None
    login_id = None

    def get_id(self) -> str:
        """Flask-Login's id for the session cookie: the sign-in's id and secret, not the user's id."""
        if self.login_id is None:
            raise RuntimeError("start a sign-in (webapp.auth.sessions.start) before login_user")
        return self.login_id

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def change_zone(self, new_zone: str, at: datetime) -> bool:
        """Switch the account's zone at `at`, recording the change; False if it is the same zone."""
        if new_zone == self.time_zone:
            return False
        self.zone_changes.append(ZoneChange(changed_at=at, old_zone=self.time_zone, new_zone=new_zone))
        self.time_zone = new_zone
        return True

    def zone_spans(self) -> list[ZoneSpan]:
        """The account's zone history, oldest first, for the pure local-day rules (from the
        session when it holds the history, else once per data version: webapp/pagecache.py)."""
        from webapp import pagecache

        return pagecache.zone_spans(self)

    def zone_at(self, moment: datetime) -> str:
        """The account's zone in effect at `moment` (zone changes are kept with their time)."""
        return zone_at(moment, self.zone_spans())

    def local_day(self, moment: datetime) -> date:
        """The user's local day of `moment`, in the zone the account had then (CONTRACT.md)."""
        return local_day(moment, self.zone_at(moment), self.day_end_hour)

    @property
    def greeting_name(self) -> str:
        # Never the email's local part: "Good morning, jsmith42" reads like a database.
        return self.display_name


def zone_spans_of(time_zone: str, changes) -> list[ZoneSpan]:
    """The zone history of an account now in `time_zone` with `changes` (oldest first, each with
    changed_at, old_zone and new_zone), oldest first."""
    if not changes:
        return [ZoneSpan(time_zone, None)]
    spans = [ZoneSpan(changes[0].old_zone, None)]
    spans += [ZoneSpan(change.new_zone, change.changed_at) for change in changes]
    return spans


class ZoneChange(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    old_zone: Mapped[str] = mapped_column(String(64))
    new_zone: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="zone_changes")


class UsedFormId(db.Model):
    """A form submission that has been applied; a second submit of the same id changes nothing."""

    form_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInSession(db.Model):
    """One signed-in device: the session cookie carries its id and a secret, checked on every
    request, so signing out (deleting the row) ends it even for a copied cookie.

    Only hashes of the secrets are stored. A "keep me signed in" device also holds a remember
    secret, replaced each time it brings a new browser session back (the previous one stays good
    for a minute, for two requests racing with the same cookie)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    remember_sha256: Mapped[str | None] = mapped_column(String(64))
    previous_remember_sha256: Mapped[str | None] = mapped_column(String(64))
    remember_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    browser: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInThrottle(db.Model):
    """Failed password checks for one email address, known or not (the sign-in slow-down).

    Keyed by an HMAC of the normalised address, so an unknown address is slowed down exactly
    like a real account and the table names no one. The row goes at the next success."""

    __table_args__ = (Index("ix_sign_in_throttle_last_failure_at", "last_failure_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
