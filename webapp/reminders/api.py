"""Push subscriptions, test pushes and "Later" from a notification (CONTRACT.md JSON API)."""

from __future__ import annotations

import base64
import binascii
import hmac

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from webapp.clock import utcnow
from webapp.extensions import account_key, csrf, db, limiter
from webapp.i18n import remember_browser_language
from webapp.i18n.translations import gettext as _
from webapp.reminders import messages
from webapp.reminders.core import SNOOZE, is_allowed_endpoint
from webapp.reminders.devices import TEST_PUSH_LIMIT, forget_removal, keep_newest_devices, was_removed
from webapp.reminders.models import Occurrence, PushSubscription
from webapp.reminders.sender import is_wanted, send_test
from webapp.web import api_error, json_object

bp = Blueprint("reminders_api", __name__)


def _b64url(value, size: int | None, field: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise ValueError(f"{field} must be base64url text.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"{field} must be base64url text.") from error
    if size is not None and len(raw) != size:
        raise ValueError(f"{field} has the wrong length.")
    return value


def device_name(stored: str) -> str:
    """A device's stored label ("Chrome on Android", `browser_label`) in the reader's language.

    Labels are stored in English, from a closed list of browser and system names (the export keeps
    them so); only their words are translated when shown."""
    browser, joined, system = (stored or "").partition(" on ")
    if not browser or browser == "A browser":
        browser = _("A browser")
    if joined:
        # NOTE: A device in a list: a browser's and a system's names, such as "Chrome on Android".
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser


def browser_label(user_agent: str) -> str:
    """A short name for the device list: "Chrome on Android", "Safari on iPhone"."""
    agent = user_agent or ""
    browser = next(
        (
            name
            for key, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if key in agent
        ),
        "A browser",
    )
    system = next(
        (
            name
            for key, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Mac OS X", "Mac"),
                ("Windows", "Windows"),
                ("Linux", "Linux"),
            )
            if key in agent
        ),
        "",
    )
    return f"{browser} on {system}" if system else browser


@bp.get("/api/push/public-key")
def public_key():
    return jsonify({"public_key": current_app.config["VAPID_PUBLIC_KEY"]})


@bp.post("/api/push/subscriptions")
@login_required
def subscribe():
    body = json_object()
    endpoint = body.get("endpoint")
    keys = body.get("keys")
    # A NUL is in no real endpoint, and PostgreSQL can't even compare text holding one.
    if not isinstance(endpoint, str) or "\x00" in endpoint or not isinstance(keys, dict):
        return api_error(400, "invalid_subscription", _("Send the browser's PushSubscription as JSON."))
    if not is_allowed_endpoint(endpoint, current_app.config["PUSH_ALLOWED_HOSTS"]):
        return api_error(
            400, "push_host_not_allowed", _("This browser's push service isn't one Rebound can send to.")
        )
    # The app's own re-send on each start says `"refresh": true`; a tap on "Turn on reminders" doesn't.
    refresh = body.get("refresh", False)
    if not isinstance(refresh, bool):
        return api_error(400, "invalid_subscription", '"refresh" must be true or false.')
    try:
        p256dh = _b64url(keys.get("p256dh"), 65, "keys.p256dh")
        auth = _b64url(keys.get("auth"), 16, "keys.auth")
    except ValueError as problem:
        return api_error(400, "invalid_subscription", str(problem))
    if refresh and was_removed(current_user.id, endpoint):
        return api_error(
            410,
            "device_removed",
            _("This device was removed from your reminders. Turn reminders on here again to get them."),
        )
    if not refresh:
        forget_removal(current_user.id, endpoint)
    now = utcnow()
    existing = db.session.scalar(db.select(PushSubscription).filter_by(endpoint=endpoint))
    status = 201
    if existing is None:
        existing = PushSubscription(endpoint=endpoint, user_id=current_user.id, created_at=now)
        db.session.add(existing)
    elif existing.user_id == current_user.id:
        status = 200
    elif hmac.compare_digest(existing.auth, auth):
        # The same browser (it holds the subscription's secret) now belongs to whoever is signed
        # in on it.
        existing.user_id = current_user.id
        existing.created_at = now
    else:
        # An endpoint alone is no proof of owning the browser: anyone who saw it could otherwise
        # take another person's reminders.
        db.session.rollback()
        return api_error(
            409, "device_taken", _("This push subscription belongs to another browser; it wasn't moved.")
        )
    existing.p256dh, existing.auth = p256dh, auth
    # Reminders are written in the language this browser asks for, unless the account names one.
    remember_browser_language(current_user)
    existing.browser = browser_label(request.headers.get("User-Agent", ""))[:120]
    existing.last_seen_at = now
    existing.flagged_at, existing.flag_reason = None, ""
    try:
        db.session.flush()
        keep_newest_devices(current_user.id, existing)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return api_error(409, "conflict", _("This device was registered at the same moment; try again."))
    return jsonify({"id": existing.id, "browser": existing.browser}), status


@bp.delete("/api/push/subscriptions")
@login_required
def unsubscribe():
    body = json_object()
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str) or "\x00" in endpoint:
        return api_error(400, "invalid_subscription", _('Send {"endpoint": ...}.'))
    deleted = db.session.execute(
        db.delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == current_user.id
        )
    ).rowcount
    db.session.commit()
    return jsonify({"deleted": bool(deleted)})


@bp.post("/api/push/test")
@login_required
@limiter.shared_limit(TEST_PUSH_LIMIT, scope="push-test", key_func=account_key)
def test_push():
    """Send a test notification now to every device of the signed-in user."""
    result = send_test(current_user, utcnow())
    return jsonify({"accepted": result.sent, "failed": result.failed + result.retried + result.gone})


@bp.post("/api/reminders/snooze")
@csrf.exempt
def snooze():
    """ "Later" on a notification: one more reminder in an hour, on every device, unless done by then.

    The service worker has no CSRF token, so the request carries the signed, single-use token
    from the notification's payload instead; no session is needed.
    """
    body = json_object()
    read = messages.read_snooze_token(current_app.config["SECRET_KEY"], body.get("token"))
    if read is None:
        return api_error(400, "invalid_token", _("This reminder can't be snoozed any more."))
    occurrence_id, user_id = read
    original = db.session.get(Occurrence, occurrence_id)
    if original is None or original.user_id != user_id or original.routine == "test":
        return api_error(404, "not_found", _("That reminder no longer exists."))
    now = utcnow()
    from webapp.auth.models import User

    user = db.session.get(User, user_id)
    if not is_wanted(user, original.routine, original.local_day):
        return jsonify({"snoozed": False, "reason": _("Already done or paused.")})
    later = Occurrence(
        user_id=user_id,
        routine=original.routine,
        local_day=original.local_day,
        kind=f"snooze-{original.id}",
        due_at=now + SNOOZE,
        status="pending",
        created_at=now,
    )
    db.session.add(later)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return api_error(409, "already_used", _("This reminder was already snoozed."))
    return jsonify({"snoozed": True, "due_at": later.due_at.isoformat()}), 201
