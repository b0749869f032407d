"""Configuration: safe defaults, and secrets and URLs only from the environment.

The embedded default (no DATABASE_URL) is a single-machine install: a SQLite file and keys
generated once into the instance folder. With DATABASE_URL pointing at PostgreSQL, Rebound is
running as several processes that must share their keys, so they must come from the
environment and the app refuses to start without them.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


class ConfigError(RuntimeError):
    """The environment does not describe a runnable Rebound; the message says what to set."""


DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.push.apple.com",
    "*.notify.windows.com",
)


# No ping before every checkout (a round trip on each request: 0.15-0.4 ms). A connection the
# server dropped (a restart, a failover) fails its request with the 503 of webapp/web.py, and
# SQLAlchemy then discards every pooled connection made before it, so the next request
# connects afresh. Recycling after 30 minutes stays under the idle timeouts of poolers and
# firewalls, which would otherwise cut a quiet connection silently.
POOL_OPTIONS = {"pool_recycle": 1800}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling a platform hands us."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def write_once(path: Path, make_value) -> str:
    """Return the file's content, creating it atomically with `make_value()` if absent.

    Several processes may start at once on a fresh install: each writes a private temp
    file and hard-links it into place; only one link can win, and everyone reads the winner.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(make_value())
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):  # another process won the race: use its key
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


def new_vapid_key_pair() -> tuple[str, str]:
    """A P-256 key pair as (private, public), both base64url without padding (the raw forms)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private), _b64url(public)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load(instance_path: str, env: dict[str, str] | None = None) -> dict:
    """Build the Flask config from the environment (os.environ unless `env` is given)."""
    env = dict(os.environ if env is None else env)
    instance = Path(instance_path)
    database_url = env.get("DATABASE_URL", "").strip()
    embedded = not database_url
    if embedded:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'rebound.sqlite3'}"
    database_url = normalise_database_url(database_url)

    secret_key = env.get("SECRET_KEY", "").strip()
    vapid_private = env.get("VAPID_PRIVATE_KEY", "").strip()
    vapid_public = env.get("VAPID_PUBLIC_KEY", "").strip()
    vapid_subject = env.get("VAPID_SUBJECT", "").strip()

    if embedded:
        if not secret_key:
            secret_key = write_once(instance / "secret_key", lambda: secrets.token_urlsafe(48))
        if not (vapid_private and vapid_public):
            pair = write_once(instance / "vapid_keys", lambda: " ".join(new_vapid_key_pair()))
            vapid_private, vapid_public = pair.split()
        vapid_subject = vapid_subject or "mailto:admin@localhost"
    else:
        missing = [
            name
            for name, value in (
                ("SECRET_KEY", secret_key),
                ("VAPID_PUBLIC_KEY", vapid_public),
                ("VAPID_PRIVATE_KEY", vapid_private),
                ("VAPID_SUBJECT", vapid_subject),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                "DATABASE_URL is set, so Rebound runs as a shared deployment and needs its keys "
                f"from the environment. Missing: {', '.join(missing)}. "
                "Generate VAPID keys with `flask --app webapp vapid generate`."
            )
        if not vapid_subject.startswith(("mailto:", "https:")) or vapid_subject.endswith("@localhost"):
            raise ConfigError("VAPID_SUBJECT must be a real mailto: address or https: URL")

    try:
        proxy_count = int(env.get("TRUSTED_PROXY_COUNT", "0") or 0)
    except ValueError as error:
        raise ConfigError("TRUSTED_PROXY_COUNT must be a whole number (0, or 1 behind a router)") from error
    if proxy_count < 0:
        raise ConfigError("TRUSTED_PROXY_COUNT must not be negative")

    push_hosts = env.get("PUSH_ALLOWED_HOSTS", "").strip()
    allowed = (
        tuple(h.strip() for h in push_hosts.split(",") if h.strip()) if push_hosts else DEFAULT_PUSH_HOSTS
    )

    pagecache_url = env.get("PAGECACHE_URL", "").strip() or None
    if pagecache_url and not pagecache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("PAGECACHE_URL must be a Redis URL (redis://host:6379/2), or unset")

    engine_options: dict = dict(POOL_OPTIONS)
    if database_url.startswith("sqlite"):
        engine_options["connect_args"] = {"timeout": 15}

    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "EMBEDDED": embedded,
        "VAPID_PUBLIC_KEY": vapid_public,
        "VAPID_PRIVATE_KEY": vapid_private,
        "VAPID_SUBJECT": vapid_subject,
        "PUSH_ALLOWED_HOSTS": allowed,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # A Redis database the workers share their page caches through (webapp/sharedcache.py);
        # unset: each process keeps its own only.
        "PAGECACHE_URL": pagecache_url,
        "TRUSTED_PROXY_COUNT": proxy_count,
        # Shows /healthz's details to a monitor that sends `Authorization: Bearer <token>`.
        "HEALTHZ_TOKEN": env.get("HEALTHZ_TOKEN", "").strip(),
        # A CSRF token lives as long as the session: an offline queue may replay days later.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A sign-in lives 60 days on the server (webapp/auth/sessions.py, which also sets the
        # remember-me cookie itself); the session cookie lives as long.
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 60,
        # The cookie is sent again only when the session changes (sign-in, a flash message, a
        # CSRF token made): re-signing an unchanged cookie on every request cost about a tenth
        # of a signed-in page. The sign-in's own end (its record's `expires_at`, 60 days, moved
        # on only by the remember cookie) is what decides, so a cookie that lives its 60 days
        # from the last change instead of the last request gives no one longer access.
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Reflections are short; 256 KiB is generous and stops a body that would fill memory.
        # Imports get their own larger cap in the account views.
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "SEND_FILE_MAX_AGE_DEFAULT": 0,
    }
