"""/today: the day at a glance — each routine done or not, its streak, follow-ups due, a reset."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import bindparam, select, true

from webapp import pagecache
from webapp.auth.forms import ZoneSwitchForm
from webapp.clock import utcnow
from webapp.database import all_rows
from webapp.extensions import db
from webapp.forms import many_hidden_fields
from webapp.i18n import clock_time, day_words
from webapp.i18n.translations import get_locale, ngettext
from webapp.i18n.translations import gettext as _
from webapp.localday import noon_of, zone_switch_matters
from webapp.routines.completions import complete_now, undo_completion
from webapp.routines.core import ROUTINE_INFO, InvalidInput
from webapp.routines.finish import DayProgress
from webapp.routines.forms import RoutineDayForm
from webapp.routines.models import Completion, MorningEntry, RoutineSetting
from webapp.routines.schedule import schedules_for
from webapp.setbacks.models import Setback
from webapp.streaks.store import streak_summaries
from webapp.web import local_today

bp = Blueprint("routines", __name__)

FOLLOW_UPS_SHOWN = 5


# What "I did it yesterday" records: enough to count the day, nothing invented. A reflection
# is not offered: it is worth something only with the person's own words.
YESTERDAY_DATA = {
    "morning": {"intention": "", "affirmation_ids": []},
    "breathe": {"pattern": "box", "seconds": 60},
    "goals": {"progress": {}},
}


def greeting(hour: int) -> str:
    """The salutation for a local hour: morning from 5, afternoon from 12, evening from 18."""
    if 5 <= hour < 12:
        return _("Good morning")
    if 12 <= hour < 18:
        return _("Good afternoon")
    return _("Good evening")


def long_date(day: date) -> str:
    """Like "Monday 2 March", in the page's language."""
    return day_words(day, "weekday_day_month")


def streak_words(streak: int, expected_today: bool) -> str:
    if streak:
        return ngettext("%(num)d-day streak", "%(num)d-day streak", streak)
    return _("Start a streak today") if expected_today else _("Start a streak next time it's on")


_FOLLOW_UPS_DUE = (
    select(Setback.id, Setback.what_happened, Setback.follow_up_on)
    .where(
        Setback.user_id == bindparam("user_id"),
        Setback.follow_up_on <= bindparam("today"),
        Setback.followed_up_at.is_(None),
    )
    .order_by(Setback.follow_up_on.desc(), Setback.id.desc())
    .limit(FOLLOW_UPS_SHOWN)
)
_NEXT_REMINDER = (
    select(RoutineSetting.routine, RoutineSetting.next_fire_at)
    .where(
        RoutineSetting.user_id == bindparam("user_id"),
        RoutineSetting.reminder_on.is_(True),
        RoutineSetting.next_fire_at >= bindparam("now"),
    )
    .order_by(RoutineSetting.next_fire_at)
    .limit(1)
)
_INTENTION = select(MorningEntry.intention).where(
    MorningEntry.user_id == bindparam("user_id"), MorningEntry.local_day == bindparam("day")
)


class FollowUp(NamedTuple):
    id: int
    what_happened: str
    follow_up_on: date


class Reminder(NamedTuple):
    routine: str
    next_fire_at: datetime


def _day_notes_statement():
    """The day's intention, the soonest reminder from `now` and the newest few follow-ups due, in
    one round trip (three statements cost the app and the database more than their rows): one
    row of the first two, joined to each follow-up (or to none), newest due first."""
    firing = _NEXT_REMINDER.with_only_columns
    heads = select(
        _INTENTION.scalar_subquery().label("intention"),
        firing(RoutineSetting.routine).scalar_subquery().label("reminder_routine"),
        firing(RoutineSetting.next_fire_at).scalar_subquery().label("reminder_at"),
    ).subquery()
    due = _FOLLOW_UPS_DUE.subquery()
    return (
        select(heads, due)
        .select_from(heads.outerjoin(due, true()))
        .order_by(due.c.follow_up_on.desc(), due.c.id.desc())
    )


_DAY_NOTES = _day_notes_statement()


def day_notes(user_id: int, today: date, now: datetime) -> tuple[str, tuple[FollowUp, ...], Reminder | None]:
    """Today's intention ("" for none), the newest few follow-ups due, the soonest reminder."""
    # Straight through the driver (`all_rows`): /today reads it on every visit.
    parameters = {"user_id": user_id, "day": today, "today": today, "now": now}
    rows = all_rows(db.session.connection(), _DAY_NOTES, parameters)
    intention, reminder_routine, reminder_at = rows[0][:3]
    follow_ups = tuple(
        FollowUp(setback_id, what_happened, follow_up_on)
        for *_first, setback_id, what_happened, follow_up_on in rows
        if setback_id is not None
    )
    reminder = Reminder(reminder_routine, reminder_at) if reminder_routine is not None else None
    return intention or "", follow_ups, reminder


def reminder_words(routine: str, fire_at: datetime, now: datetime, zone: str) -> str:
    """Like "Morning at 08:00 tomorrow", in the user's zone."""
    local, here = fire_at.astimezone(ZoneInfo(zone)), now.astimezone(ZoneInfo(zone))
    days = (local.date() - here.date()).days
    label, time = ROUTINE_INFO[routine].label, clock_time(local)
    # NOTE: %(routine)s is a routine's name (Morning, Breathe, ...), %(time)s a time such as 08:00.
    if days == 0:
        return _("%(routine)s at %(time)s today", routine=label, time=time)
    if days == 1:
        return _("%(routine)s at %(time)s tomorrow", routine=label, time=time)
    # NOTE: %(day)s is a short date, such as "Tue 3 Mar".
    return _("%(routine)s at %(time)s on %(day)s", routine=label, time=time, day=day_words(local))


def next_reminder(user_id: int, now: datetime, zone: str) -> str | None:
    """The soonest reminder still to come, in words; None when every reminder is off."""
    row = db.session.connection().execute(_NEXT_REMINDER, {"user_id": user_id, "now": now}).first()
    return reminder_words(row.routine, row.next_fire_at, now, zone) if row else None


def first_local_day(user) -> date | None:
    """The local day the account was made on (None for an account from before that was kept)."""
    return user.local_day(user.created_at) if user.created_at else None


# Set by the page's script on every visit (the phone's IANA zone), so the offer to switch can be
# part of the first paint on the next request instead of appearing under the reader's thumb.
PHONE_ZONE_COOKIE = "phone_zone"
# The phone zone the person chose to keep the account away from ("Keep Europe/Berlin").
ZONE_KEPT_COOKIE = "zone_offer_kept"


def offered_zone(account_zone: str, today: date) -> str | None:
    """The phone's zone to offer switching to, or None: only when it would change a day or a time."""
    phone = request.cookies.get(PHONE_ZONE_COOKIE, "")[:64]
    if not phone or phone == request.cookies.get(ZONE_KEPT_COOKIE):
        return None
    return phone if zone_switch_matters(account_zone, phone, today) else None


def _today_figures(user, today: date) -> dict:
    """What /today shows, as numbers, dates, ids and the person's own text (cached per data
    version and day: see webapp/pagecache.py); the words are made per request."""
    yesterday = today - timedelta(days=1)
    # No "did it yesterday?" before the account existed: a first day starts clean.
    first_day = first_local_day(user)
    had_yesterday = first_day is None or first_day <= yesterday
    schedules = schedules_for(user)
    summaries = streak_summaries(user, today, schedules)
    cards = []
    for routine, schedule in schedules.items():
        summary = summaries[routine]
        cards.append(
            (
                routine,
                summary.today_done,
                schedule.is_expected(today),
                summary.current,
                # Only when it would help the streak: yesterday open, and a day the routine was on.
                not summary.today_done
                and had_yesterday
                and routine in YESTERDAY_DATA
                and not summary.yesterday_done
                and schedule.is_scheduled(yesterday),
            )
        )
    intention, follow_ups, reminder = day_notes(user.id, today, utcnow())
    return {
        "first_day": first_day,
        "cards": tuple(cards),
        "intention": intention,
        "follow_ups": follow_ups,
        "reminder": reminder,
    }


def _cards(figures: dict) -> list[dict]:
    return [
        {
            "routine": ROUTINE_INFO[routine],
            "done": done,
            "rest_day": not expected,
            "streak": streak_words(streak, expected),
            "offer_yesterday": offer_yesterday,
        }
        for routine, done, expected, streak, offer_yesterday in figures["cards"]
    ]


def _reminder_words(figures: dict, user, now: datetime) -> str | None:
    row = figures["reminder"]
    # The soonest reminder at or after the moment it was read is still the soonest until it
    # passes (any change to the settings is a write, so a new key); past or none: read it now.
    if row is None or row.next_fire_at < now:
        return next_reminder(user.id, now, user.time_zone)
    return reminder_words(row.routine, row.next_fire_at, now, user.time_zone)


# Where a kept rendering of /today's cards had a form's hidden fields: filled in per request,
# since each form needs the session's token and a fresh form_id.
FORM_FIELDS = "\x00form fields\x00"


def _form_fields_slot() -> Markup:
    return Markup(FORM_FIELDS)  # noqa: S704 — a constant


def _with_form_fields(html: str) -> Markup:
    first, *rest = html.split(FORM_FIELDS)
    fields = many_hidden_fields(len(rest))
    return Markup("".join([first, *(str(field) + piece for field, piece in zip(fields, rest, strict=True))]))  # noqa: S704


def _parts(figures: dict, today: date, hour: int, name: str) -> dict:
    """/today's header, routine cards and follow-ups as HTML, with a FORM_FIELDS slot in each form."""
    cards = _cards(figures)
    context = {
        "day": today,
        "date_words": long_date(today),
        "greeting": greeting(hour),
        "name": name,
        "intention": figures["intention"],
        "cards": cards,
        "next_up": DayProgress(
            today,
            frozenset(card["routine"].id for card in cards if card["done"]),
            frozenset(card["routine"].id for card in cards if not card["rest_day"]),
            hour,
        ).next_step(),
        "follow_ups": figures["follow_ups"],
        "hidden_fields": _form_fields_slot,
    }
    return {
        "head": render_template("routines/_today_head.html", **context),
        "cards": render_template("routines/_today_cards.html", **context),
        "follow_ups": render_template("routines/_today_follow_ups.html", **context),
    }


def _page(status: int = 200, problem: str | None = None):
    user = current_user._get_current_object()
    now = utcnow()
    today, zone = pagecache.local_moment(user, now)
    figures = pagecache.cached(("today", today), user, lambda: _today_figures(user, today))
    hour = now.astimezone(ZoneInfo(zone)).hour
    # The header, cards and follow-ups are kept as rendered, each form's hidden fields filled in
    # here. Keyed on everything they show rather than on the data version: most writes (a
    # setback, a routine done again) leave them as they were, and the page after a write would
    # otherwise render them all again. The hour makes the greeting and the next step.
    name = user.greeting_name
    inputs = (figures["cards"], figures["intention"], figures["follow_ups"])
    parts = pagecache.by_content(
        ("today_html", today, hour, str(get_locale()), name, *inputs),
        user,
        lambda: _parts(figures, today, hour, name),
    )
    phone_zone = offered_zone(user.time_zone, today)
    html = render_template(
        "routines/today.html",
        parts={
            "head": Markup(parts["head"]),  # noqa: S704
            "cards": _with_form_fields(parts["cards"]),
            "follow_ups": _with_form_fields(parts["follow_ups"]),
        },
        day=today,
        first_day=figures["first_day"] == today,
        rest_today=[card["routine"].label for card in _cards(figures) if card["rest_day"]]
        if figures["first_day"] == today
        else [],
        next_reminder=_reminder_words(figures, user, now),
        zone_form=ZoneSwitchForm(formdata=None) if phone_zone else None,
        account_zone=user.time_zone,
        phone_zone=phone_zone,
        problem=problem,
    )
    return html, status


def _back():
    return redirect(url_for("routines.today"), 303)


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return errors[0]
    return _("That didn't work. Please reload the page and try again.")


@bp.get("/today")
@login_required
def today():
    return _page()


@bp.post("/today/undo")
@login_required
def undo():
    """Take back today's "done" for one routine."""
    form = RoutineDayForm()
    if not form.validate():
        return _page(400, _first_error(form))
    if form.was_applied():
        return _back()
    routine = ROUTINE_INFO[form.routine.data]
    day = local_today()
    completion = db.session.scalar(
        db.select(Completion).filter_by(user_id=current_user.id, routine=routine.id, local_day=day)
    )
    # Nothing to undo (done in another tab, or already undone): say so and show the day as it is.
    if completion is None:
        flash(_("%(routine)s wasn't marked done today, so there was nothing to undo.", routine=routine.label))
        return _back()
    undo_completion(current_user, completion.client_id, utcnow())
    form.commit_once(current_user.id)
    flash(_("%(routine)s is no longer marked done for today.", routine=routine.label))
    return _back()


@bp.post("/today/yesterday")
@login_required
def yesterday():
    """Count a routine for the previous local day, done but not logged."""
    form = RoutineDayForm()
    if not form.validate():
        return _page(400, _first_error(form))
    routine = ROUTINE_INFO[form.routine.data]
    if routine.id not in YESTERDAY_DATA:
        return _page(
            400, _("A reflection needs your own words, so it can't be ticked off. Open Reflect to write it.")
        )
    if form.was_applied():
        return _back()
    now = utcnow()
    day, zone = current_user.local_day(now), current_user.zone_at(now)
    previous = day - timedelta(days=1)
    already = db.session.scalar(
        db.select(Completion.id).filter_by(user_id=current_user.id, routine=routine.id, local_day=previous)
    )
    # Never overwrite yesterday's real entry (an intention, goal amounts) with an empty one.
    if already is not None:
        flash(_("%(routine)s is already counted for yesterday.", routine=routine.label))
        return _back()
    try:
        complete_now(
            current_user,
            routine.id,
            dict(YESTERDAY_DATA[routine.id]),
            now,
            completed_at=noon_of(previous, zone),
        )
    except InvalidInput as problem:
        db.session.rollback()
        return _page(400, problem.message)
    form.commit_once(current_user.id)
    # NOTE: %(day)s is a date such as "Monday 2 March".
    flash(_("%(routine)s counted for yesterday, %(day)s.", routine=routine.label, day=long_date(previous)))
    return _back()
