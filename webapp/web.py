"""What every response shares: security headers, error pages and the API's JSON errors."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import date

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l
from webapp.templating import TemplateEnvironment

# Everything is served by the app itself: no CDN, no web font, no inline script.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        # Recordings play from the phone's own storage through blob: URLs (webapp/recordings).
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ERROR_TEXT = {
    400: (
        _l("Something in that request wasn't right"),
        _l("Please go back, check what you entered and try again."),
    ),
    401: (_l("Please sign in"), _l("Your session has ended. Sign in again to carry on.")),
    403: (_l("Not allowed"), _l("That action isn't available to you.")),
    404: (
        _l("Not found"),
        _l("We couldn't find that page. It may have moved, or the link may be incomplete."),
    ),
    405: (_l("Not allowed here"), _l("That page can't be used that way.")),
    413: (_l("That was too much to send"), _l("Please shorten what you entered and try again.")),
    422: (_l("That couldn't be saved"), _l("Please check what you entered and try again.")),
    429: (_l("Too many tries"), _l("Please wait a moment before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing you saved before is lost. Please try again shortly."),
    ),
    503: (
        _l("Rebound is briefly unavailable"),
        _l("Nothing you saved is lost. Please try again in a minute."),
    ),
}

ERROR_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, **extra):
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    return response


def error_response(status: int, message: str | None = None, code: str | None = None):
    title, default_message = ERROR_TEXT.get(status, ERROR_TEXT[500 if status >= 500 else 400])
    message = message or default_message
    if is_api_request():
        return api_error(status, code or ERROR_CODES.get(status, "error"), message)
    try:
        return render_template("errors/error.html", status=status, title=title, message=message), status
    except Exception:  # noqa: BLE001 — an error page must never fail: Flask would send a bare one
        # The usual page loads the signed-in user; with the request's database session broken
        # (a failed flush, a dropped connection) that fails too. This one needs nothing.
        current_app.logger.exception("error page fell back to the plain one")
        page = current_app.jinja_env.get_template("errors/plain.html")
        return page.render(status=status, title=title, message=message), status


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _set_security_headers(response):
    headers = response.headers
    # The names already set, read once: a setdefault per header walks every header each time.
    present = {name.lower() for name, _value in headers}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Over HTTPS (directly, or behind a trusted router) every cookie is Secure; plain
        # http://127.0.0.1 in the embedded default still works.
        cookies = headers.getlist("Set-Cookie")
        if cookies:
            headers.setlist("Set-Cookie", [c if "; Secure" in c else c + "; Secure" for c in cookies])
    if response.mimetype == "text/html" or is_api_request():
        # A signed-in page is private: no-store keeps it out of every HTTP cache (the browser's
        # back button on a shared computer, a proxy). The service worker keeps its own offline
        # copies, cleared at sign-out. A visitor's page (the landing page, sign-in) may be
        # revalidated.
        private = is_api_request() or _is_signed_in()
        headers.setdefault("Cache-Control", "no-store" if private else "no-cache, private")
        headers.add("Vary", "Cookie")
    return response


def _is_signed_in() -> bool:
    """Whether this request is a signed-in user's, without loading anyone (an error page with a
    broken database session comes through here too)."""
    from flask import g, session

    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


class App(Flask):
    """Flask, asking once per view or hook whether it is a coroutine function rather than on
    every request (a dozen `inspect` calls a request; Rebound has no async views)."""

    jinja_environment = TemplateEnvironment

    def ensure_sync(self, func):
        plain = self.__dict__.setdefault("_plain_callables", {})
        try:
            if plain[func]:
                return func
        except KeyError:
            plain[func] = super().ensure_sync(func) is func
        except TypeError:  # unhashable: asked every time, as Flask does
            pass
        return super().ensure_sync(func)


SESSION_COOKIES_KEPT = 4096
_PLAIN_VALUES = (str, int, float, bool, type(None))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS.

    A cookie already verified is read from the worker's memory: a signed-in browser sends the
    same cookie with every request (it is only re-signed when the session changes), and checking
    its signature and decoding it was a tenth of a signed-in request. Only a session of plain
    values is kept (nothing a request could change in place), and its age is checked each time
    as the signature's would be."""

    def open_session(self, app: Flask, request):
        value = request.cookies.get(self.get_cookie_name(app))
        kept = app.extensions.setdefault("session_cookies", {})
        found = kept.get(value) if value else None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        if found is not None:
            data, signed_at = found
            if 0 <= int(time.time()) - signed_at <= max_age:
                return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(item, _PLAIN_VALUES) for item in data.values()):
            if len(kept) >= SESSION_COOKIES_KEPT:
                kept.clear()
            kept[value] = (dict(data), int(signed_at.timestamp()))
        return self.session_class(data)

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


# The tab bar's paths (base.html): a tab is the current page on its own path, and More is
# "current" on every page it leads to.
TAB_PATHS = frozenset({"/today", "/breathe", "/reflect", "/progress", "/more"})
MORE_SECTIONS = ("/morning", "/goals", "/setbacks", "/reminders", "/account", "/help", "/reset")
LAYOUT_PARTS_KEPT = 512


def tab_state(path: str) -> str:
    """What of the request's path the tab bar shows: its tab's path, "more" or nothing."""
    if path in TAB_PATHS:
        return path
    return "more" if path.startswith(MORE_SECTIONS) else ""


def layout_part(name: str, *key, caller):
    """A part of base.html rendered once per language and `key` (everything else it shows is
    the same on every page), then kept: every page draws the header and the tab bar, and their
    icons and words were a fifth of a signed-in page's rendering."""
    from webapp.i18n.translations import get_locale

    parts = current_app.extensions.setdefault("layout_parts", {})
    full_key = (name, str(get_locale()), *key)
    part = parts.get(full_key)
    if part is None:
        if len(parts) >= LAYOUT_PARTS_KEPT:  # the keys are few; never let them grow unbounded
            parts.clear()
        part = parts[full_key] = caller()
    return part


def init_app(app: Flask) -> None:
    from webapp.forms import DONE_WORDS, hidden_fields

    app.session_interface = SessionInterface()
    app.jinja_env.globals["hidden_fields"] = hidden_fields
    app.jinja_env.globals["done_words"] = DONE_WORDS
    app.jinja_env.globals.update(layout_part=layout_part, tab_state=tab_state, more_sections=MORE_SECTIONS)
    if app.config["TRUSTED_PROXY_COUNT"]:
        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)
    app.after_request(_set_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        if is_api_request():
            from flask_login import current_user

            # Without a session the token can't be right anyway; say what the phone must fix first.
            if not current_user.is_authenticated:
                return api_error(401, "login_required", _("Please sign in again."))
            return api_error(403, "csrf_failed", _("Your security token is missing or out of date."))
        return error_response(400, _("This form has expired. Please go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        message = None
        if error.code == 429:
            message = _("Too many tries from here. Please wait a minute and try again.")
        elif error.description and error.description != type(error).description and error.code != 500:
            message = error.description
        response = error_response(error.code, message)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # Whatever failed may have left the database session unusable (PendingRollbackError on
        # the next query): start it afresh, so the page (and the user it shows) can load.
        from webapp.extensions import db

        with contextlib.suppress(Exception):
            db.session.rollback()
        return error_response(500)

    _init_api_errors(app)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        # The database went away (a restart, a failover): say so plainly and let the pool's
        # pre-ping reconnect on the next request. Nothing here may touch the database.
        from webapp.extensions import db

        with contextlib.suppress(Exception):
            db.session.rollback()
        app.logger.warning(
            "database unavailable: %s", type(error.orig).__name__ if hasattr(error, "orig") else error
        )
        if is_api_request():
            response = api_error(
                503, "unavailable", _("Rebound can't reach its database; try again in a minute.")
            )
        else:
            # Rendered straight from the environment: context processors would load the user.
            page = app.jinja_env.get_template("errors/unavailable.html").render()
            response = app.make_response((page, 503))
        response.headers["Retry-After"] = "30"
        return response


class BadJson(Exception):
    pass


def json_object() -> dict:
    """The request's JSON body as an object, or a 400 the API handler turns into JSON."""
    try:
        body = request.get_json(silent=True)
        # A lone surrogate ("\ud800") is valid JSON but no text a database can store.
        if isinstance(body, dict):
            json.dumps(body, ensure_ascii=False).encode()
    except (RecursionError, UnicodeEncodeError):  # nesting a JSON parser can't follow; see above
        raise BadJson from None
    if not isinstance(body, dict):
        raise BadJson
    return body


MAX_PAGE = 10_000


def page_number() -> int:
    """`?page=` for a paginated list; an impossible page is a 404, as is any page past the end.

    Flask-SQLAlchemy would pass any number on, and an offset too large for the database is a 500.
    """
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        abort(404)
    if not 1 <= page <= MAX_PAGE:
        abort(404)
    return page


def _init_api_errors(app: Flask) -> None:
    from webapp.routines.core import InvalidInput

    @app.errorhandler(BadJson)
    def bad_json(error):
        return api_error(400, "invalid_json", _("Send a JSON object with Content-Type: application/json."))

    @app.errorhandler(InvalidInput)
    def invalid_input(error: InvalidInput):
        return api_error(422, "invalid", f"{error.field} {error.message}", field=error.field)


def own_or_404(model, object_id: int):
    """The signed-in user's row of `model` with this id; 404 for anyone else's or none at all."""
    from flask import abort
    from flask_login import current_user

    from webapp.extensions import db

    row = db.session.get(model, object_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    return row


def local_today() -> date:
    """The signed-in user's local day now (the day their pages show)."""
    from flask_login import current_user

    from webapp.clock import utcnow

    return current_user.local_day(utcnow())
