"""The breathing timer (/breathe) and the "Rough call? Reset" flow (/reset)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.breathe.forms import LogForm, PatternForm, ResetBreatheForm, SetbackForm
from webapp.clock import utcnow
from webapp.extensions import db
from webapp.forms import DONE_WORDS
from webapp.i18n import source_text
from webapp.i18n.translations import gettext as _
from webapp.routines.completions import complete_now
from webapp.routines.content import (
    AFFIRMATIONS,
    BREATHING_PATTERNS,
    MAX_PHASE_SECONDS,
    MIN_BREATH_SECONDS,
    OBJECTIONS,
    prompt_for_day,
)
from webapp.routines.core import InvalidInput
from webapp.routines.finish import day_progress, next_link
from webapp.routines.models import Completion
from webapp.setbacks.lessons import earlier_lessons, setback_by_client_id
from webapp.setbacks.log import record_setback

bp = Blueprint("breathe", __name__)

RESET_PATTERN = "box"
RESET_SECONDS = 60
RESET_THEMES = ("self-worth", "resilience")
RESET_STEPS = ("setback", "breathe", "affirmation")


def phase_kind(word: str) -> str:
    """How the guide moves in a phase: "in" grows, "out" shrinks, "hold" stays (read from the
    English the phase was written in, so it holds in every language)."""
    word = source_text(word).lower()
    if "out" in word:
        return "out"
    if "hold" in word:
        return "hold"
    return "in"


def timer_patterns() -> dict:
    """The named patterns as the timer script reads them (a data attribute, never inline script)."""
    return {
        pattern.id: {
            "name": str(pattern.name),
            "phases": [
                {"word": str(word), "seconds": seconds, "kind": phase_kind(word)}
                for word, seconds in pattern.phases
            ],
        }
        for pattern in BREATHING_PATTERNS.values()
    }


def _today_completion() -> Completion | None:
    day = current_user.local_day(utcnow())
    return db.session.scalar(
        db.select(Completion).filter_by(user_id=current_user.id, routine="breathe", local_day=day)
    )


def _breathe_page(settings: PatternForm, log: LogForm, status: int = 200):
    html = render_template(
        "breathe/breathe.html",
        settings=settings,
        log=log,
        chosen=settings.chosen_pattern(),
        patterns=BREATHING_PATTERNS,
        timer_patterns=timer_patterns(),
        custom_bounds=(MIN_BREATH_SECONDS, MAX_PHASE_SECONDS),
        done=_today_completion(),
        next=next_link(day_progress(current_user), "breathe"),
    )
    return html, status


@bp.get("/breathe")
@login_required
def breathe():
    settings = PatternForm(formdata=request.args or None)
    if request.args and not settings.validate():
        return _breathe_page(settings, LogForm(formdata=None), 400)
    log = LogForm(formdata=None, pattern=settings.pattern.data, minutes=settings.minutes.data)
    return _breathe_page(settings, log)


@bp.post("/breathe")
@login_required
def log_session():
    log = LogForm()
    if not log.validate():
        pattern = log.pattern.data if log.pattern.data in BREATHING_PATTERNS else "box"
        settings = PatternForm(formdata=None, pattern=pattern)
        return _breathe_page(settings, log, 400)
    if not log.was_applied():
        complete_now(
            current_user, "breathe", {"pattern": log.pattern.data, "seconds": log.session_seconds()}, utcnow()
        )
        log.commit_once(current_user.id)
    return redirect(url_for("breathe.breathe", pattern=log.pattern.data, minutes=log.minutes.data))


def _reset_page(step: str, status: int = 200, **context):
    # The setback logged on step 1 (its client id), carried through the steps so the last one can
    # bring back what the user learned the last times they heard the same objection.
    logged = setback_by_client_id(current_user.id, request.args.get("logged"))
    context["logged"] = logged
    context["lessons"] = earlier_lessons(logged) if logged else []
    context["objections"] = OBJECTIONS
    if step == "affirmation":
        day = current_user.local_day(utcnow())
        pool = [a for a in AFFIRMATIONS if a.theme in RESET_THEMES]
        context["affirmation"] = prompt_for_day(pool, f"{current_user.id}|reset", day)
    elif step == "breathe":
        context.setdefault("form", ResetBreatheForm(formdata=None))
        context["timer_patterns"] = timer_patterns()
        context["pattern"] = BREATHING_PATTERNS[RESET_PATTERN]
    else:
        context.setdefault("form", SetbackForm(formdata=None))
    return render_template(f"breathe/reset_{step}.html", step=step, **context), status


@bp.get("/reset")
@login_required
def reset():
    step = request.args.get("step", "setback")
    if step not in RESET_STEPS:
        abort(404)
    return _reset_page(step)


@bp.post("/reset")
@login_required
def reset_step():
    step = request.form.get("step", "setback")
    if step == "breathe":
        return _log_reset_breath()
    if step != "setback":
        abort(400, _("There is nothing to save on that step."))
    form = SetbackForm()
    if not form.validate():
        return _reset_page("setback", 400, form=form)
    if not form.was_applied():
        payload = {"what_happened": form.what_happened.data, "objection": form.objection.data or "other"}
        try:
            # The form's own server-issued UUID is the setback's client id: even two taps that
            # race past was_applied() store one setback.
            record_setback(current_user, form.form_id.data, payload, utcnow())
        except InvalidInput as error:
            getattr(form, error.field, form.what_happened).errors.append(error.message)
            return _reset_page("setback", 400, form=form)
        if form.commit_once(current_user.id):
            flash(str(DONE_WORDS["reset"]))
    return redirect(url_for("breathe.reset", step="breathe", logged=form.form_id.data))


def _log_reset_breath():
    form = ResetBreatheForm()
    if not form.validate():
        return _reset_page("breathe", 400, form=form)
    if not form.was_applied():
        complete_now(current_user, "breathe", {"pattern": RESET_PATTERN, "seconds": RESET_SECONDS}, utcnow())
        form.commit_once(current_user.id)
    return redirect(url_for("breathe.reset", step="affirmation", logged=request.args.get("logged")))
