"""openapi.yaml describes /api/ as it is: schemathesis checks it against the app, in process.

Each operation gets generated requests (valid ones and ones the schema rules out) from a
signed-in session with a valid CSRF token; no answer may be a server error, and every answer
must have a documented status and match that response's schema. The routes and the document
must list the same operations, so the description can't fall behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import csrf_token
from webapp import create_app

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The catch-all that answers unknown /api/ paths with a JSON 404: not an operation to describe.
UNDOCUMENTED = {"/api/<path:anything>"}

# A recording's body is raw audio: sent as the bytes it is, like application/octet-stream.
schemathesis.serializer.alias(["audio/webm", "audio/ogg", "audio/mp4"], "application/octet-stream")

schema = schemathesis.openapi.from_path(OPENAPI)


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    monkeypatch.setattr("webapp.auth.models.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def signed_in(client, user) -> dict:
    """Ana's session cookie and CSRF token (it lasts as long as her session)."""
    token = csrf_token(client, "/today")
    return {"token": token, "cookies": {"session": client.get_cookie("session").value}}


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_documented(case, app, signed_in):
    # The security schemes make schemathesis send an (empty) cookie and token of its own:
    # Ana's take their place. Each call is a fresh in-process client with her cookie.
    # identity: the in-process transport hands schemathesis the bytes as sent, gzip and all.
    headers = {"X-CSRFToken": signed_in["token"], "Accept-Encoding": "identity"}
    response = case.call(app=app, headers=headers, cookies=signed_in["cookies"])
    case.validate_response(response, checks=CHECKS)


def _rule_to_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_api_route_is_described_and_nothing_else():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = {
        (method.lower(), _rule_to_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule not in UNDOCUMENTED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    document = schema.raw_schema
    described = {
        (method, path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert sorted(routes - described) == [], "describe these in openapi.yaml"
    assert sorted(described - routes) == [], "openapi.yaml describes routes that don't exist"


def test_the_description_is_a_valid_openapi_document():
    operations = list(schema.get_all_operations())
    assert operations
    for result in operations:
        result.ok()  # raises when an operation can't be read


def test_errors_are_documented_with_the_contracts_codes():
    document = schema.raw_schema
    responses = document["components"]["responses"]
    assert responses["LoginRequired"]["content"]["application/json"]["schema"]["allOf"][1] == {
        "properties": {"error": {"const": "login_required"}}
    }
    assert responses["CsrfFailed"]["content"]["application/json"]["schema"]["allOf"][1] == {
        "properties": {"error": {"const": "csrf_failed"}}
    }
    writes = [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "delete")
    ]
    for path, method, operation in writes:
        if operation.get("security") == []:  # the snooze token stands in for session and token
            continue
        assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"
        assert {"session": [], "csrf": []} in operation["security"], f"{method} {path}"
