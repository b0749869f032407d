"""The per-account sign-in slow-down, safe against parallel guesses.

Every password check (signing in, changing the password, deleting the account) first claims a
try: a compare-and-set on the address's failure count, committed before the slow password
hash runs. Of many parallel guesses only those the slow-down allows are checked, and each of
them is already counted; a success clears the count. Unknown addresses are counted the same
way, so the answers never tell whether an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth import models as auth_models
from webapp.auth.core import seconds_until_login_allowed
from webapp.auth.models import SignInThrottle
from webapp.extensions import db
from webapp.i18n.translations import ngettext

# Counts older than this are forgotten when a new address is counted (the longest wait is a
# minute; a day keeps the table small without forgiving a slow, patient guesser too early).
FORGET_AFTER = timedelta(days=1)


def _key(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def claim_try(email: str, now: datetime) -> int:
    """0 when a password check for `email` may run now (and it is counted as a failure until
    `succeeded` says otherwise), else the whole seconds left to wait. Commits."""
    key = _key(email)
    for _attempt in range(8):
        db.session.commit()  # a fresh look at the row, not one from earlier in the request
        row = db.session.get(SignInThrottle, key, populate_existing=True)
        if row is None:
            db.session.execute(
                db.delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER)
            )
            db.session.add(SignInThrottle(key=key, failures=1, last_failure_at=now))
            try:
                db.session.commit()
            except IntegrityError:  # another try counted this address first: look again
                db.session.rollback()
                continue
            return 0
        failures, last = row.failures, row.last_failure_at
        wait = seconds_until_login_allowed(failures, last, now)
        if wait:
            db.session.commit()
            return wait
        claimed = db.session.execute(
            db.update(SignInThrottle)
            .where(
                SignInThrottle.key == key,
                SignInThrottle.failures == failures,
                SignInThrottle.last_failure_at == last,
            )
            .values(failures=failures + 1, last_failure_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed:
            return 0
    return 1  # lost the race every time: someone else is guessing right now


def succeeded(email: str) -> None:
    """The password was right: the address starts afresh. Commits."""
    db.session.execute(db.delete(SignInThrottle).where(SignInThrottle.key == _key(email)))
    db.session.commit()


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not anyone's password", method=method)


def check_password(user, password: str) -> bool:
    """The password check, as slow for an address without an account as for one with (the
    dummy is hashed with the method accounts are hashed with now)."""
    if user is None:
        check_password_hash(_dummy_hash(auth_models.PASSWORD_METHOD), password)
        return False
    return user.check_password(password)


def wait_message(wait: int) -> str:
    return ngettext(
        "Too many attempts for this account. Please wait %(num)d second and try again.",
        "Too many attempts for this account. Please wait %(num)d seconds and try again.",
        wait,
    )
