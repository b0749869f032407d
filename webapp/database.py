"""Database set-up that depends on the backend."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Enforce foreign keys (deleting an account deletes its rows) and let readers work
    # while a reminder sender writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def import_models() -> None:
    """Load every model module, so metadata (create_all, Alembic) always sees every table."""
    from webapp.auth import models as _auth  # noqa: F401
    from webapp.goals import models as _goals  # noqa: F401
    from webapp.recordings import models as _recordings  # noqa: F401
    from webapp.reminders import models as _reminders  # noqa: F401
    from webapp.routines import models as _routines  # noqa: F401
    from webapp.setbacks import models as _setbacks  # noqa: F401
    from webapp.streaks import models as _streaks  # noqa: F401
    from webapp.support import models as _support  # noqa: F401


def init_app(app: Flask) -> None:
    import_models()
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def one_of(column, values):
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter however many
    values: psycopg parses and sends a 500-placeholder IN list anew for every batch."""
    from sqlalchemy import ARRAY, any_, bindparam

    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("values", values, type_=ARRAY(column.type), unique=True))
    return column.in_(values)


def in_list(column, name: str, dialect: str):
    """`column` is one of the list bound as `name`, for a statement built once per backend: on
    PostgreSQL `= ANY(:name)`, one array parameter (psycopg parses a statement with a 500-value
    expanding IN list anew every time), elsewhere an expanding IN."""
    from sqlalchemy import ARRAY, any_, bindparam

    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def dialect_name() -> str:
    return db.session.get_bind().dialect.name
