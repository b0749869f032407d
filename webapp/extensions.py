"""Extensions, created unbound here and bound to the app in `create_app`."""

import ipaddress

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
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
    login_manager.init_app(app)
