"""Signed-in devices: every sign-in is a record on the server, checked on each request.

Signing out ends it for a copied cookie too; "keep me signed in" gives a remember cookie that
is replaced each time it is used and ends 60 days on; /account lists the devices and signs out
any of them, or all.
"""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import event

from tests.conftest import PASSWORD, csrf_token, submit
from webapp.auth.models import SignInSession, User
from webapp.auth.sessions import REMEMBER_COOKIE
from webapp.extensions import db

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Safari/604.1"
)
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0"


def sign_in(app, user_agent=LAPTOP, remember=False, email="ana@example.com"):
    device = app.test_client()
    device.environ_base["HTTP_USER_AGENT"] = user_agent
    data = {"email": email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert submit(device, "/login", data).status_code == 302
    return device


def cookie(client, name):
    found = client.get_cookie(name)
    return found.value if found else None


def copy_of(app, client, *names):
    """Another browser holding copies of `client`'s cookies (a stolen cookie, say)."""
    thief = app.test_client()
    for name in names:
        value = cookie(client, name)
        assert value, f"no {name} cookie to copy"
        thief.set_cookie(name, value)
    return thief


def signed_in(client) -> bool:
    return client.get("/today").status_code == 200


def live_sign_ins(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(SignInSession.id)))


@pytest.mark.both_dbs
def test_signing_out_ends_the_session_on_the_server_for_a_copied_cookie_too(app, user, clock):
    laptop = sign_in(app, remember=True)
    copied = copy_of(app, laptop, "session")
    remember = cookie(laptop, REMEMBER_COOKIE)
    assert signed_in(copied)
    response = submit(laptop, "/logout", page="/account")
    assert response.status_code == 302
    assert cookie(laptop, REMEMBER_COOKIE) is None
    assert not signed_in(laptop)
    assert not signed_in(copied), "a copy of the session cookie still works"
    copied_remember = app.test_client()
    copied_remember.set_cookie(REMEMBER_COOKIE, remember)
    assert not signed_in(copied_remember), "a copy of the remember cookie still works"
    assert live_sign_ins(app) == 1  # the registration's own, on the `client` phone


@pytest.mark.both_dbs
def test_the_remember_cookie_is_replaced_each_time_it_brings_a_device_back(app, user, clock):
    laptop = sign_in(app, remember=True)
    first = cookie(laptop, REMEMBER_COOKIE)
    # The browser closed: only the remember cookie is left.
    laptop.delete_cookie("session")
    assert signed_in(laptop)
    second = cookie(laptop, REMEMBER_COOKIE)
    assert second and second != first
    # A copy of the old one, past the minute two racing requests get, is worth nothing.
    clock.advance(minutes=2)
    stale = app.test_client()
    stale.set_cookie(REMEMBER_COOKIE, first)
    assert not signed_in(stale)
    assert cookie(stale, REMEMBER_COOKIE) is None, "a stale remember cookie is deleted"
    # The device itself carries on with its new cookies.
    assert signed_in(laptop)


@pytest.mark.both_dbs
def test_two_requests_racing_with_the_same_remember_cookie_both_get_in(app, user, clock):
    laptop = sign_in(app, remember=True)
    old = cookie(laptop, REMEMBER_COOKIE)
    first, second = app.test_client(), app.test_client()
    for tab in (first, second):
        tab.set_cookie(REMEMBER_COOKIE, old)
    assert signed_in(first)
    clock.advance(seconds=10)
    assert signed_in(second), "the request that lost the race is signed out"


@pytest.mark.both_dbs
def test_a_sign_in_ends_sixty_days_after_it_was_last_renewed(app, user, clock):
    laptop = sign_in(app, remember=True)
    clock.advance(days=59)
    laptop.delete_cookie("session")
    assert signed_in(laptop)  # renewed: another 60 days from now
    clock.advance(days=59)
    assert signed_in(laptop)
    clock.advance(days=2)
    assert not signed_in(laptop)
    laptop.delete_cookie("session")
    assert not signed_in(laptop)


def test_a_session_without_remember_me_also_ends_after_sixty_days(app, user, clock):
    laptop = sign_in(app)
    assert cookie(laptop, REMEMBER_COOKIE) is None
    clock.advance(days=60, seconds=1)
    assert not signed_in(laptop)


@pytest.mark.both_dbs
def test_the_account_page_lists_signed_in_devices_and_signs_one_out(app, client, user, clock):
    phone = sign_in(app, PHONE)
    clock.advance(hours=1)
    laptop = sign_in(app, LAPTOP)
    page = laptop.get("/account").get_data(as_text=True)
    devices = page[page.index('id="devices"') :]
    assert "Safari on iPhone" in devices and "Firefox on Windows" in devices
    assert devices.count("This device") == 1
    assert (
        devices.index("Firefox on Windows") < devices.index("This device") < devices.index("Safari on iPhone")
    )
    with app.app_context():
        phone_id = db.session.scalar(
            db.select(SignInSession.id).where(SignInSession.browser == "Safari on iPhone")
        )
    response = submit(laptop, f"/account/sessions/{phone_id}/end", page="/account")
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(laptop) and signed_in(client)
    assert "Safari on iPhone" not in laptop.get("/account").get_data(as_text=True)


@pytest.mark.both_dbs
def test_no_one_can_sign_out_another_persons_device(app, client, user, other_client):
    with app.app_context():
        ana_sign_in = db.session.scalar(db.select(SignInSession.id).where(SignInSession.user_id == user.id))
    response = other_client.post(
        f"/account/sessions/{ana_sign_in}/end", data={"csrf_token": csrf_token(other_client)}
    )
    assert response.status_code == 404
    assert signed_in(client)


@pytest.mark.both_dbs
def test_sign_out_everywhere_ends_every_device_this_one_too(app, client, user):
    phone = sign_in(app, PHONE, remember=True)
    response = submit(client, "/account/sessions/end-all", page="/account")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(client) and not signed_in(phone)
    phone.delete_cookie("session")
    assert not signed_in(phone)
    assert live_sign_ins(app) == 0


def test_a_password_change_ends_the_other_sign_ins_only(app, client, user):
    phone = sign_in(app, PHONE, remember=True)
    data = {"current_password": PASSWORD, "new_password": "a new long secret", "confirm": "a new long secret"}
    assert submit(client, "/account/password", data, page="/account").status_code == 302
    assert signed_in(client) and not signed_in(phone)
    assert live_sign_ins(app) == 1


@pytest.mark.both_dbs
def test_each_request_checks_its_sign_in_in_one_query_without_the_zone_history(app, client, user):
    """The check runs on every request: one indexed lookup, with the user in the same query."""
    client.get("/help")  # past the first request's set-up
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/help").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 1, statements
    assert "sign_in_session" in statements[0] and "JOIN" in statements[0].upper()
    assert "zone_change" not in statements[0]


@pytest.mark.both_dbs
def test_an_unchanged_session_cookie_is_not_sent_again_on_every_page(app, user, clock):
    laptop = sign_in(app)
    laptop.get("/today")  # the first page after sign-in may add its CSRF token to the session
    response = laptop.get("/today")
    assert response.status_code == 200
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    # Signing out still changes it: the browser is told to drop it.
    response = submit(laptop, "/logout", page="/account")
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
    assert not signed_in(laptop)


@pytest.mark.both_dbs
def test_the_signed_in_user_is_the_requests_own_row_and_a_change_to_it_is_saved(app, client, user):
    """The user comes with the sign-in's query, not from an ORM load: it must still behave as one."""
    client.get("/help")
    session_cookie = client.get_cookie("session").value
    with app.test_request_context("/account", headers={"Cookie": f"session={session_cookie}"}):
        ana = current_user._get_current_object()
        assert ana.email == "ana@example.com" and ana.sign_in.id
        assert not db.session.dirty and not db.session.new  # loading it leaves nothing to write
        assert db.session.get(User, ana.id) is ana  # the request's one copy, as a query would give
        assert ana.zone_changes == []  # its relationships load on use like a queried row's
        ana.display_name = "Ana B"
        db.session.commit()
        assert ana.display_name == "Ana B"  # expired by the commit and read again
    with app.app_context():
        assert db.session.scalar(db.select(User.display_name).filter_by(email="ana@example.com")) == "Ana B"
    assert "Ana B" in client.get("/account").get_data(as_text=True)


def test_a_session_cookie_read_from_memory_is_still_refused_once_too_old_or_altered(app, user, monkeypatch):
    """A verified cookie is kept per worker (webapp/web.py): its age still counts, and only the
    very cookie that was verified is ever read from memory."""
    import time

    laptop = sign_in(app)
    assert signed_in(laptop) and signed_in(laptop)  # the second read comes from memory
    value = cookie(laptop, "session")
    altered = app.test_client()
    altered.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert not signed_in(altered)
    lifetime = app.permanent_session_lifetime.total_seconds()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 60)
    assert not signed_in(laptop)  # the memory's copy too: it was signed more than a lifetime ago
