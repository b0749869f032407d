"""How a request's transaction ends: one that only read ends with COMMIT, so PostgreSQL keeps the
statements psycopg prepared; anything that wrote, failed or left changes in the session is
rolled back as before, and nothing it did is saved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import abort
from sqlalchemy import event, select, text, update

from tests.conftest import _empty_tables, _make_app, register
from webapp.auth.models import User
from webapp.extensions import db

MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_pages_that_only_read_keep_postgresqls_prepared_statements(backend, tmp_path, request):
    # An app of its own: a fresh pool, whose one or two connections each serve most requests.
    app = _make_app(backend, tmp_path, request)
    client = app.test_client()
    try:
        assert register(client, email="prepared@example.com").status_code == 302
        with app.app_context():
            engine = db.engine
        connections = []

        def seen(dbapi_connection, _record, _proxy):
            if dbapi_connection not in connections:
                connections.append(dbapi_connection)

        event.listen(engine, "checkout", seen)
        try:
            # psycopg prepares a statement on its fifth run on a connection; a ROLLBACK makes it
            # forget them all. The pool hands its connections out in turn: enough runs for two.
            for _ in range(12):
                assert client.get("/help").status_code == 200
        finally:
            event.remove(engine, "checkout", seen)
        prepared = []
        for dbapi_connection in connections:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT statement FROM pg_prepared_statements")
                prepared += [row[0] for row in cursor.fetchall()]
            dbapi_connection.commit()
        assert any("FROM sign_in_session" in statement for statement in prepared), prepared
    finally:
        with app.app_context():
            _empty_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.both_dbs
def test_a_read_only_request_ends_with_commit_and_a_write_that_was_not_committed_is_undone(
    backend, tmp_path, request
):
    app = _make_app(backend, tmp_path, request)

    @app.get("/probe/flush-then-refuse")
    def flush_then_refuse():
        db.session.add(User(email="flushed@example.com", password_hash="x", created_at=MOMENT))
        db.session.flush()
        abort(400)

    @app.get("/probe/add-then-refuse")
    def add_then_refuse():
        db.session.add(User(email="added@example.com", password_hash="x", created_at=MOMENT))
        abort(400)

    @app.get("/probe/statement-then-answer")
    def statement_then_answer():
        db.session.execute(update(User).values(display_name="changed"))
        return "done"

    @app.get("/probe/failed-statement")
    def failed_statement():
        db.session.execute(select(User.id))
        try:
            db.session.execute(text('SELECT no_such_column FROM "user"'))
        except Exception:  # noqa: BLE001 — the transaction is now failed; the request goes on
            return "answered anyway"
        return "unreachable"

    @app.get("/probe/read")
    def read():
        return str(len(db.session.scalars(select(User)).all()))

    with app.app_context():
        db.session.add(
            User(email="kept@example.com", password_hash="x", created_at=MOMENT, display_name="kept")
        )
        db.session.commit()
        engine = db.engine
    ended = []
    event.listen(engine, "commit", lambda _conn: ended.append("commit"))
    event.listen(engine, "rollback", lambda _conn: ended.append("rollback"))
    client = app.test_client()
    try:
        for path, status in (
            ("/probe/flush-then-refuse", 400),
            ("/probe/add-then-refuse", 400),
            ("/probe/statement-then-answer", 200),
            ("/probe/failed-statement", 200),
        ):
            ended.clear()
            assert client.get(path).status_code == status
            assert "commit" not in ended, path
        ended.clear()
        assert client.get("/probe/read").get_data(as_text=True) == "1"
        assert ended == ["commit"]
        with app.app_context():
            rows = db.session.execute(select(User.email, User.display_name)).all()
            assert [tuple(row) for row in rows] == [("kept@example.com", "kept")]
    finally:
        with app.app_context():
            db.session.execute(User.__table__.delete())
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.both_dbs
def test_a_statement_sent_through_the_driver_reads_and_writes_as_sqlalchemy_would(backend, tmp_path, request):
    from sqlalchemy import bindparam, insert
    from sqlalchemy.exc import IntegrityError

    from webapp.database import WROTE, all_rows, first_row
    from webapp.routines.models import IdempotencyRecord

    records = IdempotencyRecord.__table__
    add = insert(records).returning(records.c.id, records.c.body, records.c.created_at)
    read = select(records.c.client_id, records.c.body, records.c.created_at).where(
        records.c.user_id == bindparam("user_id")
    )
    app = _make_app(backend, tmp_path, request)
    seen = []
    try:
        with app.app_context():
            user = User(email="driver@example.com", password_hash="x", created_at=MOMENT)
            db.session.add(user)
            db.session.commit()
            user_id = user.id
            event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
            connection = db.session.connection()
            row = {"user_id": user_id, "client_id": "a", "kind": "setback", "body": {"id": "a"}}
            written = first_row(connection, add, {**row, "created_at": MOMENT})
            assert connection.info.get(WROTE)  # the transaction wrote: it ends in a rollback if not committed
            assert written[1:] == ({"id": "a"}, MOMENT)
            assert written[2].tzinfo is not None
            assert all_rows(connection, read, {"user_id": user_id}) == [
                tuple(found) for found in connection.execute(read, {"user_id": user_id})
            ]
            assert [statement.lstrip()[:6].upper() for statement in seen] == ["INSERT", "SELECT", "SELECT"]
            assert first_row(connection, read, {"user_id": user_id + 1}) is None
            with pytest.raises(IntegrityError):  # SQLAlchemy's error, as the writes expect
                all_rows(connection, add, {**row, "created_at": MOMENT})
            db.session.rollback()
    finally:
        with app.app_context():
            _empty_tables()
            db.session.remove()
            db.engine.dispose()
