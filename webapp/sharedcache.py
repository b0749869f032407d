"""A second level under the page caches (webapp/pagecache.py), in Redis, shared by the workers.

Each gunicorn worker keeps its own bounded LRUs, and a user's requests land on any of them, so
most requests meet a worker that has not yet seen the user and computes again what another worker
already has. With `PAGECACHE_URL` set, a local miss of a kind whose key determines its value in
every process and at any time asks Redis, and what is computed goes to both:

- `by_content` values (the key names every input: a value is a function of its key);
- `by_plan` values and the zone history (the key holds the user's id, email, creation time and
  `plan_version`, which the database moves in the transaction that writes the plan).

Of those, only the kinds whose computing costs well over asking (`pagecache.SHARED_KINDS`):
/progress's blocks (asked in one HMGET), /today's parts, the insights, and the plan's reads
(asked with the zone history in one HMGET). A request's writes go in one pipeline at its end.

The data-version kinds (`pagecache.cached`) stay in the process: every page view of the morning
mix follows a write, so the entry at the new version exists nowhere yet, and their key does not
hold the account's email and creation time that keep a reused id (SQLite) from another's entry.

Keys are a digest of a canonical form of the full key: sets sorted, functions by module and
qualified name (when that name finds them; a lambda's does not, and is not shared), classes by
theirs, no `hash()` or `id()` (they differ between processes), and the release (a digest of the
app's code, templates, translations and static files' version) in it, so a deploy never reads
what the previous code rendered. A key that cannot be put in that form is kept in the process
only. /progress's block keys are in that form already (`progress.blocks.frozen`): their repr is
digested as it is.

Values are pickled and signed with a key derived from SECRET_KEY, bound to the user and the key:
write access to Redis is not code execution in the app, nor a way to move an entry to another
user. A bad signature or a value that does not unpickle is a miss.

Entries live in one Redis hash per user and UTC day (`<prefix>:<user id>:<day>`), which expires
36 hours after its last write: a day's entries are read that day only, and deleting an account
deletes the user's hashes of the last three days at once (`forget_users`), the only ones left.

Redis is never the reason a page fails: short socket timeouts, no retries, and after an error it
is not asked again for `PAUSE_AFTER_ERROR` seconds (a dead Redis costs no timeout per request);
the outage is logged once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import pickle
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from pathlib import Path
from types import BuiltinFunctionType, FunctionType
from typing import Any

import redis
from flask_babel.speaklater import LazyString
from markupsafe import Markup
from redis.backoff import NoBackoff
from redis.retry import Retry

from webapp.i18n.core import LazyNumber, LazyText

log = logging.getLogger(__name__)

# Seconds: Redis on the same network answers in well under a millisecond; a timeout means it is
# gone, and the page is computed as without it.
TIMEOUT = 0.25
# Seconds Redis is not asked after an error.
PAUSE_AFTER_ERROR = 30.0
# A day's hash lives this long after its last write, so at most until noon two days on
# (`forget_users` deletes the last three days').
LIFETIME = 36 * 60 * 60
DEFAULT_PREFIX = "rebound:pagecache"
_MAC_BYTES = 16


class Unkeyable(TypeError):
    """A key with a part whose canonical form is unknown: kept in the process only."""


class SharedCache:
    """One app's connection to the shared level (in `app.extensions`)."""

    def __init__(self, url: str, secret_key: str, prefix: str = DEFAULT_PREFIX, assets: str = "") -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            # redis-py retries three times by default: a dead Redis would cost four timeouts.
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self.prefix = prefix
        self.mac_key = hmac.new(secret_key.encode(), b"rebound pagecache", hashlib.sha256).digest()
        # The static files' version too: a page part may name an asset by it.
        self.release = release() + assets.encode()
        self.down_until = 0.0
        self.lock = threading.Lock()

    # Fields and values.

    def field(self, kind: str, full: tuple) -> bytes:
        """The hash field of a key (raises Unkeyable)."""
        return self._digest(canonical_bytes((kind, full)))

    def stable_field(self, kind: str, full: tuple) -> bytes:
        """The hash field of a key whose repr is the same in every process and differs for keys
        that differ (`progress.blocks.frozen`'s): without the walk to a canonical form. A part
        shown by its address (a lambda) is no such key (raises Unkeyable)."""
        text = repr((kind, full))
        if " at 0x" in text:
            raise Unkeyable("a part of the key is shown by its address")
        return self._digest(text.encode("utf-8", "surrogatepass"))

    def _digest(self, canonical: bytes) -> bytes:
        digest = hashlib.blake2b(self.release, digest_size=20)
        digest.update(canonical)
        return digest.digest()

    def _mac(self, user_id: int, field: bytes, payload: bytes) -> bytes:
        message = b"%d:" % user_id + field + payload
        return hmac.new(self.mac_key, message, hashlib.sha256).digest()[:_MAC_BYTES]

    def sealed(self, user_id: int, field: bytes, value: Any) -> bytes | None:
        """`value` pickled and signed, or None when it does not pickle."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 — any value that does not pickle is kept in the process only
            return None
        return self._mac(user_id, field, payload) + payload

    def opened(self, user_id: int, field: bytes, sealed: bytes | None) -> Any:
        """The value in `sealed`, or MISSING when absent, not signed by us or not unpicklable."""
        from webapp.pagecache import MISSING

        if sealed is None:
            return MISSING
        mac, payload = sealed[:_MAC_BYTES], sealed[_MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(user_id, field, payload)):
            log.warning("shared page cache: an entry of user %s has a bad signature; ignored", user_id)
            return MISSING
        try:
            return pickle.loads(payload)  # noqa: S301 — signed by this app's key above
        except Exception:  # noqa: BLE001 — e.g. a class renamed since: computed again
            return MISSING

    # Redis.

    def _name(self, user_id: int, day: int) -> str:
        return f"{self.prefix}:{user_id}:{day}"

    def _available(self) -> bool:
        return time.monotonic() >= self.down_until

    def _failed(self, error: Exception) -> None:
        with self.lock:
            was_up = self.down_until == 0.0
            self.down_until = time.monotonic() + PAUSE_AFTER_ERROR
        if was_up:
            log.warning(
                "shared page cache: Redis failed (%s: %s); pages are computed in the process, and "
                "Redis asked again every %d s until it answers",
                type(error).__name__,
                error,
                PAUSE_AFTER_ERROR,
            )

    def _answered(self) -> None:
        if self.down_until:
            with self.lock:
                self.down_until = 0.0
            log.warning("shared page cache: Redis answers again")

    def get_many(self, user_id: int, fields: list[bytes]) -> list[bytes | None]:
        """The sealed values of `fields` in the user's hash of today (None where absent)."""
        if not fields or not self._available():
            return [None] * len(fields)
        try:
            found = self.client.hmget(self._name(user_id, _day()), fields)
        except (redis.RedisError, OSError) as error:
            self._failed(error)
            return [None] * len(fields)
        self._answered()
        return found

    def put_many(self, entries: dict[int, dict[bytes, bytes]]) -> None:
        """Write sealed values, per user, in one round trip."""
        if not entries or not self._available():
            return
        day = _day()
        pipe = self.client.pipeline(transaction=False)
        for user_id, values in entries.items():
            name = self._name(user_id, day)
            pipe.hset(name, mapping=values)
            pipe.expire(name, LIFETIME)
        try:
            pipe.execute()
        except (redis.RedisError, OSError) as error:
            self._failed(error)
            return
        self._answered()

    def forget_users(self, user_ids) -> None:
        """Delete every entry of `user_ids` (deleted accounts): the hashes of the last three days,
        the only ones not expired. Tried even while paused: a deletion is rare and should not
        leave the user's data behind."""
        day = _day()
        names = [self._name(user_id, day - back) for user_id in user_ids for back in range(3)]
        if not names:
            return
        try:
            self.client.delete(*names)
        except (redis.RedisError, OSError) as error:
            # The entries expire within 36 hours, and no one else can reach them: their keys hold
            # the account's id, email and creation time, or name every input of the value.
            log.warning("shared page cache: deleted users' entries not removed: %s", error)
            self._failed(error)


def _day() -> int:
    return datetime.now(UTC).date().toordinal()


# Canonical keys.

# Values whose repr is the same in every process, and differs for values that differ: kept as
# they are. A class reads as its module and qualified name.
_LEAVES = frozenset({str, int, float, bool, type(None), bytes, date, datetime, timedelta, type, Markup})
_TUPLE = frozenset({tuple})
_DATE = frozenset({date})


class _Tagged:
    """A set (its items in order), a dict, a function or an object's fields, as its repr shows:
    `<tag items>`, which no leaf's repr begins with."""

    __slots__ = ("tag", "items")

    def __init__(self, tag: str, items) -> None:
        self.tag, self.items = tag, items

    def __repr__(self) -> str:
        return f"<{self.tag} {self.items!r}>"


def canonical_bytes(key) -> bytes:
    """`key` as bytes equal in every process for equal keys, and different for keys that differ
    (raises Unkeyable for a part it cannot be sure of)."""
    return repr(_canonical(key)).encode("utf-8", "surrogatepass")


def _canonical(value):
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is tuple or kind is list:
        return value if _plain(value) else kind(map(_canonical, value))
    if kind is frozenset or kind is set:
        if set(map(type, value)) == _DATE:  # a run of days: as numbers, a fifth of the repr
            return _Tagged(f"{kind.__name__} of days", tuple(map(date.toordinal, sorted(value))))
        items = list(value) if _plain(value) else list(map(_canonical, value))
        return _Tagged(kind.__name__, tuple(in_order(items)))
    if kind is dict:
        if _plain(value) and _plain(value.values()):
            return _Tagged("dict", tuple(value.items()))
        return _Tagged("dict", tuple((_canonical(key), _canonical(item)) for key, item in value.items()))
    if kind is FunctionType or kind is BuiltinFunctionType:
        return _Tagged("function", _function_name(value))
    if isinstance(value, type):  # a class of another metaclass (an enum's): its repr may be short
        return _Tagged("type", f"{value.__module__}.{value.__qualname__}")
    fields = _fields_of(value)
    if fields is None:
        raise Unkeyable(f"no canonical form for a {kind.__qualname__}")
    return _Tagged(f"{kind.__module__}.{kind.__qualname__}", tuple(map(_canonical, fields)))


def _plain(items) -> bool:
    """Whether `items` are leaves and tuples of leaves, a few levels deep: most of a key (runs of
    dates and numbers, a block's values with their types), told in a few passes in C rather than
    a call per item."""
    level = items
    for _depth in range(4):
        rest = set(map(type, level)) - _LEAVES
        if not rest:
            return True
        if rest != _TUPLE:
            return False
        level = list(chain.from_iterable([item for item in level if type(item) is tuple]))
    return False


def in_order(items: list) -> list:
    """A set's items in an order that depends on them only, not on their hashes (which differ
    between processes)."""
    try:
        return sorted(items)
    except TypeError:  # items of several types: in the order of their canonical forms
        return sorted(items, key=repr)


_function_names: dict = {}


def function_name(function) -> str | None:
    """`module.qualified name` of a function that is found by that name, else None (a lambda or a
    local function is not: two may share it)."""
    name = _function_names.get(function)
    if name is None:
        module, qualname = function.__module__, function.__qualname__
        found = sys.modules.get(module)
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if found is not function:
            return None
        name = _function_names[function] = f"{module}.{qualname}"
    return name


def _function_name(function) -> str:
    name = function_name(function)
    if name is None:
        raise Unkeyable(f"no name that finds {function.__module__}.{function.__qualname__}")
    return name


def _fields_of(value) -> tuple | None:
    """The fields of an immutable value whose fields are all it shows, else None."""
    kind = type(value)
    if kind is LazyText:
        return (value.message, value.variables, value.plural)
    if kind is LazyNumber:
        return (value.value, value.digits, value.percent)
    if kind is LazyString:
        return (value._func, value._args, value._kwargs)
    if dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen:
        # Only the compared fields: the others are derived from them (Schedule's `_dates`).
        return tuple(getattr(value, field.name) for field in dataclasses.fields(kind) if field.compare)
    if issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return tuple(value)
    return None


# The release.

_release: list[bytes] = []


def release() -> bytes:
    """A digest of what makes a value from its key here: the app's code, templates, translations
    and the Python version. Read once per process."""
    if not _release:
        root = Path(__file__).resolve().parent
        digest = hashlib.blake2b(sys.version.encode(), digest_size=16)
        for folder, patterns in ((root, ("*.py", "*.mo")), (root.parent / "templates", ("*",))):
            for pattern in patterns:
                for path in sorted(folder.rglob(pattern)):
                    if path.is_file():
                        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
        _release.append(digest.digest())
    return _release[0]
