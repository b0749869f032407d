"""Accounts: register, sign in (with the slow-down and limits), sign out, remember me."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import PASSWORD, form_fields, register, submit
from webapp.auth.core import is_safe_next, login_delay, seconds_until_login_allowed
from webapp.auth.models import SignInThrottle, User
from webapp.extensions import db


def login(client, email="ana@example.com", password=PASSWORD, **data):
    return submit(client, "/login", {"email": email, "password": password, **data})


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(User.id)))


def signed_in(client) -> bool:
    return client.get("/today").status_code == 200


@pytest.mark.both_dbs
def test_registering_signs_you_in_with_your_browser_zone_and_default_routines(client, app):
    response = register(client, email="Ana@Example.com ", zone="Asia/Tokyo", name="Ana")
    assert response.status_code == 302 and response.headers["Location"] == "/welcome"  # the first run
    assert signed_in(client)
    from webapp.routines.settings import settings_by_routine

    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert (user.email, user.time_zone, user.display_name) == ("ana@example.com", "Asia/Tokyo", "Ana")
        assert user.password_hash.startswith("scrypt:")
        assert set(settings_by_routine(user.id)) == {"morning", "breathe", "reflect", "goals"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": ""}, "Enter your email address"),
        ({"email": "a" * 250 + "@x.com"}, "too long"),
        ({"password": "short"}, "between 10 and 200"),
        ({"password": "p" * 201}, "between 10 and 200"),
        ({"time_zone": "Mars/Olympus"}, "Choose a time zone"),
        ({"time_zone": "posixrules"}, "Choose a time zone"),
        ({"display_name": "x" * 81}, "at most 80"),
    ],
)
def test_registering_with_bad_input_says_what_is_wrong_and_creates_nothing(app, client, data, message):
    fields = {"email": "ana@example.com", "password": PASSWORD, "time_zone": "UTC", **data}
    response = submit(client, "/register", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_registering_an_email_twice_is_refused(client, app):
    register(client)
    other = app.test_client()
    response = register(other)
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_a_double_tapped_register_creates_one_account(client, app):
    fields = form_fields(client, "/register", "/register")
    fields.update(email="ana@example.com", password=PASSWORD, time_zone="UTC")
    first = client.post("/register", data=fields)
    second = app.test_client().post("/register", data=fields)
    assert first.status_code == 302
    assert second.status_code in (302, 400)
    assert count_users(app) == 1


def test_signing_in_and_out(client, app, user):
    client.post("/logout", data={"csrf_token": form_fields(client, "/account", "/logout")["csrf_token"]})
    assert not signed_in(client)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    assert signed_in(client)


def test_signing_out_needs_a_post_with_a_csrf_token(client, user):
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert signed_in(client)


def test_a_wrong_password_is_refused_with_a_message(client, user):
    client.post("/logout", data={"csrf_token": form_fields(client, "/account", "/logout")["csrf_token"]})
    response = login(client, password="wrong password!")
    assert response.status_code == 401
    assert "don&#39;t match" in response.get_data(as_text=True)
    assert not signed_in(client)


def test_remember_me_keeps_you_signed_in_after_the_browser_session_ends(app, user):
    for remember, expected in ((True, True), (False, False)):
        phone = app.test_client()
        login(phone, remember="y" if remember else "")
        assert signed_in(phone)
        phone.delete_cookie("session")
        assert signed_in(phone) is expected


def test_signing_in_starts_a_new_session(app, user):
    phone = app.test_client()
    phone.get("/login")
    with phone.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(phone)
    with phone.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/today", True),
        ("/goals?week=1", True),
        ("//evil.example/x", False),
        ("https://evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("today", False),  # relative: not a path from the site's root
        ("evil.example/x", False),
        ("///evil.example", False),  # browsers read any number of slashes as "another host"
        ("/\t/evil.example", False),  # browsers drop tabs and newlines: //evil.example
        ("/\n/evil.example", False),
        ("/goals?week=X", True),
        ("", False),
        (None, False),
    ],
)
def test_next_only_leads_to_a_path_on_this_site(target, safe):
    assert is_safe_next(target) is safe


def test_signing_in_follows_a_safe_next_and_ignores_another_site(app, user):
    phone = app.test_client()
    fields = form_fields(phone, "/login", "/login")
    fields.update(email="ana@example.com", password=PASSWORD)
    assert phone.post("/login?next=/account", data=fields).headers["Location"] == "/account"
    phone = app.test_client()
    fields = form_fields(phone, "/login", "/login")
    fields.update(email="ana@example.com", password=PASSWORD)
    assert phone.post("/login?next=//evil.example/", data=fields).headers["Location"] == "/today"


@pytest.mark.parametrize(("failures", "delay"), [(0, 0), (2, 0), (3, 1), (4, 2), (6, 8), (9, 60), (50, 60)])
def test_failed_sign_ins_slow_down_more_after_each_failure_up_to_a_minute(failures, delay):
    assert login_delay(failures) == delay


def test_the_wait_counts_down_from_the_last_failure():
    last = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert seconds_until_login_allowed(5, last, last.replace(second=1)) == 3
    assert seconds_until_login_allowed(5, last, last.replace(second=4)) == 0
    assert seconds_until_login_allowed(5, None, last) == 0


def test_an_account_under_attack_slows_down_but_never_locks_its_owner_out(app, user, clock):
    phone = app.test_client()
    for _ in range(3):
        assert login(phone, password="guess guess guess").status_code == 401
    # After the 3rd failure every try waits, even one with the right password.
    response = login(phone)
    assert response.status_code == 429
    assert "wait 1 second and" in response.get_data(as_text=True)
    clock.advance(seconds=1)
    assert login(phone, password="guess guess guess").status_code == 401
    assert "wait 2 seconds" in login(phone).get_data(as_text=True)
    clock.advance(seconds=2)
    assert login(phone).status_code == 302
    with app.app_context():
        # The count starts afresh: the next typo is free again.
        assert db.session.scalar(db.select(db.func.count()).select_from(SignInThrottle)) == 0


def test_one_address_is_limited_to_ten_sign_in_attempts_a_minute(app, user):
    phone = app.test_client()
    responses = [
        login(phone, email=f"nobody{i}@example.com", password="whatever whatever") for i in range(11)
    ]
    assert [r.status_code for r in responses[:10]] == [401] * 10
    assert responses[10].status_code == 429
    assert "Too many tries" in responses[10].get_data(as_text=True)


def test_only_views_with_a_limit_run_the_limiter_and_each_still_does(app, client):
    """Flask-Limiter's hooks run only where a limit is set (webapp/extensions.py)."""
    for _ in range(30):
        assert client.get("/help").status_code == 200  # no limit: never counted, never refused
    assert "X-RateLimit-Limit" not in client.get("/help").headers
    answers = [submit(client, "/register", {"email": "not an address", "password": "x"}) for _ in range(21)]
    assert 429 not in [answer.status_code for answer in answers[:20]] and answers[20].status_code == 429
    # The headers that tell a client its limit, written by the hook after the view.
    assert answers[0].headers["X-RateLimit-Limit"] == "20"
    assert answers[19].headers["X-RateLimit-Remaining"] == "0"


def test_sign_in_limit_is_per_address_behind_a_trusted_router(tmp_path):
    from tests.conftest import TEST_SECRET
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

        addresses = (f"nobody{n}@example.com" for n in range(20))  # each slowed down on its own

        def attempt(address):
            fields = form_fields(phone, "/login", "/login")
            fields.update(email=next(addresses), password="whatever whatever")
            return phone.post("/login", data=fields, headers={"X-Forwarded-For": address}).status_code

        assert [attempt("203.0.113.7") for _ in range(10)] == [401] * 10
        assert attempt("203.0.113.7") == 429
        assert attempt("198.51.100.9") == 401


def test_an_operator_can_set_a_new_password_from_the_command_line(app, user):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "set-password", "ANA@example.com", "--password", "a brand new secret"]
    )
    assert result.exit_code == 0, result.output
    assert "Password set" in result.output
    with app.app_context():
        assert db.session.get(User, user.id).check_password("a brand new secret")
    result = runner.invoke(
        args=["users", "set-password", "nobody@example.com", "--password", "a brand new secret"]
    )
    assert result.exit_code != 0 and "No account" in result.output


def test_a_form_missing_an_optional_field_is_not_a_500(app, client):
    fields = form_fields(client, "/register", "/register")
    data = {**fields, "email": "script@example.com", "password": PASSWORD, "time_zone": "UTC"}
    data.pop("display_name", None)
    assert client.post("/register", data=data).status_code == 302
