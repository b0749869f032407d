from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user

from webapp.auth import sessions, throttle
from webapp.auth.core import is_safe_next
from webapp.auth.forms import LoginForm, RegisterForm
from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import db, limiter, login_manager
from webapp.i18n import browser_language, format_list, remember_browser_language
from webapp.i18n.translations import gettext as _
from webapp.localday import local_day
from webapp.routines.core import ROUTINES
from webapp.routines.finish import STEPS, DayProgress
from webapp.routines.settings import create_default_settings
from webapp.web import api_error, is_api_request

bp = Blueprint("auth", __name__)


@login_manager.unauthorized_handler
def unauthorized():
    if is_api_request():
        return api_error(401, "login_required", _("Please sign in again."))
    flash(_("Please sign in to continue."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def welcome_words(progress: DayProgress) -> str:
    """The first hello: a first step that is really on today (a Sunday is a rest day for most)."""
    step = progress.next_step()
    words = [_("Welcome to Rebound.")]
    if step is not None:
        action = str(step.action)
        # NOTE: %(step)s is a step such as "start your morning", with its first letter lower-cased.
        words.append(_("A good first step: %(step)s.", step=action[0].lower() + action[1:]))
    resting = [STEPS[routine].label for routine in ROUTINES if routine not in progress.expected]
    if resting:
        # NOTE: %(names)s lists routines, such as "Reflect and Goal review".
        words.append(
            _("Today is a rest day for %(names)s: nothing is expected of those.", names=format_list(resting))
        )
    return " ".join(words)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    # Back where they were going (an invite to join someone's support corner), when it's on this site.
    target = request.values.get("next")
    target = target if is_safe_next(target) else None
    if current_user.is_authenticated:
        return redirect(target or url_for("routines.today"))
    form = RegisterForm()
    if form.validate_on_submit():
        if form.was_applied():
            return redirect(url_for("auth.login"))
        now = utcnow()
        user = User(
            email=form.email.data,
            display_name=(form.display_name.data or "").strip(),
            time_zone=form.time_zone.data,
            browser_locale=browser_language(),
            created_at=now,
        )
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()
        create_default_settings(user, local_day(now, user.time_zone, 0), now)
        refresh_derived(user, None, now)
        if not form.commit_once(None):
            return redirect(url_for("auth.login"))
        sessions.start(user, remember=True, now=now)
        if target:
            flash(_("Welcome to Rebound."))
            return redirect(target)
        # A few one-question screens (name, days, reminder times, reminders on), then /today.
        return redirect(url_for("welcome.name"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form, next=target), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login():
    target = request.values.get("next")
    if current_user.is_authenticated:
        return redirect(target if is_safe_next(target) else url_for("routines.today"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        now = utcnow()
        email = form.email.data
        user = db.session.scalar(db.select(User).filter_by(email=email))
        # The try is claimed (and counted) before the slow check, for an unknown address too:
        # parallel guesses can't slip past the slow-down, and no answer tells who has an account.
        wait = throttle.claim_try(email, now)
        if wait:
            form.password.errors.append(throttle.wait_message(wait))
            return render_template("auth/login.html", form=form, next=target), 429
        if throttle.check_password(user, form.password.data):
            throttle.succeeded(email)
            remember_browser_language(user)
            sessions.start(user, remember=form.remember.data, now=now)
            return redirect(target if is_safe_next(target) else url_for("routines.today"))
        form.password.errors.append(_("That email and password don't match. Please try again."))
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, next=target), status


@bp.post("/logout")
def logout():
    # Signing out is a POST with a CSRF token (checked globally), so a link elsewhere can't do it.
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login"))
    # The sign-in ends on the server: the session cookie (or a copy of it) and the remember
    # cookie stop working everywhere.
    sessions.end(current_user.sign_in.id, current_user.id)
    logout_user()
    sessions.forget_this_device()
    flash(_("You're signed out."))
    return redirect(url_for("auth.login"))
