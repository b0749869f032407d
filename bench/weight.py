"""What does /today cost a phone: bytes and requests on a first visit and on a repeat visit?

    .venv/bin/python bench/weight.py

Serves the app on a free port (a fresh SQLite file, a demo user with 60 days of history made by
`flask demo create`), drives headless Chromium (CHROMIUM_PATH or /usr/bin/chromium, the launch
arguments of the browser tests) at 390x844, signs in, and then:

- a first visit to /today in a fresh browser profile (empty HTTP cache, no service worker);
- a repeat visit: the page closed and opened again in the same profile, as from the home screen.

Everything is counted at the server by a WSGI middleware outside the app, so outside
flask-compress: each request's path and the bytes of its body as sent (after compression), with
the Content-Encoding. The service worker marks its own fetches with `X-Rebound-Precache: 1`, so
its precache is reported apart from the page's own requests. Budget for the first visit: the
page's own HTML, CSS and JS at most 30 KB compressed in at most 8 requests; no web fonts and no
third-party request. The repeat visit should ask only for /today (plus the browser's /sw.js
check). Exits 0 whatever the result: it's a benchmark, not a test.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402

EMAIL = "weight@rebound.example"
PASSWORD = "bench password, not secret"
DAYS = 60
VIEWPORT = {"width": 390, "height": 844}
BUDGET_BYTES = 30 * 1024
BUDGET_REQUESTS = 8
PAGE_TYPES = ("text/html", "text/css", "application/javascript", "text/javascript")


@dataclass
class Hit:
    method: str
    path: str
    status: str = ""
    content_type: str = ""
    encoding: str = ""
    bytes: int = 0
    precache: bool = False
    worker_script: bool = False

    @property
    def is_page_code(self) -> bool:
        return self.content_type.split(";")[0].strip() in PAGE_TYPES


class Meter:
    """WSGI middleware: records each request and the bytes of its body exactly as sent."""

    def __init__(self, app):
        self.app = app
        self.hits: list[Hit] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        hit = Hit(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            precache=environ.get("HTTP_X_REBOUND_PRECACHE") == "1",
            worker_script=environ.get("HTTP_SERVICE_WORKER") == "script",
        )
        with self.lock:
            self.hits.append(hit)

        def record_start(status, headers, exc_info=None):
            hit.status = status.split(" ", 1)[0]
            for name, value in headers:
                if name.lower() == "content-type":
                    hit.content_type = value
                elif name.lower() == "content-encoding":
                    hit.encoding = value
            return start_response(status, headers, exc_info)

        body = self.app(environ, record_start)
        try:
            for chunk in body:
                hit.bytes += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()

    def since(self, mark: int) -> list[Hit]:
        with self.lock:
            return list(self.hits[mark:])


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def build(tmp: Path):
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'weight.sqlite3'}",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 15}},
            "RATELIMIT_STORAGE_URI": "memory://",
        },
        instance_path=str(tmp / "instance"),
    )
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(
        args=["demo", "create", "--email", EMAIL, "--password", PASSWORD, "--days", str(DAYS)]
    )
    if result.exit_code != 0:
        raise SystemExit(f"demo create failed: {result.output}")
    return app


def wait_for_kept_pages(page, paths: list[str], seconds: float = 10) -> bool:
    """Until the service worker holds `paths` in its pages cache (True), or `seconds` pass."""
    check = """async (paths) => {
      const cache = await caches.open("rebound-pages");
      for (const path of paths) if (!(await cache.match(path))) return false;
      return true;
    }"""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate(check, paths):
            return True
        time.sleep(0.05)
    return False


def settle(meter: Meter, quiet: float = 0.5, seconds: float = 5) -> None:
    """Until the server has seen no new request for `quiet` seconds (a worker's late fetches land)."""
    deadline = time.monotonic() + seconds
    count, since = len(meter.hits), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if len(meter.hits) != count:
            count, since = len(meter.hits), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


def fcp(page) -> float | None:
    entries = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint').map((entry) => entry.startTime)"
    )
    return entries[0] if entries else None


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def listing(hits: list[Hit]) -> list[str]:
    return [
        f"      {h.method} {h.path:<48} {h.status} {h.content_type.split(';')[0]:<24} "
        f"{h.encoding or '-':<5} {h.bytes:>7,} B"
        for h in hits
    ]


def report(first: list[Hit], repeat: list[Hit], timings: dict, outside: list[str], fonts: int) -> str:
    own = [h for h in first if not h.precache and not h.worker_script and h.is_page_code]
    other = [h for h in first if not h.precache and not h.worker_script and not h.is_page_code]
    worker = [h for h in first if h.worker_script]
    precache = [h for h in first if h.precache]
    own_bytes = sum(h.bytes for h in own)
    ok_bytes, ok_requests = own_bytes <= BUDGET_BYTES, len(own) <= BUDGET_REQUESTS

    paths = [h.path for h in repeat]
    repeat_ok = "/today" in paths and set(paths) <= {"/today", "/sw.js"}

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    lines = [
        "",
        f"First visit to /today (fresh profile, signed in)       {'measured':>18}   {'budget':>18}",
        f"  page's own HTML, CSS and JS: bytes as sent          {kb(own_bytes):>18}   "
        f"{'<= ' + kb(BUDGET_BYTES):>18}  {verdict(ok_bytes)}",
        f"  page's own HTML, CSS and JS: requests               {len(own):>18}   "
        f"{'<= ' + str(BUDGET_REQUESTS):>18}  {verdict(ok_requests)}",
        f"  third-party requests                                {len(outside):>18}   {0:>18}  "
        f"{verdict(not outside)}",
        f"  web fonts                                           {fonts:>18}   {0:>18}  {verdict(fonts == 0)}",
        *listing(own),
        f"  other requests (icons, manifest; 304s: the worker's importScripts): {len(other)}, "
        f"{kb(sum(h.bytes for h in other))}",
        *listing(other),
        f"  service worker script: {len(worker)}, {kb(sum(h.bytes for h in worker))}",
        f"  precache by the service worker (reported apart): {len(precache)} requests, "
        f"{kb(sum(h.bytes for h in precache))}",
        *listing(precache),
        "",
        "Repeat visit (page closed and reopened in the same profile, as from the home screen)",
        f"  requests: {len(repeat)}, {kb(sum(h.bytes for h in repeat))}  "
        f"(expected: /today, plus the browser's /sw.js check) {verdict(repeat_ok)}",
        *listing(repeat),
        "",
        "First contentful paint: "
        + ", ".join(
            f"{name} {value:.0f} ms" if value is not None else f"{name} n/a"
            for name, value in timings.items()
        ),
    ]
    return "\n".join(lines)


def main() -> int:
    os.environ.pop("DATABASE_URL", None)  # the benchmark makes its own database
    started = time.perf_counter()
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print(
            f"bench/weight.py needs Chromium at {chromium} (apt-get install chromium, or set CHROMIUM_PATH)"
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="rebound-weight-") as tmp_name:
        tmp = Path(tmp_name)
        app = build(tmp)
        meter = Meter(app)
        server = make_server("127.0.0.1", 0, meter, threaded=True, request_handler=QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        outside: list[str] = []
        fonts = 0

        def watch(page):
            def on_request(request):
                nonlocal fonts
                if urlsplit(request.url).netloc != urlsplit(base).netloc and request.url.startswith("http"):
                    outside.append(request.url)
                if request.resource_type == "font":
                    fonts += 1

            page.on("request", on_request)

        try:
            with sync_playwright() as playwright:
                phone = {"viewport": VIEWPORT, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
                browser = playwright.chromium.launch(
                    executable_path=chromium, headless=True, args=CHROMIUM_ARGS
                )
                version = browser.version
                login = browser.new_context(base_url=base, **phone)
                page = login.new_page()
                page.goto("/login")
                page.get_by_label("Email").fill(EMAIL)
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/today")
                cookies = login.cookies()
                login.close()
                browser.close()

                context = playwright.chromium.launch_persistent_context(
                    str(tmp / "profile"),
                    executable_path=chromium,
                    headless=True,
                    args=CHROMIUM_ARGS,
                    base_url=base,
                    **phone,
                )
                context.add_cookies(cookies)
                context.on("page", watch)
                page = context.pages[0] if context.pages else context.new_page()
                watch(page)

                settle(meter)
                mark = len(meter.hits)
                page.goto("/today", wait_until="load")
                first_paint = fcp(page)
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                kept = wait_for_kept_pages(page, ["/today", "/breathe"])
                settle(meter)
                first = meter.since(mark)

                mark = len(meter.hits)
                page.close()
                page = context.new_page()
                page.goto("/today", wait_until="load")
                repeat_paint = fcp(page)
                settle(meter)
                repeat = meter.since(mark)
                context.close()
        finally:
            server.shutdown()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    print(f"Rebound page weight: /today for a signed-in user with {DAYS} days of history")
    print(f"Chromium {version}, headless, {VIEWPORT['width']}x{VIEWPORT['height']}, served on {base}")
    if not kept:
        print("note: the service worker had not kept /today and /breathe within 10 s")
    print(report(first, repeat, {"first visit": first_paint, "repeat visit": repeat_paint}, outside, fonts))
    print(f"\n(ran in {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
