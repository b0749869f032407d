"""The installable app: manifest, service worker, offline page, versioned assets and compression."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from webapp.pwa import asset_version, precache_paths

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"

SIGNED_IN_PAGES = [
    "/today",
    "/morning",
    "/breathe",
    "/reflect",
    "/goals",
    "/setbacks",
    "/reset",
    "/progress",
    "/reminders",
    "/account",
    "/more",
    "/help",
    "/offline",
]
VISITOR_PAGES = ["/", "/login", "/register", "/help", "/offline"]


def fetch(client, url: str, **kwargs):
    """GET `url` and close the response (a static file's handle stays open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def manifest_of(client) -> dict:
    response = fetch(client, "/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    return json.loads(response.get_data(as_text=True))


def shell_of(client) -> list[str]:
    source = fetch(client, "/sw.js").get_data(as_text=True)
    match = re.search(r"const SHELL = (\[.*?\]);", source, re.S)
    assert match, "sw.js declares its SHELL list"
    return json.loads(match.group(1))


# --- the manifest -----------------------------------------------------------------------------


def test_the_manifest_has_every_field_the_contract_names(client):
    manifest = manifest_of(client)

    assert manifest["id"] == "/today"
    assert manifest["name"] == "Rebound" and manifest["short_name"] == "Rebound"
    assert manifest["description"]
    assert manifest["start_url"] == "/today"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    css = (STATIC / "css" / "app.css").read_text()
    light_background = re.search(r"--bg:\s*(#[0-9a-f]{6})", css).group(1)
    assert manifest["background_color"] == manifest["theme_color"] == light_background


def test_the_manifest_offers_192_512_and_maskable_icons(client):
    icons = manifest_of(client)["icons"]

    assert {(icon["sizes"], icon["purpose"]) for icon in icons} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }


def test_the_manifest_has_shortcuts_to_breathe_reset_and_reflect(client):
    shortcuts = manifest_of(client)["shortcuts"]

    assert [(s["name"], s["url"]) for s in shortcuts] == [
        ("Breathe", "/breathe"),
        ("Rough call", "/reset"),
        ("Reflect", "/reflect"),
    ]
    assert all(s["icons"][0]["sizes"] == "192x192" for s in shortcuts)


def test_the_manifest_has_at_least_two_narrow_screenshots_of_modest_weight(client):
    screenshots = manifest_of(client)["screenshots"]

    assert len(screenshots) >= 2
    for shot in screenshots:
        assert shot["form_factor"] == "narrow" and shot["type"] == "image/png" and shot["label"]
        data = fetch(client, shot["src"]).data
        assert len(data) < 160_000, f"{shot['src']} weighs {len(data)} bytes"
        width, height = png_size(data)
        assert shot["sizes"] == f"{width}x{height}"
        assert width < height, "narrow means portrait"


def test_every_image_the_manifest_names_exists_with_its_declared_pixel_size(client):
    manifest = manifest_of(client)
    images = (
        manifest["icons"] + [i for s in manifest["shortcuts"] for i in s["icons"]] + manifest["screenshots"]
    )

    for image in images:
        response = fetch(client, image["src"])
        assert response.status_code == 200, image["src"]
        assert response.mimetype == image["type"]
        assert "x".join(map(str, png_size(response.data))) == image["sizes"], image["src"]


def test_the_apple_touch_icon_is_linked_and_180_pixels(client):
    html = fetch(client, "/").get_data(as_text=True)
    href = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', html).group(1)

    assert png_size(fetch(client, href).data) == (180, 180)


def test_every_page_links_the_manifest_and_the_ios_tags(client):
    html = fetch(client, "/").get_data(as_text=True)

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in html
    assert '<meta name="apple-mobile-web-app-status-bar-style"' in html
    assert '<meta name="apple-mobile-web-app-title" content="Rebound">' in html


def test_the_install_button_and_ios_hint_start_hidden_on_the_landing_page_and_today(client, user):
    for path in ["/today"]:
        html = fetch(client, path).get_data(as_text=True)
        assert re.search(r"<button[^>]*hidden data-install>", html), path
        assert re.search(r"<aside[^>]*hidden data-install-hint", html), path
    client.post("/logout", data={})
    visitor = client.application.test_client()
    html = fetch(visitor, "/").get_data(as_text=True)
    assert "data-install>" in html and "data-install-hint" in html


# --- the service worker -----------------------------------------------------------------------


def test_the_service_worker_is_served_at_the_root_and_never_cached_by_http(client):
    response = fetch(client, "/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in response.headers


def test_an_unchanged_service_worker_costs_a_304(client):
    first = fetch(client, "/sw.js")
    again = fetch(client, "/sw.js", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304


def test_the_service_worker_names_the_asset_version_and_precaches_existing_versioned_files(app, client):
    source = fetch(client, "/sw.js").get_data(as_text=True)
    version = app.config["ASSET_VERSION"]
    shell = shell_of(client)

    assert f'const VERSION = "{version}";' in source
    assert "__ASSET_VERSION__" not in source and "__SHELL__" not in source
    assert f"/static/v/{version}/css/app.css" in shell
    assert f"/static/v/{version}/js/app.js" in shell
    assert f"/static/v/{version}/icons/icon-192.png" in shell
    every_module = {f"/static/v/{version}/{p.relative_to(STATIC).as_posix()}" for p in STATIC.glob("js/*.js")}
    assert every_module <= set(shell), "every ES module is kept for offline use"
    for url in shell:
        assert fetch(client, url).status_code == 200, url
    assert all("sw.js" not in url and "screenshots" not in url for url in shell)


def test_the_service_worker_keeps_offline_and_breathe_and_leaves_hooks_for_the_queue_and_push(client):
    source = fetch(client, "/sw.js").get_data(as_text=True)

    assert 'OFFLINE_URL = "/offline"' in source and '"/breathe"' in source
    assert "skipWaiting()" in source and "clients.claim()" in source
    assert source.index("// === offline queue (background sync) ===") < source.index(
        "// === push reminders ==="
    )
    assert "window" not in re.sub(r"//.*", "", source), "a worker has no window"


def test_precache_paths_are_the_stylesheets_modules_and_icons(tmp_path):
    for name in ["css/app.css", "js/app.js", "icons/icon-192.png", "icons/icon.svg", "icons/render.sh"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sw.js").write_text("worker")
    (tmp_path / "screenshots").mkdir()
    (tmp_path / "screenshots" / "today.png").write_bytes(b"x")

    assert precache_paths(tmp_path) == ["css/app.css", "icons/icon-192.png", "icons/icon.svg", "js/app.js"]


# --- versioned assets -------------------------------------------------------------------------


def test_the_asset_version_changes_when_any_static_file_changes(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body { color: black; }")
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("export {};")
    before = asset_version(tmp_path)

    assert re.fullmatch(r"[0-9a-f]{12}", before)
    assert asset_version(tmp_path) == before, "the same files give the same version"
    (tmp_path / "js" / "app.js").write_text("export const x = 1;")
    assert asset_version(tmp_path) != before
    (tmp_path / "js" / "app.js").write_text("export {};")
    assert asset_version(tmp_path) == before
    (tmp_path / "js" / "app.js").rename(tmp_path / "js" / "main.js")
    assert asset_version(tmp_path) != before, "a renamed file is a new version"


def test_a_versioned_stylesheet_is_cached_for_a_year_as_immutable(app, client):
    response = fetch(client, f"/static/v/{app.config['ASSET_VERSION']}/css/app.css")

    assert response.status_code == 200
    assert response.mimetype == "text/css"
    cache_control = response.headers["Cache-Control"]
    assert "immutable" in cache_control and "max-age=31536000" in cache_control and "public" in cache_control
    assert response.data == (STATIC / "css" / "app.css").read_bytes()
    assert response.headers["X-Asset-Version"] == app.config["ASSET_VERSION"]


def test_a_page_from_an_older_deploy_still_gets_the_file_but_never_pinned_for_a_year(client):
    response = fetch(client, "/static/v/0123456789ab/js/app.js")

    assert response.status_code == 200
    assert response.data == (STATIC / "js" / "app.js").read_bytes()
    assert "immutable" not in response.headers["Cache-Control"]
    assert "no-cache" in response.headers["Cache-Control"]


def test_a_versioned_file_answers_a_revalidation_with_304_compressed_or_not(app, client):
    url = f"/static/v/{app.config['ASSET_VERSION']}/css/app.css"
    for headers in ({}, {"Accept-Encoding": "gzip"}):
        etag = fetch(client, url, headers=headers).headers["ETag"]
        again = fetch(client, url, headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304, headers


def test_a_missing_versioned_file_is_a_404_and_paths_cannot_leave_static(app, client):
    version = app.config["ASSET_VERSION"]

    assert fetch(client, f"/static/v/{version}/css/nothing.css").status_code == 404
    assert fetch(client, f"/static/v/{version}/../webapp/config.py").status_code == 404
    assert fetch(client, f"/static/v/{version}/%2e%2e/webapp/config.py").status_code == 404


def test_no_template_builds_an_unversioned_static_url():
    offenders = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"url_for\(\s*['\"]static['\"]", path.read_text())
    ]
    assert offenders == [], "use asset('css/...') so the URL carries the asset version"


UNVERSIONED_CODE = re.compile(r"""(?:href|src)=["']/static/(?!v/)[^"']+\.(?:css|js)["']""")
VERSIONED = re.compile(r"""(?:href|src)=["']/static/v/([0-9a-f]{12})/[^"']+["']""")


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_load_css_and_js_only_from_versioned_urls(app, client, user, path):
    html = fetch(client, path).get_data(as_text=True)

    assert not UNVERSIONED_CODE.search(html), path
    versions = set(VERSIONED.findall(html))
    assert versions == {app.config["ASSET_VERSION"]}, path


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_load_css_and_js_only_from_versioned_urls(app, client, path):
    html = fetch(client, path).get_data(as_text=True)

    assert not UNVERSIONED_CODE.search(html), path
    assert set(VERSIONED.findall(html)) == {app.config["ASSET_VERSION"]}, path


def test_modules_import_each_other_by_relative_url_so_a_page_keeps_one_version():
    for module in STATIC.glob("js/*.js"):
        for target in re.findall(r"""^\s*import\s[^;]*?from\s+["']([^"']+)["']""", module.read_text(), re.M):
            assert target.startswith("./"), f"{module.name} imports {target}"


# --- the offline page -------------------------------------------------------------------------


def test_the_offline_page_renders_for_a_visitor_with_links_that_work_offline(client):
    response = fetch(client, "/offline")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You're offline" in html
    assert "kept on this phone and sent when you're back" in html
    assert 'href="/today"' in html and 'href="/breathe"' in html


def test_the_offline_page_renders_for_a_signed_in_user_too(client, user):
    assert "You're offline" in fetch(client, "/offline").get_data(as_text=True)


# --- compression ------------------------------------------------------------------------------


def test_today_is_gzipped_when_the_phone_asks_and_keeps_its_security_headers(client, user):
    plain = fetch(client, "/today")
    response = fetch(client, "/today", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) < len(plain.data) / 2
    html = gzip.decompress(response.data).decode()
    assert "<h1>" in html and 'name="csrf-token"' in html
    for header in ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"]:
        assert header in response.headers, header
    assert response.headers["Cache-Control"] == "no-store"  # a signed-in page: private


def test_brotli_is_used_when_the_browser_offers_it(client):
    response = fetch(client, "/", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.headers["Content-Encoding"] == "br"
    assert b"Stay steady" in brotli.decompress(response.data)


@pytest.mark.parametrize(
    "path",
    [
        "/sw.js",
        "/manifest.webmanifest",
        "/static/v/{version}/css/app.css",
        "/static/v/{version}/js/breathe.js",
    ],
)
def test_scripts_styles_and_the_manifest_are_compressed(app, client, path):
    response = fetch(
        client, path.format(version=app.config["ASSET_VERSION"]), headers={"Accept-Encoding": "gzip"}
    )

    assert response.headers.get("Content-Encoding") == "gzip", path
    assert gzip.decompress(response.data)


def test_tiny_responses_and_images_are_sent_as_they_are(app, client):
    version = app.config["ASSET_VERSION"]

    png = fetch(client, f"/static/v/{version}/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in png.headers
    health = fetch(client, "/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in health.headers, "below the minimum size"


def test_the_page_without_accept_encoding_is_not_compressed(client):
    assert "Content-Encoding" not in fetch(client, "/").headers


def test_a_versioned_file_sets_no_cookie_and_does_not_vary_by_cookie(app, client, user):
    response = fetch(client, f"/static/v/{app.config['ASSET_VERSION']}/js/app.js")

    assert "Set-Cookie" not in response.headers
    assert "cookie" not in response.headers.get("Vary", "").lower()
    assert "Cookie" in fetch(client, "/today").headers["Vary"], "pages still vary by who is signed in"


def test_a_versioned_file_is_compressed_once_per_encoding_not_on_every_request(app, client, monkeypatch):
    from webapp import pwa

    made = []
    real = pwa._compress_data

    def counting(data, algorithm):
        made.append(algorithm)
        return real(data, algorithm)

    monkeypatch.setattr(pwa, "_compress_data", counting)
    monkeypatch.setattr(pwa, "_COMPRESSED", {})
    url = f"/static/v/{app.config['ASSET_VERSION']}/css/app.css"
    plain = fetch(client, url).data
    for _ in range(3):
        br = fetch(client, url, headers={"Accept-Encoding": "br, gzip"})
        gz = fetch(client, url, headers={"Accept-Encoding": "gzip"})
        assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == plain
        assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == plain
        assert br.headers["ETag"] != gz.headers["ETag"]
        assert "Accept-Encoding" in br.headers["Vary"]
    assert sorted(made) == ["br", "gzip"]
