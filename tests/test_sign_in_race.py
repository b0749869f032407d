"""The per-account sign-in slow-down holds against parallel guesses, for real.

Two gunicorn processes (4 threads each) on PostgreSQL, as deployed; 16 threads, each a
different address (so the per-address limit never steps in), send a wrong password for one
account at the same moment, through both processes. Only the tries the slow-down allows are
checked, and every one of them is counted.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.conftest import PASSWORD, page_forms
from tests.test_deployment import Phone, _close_phones, deployment, registered  # noqa: F401  (fixtures)
from webapp.auth import throttle
from webapp.auth.core import FREE_FAILURES
from webapp.auth.models import SignInThrottle
from webapp.clock import utcnow
from webapp.extensions import db

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("processes")]

GUESSERS = 16
EMAIL = "race@rebound.example"


def _login_fields(phone: Phone, web: str) -> dict:
    page = phone.get(web, "/login")
    [form] = [f for f in page_forms(page.text) if f["action"].split("?")[0] == "/login"]
    return form["fields"]


def _guess_all_at_once(deployment, password: str) -> list[int]:  # noqa: F811
    phones = [Phone(deployment) for _ in range(GUESSERS)]
    webs = ["a" if n % 2 else "b" for n in range(GUESSERS)]
    fields = [_login_fields(phone, web) for phone, web in zip(phones, webs, strict=True)]
    start = threading.Barrier(GUESSERS)

    def guess(n: int) -> int:
        data = {**fields[n], "email": EMAIL, "password": password}
        start.wait()
        return phones[n].http.post(phones[n].url(webs[n], "/login"), data=data).status_code

    with ThreadPoolExecutor(max_workers=GUESSERS) as pool:
        return list(pool.map(guess, range(GUESSERS)))


def _count(deployment) -> tuple[int, object] | None:  # noqa: F811
    with deployment.app.test_request_context():
        row = db.session.get(SignInThrottle, throttle._key(EMAIL))
        found = (row.failures, row.last_failure_at) if row else None
        db.session.remove()
        return found


def _let_the_wait_pass(deployment) -> None:  # noqa: F811
    """The account's last failure an hour ago: its next try is allowed (no clock to set in a
    real process, so the record is moved instead)."""
    with deployment.app.test_request_context():
        db.session.execute(
            db.update(SignInThrottle)
            .where(SignInThrottle.key == throttle._key(EMAIL))
            .values(last_failure_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        db.session.remove()


def test_parallel_wrong_passwords_are_each_claimed_and_counted(deployment):  # noqa: F811
    owner = registered(deployment, "a", EMAIL)
    owner.http.close()

    # A clean account: the free mistakes are used once each, every other guess waits.
    statuses = _guess_all_at_once(deployment, "wrong wrong wrong")
    assert sorted(statuses) == [401] * FREE_FAILURES + [429] * (GUESSERS - FREE_FAILURES), statuses
    assert _count(deployment)[0] == FREE_FAILURES

    # Once the wait has passed, exactly one guess is checked, and it is counted.
    _let_the_wait_pass(deployment)
    statuses = _guess_all_at_once(deployment, "wrong wrong wrong")
    assert sorted(statuses) == [401] + [429] * (GUESSERS - 1), statuses
    assert _count(deployment)[0] == FREE_FAILURES + 1

    # The owner, after the wait, signs in; the count starts afresh.
    _let_the_wait_pass(deployment)
    phone = Phone(deployment)
    signed_in = phone.http.post(
        phone.url("b", "/login"), data={**_login_fields(phone, "b"), "email": EMAIL, "password": PASSWORD}
    )
    assert signed_in.status_code == 302, signed_in.text
    assert _count(deployment) is None
