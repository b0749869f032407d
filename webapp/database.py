"""Database set-up that depends on the backend."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

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


# Set on a connection (for its current transaction) by anything but a plain SELECT, and by an error.
WROTE = "rebound_transaction_wrote"


def _note_statement(conn: Connection, _cursor, statement: str, _parameters, context, _executemany) -> None:
    if WROTE in conn.info:
        return
    # No context for a statement sent straight through the driver (`first_row`): its text says.
    wrote = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if wrote or not _is_select(statement):
        conn.info[WROTE] = True


def _is_select(statement: str) -> bool:
    return statement.lstrip()[:6].upper() == "SELECT"


def _note_error(context) -> None:
    if context.connection is not None:
        context.connection.info[WROTE] = True


def _new_transaction(conn: Connection) -> None:
    conn.info.pop(WROTE, None)


# The connection the request's session holds for its transaction (set when one begins).
_CONNECTION = "rebound_connection"


@event.listens_for(db.session, "after_begin")
def _remember_connection(session, _transaction, connection: Connection) -> None:
    session.info[_CONNECTION] = connection


def end_reads_with_commit(_exc: BaseException | None = None) -> None:
    """End a request whose transaction only read with COMMIT rather than the session's ROLLBACK.

    Both end a read-only transaction alike, but psycopg forgets its prepared statements on every
    ROLLBACK (a rollback may undo the DDL they were planned against), and a request that only
    reads ends in one: so no statement was ever prepared, and PostgreSQL parsed and planned every
    statement of every page anew (about a third of its CPU per request; bench/profile_request.py).
    Anything that wrote, failed or left changes in the session still ends in a rollback."""
    if _exc is not None or not db.session.registry.has():
        return
    session = db.session()
    connection = session.info.pop(_CONNECTION, None)
    if connection is None or connection.closed or connection.invalidated:
        return
    if not session.in_transaction() or connection.info.get(WROTE):
        return
    if session.new or session.dirty or session.deleted:
        return
    # The connection's transaction, not the session's: nothing was written, so nothing loaded is
    # out of date, and the session is removed next (Flask-SQLAlchemy's teardown), which closes
    # its transaction and hands the connection back. The session's commit would flush, expire
    # and close it all first, at about twice the cost of the COMMIT itself.
    try:
        connection.commit()
    except SQLAlchemyError:
        # The database went away (the answer said so): removing the session, next, cleans up.
        return


def init_app(app: Flask) -> None:
    import_models()
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _new_transaction)
        event.listen(engine, "before_cursor_execute", _note_statement)
        event.listen(engine, "handle_error", _note_error)
    # A request's teardown runs before the app context's, where Flask-SQLAlchemy removes the session.
    app.teardown_request(end_reads_with_commit)


class _DriverStatement:
    """A statement compiled once for a dialect and a set of parameter names: its text, and what
    SQLAlchemy's execution would do with its parameters and its rows (the types' processors)."""

    def __init__(self, statement, dialect, keys: tuple[str, ...]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        self.compiled = compiled
        self.sql = compiled.string
        # What this shortcut leaves to SQLAlchemy: defaults made in Python, expanding or literal
        # parameters, escaped names, a schema translation.
        self.plain = not (
            compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.escaped_bind_names
            or compiled.schema_translate_map
        )
        self.positions = compiled.positiontup if compiled.positional else None
        self.bind_processors = compiled._bind_processors
        self.dialect = dialect
        self.result_processors: list | None = None  # from the first answer's column types

    def read_columns(self, description) -> None:
        """The columns' result processors, for the driver's type of each column (psycopg's own,
        as SQLAlchemy asks them: a NUMERIC's depends on it)."""
        types = [entry.type for entry in self.compiled._result_columns]
        self.result_processors = [
            column_type._cached_result_processor(self.dialect, column[1])
            for column_type, column in zip(types, description, strict=True)
        ]

    def parameters(self, values: dict):
        params = self.compiled.construct_params(values, escape_names=False)
        processors = self.bind_processors
        if processors:
            params = {
                name: processors[name](value) if name in processors else value
                for name, value in params.items()
            }
        return params if self.positions is None else tuple(params[name] for name in self.positions)

    def row(self, values) -> tuple:
        return tuple(
            value if process is None else process(value)
            for process, value in zip(self.result_processors, values, strict=True)
        )


# The statements are built once each (module level): a few dozen shapes.
DRIVER_STATEMENTS_KEPT = 512
_DRIVER_STATEMENTS: dict[tuple[object, str, tuple[str, ...]], _DriverStatement] = {}


def _driver_statement(connection: Connection, statement, parameters: dict) -> _DriverStatement:
    keys = tuple(sorted(parameters))
    key = (statement, connection.dialect.name, keys)
    prepared = _DRIVER_STATEMENTS.get(key)
    if prepared is None:
        if len(_DRIVER_STATEMENTS) >= DRIVER_STATEMENTS_KEPT:  # a statement built per call, by mistake
            _DRIVER_STATEMENTS.clear()
        prepared = _DRIVER_STATEMENTS[key] = _DriverStatement(statement, connection.dialect, keys)
    return prepared


def all_rows(connection: Connection, statement, parameters: dict, first_only: bool = False) -> list[tuple]:
    """The rows of a statement built once (module level), as `connection.execute(statement,
    parameters)` would give their values (none for a write without RETURNING), sent straight
    through the driver.

    For the statements every request or write runs: SQLAlchemy's execution and result set-up
    cost about as much CPU as psycopg's round trip itself. Listeners and logging see the
    statement as any other (with no execution context), and a driver error is raised as
    SQLAlchemy's (an IntegrityError; a lost connection invalidated, and answered 503 as
    anywhere else). A statement that needs more of SQLAlchemy (a default made in Python, an
    expanding parameter) goes through it."""
    prepared = _driver_statement(connection, statement, parameters)
    if not prepared.plain:
        result = connection.execute(statement, parameters)
        if not result.returns_rows:
            return []
        return [tuple(row) for row in (result.fetchmany(1) if first_only else result.all())]
    sent = prepared.parameters(parameters)
    cursor = connection.connection.cursor()
    try:
        connection._cursor_execute(cursor, prepared.sql, sent)
        try:
            description = cursor.description
            if description is None:
                fetched = []
            else:
                if prepared.result_processors is None:
                    prepared.read_columns(description)
                fetched = cursor.fetchmany(1) if first_only else cursor.fetchall()
        except Exception as error:  # noqa: BLE001 — wrapped as SQLAlchemy would (and re-raised)
            connection._handle_dbapi_exception(error, prepared.sql, sent, cursor, None)
    finally:
        cursor.close()
    return [prepared.row(values) for values in fetched]


def first_row(connection: Connection, statement, parameters: dict) -> tuple | None:
    """The first row of `all_rows`, or None."""
    found = all_rows(connection, statement, parameters, first_only=True)
    return found[0] if found else None


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
