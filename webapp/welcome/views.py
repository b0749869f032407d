"""/welcome: the first run, one question per screen. Each screen saves through the one write path
and moves on; Skip moves on without saving; Back returns. The last ends on /today."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webapp.auth.views import welcome_words
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.reminders.forms import DAY_LABELS
from webapp.routines.finish import day_progress
from webapp.routines.models import DEFAULT_REMINDERS
from webapp.routines.schedule import schedules_for
from webapp.routines.settings import set_days, set_reminder, settings_by_routine
from webapp.web import local_today
from webapp.welcome.forms import DaysStep, NameStep, RemindersStep, TimesStep

bp = Blueprint("welcome", __name__)

STEPS = ("name", "days", "times", "reminders")
# The routines a person's chosen days apply to. Breathe is for any rough call, so it stays on
# every day (it can be changed on /reminders like everything else).
DAY_ROUTINES = ("morning", "reflect", "goals")
# The two reminders the first run sets: the start and the end of the day.
REMINDED = ("morning", "reflect")


def _screen(step: str, form, status: int = 200, **extra):
    index = STEPS.index(step)
    following = url_for(f"welcome.{STEPS[index + 1]}") if index + 1 < len(STEPS) else url_for("welcome.done")
    html = render_template(
        f"welcome/{step}.html",
        form=form,
        number=index + 1,
        total=len(STEPS),
        back=url_for(f"welcome.{STEPS[index - 1]}") if index else None,
        skip=following,
        **extra,
    )
    return html, status


def _onwards(step: str):
    index = STEPS.index(step)
    if index + 1 < len(STEPS):
        return redirect(url_for(f"welcome.{STEPS[index + 1]}"), 303)
    return redirect(url_for("welcome.done"), 303)


def _reminder_times() -> dict:
    settings = settings_by_routine(current_user.id)
    return {
        routine: (settings[routine].reminder_time, settings[routine].reminder_on)
        if routine in settings
        else DEFAULT_REMINDERS[routine]
        for routine in REMINDED
    }


@bp.route("/welcome", methods=["GET", "POST"])
@login_required
def name():
    form = NameStep()
    if not form.is_submitted():
        form.display_name.data = current_user.display_name
        return _screen("name", form)
    if not form.validate():
        return _screen("name", form, 400)
    if not form.was_applied():
        current_user.display_name = (form.display_name.data or "").strip()
        form.commit_once(current_user.id)
    return _onwards("name")


@bp.route("/welcome/days", methods=["GET", "POST"])
@login_required
def days():
    today = local_today()
    form = DaysStep()
    if not form.is_submitted():
        form = DaysStep(formdata=None, days=sorted(schedules_for(current_user)["morning"].weekdays_on(today)))
    elif form.validate():
        if not form.was_applied():
            now = utcnow()
            for routine in DAY_ROUTINES:
                set_days(current_user, routine, form.days.data, today, now)
            refresh_derived(current_user, DAY_ROUTINES, now)
            form.commit_once(current_user.id)
        return _onwards("days")
    status = 400 if form.errors else 200
    return _screen("days", form, status, today_name=DAY_LABELS[today.weekday()], today_number=today.weekday())


@bp.route("/welcome/times", methods=["GET", "POST"])
@login_required
def times():
    form = TimesStep()
    if not form.is_submitted():
        stored = _reminder_times()
        form = TimesStep(
            formdata=None,
            morning_time=f"{stored['morning'][0]:%H:%M}",
            evening_time=f"{stored['reflect'][0]:%H:%M}",
        )
        return _screen("times", form)
    if not form.validate():
        return _screen("times", form, 400)
    if not form.was_applied():
        stored, now = _reminder_times(), utcnow()
        set_reminder(current_user, "morning", form.times["morning_time"], stored["morning"][1])
        set_reminder(current_user, "reflect", form.times["evening_time"], stored["reflect"][1])
        refresh_derived(current_user, REMINDED, now)
        form.commit_once(current_user.id)
    return _onwards("times")


@bp.route("/welcome/reminders", methods=["GET", "POST"])
@login_required
def reminders():
    stored = _reminder_times()
    form = RemindersStep()
    if not form.is_submitted():
        form = RemindersStep(formdata=None, reminders_on=any(on for _, on in stored.values()))
        return _screen("reminders", form, stored=stored)
    if not form.validate():
        return _screen("reminders", form, 400, stored=stored)
    if not form.was_applied():
        now = utcnow()
        for routine in REMINDED:
            set_reminder(current_user, routine, stored[routine][0], form.reminders_on.data)
        refresh_derived(current_user, REMINDED, now)
        form.commit_once(current_user.id)
    return _onwards("reminders")


@bp.get("/welcome/done")
@login_required
def done():
    """The end of the first run (or "Set up later"): the day, with a first step that is on today."""
    flash(welcome_words(day_progress(current_user)))
    return redirect(url_for("routines.today"))
