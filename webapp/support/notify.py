"""Support messages by Web Push, through the reminders' own sender, outbox and dedupe.

Each message is an `Occurrence` with routine "support" for the person who gets it; its `kind`
names what it is: "cheer-<cheer id>" (to the owner), "weekly-<link id>" and "rough-<link id>"
(to a supporter, on the owner's local day). The occurrence's unique (user, routine, day, kind)
is the dedupe: one weekly note per supporter per week, one rough-day signal per day. The push
`Topic` and notification `tag` carry the occurrence id, so a resend after a crash shows once.
Whether it is still wanted is asked again just before sending: a link ended in the meantime,
or a muted supporter, sends nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from webapp.auth.models import User
from webapp.extensions import db
from webapp.i18n.translations import gettext as _
from webapp.reminders import sender
from webapp.reminders.core import MAX_LATENESS, is_too_late
from webapp.reminders.models import Occurrence
from webapp.routines.schedule import schedules_for
from webapp.streaks.data import done_days_by_routine
from webapp.support import core
from webapp.support.models import Cheer, SupportLink, SupportSettings

ROUTINE = "support"


def _parse(kind: str) -> tuple[str, int] | None:
    what, _, number = kind.partition("-")
    return (what, int(number)) if number.isdigit() else None


def name_of(user: User | None) -> str:
    return core.display_name(user.greeting_name if user else "")


def queue_cheer(cheer: Cheer, owner_id: int, now: datetime) -> None:
    """A pending occurrence for the owner; the sender's next pass sends it (the caller commits)."""
    db.session.add(
        Occurrence(
            user_id=owner_id,
            routine=ROUTINE,
            local_day=cheer.owner_day,
            kind=f"cheer-{cheer.id}",
            due_at=now,
            status="pending",
            created_at=now,
        )
    )


def queue_rough_day(owner: User, now: datetime) -> int:
    """One "tough call" note to each supporter, at most once per owner's local day. Commits.

    Returns how many supporters it was queued for (0 when already sent today)."""
    day = owner.local_day(now)
    links = db.session.scalars(db.select(SupportLink).filter_by(owner_id=owner.id)).all()
    queued = 0
    for link in links:
        queued += _add_once(link.supporter_id, day, f"rough-{link.id}", now, now)
    try:
        db.session.commit()
    except IntegrityError:  # a double tap on two devices at once: the other one queued it
        db.session.rollback()
        return 0
    return queued


def _add_once(supporter_id: int, day, kind: str, due_at: datetime, now: datetime) -> int:
    """Queue one note for a supporter unless that day already holds it: 1 if queued, else 0."""
    exists = db.session.scalar(
        db.select(Occurrence.id).filter_by(user_id=supporter_id, routine=ROUTINE, local_day=day, kind=kind)
    )
    if exists is not None:
        return 0
    db.session.add(
        Occurrence(
            user_id=supporter_id,
            routine=ROUTINE,
            local_day=day,
            kind=kind,
            due_at=due_at,
            status="pending",
            created_at=now,
        )
    )
    return 1


def _wanted(occurrence: Occurrence) -> bool:
    parsed = _parse(occurrence.kind)
    if parsed is None:
        return False
    what, number = parsed
    if what == "cheer":
        cheer = db.session.get(Cheer, number)
        # Deleted with its link when the link ends; a muted supporter's cheer is never shown.
        return (
            cheer is not None and not cheer.muted and db.session.get(SupportLink, cheer.link_id) is not None
        )
    if what in ("weekly", "rough"):
        link = db.session.get(SupportLink, number)
        return link is not None and link.supporter_id == occurrence.user_id
    return False


def _payload(occurrence: Occurrence) -> dict:
    base = {"tag": f"rebound-{occurrence.id}", "occurrence": occurrence.id, "routine": ROUTINE, "actions": []}
    parsed = _parse(occurrence.kind) or ("", 0)
    what, number = parsed
    if what == "cheer":
        cheer = db.session.get(Cheer, number)
        link = db.session.get(SupportLink, cheer.link_id) if cheer else None
        if cheer and link:
            return {
                **base,
                # NOTE: A notification's title; %(name)s is the supporter who sent a cheer.
                "title": _("%(name)s cheered you on", name=name_of(db.session.get(User, link.supporter_id))),
                "body": str(core.CHEERS.get(cheer.kind, core.CHEERS["keep-going"])),
                "url": "/today",
            }
    link = db.session.get(SupportLink, number) if what in ("weekly", "rough") else None
    if link is not None:
        owner = db.session.get(User, link.owner_id)
        name = name_of(owner)
        if what == "weekly":
            days = core.week_ending(occurrence.local_day)
            done = done_days_by_routine(owner.id, since=days[0])
            body = str(core.weekly_note_text(name, core.days_practised(done, days)))
            # NOTE: A notification's title; %(name)s is the person supported.
            title = _("%(name)s's week", name=name)
        else:
            title = _("%(name)s had a tough call", name=name)
            body = _("A cheer would help.")
        return {**base, "title": title, "body": body, "url": f"/support/people/{link.id}"}
    # The link ended between queueing and claiming: `wanted` stops it before it is sent.
    return {**base, "title": "Rebound", "body": "", "url": "/support"}


def _payloads(occurrences: list[Occurrence]) -> dict[int, dict]:
    return {occurrence.id: _payload(occurrence) for occurrence in occurrences}


# The weekly note --------------------------------------------------------------------------------


def reschedule_weekly(owner: User, now: datetime) -> None:
    """Recompute the owner's next weekly note strictly after `now` (the caller commits)."""
    settings = db.session.get(SupportSettings, owner.id)
    if settings is None:
        return
    _set_next(settings, owner, now)


def _set_next(settings: SupportSettings, owner: User, after: datetime) -> None:
    if not settings.weekly_on:
        settings.next_weekly_at = settings.next_weekly_day = None
        return
    found = core.next_weekly_note(
        after, settings.weekly_weekday, settings.weekly_time, owner.time_zone, owner.day_end_hour
    )
    settings.next_weekly_at, settings.next_weekly_day = found.fire_at, found.local_day


def settings_for(owner: User, now: datetime) -> SupportSettings:
    """The owner's weekly-note settings, made with the defaults (and scheduled) on first use."""
    settings = db.session.get(SupportSettings, owner.id)
    if settings is None:
        settings = SupportSettings(
            user_id=owner.id,
            weekly_on=True,
            weekly_weekday=core.DEFAULT_WEEKLY_WEEKDAY,
            weekly_time=core.DEFAULT_WEEKLY_TIME,
        )
        db.session.add(settings)
        _set_next(settings, owner, now)
    return settings


def materialize_weekly(now: datetime) -> None:
    """Turn weekly notes that fell due into one occurrence per supporter; schedule the next week.

    After an outage a note too late to send is skipped and the next one scheduled; that one may
    itself be due already, so this repeats until nothing is."""
    while _materialize_batch(now):
        pass


def _materialize_batch(now: datetime) -> bool:
    """One batch of due notes; whether there were any."""
    sender._begin_write()
    due = db.session.scalars(
        sender._locked(
            db.select(SupportSettings)
            .where(SupportSettings.weekly_on.is_(True), SupportSettings.next_weekly_at <= now)
            .order_by(SupportSettings.next_weekly_at)
            .limit(sender.BATCH)
        )
    ).all()
    for settings in due:
        owner = db.session.get(User, settings.user_id)
        fire_at, day = settings.next_weekly_at, settings.next_weekly_day
        days = core.week_ending(day)
        quiet = core.is_quiet_week(schedules_for(owner).values(), days)
        if not quiet and not is_too_late(fire_at, now):
            links = db.session.scalars(db.select(SupportLink).filter_by(owner_id=owner.id)).all()
            for link in links:
                _add_once(link.supporter_id, day, f"weekly-{link.id}", fire_at, now)
        # After an outage, never further back than a note could still be sent.
        _set_next(settings, owner, max(fire_at, now - MAX_LATENESS))
    db.session.commit()
    return bool(due)


def _next_due() -> datetime | None:
    return db.session.scalar(
        db.select(db.func.min(SupportSettings.next_weekly_at)).where(SupportSettings.weekly_on.is_(True))
    )


def init_app(app) -> None:
    sender.register_kind(
        ROUTINE,
        sender.Kind(payloads=_payloads, wanted=_wanted, materialize=materialize_weekly, next_due=_next_due),
    )
