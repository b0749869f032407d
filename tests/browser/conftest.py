"""Browser fixtures: the app on a real socket, Debian's Chromium at phone size, clocks set by hand.

Chromium is never downloaded: it is launched from CHROMIUM_PATH or the `chromium` on PATH, and
every test here is skipped (with the reason) when there is none, or fails under REQUIRE_CHROMIUM=1
(as in CI). Time never passes on its own:
the server reads `app.config["CLOCK"]`, the page reads Playwright's installed clock, and tests
move both with `clocks`. Wait on conditions (`expect(...)`, `page.wait_for_url`), never on time.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import shutil
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import unavailable
from webapp import create_app
from webapp.extensions import db, limiter

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"

CHROMIUM_ARGS = [
    "--no-sandbox",
    # Without these Chromium keeps calling Google hosts, which fails noisily without a network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
    "timezone_id": "Europe/Berlin",
}

# Runs in every page before its own scripts: a CSP violation becomes a console error even when
# Chromium would only report it to a report-uri.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


# --- the server ------------------------------------------------------------------------------


class ServerClock:
    """The app's clock: stands still until a test sets or advances it."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime | str) -> None:
        self.moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        if self.moment.tzinfo is None:
            raise ValueError("set the clock to an aware datetime")

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the access log, remembering its connection for `stop()`."""

    def setup(self):
        super().setup()
        self.server.live_connections.add(self.connection)

    def finish(self):
        self.server.live_connections.discard(self.connection)
        super().finish()

    def log_request(self, code="-", size="-"):
        pass


class LiveServer:
    """The app served over a real socket; `stop()` makes it truly unreachable, `start()` revives it."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.port = port
        self.requests: list[str] = []  # "GET /today", in the order the server saw them
        self.errors: list[str] = []  # exceptions the app raised while answering
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        return [line.split(" ", 1)[1] for line in self.requests]

    def _wsgi(self, environ, start_response):
        self.requests.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}")
        try:
            return self.app(environ, start_response)
        except Exception as error:
            self.errors.append(f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO')}: {error!r}")
            raise

    def start(self) -> None:
        if self._server is not None:
            return
        server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        server.live_connections = set()
        self.port = server.server_port
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="live-server"
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and every open (keep-alive) connection: new ones are refused."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        for connection in list(server.live_connections):
            with contextlib.suppress(OSError):  # the client closed it already
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._server is not None


def _empty_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="session")
def _live_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'browser.sqlite3'}",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 15}},
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        instance_path=str(root / "instance"),
    )
    with app.app_context():
        db.create_all()
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server(_live_server):
    """The running app, with an empty database, a fresh request log and the real clock."""
    server = _live_server
    server.start()
    server.requests.clear()
    server.errors.clear()
    server.app.config["CLOCK"] = None
    limiter.reset()
    yield server
    server.start()
    errors = list(server.errors)
    server.app.config["CLOCK"] = None
    with server.app.app_context():
        db.session.remove()
        _empty_tables()
    limiter.reset()
    assert not errors, f"the server raised while answering: {errors}"


@pytest.fixture
def server_clock(live_server):
    """The app's clock, set to Monday 2026-03-02 07:00 UTC (08:00 in Berlin)."""
    clock = ServerClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    live_server.app.config["CLOCK"] = clock
    return clock


@dataclass
class Clocks:
    """The server's clock and the page's clock, moved together."""

    server: ServerClock

    def install(self, page, moment: datetime | None = None) -> None:
        """Take over Date, timers, requestAnimationFrame and performance.now in the page's context.

        Call it before the first `goto`, so the page's scripts never see the real clock. From
        there the page's time flows on at the real pace (a few seconds in a test) while the server's
        stands still; `run_for` and `fast_forward` move both by the same amount.
        """
        if moment is not None:
            self.server.set(moment)
        page.clock.install(time=self.server.moment)

    def run_for(self, page, seconds: float) -> None:
        """Let `seconds` pass in the page, firing every timer and animation frame on the way."""
        page.clock.run_for(int(seconds * 1000))
        self.server.advance(seconds=seconds)

    def fast_forward(self, page, seconds: float) -> None:
        """Jump ahead as after a sleeping phone: due timers fire once."""
        page.clock.fast_forward(int(seconds * 1000))
        self.server.advance(seconds=seconds)


@pytest.fixture
def clocks(server_clock):
    return Clocks(server_clock)


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    path = chromium_path()
    if not path or not Path(path).exists():
        where = f"CHROMIUM_PATH={path} does not exist" if path else "no `chromium` on PATH"
        unavailable(
            f"browser tests need Chromium ({where}): apt-get install chromium, or set CHROMIUM_PATH",
            "REQUIRE_CHROMIUM",
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    yield playwright
    playwright.stop()


@pytest.fixture(scope="session")
def chromium(_playwright):
    browser = _playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def problems(page) -> list[str]:
    """Console errors, CSP violations and uncaught exceptions seen by `page` so far."""
    # Kept on the page itself: this module may be imported twice (as a conftest and by tests).
    return page.__dict__.setdefault("_rebound_problems", [])


def _watch(page) -> None:
    if "_rebound_problems" in page.__dict__:
        return
    found = problems(page)

    def on_console(message):
        source = message.location.get("url") or page.url
        # Chromium asks for /favicon.ico on its own, at no predictable moment, when a page links
        # no icon: test_smoke checks the icon once instead of whichever page happens to be open.
        if message.type == "error" and not source.endswith("/favicon.ico"):
            found.append(f"console error ({source}): {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: found.append(f"uncaught on {page.url}: {error}"))


@contextlib.contextmanager
def phone_opener(browser, live_server, init_scripts=()):
    """A function that opens a phone-sized page in a context of its own (CSP violations and
    console errors watched, `init_scripts` added); every context closes on leaving."""
    contexts = []

    def open_phone(**overrides):
        context = browser.new_context(base_url=live_server.url, **{**PHONE, **overrides})
        context.set_default_timeout(5_000)
        for script in (_REPORT_CSP_VIOLATIONS, *init_scripts):
            context.add_init_script(script)
        context.on("page", _watch)
        contexts.append(context)
        page = context.new_page()
        _watch(page)
        return page

    try:
        yield open_phone
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def new_phone(chromium, live_server):
    """Open a phone-sized page in a context of its own: `new_phone(timezone_id="Asia/Tokyo")`."""
    with phone_opener(chromium, live_server) as open_phone:
        yield open_phone


@pytest.fixture
def phone(new_phone):
    """A page on a phone (390×844, touch, en-US, Europe/Berlin), served by `live_server`."""
    return new_phone()


@pytest.fixture
def persistent_phone(_playwright, live_server, tmp_path):
    """A phone page in a persistent context (a profile on disk, as for an installed app).

    Chromium checks installability and keeps service workers and caches only in such a profile;
    `reopen(page)` closes the page and opens the app again in the same profile.
    """
    context = _playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=chromium_path(),
        headless=True,
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        **PHONE,
    )
    context.set_default_timeout(5_000)
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    context.on("page", _watch)
    page = context.pages[0] if context.pages else context.new_page()
    _watch(page)
    yield page
    context.close()


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    email: str
    password: str


def register(
    page, name: str = "Ana", email: str | None = None, password: str = PASSWORD, first_run: bool = False
) -> Account:
    """Create an account through the real /register form (zone from the browser); ends on /today
    ("Set up later" on the first run), or on the first run's first screen with `first_run=True`."""
    email = email or f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Your first name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/welcome$"))
    if not first_run:
        page.get_by_role("link", name="Set up later").click()
        page.wait_for_url(re.compile(r"/today$"))
    return Account(email, password)


def sign_in(page, account: Account) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/today$"))


def reopen(page, path: str = "/today"):
    """Close the app's page and open it again in the same context, as from the home screen."""
    context = page.context
    page.close()
    page = context.new_page()
    _watch(page)
    page.goto(path)
    return page


# Waits on events, not by polling (Playwright's wait_for_function polls with eval, which the CSP
# forbids); a worker that never arrives fails the test after WORKER_TIMEOUT_MS instead of hanging it.
WORKER_TIMEOUT_MS = 10_000

_CONTROLLED = """async (timeoutMs) => {
  const container = navigator.serviceWorker;
  const controlled = (async () => {
    await container.ready;
    if (!container.controller) {
      await new Promise((resolve) => container.addEventListener("controllerchange", resolve, { once: true }));
    }
    return container.controller.scriptURL;
  })();
  const late = new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`no service worker controls ${location.pathname}`)), timeoutMs);
  });
  return Promise.race([controlled, late]);
}"""

_TELL_WORKER = """async ([message, timeoutMs]) => {
  const registration = await navigator.serviceWorker.ready;
  const reply = new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    registration.active.postMessage(message, [channel.port2]);
  });
  const late = new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`the service worker did not answer ${message.type}`)), timeoutMs);
  });
  return Promise.race([reply, late]);
}"""


def wait_for_service_worker(page) -> str:
    """Until the service worker controls the page (it installs and claims on the first load).

    Call it on the page that registered the worker before navigating on: a page whose navigation
    started before the worker activated is never claimed, so it would wait in vain."""
    return page.evaluate(_CONTROLLED, WORKER_TIMEOUT_MS)


def tell_service_worker(page, message: dict) -> dict:
    """Post `message` ({"type": "clear-pages"}, ...) to the active worker; returns its reply when done."""
    return page.evaluate(_TELL_WORKER, [message, WORKER_TIMEOUT_MS])


def snap(page, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", scale="css")
    return path


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture(autouse=True)
def _collect_dropped_downloads():
    """Collect the file handles the live server dropped, so the test that dropped them reports them
    (pyproject.toml ignores exactly the static-file ones)."""
    yield
    gc.collect()
