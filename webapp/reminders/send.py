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

import requests
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter

TIMEOUT_SECONDS = 10


class NoRedirectSession(requests.Session):
    """A push endpoint that redirects is misbehaving (or pointing somewhere it shouldn't): never follow."""

    def request(self, method, url, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(method, url, **kwargs)


def new_session(pool_size: int) -> requests.Session:
    """One HTTP session shared by a sender's threads, with a connection pool per push host."""
    session = NoRedirectSession()
    # requests reads its settings from the environment on every request (every variable, twice:
    # more than encrypting the message costs). Read the CA bundle once instead; a proxy, if the
    # environment names one, is left to requests, which also honours NO_PROXY.
    if not urllib.request.getproxies():
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    adapter = HTTPAdapter(pool_connections=16, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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
    session: requests.Session,
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
        authorization = vapid.for_endpoint(endpoint, private_key, subject)
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(message, separators=(",", ":")),
            # Signed already (above): no claims, so pywebpush signs nothing per message.
            vapid_claims=None,
            ttl=ttl,
            headers={"Topic": topic, "Urgency": urgency, **authorization},
            timeout=timeout,
            requests_session=session,
        )
    except WebPushException as error:
        response = error.response
        if response is None:
            return Delivery(None, error=str(error)[:300])
        return Delivery(response.status_code, response.headers.get("Retry-After"), response.text[:300])
    except (requests.RequestException, ValueError, TypeError) as error:
        return Delivery(None, error=f"{type(error).__name__}: {error}"[:300])
    return Delivery(response.status_code)
