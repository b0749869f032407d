from __future__ import annotations

import hmac
import ipaddress

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.clock import utcnow
from webapp.extensions import db, login_manager
from webapp.i18n.translations import gettext as _
from webapp.reminders.health import reminder_health
from webapp.web import api_error

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing():
    if current_user.is_authenticated:
        return redirect(url_for("routines.today"))
    return render_template("pages/landing.html")


@bp.get("/more")
@login_required
def more():
    """Everything the tab bar has no room for: one tap to the page, two from anywhere."""
    return render_template("pages/more.html")


@bp.get("/help")
def help_page():
    return render_template("pages/help.html")


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for it whatever the page says; answer with the small PNG icon.
    return send_from_directory(
        current_app.static_folder, "icons/favicon-48.png", mimetype="image/png", max_age=86400
    )


def may_see_health_details() -> bool:
    """The sender's details (backlog, failures, timings) are for operators: a request from this
    machine, or one carrying `Authorization: Bearer <HEALTHZ_TOKEN>`. A platform's health check
    from outside needs only the status."""
    token = current_app.config.get("HEALTHZ_TOKEN") or ""
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/healthz")
def healthz():
    details = may_see_health_details()
    try:
        db.session.execute(text("SELECT 1"))
        reminders = reminder_health(utcnow()) if details else None
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    if not details:
        return jsonify({"status": "ok"})
    return jsonify({"status": "ok", "database": "ok", "reminders": reminders})


@bp.get("/api/csrf")
def api_csrf():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    # The user id lets a replay (the service worker's, too) send only that user's saved items.
    return jsonify({"csrf_token": generate_csrf(), "user_id": current_user.id})


@bp.route("/api/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def api_not_found(anything):
    return api_error(404, "not_found", _("There is no such API endpoint."))
