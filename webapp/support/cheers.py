"""Sending a cheer: the one path for the page's buttons and POST /api/cheers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from webapp.auth.models import User
from webapp.database import all_rows
from webapp.extensions import db
from webapp.i18n.translations import gettext as _
from webapp.reminders.sender import _begin_write
from webapp.routines.completions import parse_client_id
from webapp.routines.core import InvalidInput
from webapp.support import core
from webapp.support.models import Cheer, SupportLink
from webapp.support.notify import name_of, queue_cheer


def _locked(query):
    """The query's rows locked until commit on PostgreSQL (SQLite holds its write lock already)."""
    return query.with_for_update() if db.session.get_bind().dialect.name == "postgresql" else query


class NoSuchLink(LookupError):
    """Not a link the sender supports someone through (ended, someone else's, or none)."""


class TooManyCheers(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.message = _(
            "You've sent %(name)s %(count)d cheers today — that's the daily limit. "
            "You can send more tomorrow.",
            name=name,
            count=core.CHEERS_PER_DAY,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def _body(cheer: Cheer) -> dict:
    return {
        "id": cheer.client_id,
        "to": cheer.link_id,
        "kind": cheer.kind,
        "sent_at": cheer.sent_at.isoformat(),
    }


def supported_link(sender: User, link_id) -> SupportLink:
    """The link through which `sender` supports someone, or NoSuchLink (never the owner's side)."""
    if not isinstance(link_id, int) or isinstance(link_id, bool):
        raise InvalidInput("to", "must be the number of a link to someone you support.")
    if not 0 < link_id < 2**31:
        raise NoSuchLink
    link = db.session.get(SupportLink, link_id)
    if link is None or link.supporter_id != sender.id:
        raise NoSuchLink
    return link


def send_cheer(sender: User, client_id, link_id, kind, now: datetime) -> Answer:
    """Record a cheer and queue its push; a replayed client id gets the first answer. Commits.

    Raises InvalidInput (422), NoSuchLink (404) or TooManyCheers (429)."""
    client_id = parse_client_id(client_id)
    if not isinstance(kind, str) or kind not in core.CHEERS:
        raise InvalidInput("kind", f"must be one of {', '.join(core.CHEERS)}.")
    supported_link(sender, link_id)
    # Two cheers at once (two tabs, a queue replaying): one waits for the other, so the count
    # below and the insert see each other and the limit holds. SQLite: the write lock from here;
    # PostgreSQL: the link's row.
    _begin_write()
    stored = db.session.scalar(db.select(Cheer).filter_by(sender_id=sender.id, client_id=client_id))
    if stored is not None:
        db.session.rollback()
        return Answer(200, _body(stored))
    link = db.session.scalar(_locked(db.select(SupportLink).where(SupportLink.id == link_id)))
    if link is None:
        db.session.rollback()
        raise NoSuchLink
    owner = db.session.get(User, link.owner_id)
    owner_day = owner.local_day(now)
    sent_today = db.session.scalar(
        db.select(db.func.count(Cheer.id)).filter_by(link_id=link.id, owner_day=owner_day)
    )
    if not core.is_cheer_allowed(sent_today):
        db.session.rollback()
        raise TooManyCheers(name_of(owner))
    cheer = Cheer(
        link_id=link.id,
        sender_id=sender.id,
        client_id=client_id,
        kind=kind,
        owner_day=owner_day,
        sent_at=now,
        muted=link.muted,
    )
    db.session.add(cheer)
    try:
        db.session.flush()
        if not cheer.muted:
            queue_cheer(cheer, owner.id, now)
        db.session.commit()
    except IntegrityError:
        # The same id sent twice at once: the other request stored it.
        db.session.rollback()
        stored = db.session.scalar(db.select(Cheer).filter_by(sender_id=sender.id, client_id=client_id))
        if stored is None:
            raise
        return Answer(200, _body(stored))
    return Answer(201, _body(cheer))


def cheers_left(link: SupportLink, owner: User, now: datetime) -> int:
    owner_day = owner.local_day(now)
    sent = db.session.scalar(
        db.select(db.func.count(Cheer.id)).filter_by(link_id=link.id, owner_day=owner_day)
    )
    return max(0, core.CHEERS_PER_DAY - sent)


# Built once: /today asks on every visit, and building the statement cost more than running it.
_UNSEEN = (
    db.select(Cheer.id, Cheer.kind, User.display_name, User.email)
    .join(SupportLink, SupportLink.id == Cheer.link_id)
    .join(User, User.id == SupportLink.supporter_id)
    .where(
        SupportLink.owner_id == db.bindparam("owner_id"),
        SupportLink.muted.is_(False),
        Cheer.seen_at.is_(None),
        Cheer.muted.is_(False),
    )
    .order_by(Cheer.sent_at.desc(), Cheer.id.desc())
    .limit(20)
)


def unseen_cheers(owner: User) -> list[dict]:
    """Cheers waiting on the owner's /today: from current, unmuted supporters, newest first.

    One query with the senders' names: /today reads it on every visit."""
    rows = all_rows(db.session.connection(), _UNSEEN, {"owner_id": owner.id})
    return [
        {
            "id": cheer_id,
            "from": core.display_name(display_name or email.split("@", 1)[0]),
            "text": core.CHEERS[kind],
        }
        for cheer_id, kind, display_name, email in rows
    ]


def mark_seen(owner: User, now: datetime) -> int:
    """Every cheer waiting for the owner, marked seen (the caller commits)."""
    links = db.select(SupportLink.id).where(SupportLink.owner_id == owner.id)
    return db.session.execute(
        db.update(Cheer)
        .where(Cheer.link_id.in_(links), Cheer.seen_at.is_(None))
        .values(seen_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
