"""Delivering one Web Push message: the one place that imports pywebpush."""

from __future__ import annotations

import http.client
import json
import os
import ssl
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException
from urllib3.util import parse_url
from urllib3.util.wait import wait_for_read

from webapp.reminders.core import Origin, endpoint_origin

TIMEOUT_SECONDS = 10


def new_session(pool_size: int):
    """Keep-alive connections per push host for a sender (see `PushConnections` and `PushLoop`).

    Redirects are never followed (a push endpoint that redirects is misbehaving, or pointing
    somewhere it shouldn't) and nothing is retried here: the outbox retries. A proxy named in the
    environment is used as requests would (HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY), through
    urllib3."""
    import certifi  # the CA bundle requests used, so the same push services verify

    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    proxies = urllib.request.getproxies()
    proxy = proxies.get("https") or proxies.get("http")
    if proxy:
        options = {
            "num_pools": 16,
            "maxsize": pool_size,
            "retries": False,
            "block": False,
            "ca_certs": ca_bundle,
        }
        return _Urllib3(_ProxyUnlessBypassed(proxy, options))
    return PushConnections(pool_size, ca_bundle)


@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: str | None
    body: bytes


class PushConnections:
    """HTTP/1.1 keep-alive connections per push-service origin: `post` one at a time (from any
    thread), or many at once through `webapp.reminders.pushloop.PushLoop`.

    http.client directly, not urllib3 (nor requests): urllib3's pool manager, its checks and
    response wrapping, and its two writes per request (headers, then body) cost the sender about
    twice what http.client does per message (bench: 0.56 against 0.29 ms of CPU). The host
    connected to is the one `is_allowed_endpoint` checked: both read the endpoint with
    `endpoint_origin` (urllib3's parser). A connection the push service closed while idle is
    noticed before it is used again (a zero-timeout poll, as urllib3 does)."""

    def __init__(self, pool_size: int, ca_bundle: str | None = None):
        self._pool_size = pool_size
        # http.client connections (`post`), and the sockets `PushLoop` keeps alive between
        # batches (anything with a close()).
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._idle_sockets: dict[Origin, list] = {}
        self._lock = threading.Lock()
        self.tls = ssl.create_default_context(cafile=ca_bundle)
        # The idle connections are closed when this is closed or dropped (never left to the GC).
        self._finalizer = weakref.finalize(self, _close_all, [self._idle, self._idle_sockets], self._lock)

    @property
    def pool_size(self) -> int:
        return self._pool_size

    def take_socket(self, origin: Origin):
        """An idle connection `PushLoop` left to `origin`, if any (the caller checks it is alive)."""
        return self._pop_idle(self._idle_sockets, origin)

    def give_socket(self, origin: Origin, connection) -> None:
        self._keep_idle(self._idle_sockets, origin, connection)

    def _pop_idle(self, pool: dict[Origin, list], origin: Origin):
        with self._lock:
            idle = pool.get(origin)
            return idle.pop() if idle else None

    def _keep_idle(self, pool: dict[Origin, list], origin: Origin, connection) -> None:
        """Keep `connection` for the next request to `origin`, or close it when enough are kept."""
        with self._lock:
            idle = pool.setdefault(origin, [])
            if len(idle) < self._pool_size:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        self._finalizer()

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
        origin = endpoint_origin(url)
        if origin is None:
            raise ValueError("not a push endpoint URL")
        deadline = time.monotonic() + timeout
        connection = self._take(origin, timeout)
        try:
            connection.request("POST", parse_url(url).request_uri, body=body, headers=headers)
            connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
            response = connection.getresponse()
            answer = Answer(response.status, response.getheader("Retry-After"), response.read())
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._keep_idle(self._idle, origin, connection)
        return answer

    def _take(self, origin: Origin, timeout: float) -> http.client.HTTPConnection:
        while True:
            connection = self._pop_idle(self._idle, origin)
            if connection is None:
                host = origin.host.strip("[]")
                if origin.scheme == "https":
                    return http.client.HTTPSConnection(host, origin.port, timeout=timeout, context=self.tls)
                return http.client.HTTPConnection(host, origin.port, timeout=timeout)
            if connection.sock is not None and not wait_for_read(connection.sock, timeout=0.0):
                connection.sock.settimeout(timeout)
                return connection
            connection.close()  # closed by the push service while idle (or sent something unasked)


def _close_all(pools: list[dict[Origin, list]], lock: threading.Lock) -> None:
    with lock:
        connections = [connection for idle in pools for pool in idle.values() for connection in pool]
        for idle in pools:
            idle.clear()
    for connection in connections:
        connection.close()


class _Urllib3:
    """`PushConnections.post` through urllib3 (for a proxy)."""

    def __init__(self, manager):
        self.manager = manager

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
        response = self.manager.request(
            "POST",
            url,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(total=timeout),
            preload_content=True,
        )
        return Answer(response.status, response.headers.get("Retry-After"), response.data)

    def close(self) -> None:
        self.manager.clear()


class _ProxyUnlessBypassed:
    """Requests through the environment's proxy, except to hosts NO_PROXY names."""

    def __init__(self, proxy: str, options: dict):
        self.proxied = urllib3.ProxyManager(proxy, **options)
        self.direct = urllib3.PoolManager(**options)

    def clear(self) -> None:
        self.proxied.clear()
        self.direct.clear()

    def request(self, method, url, **kwargs):
        host = urlsplit(url).hostname or ""
        manager = self.direct if urllib.request.proxy_bypass(host) else self.proxied
        return manager.request(method, url, **kwargs)


_vapid_cache: dict[str, Vapid] = {}
_vapid_lock = threading.Lock()


def vapid_key(private_key: str) -> Vapid:
    """The VAPID signer for a private key, parsed once per process."""
    with _vapid_lock:
        if private_key not in _vapid_cache:
            _vapid_cache[private_key] = Vapid.from_raw(private_key.encode())
        return _vapid_cache[private_key]


# A VAPID token (RFC 8292) may live up to 24 hours; pywebpush makes them last 12. One is signed
# per push service and reused until less than an hour of it is left, so a push service never
# sees one about to expire (its clock may run ahead of ours).
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60
RENEW_BEFORE_SECONDS = 60 * 60


class VapidHeaders:
    """The VAPID Authorization header per (key, subject, push-service origin), signed once and
    reused for most of its life instead of an ES256 signature per message."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._signed: dict[tuple[str, str, str], tuple[dict[str, str], int]] = {}

    def for_endpoint(self, endpoint: str, private_key: str, subject: str) -> dict[str, str]:
        """The headers that authorise a message to `endpoint`: reused, or signed afresh."""
        url = urlsplit(endpoint)
        audience = f"{url.scheme}://{url.netloc}"
        key = (private_key, subject, audience)
        now = int(self._clock())
        with self._lock:
            cached = self._signed.get(key)
            if cached is not None and cached[1] - now > RENEW_BEFORE_SECONDS:
                return cached[0]
        expires = now + TOKEN_LIFETIME_SECONDS
        headers = vapid_key(private_key).sign({"sub": subject, "aud": audience, "exp": expires})
        with self._lock:
            self._signed[key] = (headers, expires)
        return headers


# One per process: every sender thread shares it.
VAPID_HEADERS = VapidHeaders()


@dataclass(frozen=True)
class Delivery:
    status: int | None  # the push service's answer; None when it never answered
    retry_after: str | None = None
    error: str = ""


@dataclass(frozen=True)
class Push:
    """One message for one device."""

    endpoint: str
    p256dh: str
    auth: str
    message: dict
    ttl: int
    topic: str
    urgency: str = "normal"


def encrypted(
    push: Push, private_key: str, subject: str, vapid: VapidHeaders
) -> tuple[bytes, dict[str, str]]:
    """The encrypted body of `push` and the headers that go with it."""
    pusher = WebPusher({"endpoint": push.endpoint, "keys": {"p256dh": push.p256dh, "auth": push.auth}})
    body = pusher.encode(json.dumps(push.message, separators=(",", ":")).encode(), "aes128gcm")["body"]
    headers = {
        **vapid.for_endpoint(push.endpoint, private_key, subject),
        "Content-Encoding": "aes128gcm",
        "TTL": str(push.ttl),
        "Topic": push.topic,
        "Urgency": push.urgency,
    }
    return body, headers


# What a push service's answer, or a failure to get one, can raise: recorded, never raised. Keys
# pywebpush can't use too (WebPushException): one bad device must not stop the pass for all.
_DELIVERY_ERRORS = (
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,
    TypeError,
    WebPushException,
)


def deliver(
    session: PushConnections,
    endpoint: str,
    p256dh: str,
    auth: str,
    message: dict,
    *,
    private_key: str,
    subject: str,
    ttl: int,
    topic: str,
    urgency: str = "normal",
    timeout: float = TIMEOUT_SECONDS,
    vapid: VapidHeaders = VAPID_HEADERS,
) -> Delivery:
    """Encrypt and send one message; never raises for a push service's answer."""
    try:
        push = Push(endpoint, p256dh, auth, message, ttl, topic, urgency)
        body, headers = encrypted(push, private_key, subject, vapid)
        answer = session.post(endpoint, body, headers, timeout)
    except _DELIVERY_ERRORS as error:
        return _failure(error)
    return _delivery(answer)


def _failure(error: BaseException) -> Delivery:
    return Delivery(None, error=f"{type(error).__name__}: {error}"[:300])


def _delivery(answer: Answer) -> Delivery:
    if answer.status > 202:
        text = answer.body.decode("utf-8", "replace")
        return Delivery(answer.status, answer.retry_after, text[:300])
    return Delivery(answer.status)
