"""The installed app: manifest, service worker, offline page, versioned static files, compression.

Deploy safety: every CSS, JS and icon URL a page uses carries the asset version (a hash of the
whole static folder), `/static/v/<version>/...`. ES modules import each other by relative URL,
so a page's whole module graph comes from one version, and a new deploy simply means new URLs.
Those files can be cached for a year; `/sw.js` (never cached by HTTP) names the same version and
precaches exactly that set.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    render_template,
    request,
    request_finished,
    send_from_directory,
)
from flask_babel import force_locale
from flask_compress import Compress

from webapp.i18n import languages
from webapp.i18n.catalogs import SOURCE_LANGUAGE, directory
from webapp.i18n.translations import gettext as _
from webapp.i18n.translations import lazy_gettext as _l

bp = Blueprint("pwa", __name__)
compress = Compress()

ONE_YEAR = 31_536_000
# The shell the service worker keeps for offline use: every stylesheet, module and icon.
PRECACHE_SUFFIXES = (".css", ".js")
PRECACHE_ICON_SUFFIXES = (".png", ".svg")
SERVICE_WORKER = "sw.js"  # static/sw.js, served at /sw.js with its placeholders filled in
# The light theme's background (--bg in app.css), also the theme-color meta in base.html.
THEME_COLOUR = "#f6f7f9"

# Unversioned, so an installed app's icons keep their URLs across deploys; kept by the worker too.
MANIFEST_ICONS = [
    {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
]
SCREENSHOTS = [
    ("screenshots/today.png", _l("The day at a glance: each routine, its streak and a rough-call reset")),
    ("screenshots/breathe.png", _l("A minute of box breathing between calls")),
]


def asset_version(static_folder: str | Path) -> str:
    """The first 12 hex digits of a SHA-256 over every static file's path and bytes, in path order."""
    root = Path(static_folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def asset_url(path: str) -> str:
    """The versioned URL of a static file: `/static/v/<version>/<path>`."""
    return f"/static/v/{current_app.config['ASSET_VERSION']}/{path.lstrip('/')}"


def precache_paths(static_folder: str | Path) -> list[str]:
    """Static paths (relative to static/) the service worker keeps: CSS, JS modules, icons."""
    root = Path(static_folder)
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative == SERVICE_WORKER:
            continue
        if path.suffix in PRECACHE_SUFFIXES or (
            relative.startswith("icons/") and path.suffix in PRECACHE_ICON_SUFFIXES
        ):
            found.append(relative)
    return found


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def init_app(app: Flask) -> None:
    """Fix the asset version, offer `asset()` to templates, and compress text responses."""
    app.config.setdefault("ASSET_VERSION", asset_version(app.static_folder))
    app.jinja_env.globals["asset"] = asset_url

    # Brotli when its module is installed (flask-compress brings it on CPython), gzip always.
    algorithms = ["br", "gzip"] if importlib.util.find_spec("brotli") else ["gzip"]
    app.config.setdefault("COMPRESS_ALGORITHM", algorithms)
    # Pages are compressed on every request: Brotli quality 2 costs a third to a half of the
    # default 4 for 5-8% more bytes (/progress: 0.37 against 0.95 ms, 8.7 against 8.2 KB).
    # Versioned static files are compressed once, at the highest quality (`_compress_once`).
    app.config.setdefault("COMPRESS_BR_LEVEL", 2)
    app.config.setdefault("COMPRESS_BR_WINDOW", 18)
    # flask-compress swaps a streamed body for a generator and never closes the file underneath;
    # the asset route reads its (small) files into memory instead, and nothing else streams text.
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        ["text/html", "text/css", "application/javascript", "text/javascript", "application/json"]
        + ["application/manifest+json", "image/svg+xml"],
    )
    # A body under 1 KB goes out with its headers (about 600 bytes) in one TCP segment either way:
    # compressing it (an API answer, say) saves no round trip and costs a Brotli run, ~50 us.
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    compress.init_app(app)
    request_finished.connect(_share_assets_with_everyone, app)
    app.register_blueprint(bp)


def _share_assets_with_everyone(sender: Flask, response: Response, **extra) -> None:
    # Flask-Login reads the session on every request, so Flask adds `Vary: Cookie` and may refresh
    # the session cookie: on a versioned file either would make the browser (or a CDN) revalidate
    # or keep a copy per cookie. Runs after the session is saved, just before the response leaves.
    if request.endpoint == "pwa.asset":
        kept = [name for name in response.vary if name.lower() != "cookie"]
        response.headers.pop("Vary", None)
        if kept:
            response.headers["Vary"] = ", ".join(kept)
        response.headers.pop("Set-Cookie", None)


def _revalidated(response: Response) -> Response:
    """Let the browser revalidate: `no-cache` plus an ETag, so an unchanged file costs a 304."""
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


# A versioned file's compressed bytes, per (file's ETag, encoding): compressed once per process,
# not on every request. The ETag changes with the file (its name, size and mtime), so a file
# edited in development is compressed afresh; the keys are bounded by the files under static/.
_COMPRESSED: dict[tuple[str, str], bytes] = {}


def _compress_data(data: bytes, algorithm: str) -> bytes:
    """The smallest encoding: done once per file, so the slowest settings cost nothing per request."""
    if algorithm == "br":
        import brotli

        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


def _compress_once(response: Response) -> None:
    """Compress a versioned file's body as Flask-Compress would, from the cache when it can.

    Flask-Compress leaves a response that already has a Content-Encoding alone, so the ETag
    ("...:br") and the answer to a revalidation (304) are set here the way it sets them."""
    config = current_app.config
    if response.status_code != 200 or response.mimetype not in config["COMPRESS_MIMETYPES"]:
        return
    if response.content_length is not None and response.content_length < config["COMPRESS_MIN_SIZE"]:
        return
    algorithm = request.accept_encodings.best_match(config["COMPRESS_ALGORITHM"])
    etag, weak = response.get_etag()
    if algorithm is None or etag is None or weak:
        return
    key = (etag, algorithm)
    body = _COMPRESSED.get(key)
    if body is None:
        body = _COMPRESSED[key] = _compress_data(response.get_data(), algorithm)
    response.set_data(body)
    response.headers["Content-Encoding"] = algorithm
    response.vary.add("Accept-Encoding")
    response.set_etag(f"{etag}:{algorithm}")


@bp.get("/static/v/<version>/<path:filename>")
def asset(version: str, filename: str):
    """A static file under its versioned URL; cached for a year when the version is current."""
    response = send_from_directory(current_app.static_folder, filename, max_age=ONE_YEAR)
    # In memory, so it can be compressed (with an ETag of its own, "...:gzip", still answered by 304).
    response.direct_passthrough = False
    response.make_sequence()
    _compress_once(response)
    response.make_conditional(request)
    response.headers["X-Asset-Version"] = current_app.config["ASSET_VERSION"]
    if version == current_app.config["ASSET_VERSION"]:
        response.cache_control.immutable = True
    else:
        # An old page asking after a deploy still gets a working file, but never one pinned in the
        # browser for a year under a name that promised other bytes.
        response.cache_control.max_age = 0
        response.cache_control.public = False
        response.cache_control.no_cache = True
        response.expires = None
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, at the root so it controls every page, with its version filled in."""
    version = current_app.config["ASSET_VERSION"]
    source = (Path(current_app.static_folder) / SERVICE_WORKER).read_text()
    shell = [asset_url(path) for path in precache_paths(current_app.static_folder)]
    shell += [icon["src"] for icon in MANIFEST_ICONS]
    source = source.replace('"__ASSET_VERSION__"', json.dumps(version), 1)
    source = source.replace('["__SHELL__"]', json.dumps(shell, indent=2), 1)
    # Every language's manifest: a new translation is a new worker, which keeps the new manifests.
    manifests = "".join(_manifest_json(language) for language in languages())
    digest = hashlib.sha256(manifests.encode()).hexdigest()[:12]
    source = source.replace('"__MANIFEST_DIGEST__"', json.dumps(digest), 1)
    response = Response(source, mimetype="application/javascript")
    return _revalidated(response)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: what the phone shows when Rebound is installed.

    In the language `?lang=` names (each page links the manifest of its own language), else in
    English: the same URL always answers the same words, so caches and the worker can keep it."""
    language = request.args.get("lang", SOURCE_LANGUAGE)
    if language not in languages():
        language = SOURCE_LANGUAGE
    response = Response(_manifest_json(language), mimetype="application/manifest+json")
    return _revalidated(response)


def _manifest_json(language: str) -> str:
    with force_locale(directory(language)):
        return _manifest_json_now(language)


def _manifest_json_now(language: str) -> str:
    static = Path(current_app.static_folder)
    icon = MANIFEST_ICONS[0]["src"]
    screenshots = []
    for path, label in SCREENSHOTS:
        if not (static / path).is_file():
            continue  # a checkout without the artwork still has a valid manifest
        width, height = png_size(static / path)
        screenshots.append(
            {
                "src": f"/static/{path}",
                "sizes": f"{width}x{height}",
                "type": "image/png",
                "form_factor": "narrow",
                "label": label,
            }
        )
    body = {
        "id": "/today",
        "name": "Rebound",
        "short_name": "Rebound",
        "description": _(
            "A few minutes a day to stay steady in sales: breathe, reflect, reframe, keep going."
        ),
        "lang": language,
        "dir": "ltr",
        "start_url": "/today",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": THEME_COLOUR,
        "theme_color": THEME_COLOUR,
        "categories": ["business", "health", "productivity"],
        "icons": MANIFEST_ICONS,
        "shortcuts": [
            {
                "name": _("Breathe"),
                "short_name": _("Breathe"),
                "url": "/breathe",
                "description": _("A minute of slow breathing"),
            },
            {
                "name": _("Rough call"),
                "short_name": _("Reset"),
                "url": "/reset",
                "description": _("Log it, breathe, move on"),
            },
            {
                "name": _("Reflect"),
                "short_name": _("Reflect"),
                "url": "/reflect",
                "description": _("The evening reflection"),
            },
        ],
        "screenshots": screenshots,
    }
    for shortcut in body["shortcuts"]:
        shortcut["icons"] = [{"src": icon, "sizes": "192x192", "type": "image/png"}]
    return json.dumps(body, indent=2, default=str, ensure_ascii=False)


@bp.get("/offline")
def offline():
    """What the service worker shows for a page it never kept, while the network is gone: in the
    language `?lang=` names (the worker keeps one per language a page told it), else the
    browser's."""
    language = request.args.get("lang")
    if language not in languages():
        return render_template("pwa/offline.html")
    with force_locale(directory(language)):
        return render_template("pwa/offline.html")
