"""When PostgreSQL goes away, Rebound says so plainly (503), and comes back by itself."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine

from tests.conftest import PASSWORD, TEST_DATABASE_URL, TEST_SECRET, form_fields, register
from tests.tcpproxy import TcpProxy
from webapp import create_app
from webapp.extensions import db

pytestmark = pytest.mark.postgres


# The deployed pool (no ping before each checkout: the 503 and SQLAlchemy's pool invalidation
# recover), and one that pings first.
@pytest.fixture(params=["deployed pool", "pre-ping"])
def proxied_app(postgres_schema_url, tmp_path, request):
    from webapp.config import POOL_OPTIONS

    pool = POOL_OPTIONS if request.param == "deployed pool" else {"pool_pre_ping": True}
    target = urlsplit(TEST_DATABASE_URL)
    proxy = TcpProxy(target.hostname, target.port or 5432).start()
    url = TEST_DATABASE_URL.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{proxy.port}")
    schema = postgres_schema_url
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                **pool,
                "connect_args": {"options": f"-csearch_path={schema}", "connect_timeout": 2},
            },
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        instance_path=str(tmp_path),
    )
    with app.app_context():
        db.create_all()
    yield app, proxy
    proxy.stop()
    with app.app_context():
        db.engine.dispose()
    engine = create_engine(TEST_DATABASE_URL, connect_args={"options": f"-csearch_path={schema}"})
    with engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


def test_a_database_outage_is_a_readable_503_and_rebound_recovers_by_itself(proxied_app):
    app, proxy = proxied_app
    phone = app.test_client()
    assert register(phone, email="outage@example.com").status_code == 302
    assert phone.get("/today").status_code == 200
    token = phone.get("/api/csrf").get_json()["csrf_token"]

    proxy.cut()
    page = phone.get("/today")
    assert page.status_code == 503
    assert "briefly unavailable" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "30"
    health = phone.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"
    api = phone.post("/api/completions", json={}, headers={"X-CSRFToken": token})
    assert api.status_code == 503 and api.get_json()["error"] == "unavailable"
    assert phone.get("/").status_code in (200, 302, 503)

    proxy.restore()
    assert phone.get("/healthz").get_json()["status"] == "ok"
    assert phone.get("/today").status_code == 200, "the pool reconnects by itself"


def test_signing_in_during_an_outage_is_a_503_not_a_500(proxied_app):
    app, proxy = proxied_app
    phone = app.test_client()
    register(phone, email="later@example.com")
    other = app.test_client()
    fields = form_fields(other, "/login", "/login")
    proxy.cut()
    response = other.post("/login", data={**fields, "email": "later@example.com", "password": PASSWORD})
    assert response.status_code == 503
    proxy.restore()
    response = other.post("/login", data={**fields, "email": "later@example.com", "password": PASSWORD})
    assert response.status_code == 302
