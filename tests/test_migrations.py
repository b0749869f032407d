"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from tests.conftest import TEST_DATABASE_URL, TEST_SECRET
from webapp import create_app
from webapp.extensions import db


def _render_item(type_, obj, autogen_context):
    return False


@pytest.mark.both_dbs
def test_upgrading_from_empty_gives_the_models_schema(backend, tmp_path, request):
    if backend == "sqlite":
        uri, options = f"sqlite:///{tmp_path / 'migrated.sqlite3'}", {}
    else:
        request.getfixturevalue("postgres_schema_url")  # skips when PostgreSQL is unreachable
        # Its own name per run: parallel runs (two checkouts, two xdist workers) never meet.
        schema = f"rebound_migrations_{uuid.uuid4().hex[:12]}"
        admin = create_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        uri, options = TEST_DATABASE_URL, {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = create_app(
        {"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": uri, "SQLALCHEMY_ENGINE_OPTIONS": options},
        instance_path=str(tmp_path),
    )
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == []
            db.engine.dispose()
    finally:
        if backend == "postgresql":
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
