"""Signed-in devices: a server-side record per sign-in, checked on every request.

The session cookie carries `<sign-in id>:<secret>` as Flask-Login's user id; loading the user is
one indexed lookup of the sign-in joined with its user. Signing out deletes the record, so a
copied cookie stops working at once. "Keep me signed in" sets a second cookie with the same id
and a remember secret: it brings the device back after the browser closed, and is replaced by a
fresh one each time it does. Every sign-in ends 60 days after it last came back that way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, g, request, session
from flask_login import login_user
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from webapp.auth.models import SignInSession, User
from webapp.clock import utcnow
from webapp.database import first_row
from webapp.extensions import db, login_manager

LIFETIME = timedelta(days=60)
REMEMBER_COOKIE = "rebound_remember"
# Two requests may bring a closed browser back at once with the same remember cookie (a page and
# the service worker's fetch): the one that loses the race may still use the old secret briefly.
ROTATION_GRACE = timedelta(minutes=1)
# "Last active" on /account is kept to the nearest few minutes: a write per request would cost
# more than the request.
SEEN_EVERY = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(value: str | None) -> tuple[int, str] | None:
    sign_in_id, _, secret = (value or "").partition(":")
    if not sign_in_id.isdigit() or len(sign_in_id) > 18 or not 20 <= len(secret) <= 64:
        return None
    return int(sign_in_id), secret


def _browser() -> str:
    from webapp.reminders.api import browser_label

    return browser_label(request.headers.get("User-Agent", ""))[:120]


def start(user: User, remember: bool, now: datetime) -> None:
    """Sign `user` in on this device: a new record, a fresh session, and the remember cookie.

    Commits (the record must exist before the cookie naming it is sent)."""
    secret = secrets.token_urlsafe(32)
    record = SignInSession(
        user_id=user.id,
        secret_sha256=_digest(secret),
        browser=_browser(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + LIFETIME,
    )
    remember_secret = None
    if remember:
        remember_secret = secrets.token_urlsafe(32)
        record.remember_sha256 = _digest(remember_secret)
        record.remember_rotated_at = now
    db.session.add(record)
    # Ended sign-ins go when the account next signs in: the table never grows without bound.
    db.session.execute(
        db.delete(SignInSession).where(SignInSession.user_id == user.id, SignInSession.expires_at <= now)
    )
    db.session.flush()
    db.session.commit()
    user.sign_in, user.login_id = record, f"{record.id}:{secret}"
    # A fresh session: nothing from before (a planted id, an old token) carries over.
    session.clear()
    login_user(user)
    session.permanent = True
    g.remember_cookie = f"{record.id}:{remember_secret}" if remember_secret else ""


def end(sign_in_id: int, user_id: int) -> bool:
    """End one of the user's sign-ins (never anyone else's). Commits."""
    deleted = db.session.execute(
        db.delete(SignInSession).where(SignInSession.id == sign_in_id, SignInSession.user_id == user_id)
    ).rowcount
    db.session.commit()
    return bool(deleted)


def end_all(user_id: int, keep: int | None = None) -> None:
    """End every sign-in of the user (but `keep`, when given), in the caller's transaction."""
    query = db.delete(SignInSession).where(SignInSession.user_id == user_id)
    if keep is not None:
        query = query.where(SignInSession.id != keep)
    db.session.execute(query)


def forget_this_device() -> None:
    """After sign-out: drop the session and tell the browser to drop the remember cookie."""
    session.clear()
    g.remember_cookie = ""


@dataclass(frozen=True)
class Device:
    id: int
    browser: str
    created_at: datetime
    last_seen_at: datetime
    is_this_device: bool


def devices(user: User, now: datetime) -> list[Device]:
    """The user's live sign-ins, this device first, then the most recently active."""
    rows = db.session.scalars(
        db.select(SignInSession)
        .where(SignInSession.user_id == user.id, SignInSession.expires_at > now)
        .order_by(SignInSession.last_seen_at.desc(), SignInSession.id.desc())
    )
    current = user.sign_in.id if user.sign_in is not None else None
    found = [Device(row.id, row.browser, row.created_at, row.last_seen_at, row.id == current) for row in rows]
    return sorted(found, key=lambda device: not device.is_this_device)


@dataclass(frozen=True)
class SignIn:
    """A sign-in as a request checks it (the columns of its SignInSession row)."""

    id: int
    user_id: int
    secret_sha256: str
    remember_sha256: str | None
    previous_remember_sha256: str | None
    remember_rotated_at: datetime | None
    last_seen_at: datetime
    expires_at: datetime


_SIGN_INS, _USERS = SignInSession.__table__, User.__table__
_SIGN_IN_COLUMNS = [_SIGN_INS.c[field] for field in SignIn.__dataclass_fields__]
_USER_ATTRIBUTES = [User.__mapper__.get_property_by_column(column).key for column in _USERS.c]
_USER_ID = _USER_ATTRIBUTES.index("id")

# Built once, the id bound per request: every signed-in request runs it. Core rather than the
# ORM, and sent straight through the driver (`first_row`): the ORM's execution and loading of two
# entities, and then SQLAlchemy's own execution, cost more than the query itself.
_LOAD = (
    db.select(*_SIGN_IN_COLUMNS, *_USERS.c)
    .join_from(_SIGN_INS, _USERS, _USERS.c.id == _SIGN_INS.c.user_id)
    .where(_SIGN_INS.c.id == db.bindparam("sign_in_id"))
)


def _load(sign_in_id: int) -> tuple[SignIn, User] | None:
    row = first_row(db.session.connection(), _LOAD, {"sign_in_id": sign_in_id})
    if row is None:
        return None
    split = len(_SIGN_IN_COLUMNS)
    return SignIn(*row[:split]), _session_user(row[split:])


def _session_user(values) -> User:
    """The user of these column values, as the request's session holds it: its own copy when it
    has one (as a query would give), else one made persistent from the values without a query.

    Changes to it are flushed and committed, expired and reloaded like those of a loaded row."""
    existing = db.session.identity_map.get(identity_key(User, values[_USER_ID]))
    if existing is not None:
        return existing
    user = User.__mapper__.class_manager.new_instance()
    user.__dict__.update(zip(_USER_ATTRIBUTES, values, strict=True))
    make_transient_to_detached(user)  # as if loaded: these values are its committed state
    db.session.add(user)
    return user


def _seen(record: SignIn, now: datetime) -> None:
    if now - record.last_seen_at < SEEN_EVERY:
        return
    # On a connection of its own: committing the request's session here would expire its objects.
    with db.engine.begin() as connection:
        connection.execute(
            db.update(SignInSession).where(SignInSession.id == record.id).values(last_seen_at=now)
        )


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """The session cookie's sign-in and its user, in one indexed lookup; None once it has ended."""
    parts = _split(login_id)
    if parts is None:
        return None
    found = _load(parts[0])
    now = utcnow()
    if found is None:
        return None
    record, user = found
    if not hmac.compare_digest(record.secret_sha256, _digest(parts[1])) or record.expires_at <= now:
        return None
    _seen(record, now)
    user.sign_in, user.login_id = record, login_id
    return user


@login_manager.request_loader
def load_from_remember_cookie(_request) -> User | None:
    """A device that chose "keep me signed in" coming back after its browser closed.

    Both secrets are replaced (only their hashes are stored, so the session needs a new one),
    and the sign-in lives another 60 days. A stale remember cookie is deleted."""
    parts = _split(request.cookies.get(REMEMBER_COOKIE))
    if parts is None:
        if REMEMBER_COOKIE in request.cookies:
            g.remember_cookie = ""
        return None
    now = utcnow()
    found = _load(parts[0])
    if found is None or found[0].expires_at <= now:
        g.remember_cookie = ""
        return None
    record, user = found
    offered = _digest(parts[1])
    if record.remember_sha256 is not None and hmac.compare_digest(record.remember_sha256, offered):
        secret, remember_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        # Only one of two racing requests replaces the secrets; the other uses the grace below.
        replaced = db.session.execute(
            db.update(SignInSession)
            .where(SignInSession.id == record.id, SignInSession.remember_sha256 == record.remember_sha256)
            .values(
                secret_sha256=_digest(secret),
                remember_sha256=_digest(remember_secret),
                previous_remember_sha256=record.remember_sha256,
                remember_rotated_at=now,
                last_seen_at=now,
                expires_at=now + LIFETIME,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if replaced:
            user = db.session.get(User, record.user_id)
            user.sign_in, user.login_id = db.session.get(SignInSession, record.id), f"{record.id}:{secret}"
            session.clear()
            login_user(user)
            session.permanent = True
            g.remember_cookie = f"{record.id}:{remember_secret}"
            return user
        record, user = _load(parts[0]) or (None, None)
        if record is None:
            return None
    if (
        record.previous_remember_sha256 is not None
        and hmac.compare_digest(record.previous_remember_sha256, offered)
        and record.remember_rotated_at is not None
        and now - record.remember_rotated_at < ROTATION_GRACE
    ):
        # This request lost the race: it is answered signed in, and the browser keeps the
        # cookies the winner set.
        user.sign_in = record
        return user
    g.remember_cookie = ""
    return None


def _set_remember_cookie(response):
    value = g.pop("remember_cookie", None)
    if value is None:
        return response
    secure = request.is_secure
    if value:
        response.set_cookie(
            REMEMBER_COOKIE,
            value,
            max_age=int(LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    else:
        response.delete_cookie(REMEMBER_COOKIE, httponly=True, samesite="Lax", secure=secure)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_remember_cookie)
