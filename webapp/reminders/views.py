"""/reminders: the days each routine is on, its reminder time, pauses, and the devices that get reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import account_key, db, limiter
from webapp.i18n import clock_time, format_list, is_source_language, moment_words, weekday_names
from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l
from webapp.i18n.translations import ngettext
from webapp.reminders import devices
from webapp.reminders.api import device_name
from webapp.reminders.devices import TEST_PUSH_LIMIT
from webapp.reminders.forms import (
    DaysForm,
    PauseForm,
    ReminderForm,
    ReminderSettingsForm,
    RemoveDeviceForm,
    RemovePauseForm,
    TestPushForm,
)
from webapp.reminders.models import PushSubscription
from webapp.reminders.sender import send_test
from webapp.routines.core import ROUTINE_LABELS, ROUTINES
from webapp.routines.models import DEFAULT_REMINDERS, Pause, RoutineSetting
from webapp.routines.schedule import schedules_for
from webapp.routines.settings import pauses, set_days, set_reminder, settings_by_routine
from webapp.web import local_today, own_or_404

bp = Blueprint("reminders", __name__)

# A pause may start up to a week back ("I was ill on Monday"), like a back-dated completion.
PAUSE_BACKDATE_DAYS = 7

# What each reminder brings, for the words shown before asking for notification permission.
# NOTE: Each is the start of a sentence such as "A morning nudge ... at 08:00 on weekdays".
WHAT_COMES = {
    "morning": _l("a morning nudge with one of your affirmations"),
    "breathe": _l("a nudge to take a minute to breathe"),
    "reflect": _l("an evening reflection prompt"),
    "goals": _l("a short goal review"),
}
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})


def days_words(days: frozenset[int]) -> str:
    """ "every day", "on weekdays", "at weekends" or "on Mon, Wed and Fri"."""
    if len(days) == 7:
        return _("every day")
    if days == WEEKDAYS:
        return _("on weekdays")
    if days == WEEKEND:
        return _("at weekends")
    names = weekday_names("abbreviated")
    # NOTE: %(days)s lists short weekday names, such as "Mon, Wed and Fri".
    return _("on %(days)s", days=format_list([names[d] for d in sorted(days)]))


def and_join(parts: list[str], last: str = " and ") -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + last + parts[-1]


def what_comes(settings: dict[str, RoutineSetting], days: dict[str, frozenset[int]]) -> str:
    """One sentence on the reminders a device will get: what, at what time, on which days."""
    parts = [
        # NOTE: "a morning nudge ... at 08:00 on weekdays": what comes, a time, and which days.
        _(
            "%(what)s at %(time)s %(days)s",
            what=WHAT_COMES[routine],
            time=clock_time(settings[routine].reminder_time),
            days=days_words(days[routine]),
        )
        for routine in ROUTINES
        if routine in settings and settings[routine].reminder_on and days[routine]
    ]
    if not parts:
        return _(
            "All reminders are off at the moment. Switch one on below and it comes to each device you add."
        )
    # English has always put a comma before its "and" here; other languages list their own way.
    sentence = and_join(parts, last=", and ") if is_source_language() else format_list(parts)
    return sentence[0].upper() + sentence[1:] + "."


def short_moment(moment: datetime, zone: str) -> str:
    """Like "Tue 3 Mar, 08:00", in `zone`."""
    local = moment.astimezone(ZoneInfo(zone))
    return moment_words(local)


def next_words(setting: RoutineSetting | None, days: frozenset[int], paused_today: bool, zone: str) -> str:
    """What the routine's card says about its next reminder."""
    if setting is None or not setting.reminder_on:
        return _("Off")
    if not days:
        return _("No days on")
    if setting.next_fire_at is None:
        return _("Paused")
    when = short_moment(setting.next_fire_at, zone)
    if paused_today:
        # NOTE: %(when)s is a day and time, such as "Tue 3 Mar, 08:00".
        return _("Paused today. Next: %(when)s", when=when)
    return _("Next: %(when)s", when=when)


def _stored_row(setting: RoutineSetting | None, routine: str, days: frozenset[int]) -> SimpleNamespace:
    reminder_time, reminder_on = DEFAULT_REMINDERS[routine]
    if setting is not None:
        reminder_time, reminder_on = setting.reminder_time, setting.reminder_on
    return SimpleNamespace(reminder_time=f"{reminder_time:%H:%M}", reminder_on=reminder_on, days=sorted(days))


def _page(
    status: int = 200,
    settings_form: ReminderSettingsForm | None = None,
    days_form: DaysForm | None = None,
    pause_form: PauseForm | None = None,
    reminder_form: ReminderForm | None = None,
):
    today = local_today()
    zone = current_user.time_zone
    settings = settings_by_routine(current_user.id)
    current_pauses = [p for p in pauses(current_user.id) if p.ends_on >= today]
    schedules = schedules_for(current_user)
    days = {routine: schedules[routine].weekdays_on(today) for routine in ROUTINES}
    if settings_form is None:
        settings_form = ReminderSettingsForm(
            formdata=None, **{r: _stored_row(settings.get(r), r, days[r]) for r in ROUTINES}
        )
    # The one-routine forms of older pages: their errors go next to their routine's row.
    for form, field in ((reminder_form, "reminder_time"), (days_form, "days")):
        if form is None:
            continue
        if form.routine.data not in ROUTINES:
            flash(" ".join(str(error) for errors in form.errors.values() for error in errors))
            continue
        row = settings_form[form.routine.data]
        row[field].data = form[field].data
        row[field].errors = tuple(error for errors in form.errors.values() for error in errors)
    routines = []
    for routine in ROUTINES:
        paused_today = any(p.routine == routine and p.starts_on <= today for p in current_pauses)
        routines.append(
            {
                "id": routine,
                "label": ROUTINE_LABELS[routine],
                "row": settings_form[routine],
                "next": next_words(settings.get(routine), days[routine], paused_today, zone),
            }
        )
    subscriptions = db.session.scalars(
        db.select(PushSubscription)
        .filter_by(user_id=current_user.id)
        .order_by(PushSubscription.created_at, PushSubscription.id)
    ).all()
    return (
        render_template(
            "reminders/reminders.html",
            routines=routines,
            settings_form=settings_form,
            labels=ROUTINE_LABELS,
            pause_form=pause_form or PauseForm(formdata=None),
            pauses=current_pauses,
            remove_form=RemovePauseForm(formdata=None),
            devices=subscriptions,
            device_form=RemoveDeviceForm(formdata=None),
            test_form=TestPushForm(formdata=None),
            what_comes=what_comes(settings, days),
            zone=ZoneInfo(zone),
            today=today,
        ),
        status,
    )


def _back(anchor: str = ""):
    return redirect(url_for("reminders.reminders") + (f"#{anchor}" if anchor else ""))


@bp.get("/reminders")
@login_required
def reminders():
    return _page()


@bp.post("/reminders")
@login_required
def save_settings():
    """The page's one form: every routine's days, reminder time and switch, saved together.

    One bad row (a time that is no time) saves nothing: the page comes back with everything as
    typed and the message next to that row. A body naming one `routine` is the one-routine days
    form of pages from before the one form (a cached page, a queued post): still understood."""
    if "routine" in request.form:
        return _save_days()
    form = ReminderSettingsForm()
    if not form.validate():
        return _page(400, settings_form=form)
    if form.was_applied():
        return _back()
    today, now = local_today(), utcnow()
    schedules = schedules_for(current_user)
    settings = settings_by_routine(current_user.id)
    changed = []
    for routine, row in form.rows():
        days = frozenset(row.days.data)
        stored = settings.get(routine)
        if days != schedules[routine].weekdays_on(today):
            set_days(current_user, routine, days, today, now)
            changed.append(routine)
        if (
            stored is None
            or stored.reminder_time != row.time_value
            or stored.reminder_on != row.reminder_on.data
        ):
            set_reminder(current_user, routine, row.time_value, row.reminder_on.data)
            changed.append(routine)
    refresh_derived(current_user, changed, now)
    if form.commit_once(current_user.id):
        flash(
            _("Saved. Your days and reminders are set from today.")
            if changed
            else _("Saved. Nothing changed.")
        )
    return _back()


def _save_days():
    """Set the days one routine is on, from today on (earlier days keep the old setting)."""
    form = DaysForm()
    if not form.validate():
        return _page(400, days_form=form)
    if form.was_applied():
        return _back()
    routine, today, now = form.routine.data, local_today(), utcnow()
    set_days(current_user, routine, form.days.data, today, now)
    refresh_derived(current_user, [routine], now)
    if form.commit_once(current_user.id):
        names = weekday_names("abbreviated")
        if form.days.data:
            days = format_list([names[d] for d in sorted(form.days.data)])
            # NOTE: %(routine)s is a routine's name; %(days)s short weekday names, such as "Mon, Tue".
            flash(_("%(routine)s is on %(days)s from today.", routine=ROUTINE_LABELS[routine], days=days))
        else:
            flash(_("%(routine)s is on no days (off) from today.", routine=ROUTINE_LABELS[routine]))
    return _back(f"routine-{routine}")


@bp.post("/reminders/reminder")
@login_required
def save_reminder():
    """Set one routine's reminder time (local, in the account's zone) and switch it on or off: the
    one-routine form of pages from before /reminders became one form, still understood."""
    form = ReminderForm()
    if not form.validate():
        return _page(400, reminder_form=form)
    if form.was_applied():
        return _back()
    routine, now = form.routine.data, utcnow()
    setting = set_reminder(current_user, routine, form.time_value, form.reminder_on.data)
    refresh_derived(current_user, [routine], now)
    label = ROUTINE_LABELS[routine]
    if form.commit_once(current_user.id):
        if not setting.reminder_on:
            # NOTE: %(routine)s is a routine's name: Morning, Breathe, Reflect or Goal review.
            flash(_("%(routine)s reminder is off.", routine=label))
        elif setting.next_fire_at is None:
            flash(
                _(
                    "%(routine)s reminder set for %(time)s. It has no days on at the moment.",
                    routine=label,
                    time=clock_time(setting.reminder_time),
                )
            )
        else:
            when = short_moment(setting.next_fire_at, current_user.time_zone)
            flash(
                _(
                    "%(routine)s reminder set for %(time)s. Next one: %(when)s.",
                    routine=label,
                    time=clock_time(setting.reminder_time),
                    when=when,
                )
            )
    return _back(f"routine-{routine}")


@bp.post("/reminders/pauses")
@login_required
def add_pause():
    form = PauseForm()
    valid = form.validate()
    if valid and form.starts_on.data < local_today() - timedelta(days=PAUSE_BACKDATE_DAYS):
        form.starts_on.errors.append(
            _("A pause can start at most %(days)d days back.", days=PAUSE_BACKDATE_DAYS)
        )
        valid = False
    if not valid:
        return _page(400, pause_form=form)
    if form.was_applied():
        return _back()
    now = utcnow()
    routines = ROUTINES if form.routine.data == "all" else (form.routine.data,)
    for routine in routines:
        db.session.add(
            Pause(
                user_id=current_user.id,
                routine=routine,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                created_at=now,
            )
        )
    refresh_derived(current_user, routines, now)
    if form.commit_once(current_user.id):
        flash(_("Paused. Streaks wait for you, and no reminders come on those days."))
    return _back("pauses")


@bp.post("/reminders/pauses/<int:pause_id>/remove")
@login_required
def remove_pause(pause_id: int):
    pause = own_or_404(Pause, pause_id)
    form = RemovePauseForm()
    if not form.validate():
        abort(400, _("This form has expired. Please reload the page and try again."))
    if form.was_applied():
        return _back()
    routine = pause.routine
    db.session.delete(pause)
    refresh_derived(current_user, [routine], utcnow())
    if form.commit_once(current_user.id):
        flash(_("Pause removed."))
    return _back("pauses")


@bp.post("/reminders/devices/<int:device_id>/remove")
@login_required
def remove_device(device_id: int):
    """Stop reminders to one of the user's devices."""
    form = RemoveDeviceForm()
    if not form.validate():
        abort(400, _("This form has expired. Please reload the page and try again."))
    # A double tap: the first one removed it; the second is answered as if nothing happened.
    if form.was_applied():
        return _back("devices")
    device = own_or_404(PushSubscription, device_id)
    browser = device_name(device.browser)
    devices.remove(device, utcnow())
    if form.commit_once(current_user.id):
        flash(_("Removed %(device)s. It won't get reminders any more.", device=browser))
    return _back("devices")


@bp.post("/reminders/test")
@login_required
@limiter.shared_limit(TEST_PUSH_LIMIT, scope="push-test", key_func=account_key)
def send_test_reminder():
    """Send a test reminder now to every device of the user (the same as POST /api/push/test)."""
    form = TestPushForm()
    if not form.validate():
        abort(400, _("This form has expired. Please reload the page and try again."))
    # The form id is recorded before sending: a double tap sends one test, not two.
    if form.was_applied() or not form.commit_once(current_user.id):
        return _back("devices")
    result = send_test(current_user, utcnow())
    not_sent = result.failed + result.retried + result.gone
    if result.sent == 0 and not_sent == 0:
        flash(_("There's no device to send to yet. Turn on reminders on this phone first."))
    else:
        words = [ngettext("Sent to %(num)d device.", "Sent to %(num)d devices.", result.sent)]
        if not_sent:
            words.append(
                ngettext(
                    "%(num)d couldn't be reached; if it keeps happening, remove it and turn reminders on "
                    "again there.",
                    "%(num)d couldn't be reached; if it keeps happening, remove them and turn reminders on "
                    "again there.",
                    not_sent,
                )
            )
        flash(" ".join(words))
    return _back("devices")
