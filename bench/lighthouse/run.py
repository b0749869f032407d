"""Lighthouse 13 on every page of the tab bar, signed in as a lived-in demo account, in the
account's time zone and in another one.

    .venv/bin/python bench/lighthouse/run.py [--runs 3] [--other-zone Asia/Tokyo]

Lighthouse 13 and Node 22 both come from the npm registry, pinned in package.json and
package-lock.json next to this file (`npm ci` into bench/lighthouse/node_modules on first use;
the machine's own node may be older than Lighthouse 13 accepts). The browser is Debian's
Chromium (CHROME_PATH, default /usr/bin/chromium). Lighthouse's mobile defaults: a Moto G
Power-sized screen, simulated slow 4G and a 4x slower CPU.

The app runs under gunicorn, as in production (Procfile), on a SQLite file in a temporary
folder, with a demo account made by the real `flask demo create` (four months of history). The
session cookie goes to Lighthouse in --extra-headers. "Other zone": the browser runs with TZ set
to another zone (its clock and Intl say so) and sends the phone-zone cookie that the page's
script sets on a first visit, so the page is drawn with the offer to switch to that zone, as a
phone arriving in Tokyo sees it on its second visit.

Each page and zone is run --runs times; the table shows the median of each score and of CLS.
Exits 0 whatever the scores: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
NODE = HERE / "node_modules" / "node" / "bin" / "node"
LIGHTHOUSE = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"

PAGES = ["/today", "/breathe", "/reflect", "/progress", "/more"]  # the tab bar
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
DEMO_EMAIL = "lighthouse@rebound.example"
DEMO_PASSWORD = "lighthouse bench password"
ACCOUNT_ZONE = "Europe/London"


def ensure_tools() -> None:
    """Node 22 and Lighthouse 13 from the lock file, installed once next to this script."""
    if NODE.exists() and LIGHTHOUSE.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed once, to fetch Node 22 and Lighthouse 13 from the npm registry.")
    print("Installing Node 22 and Lighthouse 13 from the npm registry (once)...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(folder: Path) -> dict[str, str]:
    """A deployment of this checkout on a throwaway SQLite file, with keys of its own."""
    sys.path.insert(0, str(ROOT))
    from webapp.config import new_vapid_key_pair

    private, public = new_vapid_key_pair()
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(ROOT),  # this checkout's webapp, whatever the venv's editable install names
        DATABASE_URL=f"sqlite:///{folder / 'rebound.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(32),
        VAPID_PUBLIC_KEY=public,
        VAPID_PRIVATE_KEY=private,
        VAPID_SUBJECT="mailto:bench@rebound.example",
    )
    return env


def make_demo(env: dict[str, str]) -> None:
    flask = str(VENV_BIN / "flask")
    quiet = {"env": env, "cwd": ROOT, "check": True, "capture_output": True}
    subprocess.run([flask, "--app", "webapp", "db", "upgrade"], **quiet)
    subprocess.run(
        [flask, "--app", "webapp", "demo", "create", "--email", DEMO_EMAIL, "--password", DEMO_PASSWORD]
        + ["--zone", ACCOUNT_ZONE, "--replace"],
        **quiet,
    )


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", "webapp:create_app()"],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz within a minute")


def sign_in(base: str) -> str:
    """The demo account's session cookie, through the real /login form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login").read().decode()
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and name.group(1) in ("csrf_token", "form_id"):
            fields[name.group(1)] = value.group(1)
    body = urllib.parse.urlencode({**fields, "email": DEMO_EMAIL, "password": DEMO_PASSWORD}).encode()
    opener.open(f"{base}/login", data=body)
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "session" not in cookies and not any(name.startswith("remember") for name in cookies):
        sys.exit("signing in to the demo account failed")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def lighthouse(url: str, cookie: str, zone: str | None, chrome: str, tries: int = 3) -> dict:
    """One run's scores; a run Lighthouse itself gives up on (NO_NAVSTART on a busy machine) is
    tried again, up to `tries` times."""
    for attempt in range(1, tries + 1):
        try:
            return _lighthouse_once(url, cookie, zone, chrome)
        except RuntimeError as error:
            if attempt == tries:
                raise
            print(f"    (run failed, again: {str(error)[:120]})", flush=True)
    raise AssertionError("unreachable")


def _lighthouse_once(url: str, cookie: str, zone: str | None, chrome: str) -> dict:
    env = dict(os.environ, CHROME_PATH=chrome)
    if zone:
        env["TZ"] = zone
    command = [
        str(NODE),
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    keep = os.environ.get("LIGHTHOUSE_KEEP")  # a folder for the full reports, to read what to fix
    if keep:
        page = urllib.parse.urlsplit(url).path.strip("/")
        name = f"{page}-{(zone or 'local').replace('/', '-')}-{time.time_ns()}"
        Path(keep, name + ".json").write_text(done.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError']}")
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    scores["cls"] = report["audits"]["cumulative-layout-shift"]["numericValue"]
    scores["final_url"] = report.get("finalDisplayedUrl") or report.get("finalUrl")
    scores["failing"] = sorted(
        audit_id
        for category in CATEGORIES
        for ref in report["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        and (audit_id := ref["id"])
        and report["audits"][audit_id]["score"] is not None
        and report["audits"][audit_id]["score"] < 1
        and category != "performance"
    )
    return scores


def median_of(runs: list[dict]) -> dict:
    row = {name: statistics.median(run[name] for run in runs) for name in [*CATEGORIES, "cls"]}
    row["failing"] = sorted({audit for run in runs for audit in run["failing"]})
    row["final_url"] = runs[-1]["final_url"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page and zone (median)")
    parser.add_argument("--other-zone", default="Asia/Tokyo", help="the browser's zone in the second pass")
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args()

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not Path(chrome).exists():
        sys.exit(f"no Chromium at {chrome}: apt-get install chromium, or set CHROME_PATH")
    ensure_tools()
    node_version = subprocess.run([str(NODE), "--version"], capture_output=True, text=True).stdout.strip()
    lighthouse_version = subprocess.run(
        [str(NODE), str(LIGHTHOUSE), "--version"], capture_output=True, text=True
    ).stdout.strip()
    chrome_version = subprocess.run([chrome, "--version"], capture_output=True, text=True).stdout.strip()

    with tempfile.TemporaryDirectory(prefix="rebound-lighthouse-") as folder:
        env = app_env(Path(folder))
        make_demo(env)
        port = free_port()
        server = start_server(env, port)
        try:
            base = f"http://127.0.0.1:{port}"
            cookie = sign_in(base)
            passes = [
                (f"account's zone ({ACCOUNT_ZONE})", ACCOUNT_ZONE, f"; phone_zone={ACCOUNT_ZONE}"),
                (f"other zone ({args.other_zone})", args.other_zone, f"; phone_zone={args.other_zone}"),
            ]
            rows = []
            for label, zone, hint in passes:
                for path in args.pages:
                    runs = [lighthouse(base + path, cookie + hint, zone, chrome) for _ in range(args.runs)]
                    row = median_of(runs)
                    if urllib.parse.urlsplit(row["final_url"]).path != path:
                        raise RuntimeError(f"{path} ended on {row['final_url']}: not signed in?")
                    rows.append((label, path, row))
                    print(f"  {label:<32} {path:<10} done", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)

    print()
    print(f"Lighthouse {lighthouse_version}, Node {node_version}, {chrome_version}; mobile defaults;")
    print(f"median of {args.runs} runs per row; demo account in {ACCOUNT_ZONE}, served by gunicorn.")
    print()
    print("| browser in | page | performance | accessibility | best practices | SEO | CLS |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, path, row in rows:
        figures = " | ".join(f"{row[name]:.0f}" for name in CATEGORIES)
        print(f"| {label} | `{path}` | {figures} | {row['cls']:.3f} |")
    failing = {(path, audit) for _, path, row in rows for audit in row["failing"]}
    if failing:
        print()
        print("Audits below full marks (outside performance):")
        for path, audit in sorted(failing):
            print(f"  {path}: {audit}")


if __name__ == "__main__":
    main()
