"""Extensions, created unbound here and bound to the app in `create_app`."""

import hmac
import ipaddress
import time

from flask import current_app, g, request, session
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import csrf as flask_wtf_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so Alembic can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Bodies Werkzeug parses into `request.form`; any other body has no form fields to hold a token.
FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
CSRF_TOKENS_KEPT = 4096


class CSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's CSRF protection, its checks unchanged, cheaper for the API's writes.

    A JSON body is not parsed as a form to look for a token there (it can hold none; the token
    comes in its header). A signed token this worker has verified is remembered with the value
    and time it was signed with, as a verified session cookie is (webapp/web.py): the phone sends
    the same token with every write, and checking its signature anew cost more than the rest of
    the check. Each request still compares it with its own session's token, in constant time, and
    its age with the limit; anything not found valid that way goes through Flask-WTF's own check
    (and its error)."""

    def _get_csrf_token(self):
        if request.mimetype in FORM_MIMETYPES:
            return super()._get_csrf_token()
        for header_name in current_app.config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header_name)
            if token:
                return token
        return None

    def protect(self, apply_exemptions=False):
        config = current_app.config
        if request.method in config["WTF_CSRF_METHODS"] and not (
            apply_exemptions and (not request.endpoint or self._is_exempt())
        ):
            signed = self._get_csrf_token()
            if self._verified_before(signed):
                if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
                    self._check_referrer()
                g.csrf_valid = True
                return
            super().protect(apply_exemptions)
            self._remember(signed)
            return
        super().protect(apply_exemptions)

    def _check_referrer(self) -> None:
        """Flask-WTF's checks of an HTTPS request's referrer, with its messages: over HTTPS (every
        deployment) a remembered token skips only the signature's check, never these."""
        if not request.referrer:
            self._error_response("The referrer header is missing.")
        if not flask_wtf_csrf.same_origin(request.referrer, f"https://{request.host}/"):
            self._error_response("The referrer does not match the host.")

    @staticmethod
    def _settings() -> tuple[str, str, int | None]:
        config = current_app.config
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        return secret, config["WTF_CSRF_FIELD_NAME"], config["WTF_CSRF_TIME_LIMIT"]

    def _verified_before(self, signed: str | None) -> bool:
        secret, field_name, time_limit = self._settings()
        expected = session.get(field_name)
        found = current_app.extensions.get("csrf_tokens", {}).get((secret, signed)) if signed else None
        if found is None or expected is None:
            return False
        token, signed_at = found
        if time_limit is not None and not 0 <= int(time.time()) - signed_at <= time_limit:
            return False
        return hmac.compare_digest(expected, token)

    def _remember(self, signed: str | None) -> None:
        """Keep a token Flask-WTF has just found valid (it raised otherwise)."""
        secret, _field_name, _time_limit = self._settings()
        serializer = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        try:
            token, signed_at = serializer.loads(signed, return_timestamp=True)
        except BadData:
            return
        kept = current_app.extensions.setdefault("csrf_tokens", {})
        if len(kept) >= CSRF_TOKENS_KEPT:
            kept.clear()
        kept[(secret, signed)] = (token, int(signed_at.timestamp()))


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def address_key() -> str:
    """The per-address limit's key: an IPv4 address, or an IPv6 address's /64.

    One IPv6 subscriber holds a whole /64 (often more), so counting single addresses would give
    them 2**64 fresh limits. request.remote_addr is set by ProxyFix from X-Forwarded-For only
    when TRUSTED_PROXY_COUNT says a router is in front."""
    address = request.remote_addr or ""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def account_key() -> str:
    """A per-account limit's key (the signed-in user), or the address for a visitor."""
    from flask_login import current_user

    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return address_key()


limiter = Limiter(key_func=address_key, default_limits=[])


def init_app(app) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _limit_only_limited_views(app)
    login_manager.init_app(app)


def _limit_only_limited_views(app) -> None:
    """Run Flask-Limiter's request hooks only on the views that have a limit.

    Only a few views do (sign-in, sign-up, the test push) and nothing is limited app-wide, so on
    every other request the hooks found nothing to do, at about 0.1 ms a request. Should a
    default, application-wide or blueprint limit ever be set, every request goes through them."""
    from flask_limiter.util import get_qualified_name

    check = limiter._check_request_limit
    add_headers = next(f for f in app.after_request_funcs[None] if getattr(f, "args", ()) == (limiter,))
    release = limiter._Limiter__release_context
    manager = limiter.limit_manager
    limited: frozenset[str] | None = None

    def applies() -> bool:
        nonlocal limited
        if limited is None:  # every view is registered by the first request
            if manager.default_limits or manager.application_limits or limiter._meta_limits:
                limited = frozenset(app.view_functions)
            else:
                limited = frozenset(
                    endpoint
                    for endpoint, view in app.view_functions.items()
                    if get_qualified_name(view) in limiter._marked_for_limiting
                    or any(manager.blueprint_limits(app, name) for name in _blueprints(endpoint))
                )
        endpoint = request.endpoint or ""
        return endpoint in limited or manager.has_hints(endpoint)

    def check_limits():
        return check() if applies() else None

    def add_limit_headers(response):
        return add_headers(response) if applies() else response

    def release_limits(error):
        if applies():
            release(error)

    for funcs, hook, replacement in (
        (app.before_request_funcs[None], check, check_limits),
        (app.after_request_funcs[None], add_headers, add_limit_headers),
        (app.teardown_request_funcs[None], release, release_limits),
    ):
        funcs[funcs.index(hook)] = replacement


def _blueprints(endpoint: str) -> list[str]:
    """The blueprint names an endpoint is under, innermost first ("a.b.view": "a.b", "a")."""
    parts = endpoint.split(".")[:-1]
    return [".".join(parts[:count]) for count in range(len(parts), 0, -1)]
