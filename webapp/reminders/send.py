"""Delivering one Web Push message: the one place that imports pywebpush."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from py_vapid import Vapid
from pywebpush import WebPusher

TIMEOUT_SECONDS = 10


def new_session(pool_size: int) -> urllib3.PoolManager:
    """One HTTP connection pool per push host, shared by a sender's threads.

    urllib3 directly, not requests: requests cost the sender more per message than encrypting it
    (its session merging, hooks and response wrapping). Redirects are never followed (a push
    endpoint that redirects is misbehaving, or pointing somewhere it shouldn't) and nothing is
    retried here: the outbox retries. A proxy named in the environment is used as requests
    would (HTTPS_PROXY / HTTP_PROXY, honouring NO_PROXY)."""
    import certifi  # the CA bundle requests used, so the same push services verify

    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    options = {"num_pools": 16, "maxsize": pool_size, "retries": False, "block": False, "ca_certs": ca_bundle}
    proxies = urllib.request.getproxies()
    proxy = proxies.get("https") or proxies.get("http")
    if proxy:
        return _ProxyUnlessBypassed(proxy, options)
    return urllib3.PoolManager(**options)


class _ProxyUnlessBypassed:
    """Requests through the environment's proxy, except to hosts NO_PROXY names."""

    def __init__(self, proxy: str, options: dict):
        self.proxied = urllib3.ProxyManager(proxy, **options)
        self.direct = urllib3.PoolManager(**options)

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


def deliver(
    session: urllib3.PoolManager,
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
        pusher = WebPusher({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}})
        body = pusher.encode(json.dumps(message, separators=(",", ":")).encode(), "aes128gcm")["body"]
        headers = {
            **vapid.for_endpoint(endpoint, private_key, subject),
            "Content-Encoding": "aes128gcm",
            "TTL": str(ttl),
            "Topic": topic,
            "Urgency": urgency,
        }
        response = session.request(
            "POST",
            endpoint,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            timeout=urllib3.Timeout(total=timeout),
            preload_content=True,
        )
    except (urllib3.exceptions.HTTPError, OSError, ValueError, TypeError) as error:
        return Delivery(None, error=f"{type(error).__name__}: {error}"[:300])
    if response.status > 202:
        text = response.data.decode("utf-8", "replace")
        return Delivery(response.status, response.headers.get("Retry-After"), text[:300])
    return Delivery(response.status)
