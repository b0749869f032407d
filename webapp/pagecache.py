"""Per-user page data kept between requests, keyed by the user's data version.

/today and /progress are read far more often than anything they show is written, and on a long
history most of their time is reading and walking that history. So what they compute (numbers,
dates, ids and the person's own text) is kept here under (page, user id, `User.data_version`,
local day, ...). Translated words are kept only under a key that names the language: the
rendered body of /progress (no form or token in it) is one; /today's header, cards and
follow-ups are another, kept with a slot where each form's token and form_id are filled in per
request, and keyed on what they show rather than the data version (`by_content`), so the many
writes that leave them as they were do not render them again.

Every write bumps `data_version` in the same transaction as the write itself: `after_flush`
below does it for any row that belongs to a user (bar the bookkeeping tables listed in
`NOT_SHOWN`), and `touch` does it for the few bulk statements that bypass the ORM's unit of
work. The version is read with the user row, which every signed-in request loads anyway, so
there is no stale streak after a write and no entry one user could reach with another's id.
A new local day is a new key, so nothing computed yesterday is shown today. What the pages read
of the user's plan (`PLAN`: zones, days on, pauses, goals, weekly reviews), which a day's practice
never writes, is kept under `User.plan_version` instead (`by_plan`), bumped the same way by
writes of those tables only.

A write that leaves a kept value as it was (a rewrite of a day done already mostly leaves the
stored streaks and reminders, a setback always does) carries it to the version it commits
(`carry`), so the next request need not read it again: kept after the commit only if the
write's bump moved the version by exactly one from the one the write loaded (no other write in
between) and none of its flushes wrote a table the value is read from.

The store is one app's memory in one process (bounded LRUs in `app.extensions`): each
gunicorn worker warms its own, and an app made on another database (a test's) starts empty.
With `PAGECACHE_URL` set, what `by_content` and `by_plan` keep (and the zone history) is also
shared by the workers through Redis, a second level under the LRUs (webapp/sharedcache.py).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import ARRAY, Integer, any_, bindparam, event, inspect, select
from sqlalchemy.orm import Session

from webapp.database import all_rows

# Entries kept per kind of page, per worker. A three-year /progress entry holds every done day,
# the selected routine's day statuses and the year's moods (about half a megabyte), its rendered
# body about 60 KB; /today's and the zone history's are a few hundred bytes.
# /progress's ten blocks (progress_part) hold about 140 KB on three years of history, key and text
# (the key holds what the block shows); a routine's day statuses as many entries as days since
# its first, the insights' expected days a year's.
ENTRIES = {
    "progress": 128,
    "progress_html": 256,
    "progress_part": 2048,
    "progress_statuses": 128,
    "insight_expected": 512,
    "progress_insights": 256,
    "today_html": 1024,
}
DEFAULT_ENTRIES = 4096

# Tables written for bookkeeping, never shown by a cached page: writing them (every request's
# sign-in, the sender's outbox) must not throw away the pages' data.
NOT_SHOWN = frozenset(
    {
        "sign_in_session",
        "sign_in_throttle",
        "used_form_id",
        "idempotency_record",
        "outbox_message",
        "occurrence",
        "sender_heartbeat",
        "push_subscription",
        "removed_device",
        "recording",
        "recording_backup",
    }
)


# Tables of the user's plan: how their days are laid out and what they aim at (the zone history,
# the days each routine is on and its pauses, the goals, the weekly reviews). A day's practice
# (a completion, a reflection, a setback) never writes them, so what the pages read of them is
# kept under `User.plan_version`, which only their writes move (`by_plan`), and not read again
# after every write as what is kept under the data version is.
PLAN = frozenset({"zone_change", "schedule_version", "pause", "goal", "weekly_review"})


class _Store:
    def __init__(self) -> None:
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()


def _store(kind: str) -> _Store:
    stores = current_app.extensions.setdefault("pagecache", {})
    # setdefault: two threads of one worker asking first at once still share one store.
    return stores.get(kind) or stores.setdefault(kind, _Store())


def cached(key: tuple, user, compute: Callable[[], Any]) -> Any:
    """`compute()` for `user` under `key` (its first item names the kind of page), from memory
    while the user's data is unchanged."""
    found = peek(key, user)
    if found is not MISSING:
        return found
    value = compute()
    keep(key, user, value)
    return value


MISSING = object()


def peek(key: tuple, user) -> Any:
    """What `cached` holds for `user` under `key`, or MISSING."""
    return _get(key[0], (user.id, user.data_version or 0, *key[1:]))


def keep(key: tuple, user, value: Any) -> None:
    """Hold `value` for `user` under `key` (computed from what this request read at the user's
    data version), as `cached` does."""
    _put(key[0], (user.id, user.data_version or 0, *key[1:]), value)


def by_content(key: tuple, user, compute: Callable[[], Any]) -> Any:
    """`compute()` for `user` under `key`, which names every input of the value (beyond the
    user's id): kept across writes, for a part of a page a write mostly leaves as it was (a
    setback leaves /today's cards alone), where `cached` would start again after every write."""
    return _kept(key[0], (user.id, *key[1:]), compute)


def by_plan(key: tuple, user, compute: Callable[[], Any]) -> Any:
    """`compute()` for `user` under `key`, from memory while the user's plan (`PLAN`) is unchanged.

    `compute` may read the user's plan tables and the user row itself; `key` names what it reads
    of the row (the zone, the day-end hour). The account's email and creation time are in the key
    too: SQLite hands a deleted account's id out again, and the new account's plan version starts
    where the old one's did. Within a transaction that moved the plan version (not yet in `user`),
    nothing is read or kept."""
    full = _plan_key(key, user)
    if full is None:
        return compute()
    return _kept(key[0], full, compute)


def by_content_many(
    keys: list[tuple], user, computes: list[Callable[[], Any]], stable: bool = False
) -> list[Any]:
    """`by_content` of several keys at once: what this process lacks is asked of the shared
    level in one round trip (a page's blocks). `stable`: the keys' reprs are the same in every
    process (`progress.blocks.frozen`), and name them there."""
    fulls = [(user.id, *key[1:]) for key in keys]
    found = [_get(key[0], full) for key, full in zip(keys, fulls, strict=True)]
    missed = [index for index, value in enumerate(found) if value is MISSING]
    if not missed:
        return found
    shared = _shared()
    fields = [_field(shared, keys[index][0], fulls[index], stable) for index in missed]
    asked = [field for field in fields if field is not None]
    answers = dict(zip(asked, shared.get_many(user.id, asked), strict=True)) if asked else {}
    for index, field in zip(missed, fields, strict=True):
        kind, full = keys[index][0], fulls[index]
        value = shared.opened(user.id, field, answers[field]) if field is not None else MISSING
        if value is MISSING:
            value = computes[index]()
            _share(shared, full[0], field, value)
        _put(kind, full, value)
        found[index] = value
    return found


def _kept(kind: str, full: tuple, compute: Callable[[], Any]) -> Any:
    """What this process keeps under `full`, else what the shared level keeps, else `compute()`
    kept in both. `full` begins with the user's id."""
    found = _get(kind, full)
    if found is not MISSING:
        return found
    shared = _shared()
    field = _field(shared, kind, full)
    if field is not None:
        found = shared.opened(full[0], field, shared.get_many(full[0], [field])[0])
    if found is MISSING:
        found = compute()
        _share(shared, full[0], field, found)
    _put(kind, full, found)
    return found


def _shared():
    """The app's shared level (webapp/sharedcache.py), or None."""
    return current_app.extensions.get("pagecache_shared")


# The kinds the shared level holds: those whose computing costs well over asking Redis (about
# 0.05 ms of CPU a command, plus the key's digest, which grows with the key). Measured on 28 days
# of history: a block of /progress renders in 0.6-1.5 ms, /today's parts in ~1.3 ms, the plan's
# reads are a query each; but a routine's day statuses (0.08 ms) and the insights' expected
# days (0.06 ms) compute in less than their keys (every day done, a year of days) take to digest.
SHARED_KINDS = frozenset(
    {
        "progress_part",
        "today_html",
        "progress_insights",
        "schedules",
        "first_review",
        "progress_goals",
        "zone_spans",
    }
)


def _field(shared, kind: str, full: tuple, stable: bool = False) -> bytes | None:
    """The shared level's field for `full`, or None (no shared level, a kind it does not hold,
    or a key kept in the process only: a part without a name that is the same in every process)."""
    from webapp.sharedcache import Unkeyable

    if shared is None or kind not in SHARED_KINDS:
        return None
    try:
        return shared.stable_field(kind, full) if stable else shared.field(kind, full)
    except (Unkeyable, TypeError, ValueError, RecursionError):
        # Not a page's failure: the value is kept in this process only.
        return None


# g: the shared writes of this app context, sent in one round trip when it ends (`_send_shared`).
_PENDING = "pagecache_shared_pending"


def _share(shared, user_id: int, field: bytes | None, value: Any) -> None:
    if field is None:
        return
    sealed = shared.sealed(user_id, field, value)
    if sealed is not None:
        g.setdefault(_PENDING, {}).setdefault(user_id, {})[field] = sealed


def _send_shared(_error=None) -> None:
    pending = g.pop(_PENDING, None)
    if pending:
        _shared().put_many(pending)


def init_app(app) -> None:
    """The shared level, when `PAGECACHE_URL` names a Redis database."""
    url = app.config.get("PAGECACHE_URL")
    if not url:
        return
    from webapp.sharedcache import DEFAULT_PREFIX, SharedCache

    prefix = app.config.get("PAGECACHE_PREFIX") or DEFAULT_PREFIX
    app.extensions["pagecache_shared"] = SharedCache(
        url, app.config["SECRET_KEY"], prefix, app.config.get("ASSET_VERSION", "")
    )
    # At the end of the request, and of an app context without one (a command, a test's).
    app.teardown_request(_send_shared)
    app.teardown_appcontext(_send_shared)


def _plan_key(key: tuple, user) -> tuple | None:
    from webapp.extensions import db

    if user.id is None or user.id in db.session.info.get(_PLAN_MOVED, ()):
        return None
    return (user.id, user.email, user.created_at, user.plan_version or 0, *key[1:])


def _get(kind: str, full: tuple) -> Any:
    store = _store(kind)
    with store.lock:
        if full in store.entries:
            store.entries.move_to_end(full)
            return store.entries[full]
    return MISSING


def _put(kind: str, full: tuple, value: Any) -> None:
    store = _store(kind)
    limit = ENTRIES.get(kind, DEFAULT_ENTRIES)
    with store.lock:
        store.entries[full] = value
        while len(store.entries) > limit:
            store.entries.popitem(last=False)


# session.info keys: the users whose data version, and whose plan version, this session's
# transaction (or savepoint) has bumped already; and the users whose plan version moved in the
# transaction, savepoints and all, whose plan is read afresh until it ends.
_BUMPED = "pagecache_bumped"
_PLAN_BUMPED = "pagecache_plan_bumped"
_PLAN_MOVED = "pagecache_plan_moved"


def touch(session: Session, user_ids: Iterable[int], plan_user_ids: Iterable[int] = ()) -> None:
    """Bump the data version of `user_ids` and `plan_user_ids`, and the plan version of the
    latter (a bulk write of a `PLAN` table), in the session's transaction (counted by the
    database, so two writers at once both count).

    Once per user per transaction: what a cached page is keyed on is the committed version, and
    one bump already makes it differ from every version read before the transaction (a write
    request flushes several times; each flush would otherwise be another UPDATE of the user)."""
    plan_ids = {user_id for user_id in plan_user_ids if user_id is not None}
    data = ({user_id for user_id in user_ids if user_id is not None} | plan_ids) - session.info.get(
        _BUMPED, set()
    )
    plan = plan_ids - session.info.get(_PLAN_BUMPED, set())
    if not data and not plan:
        return
    connection = session.connection()
    on_postgres = connection.dialect.name == "postgresql"
    # The new versions, for what the transaction carries past its bump (`carry`).
    versions = session.info.setdefault(_VERSIONS, {})
    for ids, bump_data, bump_plan in (
        (data - plan, True, False),
        (data & plan, True, True),
        (plan - data, False, True),
    ):
        if ids:
            bump = _bumps(bump_data, bump_plan)[0 if on_postgres else 1]
            # Straight through the driver (`all_rows`): every write runs it, and SQLAlchemy's
            # execution cost about twice the round trip. SQLite's expanding IN goes through it.
            versions.update(all_rows(connection, bump, {"ids": sorted(ids)}))
    session.info.setdefault(_BUMPED, set()).update(data)
    session.info.setdefault(_PLAN_BUMPED, set()).update(plan)
    session.info.setdefault(_PLAN_MOVED, set()).update(plan)


@functools.cache
def _bumps(data: bool, plan: bool):
    """The bump of the data version, the plan version or both, returning the new data versions,
    built once: (on PostgreSQL, elsewhere)."""
    from webapp.auth.models import User

    table = User.__table__
    versions = {}
    if data:
        versions["data_version"] = table.c.data_version + 1
    if plan:
        versions["plan_version"] = table.c.plan_version + 1
    bump = table.update().values(**versions).returning(table.c.id, table.c.data_version)
    return (
        # `= ANY(:array)` on PostgreSQL: the sender's batches name hundreds of users at once.
        bump.where(table.c.id == any_(bindparam("ids", type_=ARRAY(Integer)))),
        bump.where(table.c.id.in_(bindparam("ids", expanding=True))),
    )


# session.info keys: what this transaction's writes leave as it was, to keep under the version
# it commits (`carry`); the versions its bump gave; the tables its flushes wrote.
_CARRIED = "pagecache_carried"
_VERSIONS = "pagecache_versions"
_WRITTEN = "pagecache_written"
# session.info key: the accounts this transaction deletes, whose shared entries go with the commit.
_DELETED_USERS = "pagecache_deleted_users"


def carry(session: Session, key: tuple, user, value: Any, read_from: frozenset[str]) -> None:
    """Keep `value` for `user` under `key` at the version this session's transaction commits,
    for a value the transaction's writes leave as it was (a setback leaves the stored streaks
    alone): the version bump would otherwise have the next request read it again.

    Kept only if the transaction's bump moved the version by exactly one from the version the
    user was loaded at (then no other write committed in between, and `value`, read at the
    loaded version in memory or in this transaction, is what the new version holds), and if
    no flush of the transaction wrote a table `value` is `read_from` (the carrier's own
    statements must not either)."""
    carried = session.info.setdefault(_CARRIED, {})
    carried[(user.id, *key)] = (user.data_version or 0, value, read_from)


def carry_known(session: Session, key: tuple, user, read_from: frozenset[str]) -> None:
    """`carry` what is kept for `user` under `key` at the version the user was loaded at, if
    anything: for a write that leaves it as it was without reading it (a setback)."""
    value = peek_unwritten(session, key, user, read_from)
    if value is not MISSING:
        carry(session, key, user, value, read_from)


def peek_unwritten(session: Session, key: tuple, user, read_from: frozenset[str]) -> Any:
    """`peek`, inside a write: MISSING once the session's transaction has flushed a change to
    a table the value is `read_from` (what is kept holds the rows from before)."""
    if read_from & session.info.get(_WRITTEN, set()):
        return MISSING
    return peek(key, user)


@event.listens_for(Session, "after_commit")
def _forget_deleted_users(session: Session) -> None:
    deleted = session.info.pop(_DELETED_USERS, None)
    if deleted and has_app_context() and (shared := _shared()) is not None:
        shared.forget_users(sorted(deleted))


@event.listens_for(Session, "after_commit")
def _keep_carried(session: Session) -> None:
    carried = session.info.pop(_CARRIED, None)
    if not carried:
        return
    versions, written = session.info.get(_VERSIONS, {}), session.info.get(_WRITTEN, set())
    for (user_id, kind, *rest), (loaded, value, read_from) in carried.items():
        version = versions.get(user_id)
        if version == loaded + 1 and not read_from & written:
            _put(kind, (user_id, version, *rest), value)


@event.listens_for(Session, "after_transaction_end")
def _forget_bumps(session: Session, transaction) -> None:
    # The end of the transaction or of a savepoint (a rolled-back bump is gone; bumping again
    # is only a statement), not of the subtransaction each flush runs in.
    if transaction.parent is None or transaction.nested:
        for key in (_BUMPED, _PLAN_BUMPED, _CARRIED, _VERSIONS, _WRITTEN):
            session.info.pop(key, None)
    if transaction.parent is None:
        session.info.pop(_PLAN_MOVED, None)
        session.info.pop(_DELETED_USERS, None)


def _owner(instance) -> int | None:
    from webapp.auth.models import User

    if isinstance(instance, User):
        return instance.id
    if getattr(instance, "__tablename__", None) in NOT_SHOWN:
        return None
    # From what is loaded only: a flush must not trigger a load.
    return inspect(instance).dict.get("user_id")


@event.listens_for(Session, "after_flush")
def _bump_written_users(session: Session, _flush_context) -> None:
    from webapp.auth.models import User

    # A new account starts at version 0.
    written = [instance for instance in session.new if not isinstance(instance, User)]
    written += session.deleted
    written += [
        instance for instance in session.dirty if session.is_modified(instance, include_collections=False)
    ]
    deleted_users = {instance.id for instance in session.deleted if isinstance(instance, User)}
    if deleted_users:
        session.info.setdefault(_DELETED_USERS, set()).update(deleted_users)
    owners, plan_owners = set(), set()
    for instance in written:
        owner = _owner(instance)
        owners.add(owner)
        if getattr(instance, "__tablename__", None) in PLAN:
            plan_owners.add(owner)
    touch(session, owners, plan_owners)
    # Also before anything is carried: a value read from the session may predate the flush.
    session.info.setdefault(_WRITTEN, set()).update(_tables_written(session))


def _tables_written(session: Session) -> set[str]:
    """The tables a flush writes, for `carry`."""
    return {
        getattr(instance, "__tablename__", None)
        for instance in (*session.new, *session.deleted, *session.dirty)
    }


def zone_spans(user) -> list:
    """The user's zone history (`User.zone_spans`), read once per plan version.

    When this session holds the history (a zone change in progress loads it) or the account is
    not saved yet, that is what counts, flushed or not. Else one prebuilt statement reads it:
    the relationship's lazy load costs several times what the database takes to answer, and
    every write of a day and most pages need the history."""
    spans = known_zone_spans(user)
    if spans is not MISSING:
        return spans
    full = _plan_key(_zone_key(user), user)
    shared = _shared() if full is not None else None
    field = _field(shared, "zone_spans", full)
    if field is not None:
        # Nearly every request begins here: what else it reads of the plan is asked in the same
        # round trip, and what the shared level has is kept in this process for the request.
        others = []
        for key_of in _ASKED_WITH_ZONE_HISTORY:
            key = key_of(user)
            other = _plan_key(key, user)
            if other is None or _get(key[0], other) is not MISSING:
                continue
            if (other_field := _field(shared, key[0], other)) is not None:
                others.append((key[0], other, other_field))
        answers = shared.get_many(user.id, [field, *(other_field for _kind, _full, other_field in others)])
        for (kind, other, other_field), sealed in zip(others, answers[1:], strict=True):
            value = shared.opened(user.id, other_field, sealed)
            if value is not MISSING:
                _put(kind, other, value)
        spans = shared.opened(user.id, field, answers[0])
        if spans is not MISSING:
            _put("zone_spans", full, spans)
            return spans
    return keep_zone_spans(user, _read_zone_changes(user))


# The keys of what pages read of the plan (`by_plan`), made from the user row alone: asked of the
# shared level with the zone history (`zone_spans`).
_ASKED_WITH_ZONE_HISTORY: list[Callable[[Any], tuple]] = []


def asked_with_zone_history(key_of: Callable[[Any], tuple]) -> Callable[[Any], tuple]:
    """Register `key_of(user)`, a `by_plan` key, to be asked of the shared level with the zone
    history: one round trip for what a worker meeting the user first needs of the plan."""
    _ASKED_WITH_ZONE_HISTORY.append(key_of)
    return key_of


def known_zone_spans(user) -> Any:
    """The user's zone history when it can be had without a query, else MISSING: a writer then
    reads the zone changes (`zone_changes_statement`) with what it reads first anyway, and
    hands them to `keep_zone_spans`."""
    from webapp.auth.models import zone_spans_of

    if user.id is None or "zone_changes" in inspect(user).dict:
        return zone_spans_of(user.time_zone, user.zone_changes)
    full = _plan_key(_zone_key(user), user)
    return MISSING if full is None else _get("zone_spans", full)


def keep_zone_spans(user, changes) -> list:
    """The zone history from `changes` (rows of `zone_changes_statement`, oldest first, read in
    this request), kept for the user's plan version."""
    from webapp.auth.models import zone_spans_of

    spans = zone_spans_of(user.time_zone, changes)
    full = _plan_key(_zone_key(user), user)
    if full is not None:
        _put("zone_spans", full, spans)
        shared = _shared()
        _share(shared, user.id, _field(shared, "zone_spans", full), spans)
    return spans


def _zone_key(user) -> tuple:
    # Keyed on the current zone too: one set directly (an account's first zone, before it has
    # any history) changes the spans before its flush moves the version.
    return ("zone_spans", user.time_zone)


def _read_zone_changes(user) -> list:
    from webapp.extensions import db

    return db.session.connection().execute(zone_changes_statement(), {"user_id": user.id}).all()


@functools.cache
def zone_changes_statement():
    """The user's zone changes (changed_at, old_zone, new_zone), oldest first: `user_id` bound."""
    from webapp.auth.models import ZoneChange

    table = ZoneChange.__table__
    return (
        select(table.c.changed_at, table.c.old_zone, table.c.new_zone)
        .where(table.c.user_id == bindparam("user_id"))
        .order_by(table.c.changed_at)
    )


def local_moment(user, moment) -> tuple:
    """The user's (local day, zone) of `moment`, from the cached zone history."""
    from webapp.localday import local_day, zone_at

    zone = zone_at(moment, zone_spans(user))
    return local_day(moment, zone, user.day_end_hour), zone


def clear(app) -> None:
    """Forget every entry: for a database emptied under a running app (the tests' reset), where
    ids and versions start again from the beginning."""
    app.extensions.pop("pagecache", None)
