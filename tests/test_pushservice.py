"""The local push service (tests/pushservice.py) accepts what a real one accepts and refuses the rest.

Every positive test goes through the real ``pywebpush.webpush()``; the malformed-JWT cases are built by hand
with ``cryptography`` (ES256, raw r||s signature) and posted with ``requests``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from py_vapid import Vapid01
from pywebpush import WebPusher, WebPushException, webpush

try:  # tests/ as a package (tests/__init__.py or rootdir on sys.path) ...
    from tests.pushservice import PushService, decrypt_aes128gcm, generate_vapid_keys
except ModuleNotFoundError:  # ... or pytest's default rootdir-less "prepend" import of tests/
    from pushservice import PushService, decrypt_aes128gcm, generate_vapid_keys

SUBJECT = "mailto:ops@example.com"
PAYLOAD = {"title": "Rebound", "body": "Two minutes: name one setback and one next step.", "url": "/today"}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def raw_private_key(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def es256_jwt(key: ec.EllipticCurvePrivateKey, claims: dict, header: dict | None = None) -> str:
    """A JWS compact token signed ES256 with the signature as raw r||s (RFC 7518 §3.4), not DER."""
    head = b64url(json.dumps(header or {"typ": "JWT", "alg": "ES256"}).encode())
    body = b64url(json.dumps(claims).encode())
    r, s = decode_dss_signature(key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{head}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@pytest.fixture
def vapid_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def push(vapid_key):
    with PushService(vapid_public_key=public_b64(vapid_key)) as service:
        yield service


def send(sub, private_key, data=PAYLOAD, **kwargs) -> requests.Response:
    """pywebpush.webpush as the app calls it (fresh claims dict each time: webpush mutates it)."""
    return webpush(
        sub.as_json(),
        data=json.dumps(data),
        vapid_private_key=private_key,
        vapid_claims={"sub": SUBJECT},
        **{"ttl": 60, "timeout": 5, **kwargs},
    )


def post_by_hand(push, sub, *, jwt: str, key: str, headers: dict | None = None, omit: tuple = ()):
    body = WebPusher(sub.as_json()).encode(json.dumps(PAYLOAD).encode())["body"]
    sent = {"Authorization": f"vapid t={jwt}, k={key}", "Content-Encoding": "aes128gcm", "TTL": "60"}
    sent.update(headers or {})
    for name in omit:
        sent.pop(name)
    return requests.post(sub.endpoint, data=body, headers=sent, timeout=5)


def good_claims(push, **overrides) -> dict:
    claims = {"aud": push.origin, "exp": int(time.time()) + 3600, "sub": SUBJECT}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_the_decryptor_reproduces_the_rfc_8291_appendix_a_example():
    ua_private = ec.derive_private_key(
        int.from_bytes(base64.urlsafe_b64decode("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94="), "big"),
        ec.SECP256R1(),
    )
    body = base64.urlsafe_b64decode(
        "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6P"
        "Bru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
    )
    auth_secret = base64.urlsafe_b64decode("BTBZMqHH6r4Tts7J_aSIgg==")

    assert public_b64(ua_private) == (
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
    )
    assert decrypt_aes128gcm(body, ua_private, auth_secret) == b"When I grow up, I want to be a watermelon"
    with pytest.raises(ValueError, match="authentication tag"):
        decrypt_aes128gcm(body, ua_private, bytes(16))


def test_a_message_with_valid_vapid_is_received_and_decrypts_to_the_exact_payload(push, vapid_key):
    sub = push.new_subscription()
    response = send(
        sub, raw_private_key(vapid_key), ttl=3600, headers={"Topic": "daily-reminder", "Urgency": "high"}
    )

    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"{push.origin}/message/")
    [message] = push.messages_for(sub)
    assert message.json() == PAYLOAD
    assert message.payload == json.dumps(PAYLOAD).encode()
    assert (message.ttl, message.topic, message.urgency) == (3600, "daily-reminder", "high")
    assert message.endpoint == sub.endpoint and message.token == sub.token
    assert message.claims["aud"] == push.origin and message.claims["sub"] == SUBJECT
    assert message.headers["content-encoding"] == "aes128gcm"
    assert push.rejected == []


def test_pywebpush_sends_the_rfc8292_vapid_authorization_header_and_no_crypto_key(push, vapid_key):
    sub = push.new_subscription()
    send(sub, raw_private_key(vapid_key))

    [message] = push.received
    scheme, _, params = message.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    assert dict(p.split("=", 1) for p in params.split(","))["k"] == public_b64(vapid_key)
    assert "crypto-key" not in message.headers


def test_subscription_json_looks_like_the_browsers_push_subscription(push):
    sub = push.new_subscription()
    data = sub.as_json()

    assert data == {
        "endpoint": sub.endpoint,
        "expirationTime": None,
        "keys": {"p256dh": sub.p256dh, "auth": sub.auth},
    }
    assert sub.endpoint.startswith(f"{push.origin}/push/")
    assert len(base64.urlsafe_b64decode(sub.p256dh + "==")) == 65
    assert len(base64.urlsafe_b64decode(sub.auth + "==")) == 16


def test_a_message_signed_with_another_key_than_the_configured_one_is_rejected(push):
    sub = push.new_subscription()
    other = ec.generate_private_key(ec.SECP256R1())

    with pytest.raises(WebPushException) as caught:
        send(sub, raw_private_key(other))

    assert caught.value.status_code in (401, 403)
    assert push.received == []
    assert [r.reason for r in push.rejected] == ["VAPID key mismatch"]


def test_a_jwt_whose_signature_does_not_match_the_advertised_key_is_rejected(push, vapid_key):
    sub = push.new_subscription()
    forged = es256_jwt(ec.generate_private_key(ec.SECP256R1()), good_claims(push))

    response = post_by_hand(push, sub, jwt=forged, key=public_b64(vapid_key))

    assert response.status_code == 403
    assert push.received == []
    assert push.rejected[0].reason == "bad VAPID signature"


def test_without_a_configured_key_the_jwt_is_verified_against_the_k_parameter():
    signer, impostor = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    with PushService() as push:
        sub = push.new_subscription()
        assert send(sub, raw_private_key(signer)).status_code == 201
        response = post_by_hand(push, sub, jwt=es256_jwt(impostor, good_claims(push)), key=public_b64(signer))

        assert response.status_code == 403
        assert [r.reason for r in push.rejected] == ["bad VAPID signature"]
        assert len(push.received) == 1


def test_a_hand_built_jwt_with_good_claims_is_accepted(push, vapid_key):
    sub = push.new_subscription()

    response = post_by_hand(push, sub, jwt=es256_jwt(vapid_key, good_claims(push)), key=public_b64(vapid_key))

    assert response.status_code == 201
    assert push.messages_for(sub)[0].json() == PAYLOAD


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "https://fcm.googleapis.com"}, "aud mismatch"),
        ({"aud": "AUD/"}, "aud mismatch"),
        ({"exp": -60}, "expired"),
        ({"exp": 24 * 3600 + 120}, "exp too far"),
        ({"exp": None}, "missing exp"),
        ({"sub": None}, "missing sub"),
        ({"sub": "ops@example.com"}, "bad sub"),
    ],
    ids=[
        "foreign-aud",
        "aud-with-trailing-slash",
        "expired",
        "exp-over-24h",
        "no-exp",
        "no-sub",
        "sub-not-mailto",
    ],
)
def test_a_jwt_with_bad_claims_is_rejected(push, vapid_key, overrides, reason):
    sub = push.new_subscription()
    claims = good_claims(push)
    for name, value in overrides.items():
        if value is None:
            claims.pop(name)
        elif name == "exp":
            claims["exp"] = int(time.time()) + value
        elif value == "AUD/":
            claims["aud"] = push.origin + "/"
        else:
            claims[name] = value

    response = post_by_hand(push, sub, jwt=es256_jwt(vapid_key, claims), key=public_b64(vapid_key))

    assert response.status_code == 403
    assert push.received == []
    assert [r.reason for r in push.rejected] == [reason]
    assert push.rejected[0].status == 403


def test_a_jwt_with_an_alg_other_than_es256_is_rejected(push, vapid_key):
    sub = push.new_subscription()
    jwt = es256_jwt(vapid_key, good_claims(push), header={"typ": "JWT", "alg": "HS256"})

    assert post_by_hand(push, sub, jwt=jwt, key=public_b64(vapid_key)).status_code == 403
    assert push.rejected[0].reason == "unsupported JWT alg"


def test_the_draft_webpush_authorization_form_is_refused_with_401(push, vapid_key):
    sub = push.new_subscription()
    legacy = Vapid01.from_raw(raw_private_key(vapid_key).encode())

    with pytest.raises(WebPushException) as caught:
        send(sub, legacy)

    assert caught.value.status_code == 401
    assert push.rejected[0].reason == "unsupported Authorization scheme"
    assert push.rejected[0].headers["crypto-key"].startswith("p256ecdsa=")


def test_a_request_without_authorization_is_refused_with_401(push, vapid_key):
    sub = push.new_subscription()

    response = post_by_hand(push, sub, jwt="x", key="y", omit=("Authorization",))

    assert response.status_code == 401
    assert push.rejected[0].reason == "missing Authorization"


def test_a_request_without_ttl_is_refused_with_400(push, vapid_key):
    sub = push.new_subscription()

    response = post_by_hand(
        push, sub, jwt=es256_jwt(vapid_key, good_claims(push)), key=public_b64(vapid_key), omit=("TTL",)
    )

    assert response.status_code == 400
    assert push.rejected[0].reason == "missing TTL"
    assert push.received == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"TTL": "-1"}, "bad TTL"),
        ({"Topic": "has spaces"}, "bad Topic"),
        ({"Topic": "t" * 33}, "bad Topic"),
        ({"Urgency": "urgent"}, "bad Urgency"),
        ({"Content-Encoding": "aesgcm"}, "bad Content-Encoding"),
    ],
)
def test_malformed_push_headers_are_refused_with_400(push, vapid_key, headers, reason):
    sub = push.new_subscription()

    response = post_by_hand(
        push, sub, jwt=es256_jwt(vapid_key, good_claims(push)), key=public_b64(vapid_key), headers=headers
    )

    assert response.status_code == 400
    assert push.rejected[0].reason == reason


def test_a_payload_encrypted_for_another_subscriptions_keys_cannot_be_decrypted(push, vapid_key):
    target, other = push.new_subscription(), push.new_subscription()
    misaddressed = {**target.as_json(), "keys": other.as_json()["keys"]}

    with pytest.raises(WebPushException) as caught:
        webpush(
            misaddressed,
            data=json.dumps(PAYLOAD),
            vapid_private_key=raw_private_key(vapid_key),
            vapid_claims={"sub": SUBJECT},
            ttl=60,
            timeout=5,
        )

    assert caught.value.status_code == 400
    assert push.rejected[0].reason == "cannot decrypt"
    assert push.received == []


def test_a_body_over_4096_bytes_is_refused_with_413(push, vapid_key):
    sub = push.new_subscription()

    with pytest.raises(WebPushException) as caught:
        send(sub, raw_private_key(vapid_key), data={"body": "x" * 4000})

    assert caught.value.status_code == 413
    assert push.rejected[0].reason == "payload too large"


def test_an_unknown_subscription_is_answered_404(push, vapid_key):
    sub = push.new_subscription()
    push.unsubscribe(sub)

    with pytest.raises(WebPushException) as caught:
        send(sub, raw_private_key(vapid_key))

    assert caught.value.status_code == 404
    assert push.rejected[0].reason == "unknown subscription"


def test_fail_next_410_answers_gone_once_then_delivers(push, vapid_key):
    sub = push.new_subscription()
    push.fail_next(sub.endpoint, 410)

    with pytest.raises(WebPushException) as caught:
        send(sub, raw_private_key(vapid_key))
    assert caught.value.status_code == 410
    assert push.received == []

    assert send(sub, raw_private_key(vapid_key)).status_code == 201
    assert [r.status for r in push.rejected] == [410]


def test_fail_next_429_carries_retry_after_and_applies_to_any_endpoint_when_none(push, vapid_key):
    first, second = push.new_subscription(), push.new_subscription()
    push.fail_next(None, 429, times=2, retry_after=30)

    for sub in (first, second):
        with pytest.raises(WebPushException) as caught:
            send(sub, raw_private_key(vapid_key))
        assert caught.value.status_code == 429
        assert caught.value.retry_after == "30"

    assert send(first, raw_private_key(vapid_key)).status_code == 201


def test_fail_next_only_hits_the_named_endpoint(push, vapid_key):
    doomed, fine = push.new_subscription(), push.new_subscription()
    push.fail_next(doomed, 500)

    assert send(fine, raw_private_key(vapid_key)).status_code == 201
    with pytest.raises(WebPushException) as caught:
        send(doomed, raw_private_key(vapid_key))
    assert caught.value.status_code == 500


def test_a_307_redirect_is_followed_with_the_body_and_delivered(push, vapid_key):
    sub = push.new_subscription()
    push.fail_next(sub, 307, redirect_to=sub.endpoint)

    response = send(sub, raw_private_key(vapid_key))

    assert response.status_code == 201
    assert [r.status_code for r in response.history] == [307]
    assert response.history[0].headers["Location"] == sub.endpoint
    assert push.messages_for(sub)[0].json() == PAYLOAD


def test_a_302_redirect_turns_the_post_into_a_get_which_is_refused(push, vapid_key):
    sub = push.new_subscription()
    push.fail_next(sub, 302, redirect_to=sub.endpoint)

    with pytest.raises(WebPushException) as caught:
        send(sub, raw_private_key(vapid_key))

    assert caught.value.status_code == 405
    assert [r.status_code for r in caught.value.response.history] == [302]
    assert [(r.method, r.status) for r in push.rejected] == [("POST", 302), ("GET", 405)]
    assert push.received == []


def test_a_hang_trips_the_client_timeout(push, vapid_key):
    sub = push.new_subscription()
    push.fail_next(sub, 504, hang=5)

    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        send(sub, raw_private_key(vapid_key), timeout=0.2)

    assert time.monotonic() - started < 2
    assert push.received == []


def test_wait_for_returns_as_soon_as_a_message_arrives_from_another_thread(push, vapid_key):
    sub = push.new_subscription()
    sender = threading.Thread(target=send, args=(sub, raw_private_key(vapid_key)))

    started = time.monotonic()
    sender.start()
    assert push.wait_for(1, timeout=5)
    sender.join()

    assert time.monotonic() - started < 2
    assert push.wait_for(2, timeout=0.05) is False
    assert len(push.messages_for(sub)) == 1


def test_answer_delay_is_served_concurrently(vapid_key):
    with PushService(vapid_public_key=public_b64(vapid_key), answer_delay=0.1) as push:
        subs = [push.new_subscription() for _ in range(40)]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(lambda s: send(s, raw_private_key(vapid_key)).status_code, subs))
        elapsed = time.monotonic() - started

    assert statuses == [201] * 40
    assert elapsed < 1.5  # serially this would take 4 s
    assert len(push.received) == 40


def test_generate_vapid_keys_gives_a_raw_private_key_pywebpush_accepts(push):
    private, public = generate_vapid_keys()
    with PushService(vapid_public_key=public) as own:
        sub = own.new_subscription()
        assert send(sub, private).status_code == 201
        assert own.received[0].json() == PAYLOAD


def test_pywebpush_accepts_raw_der_and_pem_file_keys_but_not_a_pem_string(push, vapid_key, tmp_path):
    sub = push.new_subscription()
    der = vapid_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = vapid_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem_file = tmp_path / "vapid.pem"
    pem_file.write_bytes(pem)

    for form in (raw_private_key(vapid_key), b64url(der), str(pem_file)):
        assert send(sub, form).status_code == 201
    with pytest.raises(ValueError):
        send(sub, pem.decode())
    assert len(push.received) == 3
