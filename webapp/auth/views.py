from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from webapp.auth.core import is_safe_next, seconds_until_login_allowed
from webapp.auth.forms import LoginForm, RegisterForm
from webapp.auth.models import User
from webapp.clock import utcnow
from webapp.derived import refresh_derived
from webapp.extensions import db, limiter, login_manager
from webapp.localday import local_day
from webapp.routines.settings import create_default_settings
from webapp.web import api_error, is_api_request

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    user_id, _, token = login_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    # The zone history comes along in the same query: every page that knows "today" needs it.
    user = db.session.get(User, int(user_id), options=[joinedload(User.zone_changes)])
    return user if user is not None and user.session_token == token else None


@login_manager.unauthorized_handler
def unauthorized():
    if is_api_request():
        return api_error(401, "login_required", "Please sign in again.")
    flash("Please sign in to continue.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _start_session(user: User, remember: bool) -> None:
    # A fresh session at sign-in: nothing from before (a planted id, an old token) carries over.
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True


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
            created_at=now,
        )
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()
        create_default_settings(user, local_day(now, user.time_zone, 0), now)
        refresh_derived(user, None, now)
        if not form.commit_once(None):
            return redirect(url_for("auth.login"))
        _start_session(user, remember=True)
        if target:
            flash("Welcome to Rebound.")
            return redirect(target)
        flash("Welcome to Rebound. Start with a minute of breathing, or your morning routine.")
        return redirect(url_for("routines.today"))
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
        user = db.session.scalar(db.select(User).filter_by(email=form.email.data))
        wait = seconds_until_login_allowed(user.failed_logins, user.last_failed_login_at, now) if user else 0
        if wait:
            form.password.errors.append(
                f"Too many attempts for this account. Please wait {wait} second{'s' if wait > 1 else ''} "
                "and try again."
            )
            return render_template("auth/login.html", form=form, next=target), 429
        if user is not None and user.check_password(form.password.data):
            user.failed_logins = 0
            user.last_failed_login_at = None
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            return redirect(target if is_safe_next(target) else url_for("routines.today"))
        if user is not None:
            user.failed_logins += 1
            user.last_failed_login_at = now
            db.session.commit()
        form.password.errors.append("That email and password don't match. Please try again.")
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
    # Clear first: logout_user then marks the remember-me cookie for deletion in the fresh session.
    session.clear()
    logout_user()
    flash("You're signed out.")
    return redirect(url_for("auth.login"))
