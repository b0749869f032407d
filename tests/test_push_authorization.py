"""The VAPID Authorization header is signed once per push service and reused for most of its life.

An ES256 signature per message cost more than encrypting it; a push service accepts the same
token for every message until it expires (RFC 8292: at most 24 hours; ours live 12), so the
sender keeps one per push-service origin and signs a new one an hour before the old one ends.
"""

from __future__ import annotations

import base64
import json

from tests.pushservice import PushService, generate_vapid_keys
from webapp.reminders.send import (
    RENEW_BEFORE_SECONDS,
    TOKEN_LIFETIME_SECONDS,
    VapidHeaders,
    deliver,
    new_session,
)

SUBJECT = "mailto:ops@example.com"
START = 1_800_000_000.0


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def claims(headers: dict[str, str]) -> dict:
    token = dict(part.split("=", 1) for part in headers["Authorization"].split(" ", 1)[1].split(","))["t"]
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_one_header_per_push_service_is_reused_and_renewed_an_hour_before_it_expires():
    private, _public = generate_vapid_keys()
    clock = Clock(START)
    vapid = VapidHeaders(clock=clock)
    first = vapid.for_endpoint("https://fcm.googleapis.com/fcm/send/aaa", private, SUBJECT)
    assert claims(first) == {"sub": SUBJECT, "aud": "https://fcm.googleapis.com", "exp": START + 12 * 3600}
    # Another device on the same push service: the same header, not a new signature.
    assert vapid.for_endpoint("https://fcm.googleapis.com/fcm/send/bbb", private, SUBJECT) is first
    # Another push service gets its own audience.
    mozilla = vapid.for_endpoint("https://updates.push.services.mozilla.com/wpush/v2/x", private, SUBJECT)
    assert claims(mozilla)["aud"] == "https://updates.push.services.mozilla.com"

    clock.now = START + TOKEN_LIFETIME_SECONDS - RENEW_BEFORE_SECONDS - 1
    assert vapid.for_endpoint("https://fcm.googleapis.com/fcm/send/ccc", private, SUBJECT) is first
    clock.now += 1  # an hour left: renewed
    renewed = vapid.for_endpoint("https://fcm.googleapis.com/fcm/send/ccc", private, SUBJECT)
    assert renewed is not first
    assert claims(renewed)["exp"] == clock.now + TOKEN_LIFETIME_SECONDS
    # A different key or subject never gets another's header.
    other_private, _ = generate_vapid_keys()
    assert vapid.for_endpoint("https://fcm.googleapis.com/x", other_private, SUBJECT) != renewed
    assert claims(vapid.for_endpoint("https://fcm.googleapis.com/x", private, "mailto:b@example.com"))[
        "sub"
    ] == ("mailto:b@example.com")


def test_a_push_service_accepts_every_message_sent_with_the_reused_header():
    private, public = generate_vapid_keys()
    vapid = VapidHeaders()
    session = new_session(2)
    with PushService(vapid_public_key=public) as push:
        devices = [push.new_subscription() for _ in range(3)]
        for number, device in enumerate(devices):
            delivery = deliver(
                session,
                device.endpoint,
                device.p256dh,
                device.auth,
                {"n": number},
                private_key=private,
                subject=SUBJECT,
                ttl=60,
                topic=f"occurrence{number}",
                vapid=vapid,
            )
            assert delivery.status == 201, delivery
        assert push.rejected == []
        assert [push.messages_for(device)[0].json() for device in devices] == [{"n": 0}, {"n": 1}, {"n": 2}]
        assert len({message.headers["authorization"] for message in push.received}) == 1
