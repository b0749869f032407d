"""The reminder sender: turn due reminders into outbox rows, claim them with a lease, send them.

Several senders may run at once, on several machines. Each step that picks rows takes them in
one write transaction — `FOR UPDATE SKIP LOCKED` on PostgreSQL (each sender skips the rows
another holds), `BEGIN IMMEDIATE` on SQLite (one writer at a time) — so no two senders pick
the same row. A claimed outbox row carries a lease: a sender that dies mid-send leaves its rows
to be claimed again when the lease runs out. Delivery is therefore at least once; the push
`Topic` and the notification `tag` carry the occurrence id, so a device that gets a message
twice shows it once.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dt_time

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, bindparam, case, func, insert, literal, or_, select, text

from webapp.auth.models import User, ZoneChange, zone_spans_of
from webapp.database import one_of
from webapp.extensions import db
from webapp.i18n import user_locale
from webapp.models import UTCDateTime
from webapp.morning.affirmations import first_affirmations
from webapp.reminders import messages
from webapp.reminders.core import (
    MAX_LATENESS,
    delivery_outcome,
    fate,
    is_allowed_endpoint,
    is_too_late,
    retry_delay,
    time_to_live,
)
from webapp.reminders.models import Occurrence, OutboxMessage, PushSubscription, SenderHeartbeat
from webapp.reminders.pushloop import Batch, PushLoop, ThreadedPushes, pushes
from webapp.reminders.schedule import done_since, set_next
from webapp.reminders.send import Delivery, Push, deliver, new_session
from webapp.routines.models import RoutineSetting
from webapp.routines.schedule import schedules_by_user
from webapp.streaks.data import done_days_by_user

log = logging.getLogger("rebound.reminders")

BATCH = 500
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 6
# Pushes in flight at once, per sender process. A push service takes ~50 ms to answer; one
# thread keeps them all in flight (webapp/reminders/pushloop.py), so more in flight costs no more
# CPU per message, only connections. More senders, more processes.
CONCURRENCY = 32


@dataclass
class PassResult:
    queued: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    skipped: int = 0
    gone: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass(frozen=True)
class Claimed:
    """What the push loop needs to send one outbox row (plain values: no ORM across threads)."""

    outbox_id: int
    occurrence_id: int
    subscription_id: int
    user_id: int
    routine: str
    attempts: int
    due_at: datetime
    endpoint: str
    p256dh: str
    auth: str
    message: dict = field(hash=False)
    # Set by claim when the row is not to be sent: (outcome, error), e.g. ("skipped", "").
    not_sent: tuple[str, str] | None = None


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _begin_write() -> None:
    """Start a write transaction that holds the database's write lock on SQLite from the start."""
    db.session.commit()
    if not _is_postgres():
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _locked(query):
    return query.with_for_update(skip_locked=True) if _is_postgres() else query


@dataclass(frozen=True)
class Kind:
    """Messages that aren't a routine's reminder (a cheer, a note to a supporter), sent by this
    same sender: `payloads(occurrences)` gives each one's message, `wanted(occurrence)` says
    whether it is still worth sending, `materialize(now)` makes the ones that fell due and
    `next_due()` says when the next will."""

    payloads: Callable[[list[Occurrence]], dict[int, dict]]
    wanted: Callable[[Occurrence], bool]
    materialize: Callable[[datetime], None] | None = None
    next_due: Callable[[], datetime | None] | None = None


# Occurrence.routine -> its Kind; features add theirs with register_kind().
_KINDS: dict[str, Kind] = {}


def register_kind(routine: str, kind: Kind) -> None:
    _KINDS[routine] = kind


def _is_wanted(rules: _BatchRules, occurrence: Occurrence) -> bool:
    kind = _KINDS.get(occurrence.routine)
    if kind is not None:
        return occurrence.user_id in rules.schedules and kind.wanted(occurrence)
    return rules.is_wanted(occurrence.user_id, occurrence.routine, occurrence.local_day)


def is_wanted(user, routine: str, day) -> bool:
    """Still worth a reminder: the routine is on that day, not paused, and not done yet."""
    return _BatchRules({user.id: user}, [day]).is_wanted(user.id, routine, day)


class _BatchRules:
    """What is_wanted and the next reminder need for a batch's users, read in two queries: a few
    queries per reminder would cost more than sending it. Done days are read from the earliest of
    `days` (and, given `now`, from what a next reminder computed at `now` needs)."""

    def __init__(self, users: dict[int, User], days: Iterable, now: datetime | None = None):
        self.schedules = schedules_by_user(users.values())
        since = [*days, *([done_since(now)] if now is not None else [])]
        self.done = done_days_by_user(users, min(since)) if since else {user_id: {} for user_id in users}

    def is_wanted(self, user_id: int, routine: str, day) -> bool:
        if routine == "test":
            return user_id in self.schedules
        return (
            user_id in self.schedules
            and self.schedules[user_id][routine].is_scheduled(day)
            and day not in self.done[user_id].get(routine, ())
        )


def queue_occurrence(occurrence: Occurrence, now: datetime) -> int:
    """An outbox row per device of the occurrence's user (devices the push service refused are left out)."""
    devices = _devices_by_user([occurrence.user_id]).get(occurrence.user_id, [])
    return _queue(occurrence, devices, now)


def _devices_by_user(user_ids) -> dict[int, list[int]]:
    """The ids of the devices each user still has (not flagged), for many users in one query."""
    devices: dict[int, list[int]] = {}
    rows = db.session.execute(
        db.select(PushSubscription.user_id, PushSubscription.id)
        .where(one_of(PushSubscription.user_id, set(user_ids)), PushSubscription.flagged_at.is_(None))
        .order_by(PushSubscription.id)
    )
    for user_id, subscription_id in rows:
        devices.setdefault(user_id, []).append(subscription_id)
    return devices


def _queue(occurrence: Occurrence, subscriptions: list[int], now: datetime) -> int:
    # Ready since the reminder fell due, not since this sender got to it: a sender whose pass
    # began a moment earlier (its `now` is fixed for the pass) may send it too.
    ready = min(occurrence.due_at, now)
    for subscription_id in subscriptions:
        db.session.add(
            OutboxMessage(
                occurrence_id=occurrence.id,
                subscription_id=subscription_id,
                status="pending",
                next_attempt_at=ready,
                created_at=now,
            )
        )
    occurrence.status = "queued"
    return len(subscriptions)


def send_test(user, now: datetime) -> PassResult:
    """A test notification now, to every device of `user` (the /reminders button and POST /api/push/test)."""
    occurrence = Occurrence(
        user_id=user.id,
        routine="test",
        local_day=user.local_day(now),
        kind=f"test-{uuid.uuid4()}",
        due_at=now,
        status="pending",
        created_at=now,
    )
    db.session.add(occurrence)
    db.session.flush()
    queue_occurrence(occurrence, now)
    db.session.commit()
    return send_claimed(claim(now, only_occurrence=occurrence.id), now)


def materialize_due(now: datetime) -> PassResult:
    """Turn reminders whose time has come into occurrences and outbox rows; schedule the next."""
    result = PassResult()
    for kind in _KINDS.values():
        if kind.materialize is not None:
            kind.materialize(now)
    settings = RoutineSetting.__table__
    while True:
        _begin_write()
        # Plain rows, not ORM objects: a batch's reads, decisions and writes are a few
        # statements (ORM objects, their flush and psycopg parsing 500-row INSERTs anew cost
        # more than sending the reminders).
        due = [
            _DueSetting(*row)
            for row in db.session.execute(
                _locked(
                    db.select(
                        settings.c.id,
                        settings.c.user_id,
                        settings.c.routine,
                        settings.c.reminder_time,
                        settings.c.reminder_on,
                        settings.c.next_fire_at,
                        settings.c.next_local_day,
                    )
                    .where(settings.c.reminder_on.is_(True), settings.c.next_fire_at <= now)
                    .order_by(settings.c.next_fire_at)
                    .limit(BATCH)
                )
            )
        ]
        users = _recipients(setting.user_id for setting in due)
        rules = _BatchRules(users, (s.next_local_day for s in due if s.next_local_day), now)
        already = _scheduled_already(due)
        made = []
        for setting in due:
            user = users[setting.user_id]
            fire_at, day = setting.next_fire_at, setting.next_local_day
            decided = fate(fire_at, now, rules.is_wanted(user.id, setting.routine, day))
            if decided == "drop":
                result.dropped += 1
                _log("dropped", routine=setting.routine, user=user.id, due_at=fire_at)
            elif decided == "skip":
                result.skipped += 1
            if (user.id, setting.routine, day) not in already:
                made.append(
                    {
                        "user_id": user.id,
                        "routine": setting.routine,
                        "local_day": day,
                        "kind": "scheduled",
                        "due_at": fire_at,
                        "status": _STATUS_OF[decided],
                        "created_at": now,
                    }
                )
            # Never look further back than a reminder could still be sent: after an outage the
            # missed days are dropped in one go, not one pass each.
            after = {setting.routine: max(fire_at, now - MAX_LATENESS)}
            set_next(user, [setting], rules.schedules[user.id], rules.done[user.id], now, after)
        _write_next(due)
        result.queued += _queue_new(made, now)
        extra = db.session.scalars(
            _locked(
                db.select(Occurrence)
                .where(Occurrence.status == "pending", Occurrence.due_at <= now)
                .order_by(Occurrence.due_at)
                .limit(BATCH)
            )
        ).all()
        if extra:
            users = _recipients(occurrence.user_id for occurrence in extra)
            rules = _BatchRules(users, (occurrence.local_day for occurrence in extra), now)
            devices = _devices_by_user(users)
            for occurrence in extra:
                wanted = _is_wanted(rules, occurrence)
                decided = fate(occurrence.due_at, now, wanted)
                if decided == "drop":
                    occurrence.status = "dropped"
                    result.dropped += 1
                elif decided == "skip":
                    occurrence.status = "skipped"
                    result.skipped += 1
                else:
                    result.queued += _queue(occurrence, devices.get(occurrence.user_id, []), now)
        db.session.commit()
        if len(due) < BATCH and len(extra) < BATCH:
            return result


# A scheduled occurrence is stored as what became of it: "queued" (its outbox rows are made in
# the same statement's transaction), "skipped" or "dropped".
_STATUS_OF = {"send": "queued", "skip": "skipped", "drop": "dropped"}


@dataclass(slots=True)
class _DueSetting:
    """A due reminder's RoutineSetting as plain values: set_next reads and sets it like the
    model, and `_write_next` stores a batch's next reminders in one statement."""

    id: int
    user_id: int
    routine: str
    reminder_time: dt_time
    reminder_on: bool
    next_fire_at: datetime | None
    next_local_day: date | None


def _write_next(due: list[_DueSetting]) -> None:
    """Store the next reminders set_next gave a batch: one UPDATE on PostgreSQL (from arrays),
    one prepared statement run per row on SQLite."""
    if not due:
        return
    if _is_postgres():
        db.session.execute(
            text(
                "UPDATE routine_setting SET next_fire_at = v.fire_at, next_local_day = v.local_day"
                " FROM unnest(CAST(:ids AS integer[]), CAST(:fire_at AS timestamptz[]),"
                " CAST(:local_day AS date[])) AS v(id, fire_at, local_day)"
                " WHERE routine_setting.id = v.id"
            ),
            {
                "ids": [s.id for s in due],
                "fire_at": [s.next_fire_at for s in due],
                "local_day": [s.next_local_day for s in due],
            },
        )
        return
    table = RoutineSetting.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == bindparam("setting_id"))
        .values(next_fire_at=bindparam("fire_at"), next_local_day=bindparam("local_day"))
        .execution_options(synchronize_session=False),
        [{"setting_id": s.id, "fire_at": s.next_fire_at, "local_day": s.next_local_day} for s in due],
    )


def _queue_new(made: list[dict], now: datetime) -> int:
    """Insert a batch's new scheduled occurrences, and an outbox row for each device (not
    flagged) of each queued one, in two statements; how many outbox rows."""
    if not made:
        return 0
    occurrences = Occurrence.__table__
    if _is_postgres():
        # unnest: one short statement psycopg parses once, not 500 rows of placeholders.
        rows = db.session.execute(
            text(
                "INSERT INTO occurrence (user_id, routine, local_day, kind, due_at, status, created_at)"
                " SELECT user_id, routine, local_day, 'scheduled', due_at, status, :now"
                " FROM unnest(CAST(:user_id AS integer[]), CAST(:routine AS varchar[]),"
                " CAST(:local_day AS date[]), CAST(:due_at AS timestamptz[]), CAST(:status AS varchar[]))"
                " AS v(user_id, routine, local_day, due_at, status)"
                " RETURNING id, status"
            ),
            {"now": now, **{name: [row[name] for row in made] for name in _UNNESTED}},
        )
    else:
        rows = db.session.execute(insert(occurrences).returning(occurrences.c.id, occurrences.c.status), made)
    queued = [occurrence_id for occurrence_id, status in rows if status == "queued"]
    if not queued:
        return 0
    # Ready since the reminder fell due, not since this sender got to it: a sender whose pass
    # began a moment earlier (its `now` is fixed for the pass) may send it too.
    outbox, devices = OutboxMessage.__table__, PushSubscription.__table__
    moment = literal(now, UTCDateTime)
    # Counted from RETURNING: psycopg reports no rowcount for an INSERT ... SELECT made by SQLAlchemy.
    inserted = db.session.execute(
        insert(outbox)
        .from_select(
            [
                "occurrence_id",
                "subscription_id",
                "status",
                "attempts",
                "next_attempt_at",
                "created_at",
                "last_error",
            ],
            select(
                occurrences.c.id,
                devices.c.id,
                literal("pending"),
                literal(0),
                case((occurrences.c.due_at < moment, occurrences.c.due_at), else_=moment),
                moment,
                literal(""),
            )
            .join(devices, devices.c.user_id == occurrences.c.user_id)
            .where(one_of(occurrences.c.id, queued), devices.c.flagged_at.is_(None))
            .order_by(occurrences.c.id, devices.c.id),
        )
        .returning(outbox.c.id)
    )
    return len(inserted.all())


_UNNESTED = ("user_id", "routine", "local_day", "due_at", "status")


@dataclass(frozen=True, slots=True)
class _Recipient:
    """A reminder's user as plain values: what the rules and the next reminder (zone, zone
    history, day end) and the choice of language read. Users and their zone history as ORM
    objects cost the sender more than encrypting the messages."""

    id: int
    time_zone: str
    day_end_hour: int
    locale: str | None
    browser_locale: str | None
    spans: tuple

    def zone_spans(self) -> list:
        return list(self.spans)


def _recipients(user_ids) -> dict[int, _Recipient]:
    """`_Recipient`s by id, many in two queries (the zone history by `one_of`, where an IN list
    would have 500 placeholders)."""
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    users = User.__table__
    rows = db.session.execute(
        select(
            users.c.id, users.c.time_zone, users.c.day_end_hour, users.c.locale, users.c.browser_locale
        ).where(one_of(users.c.id, user_ids))
    ).all()
    changes: dict[int, list] = {row[0]: [] for row in rows}
    zones = ZoneChange.__table__
    for change in db.session.execute(
        select(zones.c.user_id, zones.c.changed_at, zones.c.old_zone, zones.c.new_zone)
        .where(one_of(zones.c.user_id, changes))
        .order_by(zones.c.changed_at, zones.c.id)
    ):
        changes[change.user_id].append(change)
    return {
        user_id: _Recipient(
            user_id,
            time_zone,
            day_end_hour,
            locale,
            browser_locale,
            tuple(zone_spans_of(time_zone, changes[user_id])),
        )
        for user_id, time_zone, day_end_hour, locale, browser_locale in rows
    }


def _scheduled_already(settings) -> set[tuple[int, str, object]]:
    """(user, routine, local day) of the settings' due reminders that already have an occurrence."""
    if not settings:
        return set()
    rows = db.session.execute(
        db.select(Occurrence.user_id, Occurrence.routine, Occurrence.local_day).where(
            Occurrence.kind == "scheduled",
            one_of(Occurrence.user_id, {setting.user_id for setting in settings}),
            one_of(Occurrence.local_day, {setting.next_local_day for setting in settings}),
        )
    )
    return {tuple(row) for row in rows}


def _load(model, ids) -> dict:
    """Rows of `model` by id, many in one query (each then also sits in the session's identity map)."""
    ids = set(ids)
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(db.select(model).where(one_of(model.id, ids)))}


@dataclass(frozen=True)
class _Due:
    """A claimed row's occurrence as plain values (what the rules and the message read)."""

    id: int
    user_id: int
    routine: str
    local_day: date
    kind: str
    due_at: datetime


def claim(now: datetime, limit: int = BATCH, only_occurrence: int | None = None) -> list[Claimed]:
    """Lease up to `limit` outbox rows that are due (or whose lease ran out), in one transaction.

    Each comes back with its verdict (`Claimed.not_sent`): whether it is past saving, to a push
    host no longer allowed, or no longer wanted (done, paused or switched off since it was
    queued), asked once per batch here rather than per message; send_claimed acts on it."""
    _begin_write()
    outbox, occurrences, devices = OutboxMessage.__table__, Occurrence.__table__, PushSubscription.__table__
    query = (
        select(
            outbox.c.id,
            outbox.c.attempts,
            occurrences.c.id,
            occurrences.c.user_id,
            occurrences.c.routine,
            occurrences.c.local_day,
            occurrences.c.kind,
            occurrences.c.due_at,
            devices.c.id,
            devices.c.endpoint,
            devices.c.p256dh,
            devices.c.auth,
        )
        .join(occurrences, occurrences.c.id == outbox.c.occurrence_id)
        .join(devices, devices.c.id == outbox.c.subscription_id)
        .where(
            or_(
                and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
                and_(outbox.c.status == "sending", outbox.c.lease_until < now),
            )
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if only_occurrence is not None:
        query = query.where(outbox.c.occurrence_id == only_occurrence)
    if _is_postgres():
        query = query.with_for_update(skip_locked=True, of=outbox)
    # One query for the rows, their occurrences and devices (plain values, no ORM objects).
    rows = db.session.execute(query).all()
    due = {row[2]: _Due(*row[2:8]) for row in rows}
    # The rules and the words need the recipients (their zone, schedules, language): read once.
    users = _recipients({o.user_id for o in due.values()})
    # Features' own kinds of message read their occurrence as a model.
    models = _load(Occurrence, (o.id for o in due.values() if o.routine in _KINDS))
    rules = _BatchRules(users, (o.local_day for o in due.values()))
    allowed = current_app.config["PUSH_ALLOWED_HOSTS"]
    # In the order send_claimed always asked: past saving, a push host no longer allowed, no
    # longer wanted (once per occurrence, not per device).
    too_late = {i for i, o in due.items() if is_too_late(o.due_at, now)}
    unwanted = {i for i, o in due.items() if i not in too_late and not _is_wanted(rules, models.get(i, o))}
    verdicts = {}
    for outbox_id, _attempts, occurrence_id, *_rest, endpoint, _p256dh, _auth in rows:
        if occurrence_id in too_late:
            verdicts[outbox_id] = ("dropped", "")
        elif not is_allowed_endpoint(endpoint, allowed):
            verdicts[outbox_id] = ("failed", "push host not allowed")
        elif occurrence_id in unwanted:
            verdicts[outbox_id] = ("skipped", "")
    to_write = {row[2] for row in rows if row[0] not in verdicts}
    bodies = _messages([due[i] for i in to_write], models, users)
    claimed = []
    for outbox_id, attempts, occurrence_id, *_rest, subscription_id, endpoint, p256dh, auth in rows:
        o = due[occurrence_id]
        verdict = verdicts.get(outbox_id)
        claimed.append(
            Claimed(
                outbox_id=outbox_id,
                occurrence_id=occurrence_id,
                subscription_id=subscription_id,
                user_id=o.user_id,
                routine=o.routine,
                attempts=attempts + 1,
                due_at=o.due_at,
                endpoint=endpoint,
                p256dh=p256dh,
                auth=auth,
                message=bodies.get(occurrence_id, {}),
                not_sent=verdict,
            )
        )
    if rows:
        # One statement for the batch's lease, not one flushed UPDATE per row (the rows are
        # locked above, so `attempts + 1` is the value each Claimed carries).
        db.session.execute(
            outbox.update()
            .where(one_of(outbox.c.id, [row[0] for row in rows]))
            .values(status="sending", lease_until=now + LEASE, attempts=outbox.c.attempts + 1)
        )
    db.session.commit()
    return claimed


def _messages(
    due: list[_Due], models: dict[int, Occurrence], users: dict[int, _Recipient]
) -> dict[int, dict]:
    """Each occurrence's message, in its recipient's language (their setting, else their
    browser's): one language's messages written together, the words they share translated once."""
    secret = current_app.config["SECRET_KEY"]
    affirmations = first_affirmations((o.user_id, o.local_day) for o in due if o.routine == "morning")
    by_language: dict[str, list[_Due]] = {}
    for o in due:
        by_language.setdefault(user_locale(users.get(o.user_id)), []).append(o)
    bodies = {}
    for language, group in by_language.items():
        with force_locale(language):
            words = messages.Words()
            for o in group:
                if o.routine in _KINDS:
                    bodies.update(_KINDS[o.routine].payloads([models[o.id]]))
                else:
                    token = messages.snooze_token(secret, o.id, o.user_id)
                    affirmation = affirmations.get((o.user_id, o.local_day))
                    bodies[o.id] = messages.payload(o, affirmation, token, words)
    return bodies


def _send_one(session, item: Claimed, config: dict, now: datetime) -> tuple[Claimed, Delivery, float]:
    started = time.perf_counter()
    delivery = deliver(
        session,
        item.endpoint,
        item.p256dh,
        item.auth,
        item.message,
        private_key=config["VAPID_PRIVATE_KEY"],
        subject=config["VAPID_SUBJECT"],
        ttl=time_to_live(item.due_at, now),
        topic=f"occurrence{item.occurrence_id}",
    )
    return item, delivery, (time.perf_counter() - started) * 1000


def _pushes(session, concurrency: int):
    config = current_app.config
    return pushes(
        session, concurrency, private_key=config["VAPID_PRIVATE_KEY"], subject=config["VAPID_SUBJECT"]
    )


def send_claimed(
    claimed: list[Claimed], now: datetime, session=None, concurrency: int = CONCURRENCY
) -> PassResult:
    """Send leased rows concurrently, then record each outcome (one log line each)."""
    if not claimed:
        return PassResult()
    connections = session or new_session(concurrency)
    try:
        with _pushes(connections, min(concurrency, len(claimed))) as pool:
            return _outcomes(_start_sending(claimed, now, pool), now)
    finally:
        if session is None:
            connections.close()


@dataclass
class _Sending:
    """A claimed batch on its way: what was not to be sent is recorded, the rest is in flight."""

    result: PassResult
    batch: Batch


def _push(item: Claimed, now: datetime) -> Push:
    return Push(
        item.endpoint,
        item.p256dh,
        item.auth,
        item.message,
        ttl=time_to_live(item.due_at, now),
        topic=f"occurrence{item.occurrence_id}",
    )


def _start_sending(claimed: list[Claimed], now: datetime, pool: PushLoop | ThreadedPushes) -> _Sending:
    """Record the rows claim said not to send, and hand the others to `pool` (without waiting)."""
    result = PassResult()
    not_sent = [item for item in claimed if item.not_sent is not None]
    # Only the rows marked here are loaded (in one query): the ones to send are marked after.
    _held = _load(OutboxMessage, (item.outbox_id for item in not_sent))
    for item in not_sent:
        outcome, error = item.not_sent
        if error == "push host not allowed":
            _flag(item.subscription_id, error, now)
        _finish(item, outcome, result, error=error)
    db.session.commit()
    batch = pool.start((item, _push(item, now)) for item in claimed if item.not_sent is None)
    return _Sending(result, batch)


def _outcomes(sending: _Sending, now: datetime) -> PassResult:
    """Wait for a batch's messages, then record each outcome."""
    result = sending.result
    # Most are sent: those rows are marked in one UPDATE per status, not loaded and flushed
    # one by one; the rest (retry, gone, failed) keep the per-row path.
    sent: dict[int, list[Claimed]] = {}
    others = []
    for item, delivery, elapsed in sending.batch.results():
        if delivery_outcome(delivery.status, item.attempts, MAX_ATTEMPTS)[0] == "sent":
            sent.setdefault(delivery.status, []).append(item)
            result.add("sent")
            _log("sent", item, status=delivery.status, ms=round(elapsed, 1))
        else:
            others.append((item, delivery, elapsed))
    for status, items in sent.items():
        _mark_sent([item.outbox_id for item in items], status, now)
    # Loaded in one query, and held: the session's identity map holds only weak references.
    _held = _load(OutboxMessage, (item.outbox_id for item, _, _ in others))
    for item, delivery, elapsed in others:
        _record(item, delivery, elapsed, now, result)
    db.session.commit()
    return result


def _mark_sent(outbox_ids: list[int], status: int, now: datetime) -> None:
    """What `_finish` writes for "sent", for many rows in one statement."""
    table = OutboxMessage.__table__
    db.session.execute(
        table.update()
        .where(one_of(table.c.id, outbox_ids))
        .values(status="sent", lease_until=None, last_status=status, last_error="", sent_at=now)
    )


def _record(item: Claimed, delivery: Delivery, elapsed_ms: float, now: datetime, result: PassResult) -> None:
    status = delivery.status
    outcome, flag = delivery_outcome(status, item.attempts, MAX_ATTEMPTS)
    if outcome == "sent":
        _finish(item, "sent", result, status=status, elapsed_ms=elapsed_ms, sent_at=now)
    elif outcome == "gone":
        db.session.execute(db.delete(PushSubscription).where(PushSubscription.id == item.subscription_id))
        result.gone += 1
        _log("gone", item, status=status, ms=round(elapsed_ms, 1))
    elif outcome == "retry":
        row = db.session.get(OutboxMessage, item.outbox_id)
        if row is not None:
            row.status = "pending"
            row.lease_until = None
            row.last_status = status
            row.last_error = delivery.error
            row.next_attempt_at = now + retry_delay(item.attempts, delivery.retry_after, now)
        result.retried += 1
        _log("retry", item, status=status, error=delivery.error, ms=round(elapsed_ms, 1))
    else:
        if flag:
            _flag(item.subscription_id, f"push service answered {status}", now)
        _finish(item, "failed", result, status=status, error=delivery.error, elapsed_ms=elapsed_ms)


def _finish(
    item: Claimed, outcome: str, result: PassResult, status=None, error="", elapsed_ms=None, sent_at=None
):
    row = db.session.get(OutboxMessage, item.outbox_id)
    if row is not None:
        row.status = outcome
        row.lease_until = None
        row.last_status = status
        row.last_error = error or ""
        row.sent_at = sent_at
    result.add(outcome)
    _log(
        outcome, item, status=status, error=error, ms=round(elapsed_ms, 1) if elapsed_ms is not None else None
    )


def _flag(subscription_id: int, reason: str, now: datetime) -> None:
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is not None and subscription.flagged_at is None:
        subscription.flagged_at = now
        subscription.flag_reason = reason


def _log(outcome: str, item: Claimed | None = None, **fields) -> None:
    if not log.isEnabledFor(logging.INFO):
        return  # the line is not written: not made either
    line = {"event": "push", "outcome": outcome}
    if item is not None:
        line.update(
            outbox=item.outbox_id,
            occurrence=item.occurrence_id,
            subscription=item.subscription_id,
            user=item.user_id,
            routine=item.routine,
            attempt=item.attempts,
        )
    line.update(
        {
            k: (v.isoformat() if isinstance(v, datetime) else v)
            for k, v in fields.items()
            if v not in (None, "")
        }
    )
    log.info(json.dumps(line, sort_keys=True))


def sender_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(now: datetime, result: PassResult, name: str | None = None) -> None:
    name = name or sender_name()
    heartbeat = db.session.get(SenderHeartbeat, name) or SenderHeartbeat(name=name)
    heartbeat.last_pass_at = now
    heartbeat.last_sent = result.sent
    heartbeat.last_failed = result.failed
    db.session.add(heartbeat)
    db.session.commit()


def send_due(
    now: datetime, session=None, concurrency: int = CONCURRENCY, name: str | None = None
) -> PassResult:
    """One pass: queue what is due, then claim and send until nothing is left to claim.

    The next batch is claimed (and its messages written) while the last one is on the wire,
    and its outcomes are recorded while the next one is: the database work overlaps the push
    services' round trips instead of waiting for them."""
    total = materialize_due(now)
    connections = session or new_session(concurrency)
    try:
        with _pushes(connections, concurrency) as pool:
            in_flight = None
            while True:
                claimed = claim(now)
                sending = _start_sending(claimed, now, pool) if claimed else None
                if in_flight is not None:
                    _merge(total, _outcomes(in_flight, now))
                in_flight = sending
                if len(claimed) < BATCH:
                    break
            if in_flight is not None:
                _merge(total, _outcomes(in_flight, now))
    finally:
        if session is None:
            connections.close()
    beat(now, total, name)
    return total


def _merge(total: PassResult, part: PassResult) -> None:
    for name in ("sent", "retried", "failed", "dropped", "skipped", "gone"):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def next_wake(now: datetime, longest: timedelta = timedelta(seconds=15)) -> float:
    """Seconds until the next reminder or retry is due (at most `longest`)."""
    soonest: Iterable[datetime | None] = (
        db.session.scalar(
            db.select(func.min(RoutineSetting.next_fire_at)).where(RoutineSetting.reminder_on.is_(True))
        ),
        db.session.scalar(
            db.select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending")
        ),
        db.session.scalar(db.select(func.min(Occurrence.due_at)).where(Occurrence.status == "pending")),
        *(kind.next_due() for kind in _KINDS.values() if kind.next_due is not None),
    )
    db.session.commit()
    wait = longest
    for moment in soonest:
        if moment is not None:
            wait = min(wait, max(moment - now, timedelta(0)))
    return wait.total_seconds()
