"""Shared fixtures: an app per database backend, emptied between tests; a clock; form helpers."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import NoReturn

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, event, text

from webapp import create_app, pagecache
from webapp.extensions import db, limiter

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TEST_SECRET = "test-secret-key-not-for-production"
PASSWORD = "correct horse battery"


def _postgres_problem() -> str | None:
    """None when PostgreSQL answers at TEST_DATABASE_URL, else why not (for the skip reason)."""
    try:
        engine = create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 — any failure means "not reachable here"
        return f"PostgreSQL not reachable at {TEST_DATABASE_URL}: {type(error).__name__}"
    return None


POSTGRES_PROBLEM = _postgres_problem()


def unavailable(problem: str, required_by: str) -> NoReturn:
    """Skip, saying why, when a real part is missing here; fail instead when `required_by`
    (REQUIRE_POSTGRES, REQUIRE_CHROMIUM, REQUIRE_REDIS) is 1, as .ci/run sets them: a skip there
    would hide the very cases the part is needed for."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{required_by}=1, but {problem}", pytrace=False)
    pytest.skip(problem)


def pytest_report_header(config):
    missing = "FAILED (REQUIRE_POSTGRES=1)" if os.environ.get("REQUIRE_POSTGRES") == "1" else "SKIPPED"
    return [f"PostgreSQL cases: {'run' if POSTGRES_PROBLEM is None else f'{missing} — {POSTGRES_PROBLEM}'}"]


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("postgres"):
        backends = ["postgresql"]
    elif metafunc.definition.get_closest_marker("both_dbs"):
        backends = ["sqlite", "postgresql"]
    else:
        backends = ["sqlite"]
    metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(scope="session")
def postgres_schema_url():
    """A private schema in the shared test database, so parallel runs never meet."""
    if POSTGRES_PROBLEM:
        unavailable(POSTGRES_PROBLEM, "REQUIRE_POSTGRES")
    schema = f"rebound_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


class Clock:
    """A clock the test sets by hand: time never passes unless the test says so."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime | str) -> None:
        self.moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


_APPS: dict = {}


def _make_app(backend: str, tmp_root, request):
    if backend == "sqlite":
        uri = f"sqlite:///{tmp_root / 'test.sqlite3'}"
        options = {"pool_pre_ping": True, "connect_args": {"timeout": 15}}
    else:
        schema = request.getfixturevalue("postgres_schema_url")
        uri = TEST_DATABASE_URL
        options = {"pool_pre_ping": True, "connect_args": {"options": f"-csearch_path={schema}"}}
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        instance_path=str(tmp_root / "instance"),
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def backend(request):
    return request.param


@pytest.fixture
def app(backend, tmp_path_factory, request):
    if backend not in _APPS:
        _APPS[backend] = _make_app(backend, tmp_path_factory.mktemp(backend), request)
    app = _APPS[backend]
    app.config["CLOCK"] = None
    # No app context stays pushed during a test: each request must get its own `g`, as in
    # production. Tests that look at the database open `with app.app_context():`.
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
    # Emptied tables reuse user ids and data versions: what the pages kept is another database's.
    pagecache.clear(app)
    limiter.reset()
    app.config["CLOCK"] = None


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def clock(app):
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app.config["CLOCK"] = clock
    return clock


@pytest.fixture
def client(app):
    return app.test_client()


# Forms the way a browser sends them: the hidden fields of the page's form plus what the user typed.


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {
                "action": attrs.get("action") or "",
                "method": attrs.get("method", "get"),
                "fields": {},
            }
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current is not None:
            name = attrs.get("name")
            if name and attrs.get("type") == "hidden":
                self._current["fields"][name] = attrs.get("value", "")
            elif name and tag == "input" and attrs.get("type") != "checkbox" and "value" in attrs:
                self._current["fields"].setdefault(name, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def page_forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_fields(client, page: str, action: str) -> dict:
    """The hidden fields of the form on `page` that posts to `action` (CSRF token, form_id)."""
    response = client.get(page)
    assert response.status_code == 200, f"GET {page} gave {response.status_code}"
    for form in page_forms(response.get_data(as_text=True)):
        if form["action"].split("?")[0] == action:
            return dict(form["fields"])
    raise AssertionError(f"no form posting to {action} on {page}")


def submit(client, action: str, data: dict | None = None, page: str | None = None, **kwargs):
    """Fill in the form on `page` (default: `action`) that posts to `action`, and send it."""
    fields = form_fields(client, page or action, action)
    fields.update(data or {})
    return client.post(action, data=fields, **kwargs)


def csrf_token(client, page: str = "/account") -> str:
    html = client.get(page).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no csrf-token meta"
    return match.group(1)


def register(
    client, email: str = "ana@example.com", password: str = PASSWORD, zone: str = "Europe/Berlin", **extra
):
    data = {"email": email, "password": password, "time_zone": zone, "display_name": extra.pop("name", "")}
    return submit(client, "/register", data, **extra)


@dataclass(frozen=True)
class Person:
    id: int
    email: str


def person(app, email: str) -> Person:
    from webapp.auth.models import User

    with app.app_context():
        found = db.session.scalar(db.select(User).filter_by(email=email))
        return Person(found.id, found.email)


@pytest.fixture
def user(app, client, clock):
    """A signed-in user (Ana, in Berlin) on `client`, registered at the clock's 2026-03-02 09:00 UTC."""
    response = register(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return person(app, "ana@example.com")


@pytest.fixture
def other_client(app, clock):
    """A second person on another phone, signed in as Ben."""
    client = app.test_client()
    response = register(client, email="ben@example.com", zone="America/New_York")
    assert response.status_code == 302
    return client


@contextmanager
def statements_naming(app, table: str):
    """The statements `app` sends while inside that name `table`."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(_connection, _cursor, statement, *_args):
        if table in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
