"""What every response promises: CSRF, JSON errors under /api/, headers, styled error pages."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, form_fields

PAGES_NEEDING_LOGIN = [
    "/today",
    "/morning",
    "/morning/affirmations",
    "/breathe",
    "/reset",
    "/reflect",
    "/reflect/history",
    "/reflect/2026-03-02",
    "/goals",
    "/goals/review",
    "/setbacks",
    "/progress",
    "/reminders",
    "/account",
    "/account/export.csv.zip",
]


@pytest.mark.parametrize("path", PAGES_NEEDING_LOGIN)
def test_pages_that_need_an_account_send_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/csrf"),
        ("GET", "/api/export"),
        ("POST", "/api/completions"),
        ("DELETE", "/api/completions/2b1c5a0e-0000-4000-8000-000000000000"),
        ("POST", "/api/setbacks"),
    ],
)
def test_the_api_answers_401_json_without_a_session_and_never_redirects(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 401
    assert response.get_json()["error"] == "login_required"


def test_a_form_without_its_csrf_token_is_refused_with_a_page(client, user):
    fields = form_fields(client, "/account", "/account")
    del fields["csrf_token"]
    response = client.post("/account", data={**fields, "time_zone": "Asia/Tokyo", "day_end_hour": "0"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_the_api_answers_403_csrf_failed_json_for_a_bad_token(client, user):
    response = client.post("/api/csrf-protected-probe", headers={"X-CSRFToken": "forged"}, json={})
    assert response.status_code == 403
    assert response.get_json()["error"] == "csrf_failed"


def test_a_fresh_csrf_token_from_the_api_is_accepted(client, user):
    token = client.get("/api/csrf").get_json()["csrf_token"]
    response = client.post("/api/csrf-protected-probe", headers={"X-CSRFToken": token}, json={})
    assert response.status_code == 404  # past CSRF: the probe path itself does not exist
    assert response.get_json()["error"] == "not_found"


def test_a_token_accepted_before_is_still_refused_with_another_persons_session(client, user, other_client):
    token = client.get("/api/csrf").get_json()["csrf_token"]
    for _ in range(2):  # the second time from what the worker remembers of the first
        response = client.post("/api/csrf-protected-probe", headers={"X-CSRFToken": token}, json={})
        assert response.status_code == 404
    response = other_client.post("/api/csrf-protected-probe", headers={"X-CSRFToken": token}, json={})
    assert response.status_code == 403
    assert response.get_json()["error"] == "csrf_failed"


def test_a_token_accepted_before_is_refused_once_its_session_has_ended(client, user):
    token = client.get("/api/csrf").get_json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    assert client.post("/api/csrf-protected-probe", headers=headers, json={}).status_code == 404
    client.delete_cookie("session")  # a new session (the device signed in again), no token in it
    response = client.post("/api/csrf-protected-probe", headers=headers, json={})
    assert response.status_code in (401, 403)
    assert response.get_json()["error"] in ("login_required", "csrf_failed")


@pytest.mark.parametrize(
    ("referrer", "status"),
    [("https://localhost/today", 404), (None, 403), ("https://elsewhere.example/today", 403)],
)
def test_over_https_a_token_accepted_before_still_needs_a_referrer_from_the_same_host(
    client, user, referrer, status
):
    token = client.get("/api/csrf").get_json()["csrf_token"]
    same_host = {"X-CSRFToken": token, "Referer": "https://localhost/today"}
    probe = "/api/csrf-protected-probe"
    assert client.post(probe, headers=same_host, json={}, base_url="https://localhost").status_code == 404
    headers = {"X-CSRFToken": token, **({"Referer": referrer} if referrer else {})}
    # The second time from what the worker remembers of the first: the referrer is still checked.
    response = client.post(probe, headers=headers, json={}, base_url="https://localhost")
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"] == "csrf_failed"


def test_a_json_body_cannot_carry_the_token_in_place_of_the_header(client, user):
    token = client.get("/api/csrf").get_json()["csrf_token"]
    response = client.post("/api/csrf-protected-probe", json={"csrf_token": token})
    assert response.status_code == 403
    assert response.get_json()["error"] == "csrf_failed"


def test_the_page_carries_its_csrf_token_in_a_meta_tag(client, user):
    assert csrf_token(client, "/today")


@pytest.mark.parametrize("path", ["/", "/login", "/help", "/healthz", "/static/css/app.css", "/nowhere"])
def test_every_response_carries_the_security_headers(client, path):
    with client.get(path) as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy, "no third-party origin is allowed"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_and_load_nothing_from_elsewhere(client, user):
    import re

    for path in ["/", "/login", "/register", "/help", "/today", "/account"]:
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        assert "on" + "click=" not in html


def test_session_cookies_are_httponly_lax_and_secure_over_https(app):
    phone = app.test_client()
    phone.get("/register", base_url="https://rebound.example")
    cookie = phone.get_cookie("session", domain="rebound.example")
    assert cookie is not None, "the sign-up form's CSRF token lives in the session"
    assert cookie.http_only and cookie.secure and cookie.same_site == "Lax"
    fields = form_fields(phone, "/register", "/register")
    response = phone.post(
        "/register",
        data={**fields, "email": "s@example.com", "password": "long enough pass", "time_zone": "UTC"},
        base_url="https://rebound.example",
    )
    set_cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie and "Secure" in session_cookie


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [("/nowhere", 404, "Not found"), ("/logout", 405, "Not allowed here")],
)
def test_errors_are_styled_pages(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert text in response.get_data(as_text=True)


def test_errors_under_the_api_are_json(client):
    response = client.get("/api/nowhere")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "There is no such API endpoint."}


def test_a_body_over_the_limit_is_refused_with_413(client, user):
    fields = form_fields(client, "/account", "/account")
    response = client.post("/account", data={**fields, "display_name": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too much" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_calm_500_page(tmp_path):
    from tests.conftest import TEST_SECRET
    from webapp import create_app

    app = create_app(
        {"SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path)
    )

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "Nothing you saved before is lost" in response.get_data(as_text=True)
