"""Delivering one Web Push message: the one place that imports pywebpush."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from dataclasses import dataclass

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
) -> Delivery:
    """Encrypt and send one message; never raises for a push service's answer."""
    try:
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(message, separators=(",", ":")),
            vapid_private_key=vapid_key(private_key),
            # A fresh dict every time: pywebpush writes `aud` and `exp` into the one it gets.
            vapid_claims={"sub": subject},
            ttl=ttl,
            headers={"Topic": topic, "Urgency": urgency},
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
