"""Signing in tells a stranger nothing and gives a guesser nothing extra.

An unknown address costs the same password hash and gets the same answers (the same slow-down
too) as a real account with a wrong password; guesses of the current password on /account count
in the same slow-down as sign-ins; addresses are one spelling (NFKC, case-folded); the
per-address limit counts an IPv6 subscriber's whole /64.
"""

from __future__ import annotations

import re
import statistics
import time

import pytest

from tests.conftest import PASSWORD, TEST_SECRET, form_fields, register, submit
from webapp.auth.models import SignInThrottle, User
from webapp.extensions import db


def login(client, email, password):
    return submit(client, "/login", {"email": email, "password": password})


def answer(response) -> tuple[int, list[str]]:
    """The status and the messages a person reads (errors and flashes), nothing that varies."""
    text = response.get_data(as_text=True)
    messages = re.findall(r'class="(?:error|flash)[^"]*"[^>]*>([^<]+)<', text)
    return response.status_code, [m.strip() for m in messages]


@pytest.mark.both_dbs
def test_an_unknown_address_gets_exactly_the_answers_a_wrong_password_gets(app, user, clock):
    real, unknown = app.test_client(), app.test_client()
    for _ in range(3):
        assert answer(login(real, "ana@example.com", "wrong wrong wrong")) == answer(
            login(unknown, "nobody@example.com", "wrong wrong wrong")
        )
    # The slow-down, too, looks the same for both.
    slowed_real = answer(login(real, "ana@example.com", "wrong wrong wrong"))
    slowed_unknown = answer(login(unknown, "nobody@example.com", "wrong wrong wrong"))
    assert slowed_real == slowed_unknown
    assert slowed_real[0] == 429 and "wait 1 second" in " ".join(slowed_real[1])


def test_an_unknown_address_costs_the_same_password_hash(app, user):
    """Timing: the slow hash runs either way (scrypt takes far longer than anything else here)."""
    phone = app.test_client()
    fields = form_fields(phone, "/login", "/login")

    def timed(email: str) -> float:
        started = time.perf_counter()
        response = phone.post("/login", data={**fields, "email": email, "password": "wrong wrong wrong"})
        assert response.status_code == 401
        return time.perf_counter() - started

    timed("warm-up@example.com")  # the first unknown address makes the dummy hash once

    # A fresh address each time: none reaches the slow-down. Taken in turn, so that both see the
    # same machine (the suite runs beside browser tests; one after the other, a busy moment made
    # the known address look twice as slow).
    def forget_failures():
        with app.app_context():
            db.session.execute(db.delete(SignInThrottle))
            db.session.commit()

    known, unknown = [], []
    for n in range(4):  # with the warm-up, nine: /login takes ten a minute from one address
        forget_failures()
        known.append(timed("ana@example.com"))
        forget_failures()
        unknown.append(timed(f"nobody{n}@example.com"))
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


@pytest.mark.both_dbs
@pytest.mark.parametrize(
    ("action", "field", "data"),
    [
        (
            "/account/password",
            "current_password",
            {"new_password": "a new long secret", "confirm": "a new long secret"},
        ),
        ("/account/delete", "password", {}),
    ],
)
def test_guesses_of_the_current_password_count_in_the_sign_in_slow_down(
    app, client, user, clock, action, field, data
):
    for _ in range(3):
        response = submit(client, action, {**data, field: "guess guess guess"}, page="/account")
        assert response.status_code == 400
    # The fourth try waits, even with the right password, and so does signing in elsewhere.
    response = submit(client, action, {**data, field: PASSWORD}, page="/account")
    assert response.status_code == 429
    assert "Please wait 1 second" in response.get_data(as_text=True)
    assert login(app.test_client(), "ana@example.com", PASSWORD).status_code == 429
    clock.advance(seconds=1)
    assert submit(client, action, {**data, field: "guess guess guess"}, page="/account").status_code == 400
    assert submit(client, action, {**data, field: PASSWORD}, page="/account").status_code == 429
    clock.advance(seconds=2)
    assert submit(client, action, {**data, field: PASSWORD}, page="/account").status_code == 302
    with app.app_context():
        assert (db.session.get(User, user.id) is None) == (action == "/account/delete")


@pytest.mark.both_dbs
@pytest.mark.parametrize(
    "spelling", ["ｂob@example.com", "BOB@EXAMPLE.COM", " Bob@Example.com ", "bob@ｅxample.com"]
)
def test_an_address_is_one_account_however_it_is_spelled(app, clock, spelling):
    first = app.test_client()
    assert register(first, email="bob@example.com").status_code == 302
    again = register(app.test_client(), email=spelling)
    assert again.status_code == 400
    assert "already exists" in again.get_data(as_text=True)
    assert login(app.test_client(), spelling, PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(User.email)).all() == ["bob@example.com"]


def test_a_new_account_is_stored_under_the_normalised_address(app, clock):
    assert register(app.test_client(), email="ＡＮＡ@Example.COM").status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(User.email)).all() == ["ana@example.com"]


def test_the_per_address_limit_counts_an_ipv6_slash_64_as_one_address(tmp_path):
    from webapp import create_app

    routed = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.sqlite3'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "TRUSTED_PROXY_COUNT": 1,
        },
        instance_path=str(tmp_path),
    )
    with routed.app_context():
        db.create_all()
    phone = routed.test_client()
    emails = (f"nobody{n}@example.com" for n in range(20))

    def attempt(address):
        fields = form_fields(phone, "/login", "/login")
        fields.update(email=next(emails), password="whatever whatever")
        return phone.post("/login", data=fields, headers={"X-Forwarded-For": address}).status_code

    # Ten different addresses, all inside 2001:db8:1:2::/64: one subscriber, one limit.
    assert [attempt(f"2001:db8:1:2::{n:x}") for n in range(1, 11)] == [401] * 10
    assert attempt("2001:db8:1:2:ffff:ffff:ffff:ffff") == 429
    assert attempt("2001:db8:1:3::1") == 401  # the next /64 is someone else
    assert attempt("192.0.2.1") == 401
