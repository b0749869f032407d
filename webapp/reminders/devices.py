"""Removing a device from the list, and remembering that it was removed.

A browser sends its push subscription again on every app start (Chrome never fires
pushsubscriptionchange). Without a record of the removal, a device removed from another one
would quietly come back the next time it opened Rebound."""

from __future__ import annotations

import hashlib
from datetime import datetime

from webapp.extensions import db
from webapp.reminders.models import PushSubscription, RemovedDevice

# A person has a phone, a laptop, perhaps a tablet and an old phone or two: ten is plenty, and it
# bounds what one account can make the sender do.
MAX_DEVICES = 10
# A test push makes the server send a signed request to every device of the account: a few a
# minute is plenty for a person, and no one can make it a way to send requests at will.
TEST_PUSH_LIMIT = "5 per minute;30 per hour"


def endpoint_digest(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode("utf-8", "surrogatepass")).hexdigest()


def remove(subscription: PushSubscription, now: datetime) -> None:
    """Stop reminders to the device and remember, for its owner, that they removed it."""
    digest = endpoint_digest(subscription.endpoint)
    known = db.session.scalar(
        db.select(RemovedDevice).filter_by(user_id=subscription.user_id, endpoint_sha256=digest)
    )
    if known is None:
        db.session.add(RemovedDevice(user_id=subscription.user_id, endpoint_sha256=digest, removed_at=now))
    else:
        known.removed_at = now
    db.session.delete(subscription)


def was_removed(user_id: int, endpoint: str) -> bool:
    digest = endpoint_digest(endpoint)
    return (
        db.session.scalar(
            db.select(db.func.count(RemovedDevice.id)).filter_by(user_id=user_id, endpoint_sha256=digest)
        )
        > 0
    )


def forget_removal(user_id: int, endpoint: str) -> None:
    """The user turned reminders on again on that device: it is theirs again."""
    db.session.execute(
        db.delete(RemovedDevice).where(
            RemovedDevice.user_id == user_id, RemovedDevice.endpoint_sha256 == endpoint_digest(endpoint)
        )
    )


def keep_newest_devices(user_id: int, keep: PushSubscription) -> None:
    """Make room for `keep` among the account's MAX_DEVICES: the devices seen longest ago go."""
    others = db.session.scalars(
        db.select(PushSubscription)
        .where(PushSubscription.user_id == user_id, PushSubscription.id != keep.id)
        .order_by(PushSubscription.last_seen_at.desc(), PushSubscription.id.desc())
        .offset(MAX_DEVICES - 1)
    ).all()
    for device in others:
        db.session.delete(device)
