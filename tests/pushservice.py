"""A local Web Push service for tests: RFC 8030 delivery, RFC 8292 VAPID checks, RFC 8291 decryption.

It plays the part of the browser vendor's push service (FCM, Mozilla autopush, Apple) so a test can prove
that a phone would have received a message: the request must carry a valid VAPID JWT for this origin and
the body must decrypt with the subscription's keys, exactly as a real service and the browser check them.

    with PushService(vapid_public_key=public) as push:
        sub = push.new_subscription()
        webpush(sub.as_json(), data='{"title": "hi"}', vapid_private_key=private,
                vapid_claims={"sub": "mailto:ops@example.com"}, ttl=60)
        assert push.wait_for(1)
        assert push.messages_for(sub)[0].json() == {"title": "hi"}

What pywebpush 2.5 sends (``webpush()`` signs with ``py_vapid.Vapid`` == ``Vapid02``)::

    Authorization: vapid t=<header.claims.signature>,k=<base64url uncompressed P-256 public key>
    Content-Encoding: aes128gcm
    TTL: <ttl>

No ``Crypto-Key`` header. The draft form (``Authorization: WebPush <jwt>`` with
``Crypto-Key: p256ecdsa=<key>``) only appears when a caller passes a ``py_vapid.Vapid01`` instance, so
this service refuses it with 401 like anything else that is not RFC 8292.

VAPID private key forms accepted by ``pywebpush.webpush(vapid_private_key=...)`` (it calls
``Vapid.from_string`` unless the string is an existing file path):

* base64url raw 32-byte private scalar (what ``generate_vapid_keys()`` and ``webapp.config`` make) -- works;
* base64 / base64url of the PKCS8 DER -- works;
* a path to a PEM file -- works (``Vapid.from_file``);
* a ``py_vapid.Vapid`` instance -- works;
* a PEM *string* -- does NOT work (``from_string`` strips newlines and fails to parse it as DER).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import ssl
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "PushService",
    "Received",
    "Rejection",
    "Subscription",
    "b64url_decode",
    "b64url_encode",
    "decrypt_aes128gcm",
    "generate_vapid_keys",
    "public_key_b64",
]

MAX_BODY = 4096  # RFC 8030 §7.2: a push service must accept at least 4096 octets; we accept exactly that
MAX_EXP_AHEAD = 24 * 60 * 60  # RFC 8292 §2: exp MUST NOT be more than 24 hours from the time of the request
TOPIC_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")  # RFC 8030 §5.4: base64url alphabet, at most 32 characters
URGENCIES = ("very-low", "low", "normal", "high")  # RFC 8030 §5.3
PATH_RE = re.compile(r"/push/([A-Za-z0-9_-]+)")


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Strict base64url decoding; padding optional (RFC 7515 §2 uses none)."""
    if isinstance(text, str):
        text = text.encode("ascii")
    text = text.rstrip(b"=")
    if not re.fullmatch(rb"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))


def public_key_b64(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url_encode(raw)


def generate_vapid_keys() -> tuple[str, str]:
    """A fresh VAPID key pair as (private, public), both base64url without padding.

    The private half is the raw 32-byte scalar: the form ``py_vapid.Vapid.from_raw`` / ``from_string``
    reads, so it can be passed straight to ``pywebpush.webpush(vapid_private_key=...)``; it is also what
    ``webapp.config.new_vapid_key_pair`` stores. The public half is the uncompressed P-256 point (65 bytes),
    the browser's ``applicationServerKey`` and what ``PushService(vapid_public_key=...)`` expects.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url_encode(key.private_numbers().private_value.to_bytes(32, "big")), public_key_b64(key)


@dataclass(frozen=True)
class Subscription:
    """What the browser holds after PushManager.subscribe(): an endpoint plus its receiving keys."""

    endpoint: str
    token: str
    p256dh: str  # base64url uncompressed P-256 public key (ua_public)
    auth: str  # base64url 16-byte auth secret
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def auth_secret(self) -> bytes:
        return b64url_decode(self.auth)

    def as_json(self) -> dict[str, Any]:
        """The browser's PushSubscription.toJSON(), as the app receives and stores it."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


@dataclass(frozen=True)
class Received:
    """A message the service accepted (201) and successfully decrypted, i.e. what the phone would show."""

    endpoint: str
    token: str
    payload: bytes
    headers: dict[str, str]
    ttl: int
    topic: str | None
    urgency: str | None
    claims: dict[str, Any]
    received_at: float  # time.monotonic()

    def json(self) -> Any:
        return json.loads(self.payload.decode("utf-8"))


@dataclass(frozen=True)
class Rejection:
    """A refused request: the status answered and a short fixed reason (``detail`` says more)."""

    method: str
    path: str
    token: str | None
    status: int
    reason: str
    detail: str
    headers: dict[str, str]
    received_at: float


@dataclass
class _Failure:
    token: str | None
    status: int
    times: int
    retry_after: int | None
    redirect_to: str | None
    hang: float | None


class _Refuse(Exception):
    def __init__(self, status: int, reason: str, detail: str = "", extra: dict[str, str] | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail or reason
        self.extra = extra or {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512
    service: PushService


class PushService:
    """Local RFC 8030 push service. See the module docstring."""

    def __init__(
        self,
        vapid_public_key: str | None = None,
        answer_delay: float = 0.0,
        tls: ssl.SSLContext | None = None,
    ):
        if vapid_public_key is not None:
            _load_public_key(vapid_public_key)  # fail fast on a malformed application server key
            self._configured_key: bytes | None = b64url_decode(vapid_public_key)
        else:
            self._configured_key = None
        self.vapid_public_key = vapid_public_key
        self.answer_delay = answer_delay
        self._tls = tls  # a server context: HTTPS, as every real push service speaks
        self._cond = threading.Condition()
        self._received: list[Received] = []
        self._rejected: list[Rejection] = []
        self._subscriptions: dict[str, Subscription] = {}
        self._failures: list[_Failure] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._origin: str | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> PushService:
        if self._server is not None:
            raise RuntimeError("PushService already started")
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.service = self
        self._server = server
        host, port = server.server_address[:2]
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True)
        # Kept after stop() for handlers still finishing.
        self._origin = f"{'https' if self._tls else 'http'}://{host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="pushservice", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # releases handlers sleeping in answer_delay / hang
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        if self._origin is None:
            raise RuntimeError("PushService not started")
        return self._origin

    # -- subscriptions and results ---------------------------------------------------------------------

    def new_subscription(self) -> Subscription:
        """Subscribe like a browser: a P-256 key pair and a 16-byte auth secret, behind a fresh endpoint."""
        key = ec.generate_private_key(ec.SECP256R1())
        token = secrets.token_urlsafe(16)
        sub = Subscription(
            endpoint=f"{self.origin}/push/{token}",
            token=token,
            p256dh=public_key_b64(key),
            auth=b64url_encode(secrets.token_bytes(16)),
            private_key=key,
        )
        with self._cond:
            self._subscriptions[token] = sub
        return sub

    def unsubscribe(self, subscription: Subscription | str) -> None:
        """Forget a subscription; later pushes to it get 404 (use fail_next(..., 410) for 'Gone')."""
        with self._cond:
            self._subscriptions.pop(self._token_of(subscription), None)

    @property
    def received(self) -> list[Received]:
        with self._cond:
            return list(self._received)

    @property
    def rejected(self) -> list[Rejection]:
        with self._cond:
            return list(self._rejected)

    def messages_for(self, subscription: Subscription | str) -> list[Received]:
        token = self._token_of(subscription)
        with self._cond:
            return [m for m in self._received if m.token == token]

    def clear(self) -> None:
        with self._cond:
            self._received.clear()
            self._rejected.clear()
            self._failures.clear()

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        """Block until at least `count` messages were accepted, or `timeout` seconds pass."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._received) >= count, timeout=timeout)

    def wait_for_rejections(self, count: int, timeout: float = 10) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self._rejected) >= count, timeout=timeout)

    def fail_next(
        self,
        endpoint_or_none: Subscription | str | None,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        redirect_to: str | None = None,
        hang: float | None = None,
    ) -> None:
        """Answer the next `times` pushes to this endpoint (None: to any endpoint) with `status`.

        Canned answers are given before any validation, as a real service would answer 410 for a dead
        subscription whatever the request. ``retry_after`` adds a Retry-After header (429/503). A 3xx
        status answers with ``Location: redirect_to`` (default: the request's own endpoint). ``hang``
        waits that many seconds first (to trip client timeouts); after a hang a 2xx ``status`` means
        "then process the request normally", anything else is answered as configured.
        Queued failures are consumed in order; endpoint-specific and wildcard entries share the queue.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if 300 <= status < 400 and status not in (301, 302, 303, 307, 308):
            raise ValueError(f"unsupported redirect status {status}")
        token = None if endpoint_or_none is None else self._token_of(endpoint_or_none)
        with self._cond:
            self._failures.append(_Failure(token, status, times, retry_after, redirect_to, hang))

    # -- internals -------------------------------------------------------------------------------------

    @staticmethod
    def _token_of(subscription: Subscription | Mapping[str, Any] | str) -> str:
        if isinstance(subscription, Subscription):
            return subscription.token
        if isinstance(subscription, Mapping):
            subscription = subscription["endpoint"]
        match = PATH_RE.search(subscription)
        return match.group(1) if match else subscription

    def _take_failure(self, token: str | None) -> _Failure | None:
        with self._cond:
            for failure in self._failures:
                if failure.token is None or failure.token == token:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                    return failure
        return None

    def _record(self, item: Received | Rejection) -> None:
        with self._cond:
            (self._received if isinstance(item, Received) else self._rejected).append(item)
            self._cond.notify_all()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _accept(self, token: str | None, headers: dict[str, str], body: bytes) -> Received:
        """Validate a push request like a real service; raise _Refuse or return what was delivered."""
        with self._cond:
            sub = self._subscriptions.get(token) if token else None
        if sub is None:
            raise _Refuse(404, "unknown subscription")

        claims = self._check_vapid(headers)

        ttl_text = headers.get("ttl")
        if ttl_text is None:
            raise _Refuse(400, "missing TTL")
        if not re.fullmatch(r"[0-9]+", ttl_text.strip()):
            raise _Refuse(400, "bad TTL", f"TTL {ttl_text!r} is not a non-negative integer")
        ttl = int(ttl_text)

        topic = headers.get("topic")
        if topic is not None and not TOPIC_RE.fullmatch(topic):
            raise _Refuse(400, "bad Topic", f"Topic {topic!r} must match [A-Za-z0-9_-]{{1,32}}")
        urgency = headers.get("urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise _Refuse(400, "bad Urgency", f"Urgency {urgency!r} not one of {URGENCIES}")

        if len(body) > MAX_BODY:
            raise _Refuse(413, "payload too large", f"{len(body)} bytes > {MAX_BODY}")
        encoding = headers.get("content-encoding")
        if body or encoding is not None:
            if encoding != "aes128gcm":
                raise _Refuse(400, "bad Content-Encoding", f"Content-Encoding {encoding!r} != 'aes128gcm'")
            try:
                payload = decrypt_aes128gcm(body, sub.private_key, sub.auth_secret)
            except ValueError as exc:
                raise _Refuse(400, "cannot decrypt", str(exc)) from None
        else:
            payload = b""  # RFC 8030 allows a push message without payload
        return Received(
            endpoint=sub.endpoint,
            token=sub.token,
            payload=payload,
            headers=dict(headers),
            ttl=ttl,
            topic=topic,
            urgency=urgency,
            claims=claims,
            received_at=time.monotonic(),
        )

    def _check_vapid(self, headers: dict[str, str]) -> dict[str, Any]:
        auth = headers.get("authorization")
        if not auth:
            raise _Refuse(401, "missing Authorization")
        scheme, _, params = auth.strip().partition(" ")
        if scheme.lower() != "vapid":
            raise _Refuse(
                401, "unsupported Authorization scheme", f"scheme {scheme!r}; RFC 8292 needs 'vapid'"
            )
        parts: dict[str, str] = {}
        for item in params.split(","):
            name, eq, value = item.strip().partition("=")
            if eq:
                parts[name.strip().lower()] = value.strip().strip('"')
        if "t" not in parts or "k" not in parts:
            raise _Refuse(401, "malformed Authorization", "vapid needs t= and k= parameters")

        try:
            sent_key = b64url_decode(parts["k"])
            _load_public_key(parts["k"])
        except ValueError:
            raise _Refuse(403, "bad VAPID key", "k= is not a base64url uncompressed P-256 point") from None
        if self._configured_key is not None and sent_key != self._configured_key:
            raise _Refuse(
                403, "VAPID key mismatch", "k= differs from the subscription's applicationServerKey"
            )
        verify_key = _load_public_key(b64url_encode(self._configured_key or sent_key))

        token = parts["t"]
        pieces = token.split(".")
        if len(pieces) != 3:
            raise _Refuse(403, "malformed JWT", "JWT must have three parts")
        try:
            header = json.loads(b64url_decode(pieces[0]))
            claims = json.loads(b64url_decode(pieces[1]))
            signature = b64url_decode(pieces[2])
        except ValueError as exc:
            raise _Refuse(403, "malformed JWT", str(exc)) from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise _Refuse(403, "malformed JWT", "JWT header and claims must be JSON objects")
        if header.get("alg") != "ES256":
            raise _Refuse(403, "unsupported JWT alg", f"alg {header.get('alg')!r}; RFC 8292 needs ES256")
        if len(signature) != 64:
            raise _Refuse(
                403, "bad VAPID signature", f"signature is {len(signature)} bytes, not raw r||s (64)"
            )
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            verify_key.verify(der, f"{pieces[0]}.{pieces[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise _Refuse(403, "bad VAPID signature") from None

        if claims.get("aud") != self.origin:
            raise _Refuse(403, "aud mismatch", f"aud {claims.get('aud')!r} != {self.origin!r}")
        exp = claims.get("exp")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise _Refuse(403, "missing exp", f"exp {exp!r} is not an integer")
        now = time.time()
        if exp <= now:
            raise _Refuse(403, "expired", f"exp {exp} is in the past (now {int(now)})")
        if exp > now + MAX_EXP_AHEAD:
            raise _Refuse(403, "exp too far", f"exp {exp} is more than 24 h ahead (now {int(now)})")
        sub = claims.get("sub")
        if not sub:
            raise _Refuse(403, "missing sub")
        if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
            raise _Refuse(403, "bad sub", f"sub {sub!r} is neither mailto: nor https:")
        return claims


def _load_public_key(b64: str) -> ec.EllipticCurvePublicKey:
    raw = b64url_decode(b64)
    if len(raw) != 65 or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def decrypt_aes128gcm(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """Decrypt an RFC 8291 Web Push message (RFC 8188 aes128gcm, one record) as the user agent does.

    Raises ValueError with the reason when the body is not a message for these keys.
    """
    if len(body) < 21:
        raise ValueError("body shorter than the aes128gcm header")
    salt, rs, idlen = body[:16], struct.unpack("!I", body[16:20])[0], body[20]
    if rs < 18:
        raise ValueError(f"record size {rs} < 18")
    if idlen != 65:  # RFC 8291 §4: keyid is the sender's uncompressed P-256 public key
        raise ValueError(f"keyid is {idlen} bytes, expected the 65-byte as_public key")
    as_public_raw = body[21:86]
    ciphertext = body[86:]
    if len(ciphertext) < 17:
        raise ValueError("ciphertext shorter than tag + delimiter")
    if len(ciphertext) > rs:  # RFC 8291 §4: a push message is a single record
        raise ValueError(f"ciphertext of {len(ciphertext)} bytes spans more than one {rs}-byte record")
    try:
        as_public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public_raw)
    except ValueError:
        raise ValueError("keyid is not a valid P-256 point") from None

    ua_public_raw = ua_private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    ecdh_secret = ua_private.exchange(ec.ECDH(), as_public)
    key_info = b"WebPush: info\x00" + ua_public_raw + as_public_raw
    ikm = _hkdf(auth_secret, ecdh_secret, key_info, 32)
    cek = _hkdf(salt, ikm, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf(salt, ikm, b"Content-Encoding: nonce\x00", 12)  # record 0: XOR with 0 is a no-op
    try:
        plain = AESGCM(cek).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        raise ValueError("authentication tag mismatch (wrong keys or corrupted body)") from None
    stripped = plain.rstrip(b"\x00")
    if not stripped or stripped[-1] != 2:  # RFC 8188 §2: the last record's delimiter is 0x02
        raise ValueError("bad padding delimiter (expected 0x02 for the last record)")
    return stripped[:-1]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, like a real service (requests sessions reuse connections)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # the client may give up first (e.g. it timed out during a hang)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            super().handle()

    def do_POST(self) -> None:
        service = self.server.service
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = self._read_body(headers)
        if body is None:
            return
        service._sleep(service.answer_delay)
        match = PATH_RE.fullmatch(self.path)
        token = match.group(1) if match else None

        failure = service._take_failure(token) if token else None
        if failure is not None:
            if failure.hang:
                service._sleep(failure.hang)
            if not 200 <= failure.status < 300:
                self._canned(failure, token, headers)
                return

        try:
            message = service._accept(token, headers, body)
        except _Refuse as refuse:
            self._refuse(token, headers, refuse)
            return
        service._record(message)
        self._answer(
            201,
            {"Location": f"{service.origin}/message/{secrets.token_urlsafe(12)}", "TTL": str(message.ttl)},
        )

    def do_GET(self) -> None:  # e.g. a POST turned into a GET by following a 301/302
        self._not_allowed()

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _not_allowed(self) -> None:
        service = self.server.service
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self._read_body(headers) is None:
            return
        service._sleep(service.answer_delay)
        match = PATH_RE.fullmatch(self.path)
        self._refuse(
            match.group(1) if match else None,
            headers,
            _Refuse(405, "method not allowed", f"{self.command} {self.path}", {"Allow": "POST"}),
        )

    def _read_body(self, headers: dict[str, str]) -> bytes | None:
        length_text = headers.get("content-length", "0")
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._refuse(None, headers, _Refuse(400, "bad Content-Length", length_text))
            return None
        if length > 1 << 20:  # don't swallow giant bodies; answer and drop the connection
            self.close_connection = True
            self._refuse(None, headers, _Refuse(413, "payload too large", f"{length} bytes"))
            return None
        return self.rfile.read(length) if length else b""

    def _canned(self, failure: _Failure, token: str | None, headers: dict[str, str]) -> None:
        extra: dict[str, str] = {}
        if failure.retry_after is not None:
            extra["Retry-After"] = str(failure.retry_after)
        if 300 <= failure.status < 400:
            extra["Location"] = failure.redirect_to or f"{self.server.service.origin}{self.path}"
        reason = f"canned {failure.status}"
        self._refuse(token, headers, _Refuse(failure.status, reason, reason, extra))

    def _refuse(self, token: str | None, headers: dict[str, str], refuse: _Refuse) -> None:
        self.server.service._record(
            Rejection(
                method=self.command,
                path=self.path,
                token=token,
                status=refuse.status,
                reason=refuse.reason,
                detail=refuse.detail,
                headers=dict(headers),
                received_at=time.monotonic(),
            )
        )
        body = json.dumps({"code": refuse.status, "error": refuse.reason, "message": refuse.detail})
        self._answer(refuse.status, {"Content-Type": "application/json", **refuse.extra}, body.encode())

    def _answer(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)
