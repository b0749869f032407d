"""Every page passes an axe-core scan on a phone, in light and in dark: no serious or critical violation.

One account with six weeks of demo history is seeded once for the module, and each colour scheme
opens one signed-out and one signed-in phone, reused page after page. Each scan's violations (of
any impact) and what axe could not decide (`incomplete`, e.g. text over an SVG) are kept in
test-artifacts/axe/<page>-<light|dark>.json. `test_screenshots` borrows the page table and phones.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from webapp.demo import make_account, seed_history
from webapp.extensions import db, limiter
from webapp.localday import local_day
from webapp.routines.models import Reflection

from .conftest import (
    _REPORT_CSP_VIOLATIONS,
    PASSWORD,
    PHONE,
    ROOT,
    Account,
    ServerClock,
    _empty_tables,
    _watch,
    problems,
    register,
    sign_in,
)

pytestmark = pytest.mark.browser

# Wednesday 4 March 2026, 17:30 in Berlin: the morning is behind the demo account, the evening ahead.
NOW = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
ZONE = "Europe/Berlin"
DAYS_OF_HISTORY = 45
SCHEMES = ("light", "dark")
BLOCKING = ("serious", "critical")
REPORTS = ROOT / "test-artifacts" / "axe"


def _sign_in_with_a_wrong_password(phone) -> None:
    phone.get_by_label("Email").fill("nobody@example.com")
    phone.get_by_label("Password", exact=True).fill("not the password")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.locator(".field .error")).to_contain_text("don't match")


def _log_a_price_setback(phone) -> None:
    """Log a "price" no: the page then brings back what was learned the last times."""
    phone.get_by_label("What happened?").fill("Globex: too expensive for this quarter")
    phone.get_by_label("The objection").select_option("price")
    phone.get_by_role("button", name="Log it").click()
    expect(phone.locator("[data-lessons-for]")).to_be_visible()


@dataclass(frozen=True)
class Page:
    slug: str
    path: str
    signed_in: bool
    status: int = 200
    then: Callable | None = None  # brings the page into the state to look at


PAGES = [
    Page("landing", "/", signed_in=False),
    Page("login", "/login", signed_in=False),
    Page("login-error", "/login", signed_in=False, then=_sign_in_with_a_wrong_password),
    Page("register", "/register", signed_in=False),
    Page("help", "/help", signed_in=False),
    Page("offline", "/offline", signed_in=False),
    Page("today", "/today", signed_in=True),
    Page("morning", "/morning", signed_in=True),
    Page("morning-affirmations", "/morning/affirmations", signed_in=True),
    Page("breathe", "/breathe", signed_in=True),
    Page("reset", "/reset", signed_in=True),
    Page("reset-breathe", "/reset?step=breathe", signed_in=True),
    Page("reset-affirmation", "/reset?step=affirmation", signed_in=True),
    Page("reflect", "/reflect", signed_in=True),
    Page("reflect-history", "/reflect/history", signed_in=True),
    Page("reflect-day", "/reflect/{reflection_day}", signed_in=True),
    Page("goals", "/goals", signed_in=True),
    Page("goals-review", "/goals/review", signed_in=True),
    Page("setbacks", "/setbacks", signed_in=True),
    Page("setbacks-lessons", "/setbacks", signed_in=True, then=_log_a_price_setback),
    Page("setbacks-objection", "/setbacks/objections/price", signed_in=True),
    Page("progress", "/progress", signed_in=True),
    Page("reminders", "/reminders", signed_in=True),
    Page("welcome-name", "/welcome", signed_in=True),
    Page("welcome-days", "/welcome/days", signed_in=True),
    Page("welcome-times", "/welcome/times", signed_in=True),
    Page("welcome-reminders", "/welcome/reminders", signed_in=True),
    Page("account", "/account", signed_in=True),
    Page("more", "/more", signed_in=True),
    Page("support", "/support", signed_in=True),
    Page("support-person", "/support/people/{supported_link}", signed_in=True),
    Page("support-preview", "/support/people/{own_link}", signed_in=True),
    Page("support-join", "{join_path}", signed_in=True),
    Page("support-join-visitor", "{join_path}", signed_in=False),
    Page("support-join-used", "{used_join_path}", signed_in=True, status=410),
    Page("not-found", "/no-such-page", signed_in=True, status=404),
]


@dataclass(frozen=True)
class Seeded:
    account: Account
    reflection_day: date
    supported_link: int  # Ana supports Sam
    own_link: int  # Sam supports Ana
    join_path: str  # Kai's open invite
    used_join_path: str  # Kai's invite someone already accepted


@pytest.fixture(scope="module")
def seeded(_live_server):
    """Ana in Berlin with six weeks of practice, the server's clock standing at NOW; emptied after."""
    server = _live_server
    server.start()
    server.app.config["CLOCK"] = ServerClock(NOW)
    limiter.reset()
    account = Account("ana-a11y@example.com", PASSWORD)
    with server.app.app_context():
        user = make_account(account.email, account.password, ZONE, NOW, name="Ana")
        seed_history(user, DAYS_OF_HISTORY, random.Random(7), NOW)
        today = local_day(NOW, ZONE, user.day_end_hour)
        reflection_day = db.session.scalar(
            db.select(Reflection.local_day)
            .where(Reflection.user_id == user.id, Reflection.local_day < today)
            .order_by(Reflection.local_day.desc())
            .limit(1)
        )
        assert reflection_day is not None, "the demo history wrote no reflection before today"
        corner = seed_support_corner(user, NOW)
    yield Seeded(account, reflection_day, *corner)
    server.app.config["CLOCK"] = None
    with server.app.app_context():
        db.session.remove()
        _empty_tables()
    limiter.reset()


def seed_support_corner(ana, now) -> tuple[int, int, str, str]:
    """Sam (with a month of practice) and Ana support each other; Sam sees Ana's small wins and goals
    and has cheered her today; Kai has an open invite for Ana and one already used."""
    from datetime import timedelta

    from webapp.support.models import Cheer, SupportInvite, SupportLink
    from webapp.support.notify import settings_for
    from webapp.support.views import token_hash

    sam = make_account("sam-a11y@example.com", PASSWORD, ZONE, now, name="Sam")
    seed_history(sam, 30, random.Random(11), now)
    kai = make_account("kai-a11y@example.com", PASSWORD, ZONE, now, name="Kai")
    ana_supports = SupportLink(owner_id=sam.id, supporter_id=ana.id, created_at=now - timedelta(days=20))
    sam_supports = SupportLink(
        owner_id=ana.id,
        supporter_id=sam.id,
        show_wins=True,
        show_goals=True,
        created_at=now - timedelta(days=9),
    )
    db.session.add_all([ana_supports, sam_supports])
    db.session.flush()
    today = local_day(now, ZONE, 0)
    db.session.add(
        Cheer(
            link_id=sam_supports.id,
            sender_id=sam.id,
            client_id="0b6f2c1e-7d5a-4c8e-9f3b-2a1d4e6c8b90",
            kind="keep-going",
            owner_day=today,
            sent_at=now,
        )
    )
    for token, used in (
        ("kai-open-invite-token-0123456789", None),
        ("kai-used-invite-token-0123456789", now),
    ):
        db.session.add(
            SupportInvite(
                owner_id=kai.id,
                token_sha256=token_hash(token),
                show_wins=True,
                created_at=now,
                expires_at=now + timedelta(days=7),
                used_at=used,
            )
        )
    settings_for(ana, now)
    db.session.commit()
    return (
        ana_supports.id,
        sam_supports.id,
        "/support/join/kai-open-invite-token-0123456789",
        "/support/join/kai-used-invite-token-0123456789",
    )


@pytest.fixture(scope="module", params=SCHEMES)
def scheme(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def phones(chromium, _live_server, seeded, scheme):
    """`phones(signed_in)`: one phone page per colour scheme and sign-in state, opened on first use."""
    opened = {}

    def phone_for(signed_in: bool):
        if signed_in not in opened:
            # No service worker: test_pwa covers it; here it would only add its warm-up requests.
            context = chromium.new_context(
                base_url=_live_server.url, color_scheme=scheme, service_workers="block", **PHONE
            )
            context.set_default_timeout(5_000)
            context.add_init_script(_REPORT_CSP_VIOLATIONS)
            # The page's clock starts where the server's stands, so no script shows another day.
            context.clock.install(time=NOW)
            page = context.new_page()
            _watch(page)
            if signed_in:
                sign_in(page, seeded.account)
            opened[signed_in] = page
        return opened[signed_in]

    yield phone_for
    for page in opened.values():
        page.context.close()


def open_page(phones, seeded, page: Page):
    """Go to `page` on the right phone and wait until its main heading shows; returns the phone."""
    phone = phones(page.signed_in)
    problems(phone).clear()
    response = phone.goto(
        page.path.format(
            reflection_day=seeded.reflection_day.isoformat(),
            supported_link=seeded.supported_link,
            own_link=seeded.own_link,
            join_path=seeded.join_path,
            used_join_path=seeded.used_join_path,
        )
    )
    assert response.status == page.status, f"{page.path} answered {response.status}"
    expect(phone.get_by_role("heading", level=1).first).to_be_visible()
    if page.then:
        page.then(phone)
    return phone


def page_problems(phone) -> list[str]:
    """Console errors, CSP violations and uncaught exceptions, less Chromium's note of the document's
    own 4xx status (the 404 page, a refused sign-in), which the test has already checked."""
    own_status = (
        f"console error ({phone.url}): Failed to load resource: the server responded with a status of 4"
    )
    return [problem for problem in problems(phone) if not problem.startswith(own_status)]


def _findings(response: dict) -> dict:
    """What a person should read: every violation, and what axe could not decide (`incomplete`)."""
    keep = ("id", "impact", "help", "helpUrl")
    return {
        kind: [
            {**{key: item[key] for key in keep}, "targets": [node["target"] for node in item["nodes"]]}
            for item in response[kind]
        ]
        for kind in ("violations", "incomplete")
    }


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


@pytest.mark.parametrize("page", PAGES, ids=[page.slug for page in PAGES])
def test_every_page_has_no_serious_or_critical_accessibility_violation(
    phones, seeded, scheme, page, _live_server
):
    errors_before = len(_live_server.errors)
    phone = open_page(phones, seeded, page)

    results = Axe().run(phone, options={"resultTypes": ["violations", "incomplete"]})
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{page.slug}-{scheme}.json").write_text(json.dumps(_findings(results.response), indent=2))

    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    if blocking:
        pytest.fail(f"{page.path} in {scheme} mode:\n{describe(blocking)}", pytrace=False)
    assert not _live_server.errors[errors_before:], f"the server raised: {_live_server.errors}"
    assert page_problems(phone) == [], f"{page.path} in {scheme} mode"


# A few of the busiest pages once more in another language (issue 18): the account's setting makes
# them Brazilian Portuguese, <html lang> says so, and axe checks the lang is valid and that nothing
# longer in Portuguese breaks a name, a label or a contrast. Light only: the colours are the same.
IN_PORTUGUESE = ["/today", "/breathe", "/progress", "/reminders", "/account"]


@pytest.fixture(scope="module")
def portuguese_phone(chromium, _live_server, seeded):
    with _live_server.app.app_context():
        joao = make_account("joao-a11y@example.com", PASSWORD, ZONE, NOW, name="João")
        joao.locale = "pt-BR"
        seed_history(joao, 21, random.Random(3), NOW)
        db.session.commit()
    context = chromium.new_context(base_url=_live_server.url, service_workers="block", **PHONE)
    context.set_default_timeout(5_000)
    context.add_init_script(_REPORT_CSP_VIOLATIONS)
    context.clock.install(time=NOW)
    phone = context.new_page()
    _watch(phone)
    sign_in(phone, Account("joao-a11y@example.com", PASSWORD))  # the sign-in page: the browser's English
    yield phone
    context.close()


@pytest.mark.parametrize("path", IN_PORTUGUESE)
def test_pages_in_another_language_have_no_serious_or_critical_violation(
    portuguese_phone, path, _live_server
):
    errors_before = len(_live_server.errors)
    problems(portuguese_phone).clear()
    assert portuguese_phone.goto(path).status == 200
    expect(portuguese_phone.locator("html")).to_have_attribute("lang", "pt-BR")
    results = Axe().run(portuguese_phone, options={"resultTypes": ["violations"]})
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    if blocking:
        pytest.fail(f"{path} in pt-BR:\n{describe(blocking)}", pytrace=False)
    assert not _live_server.errors[errors_before:], f"the server raised: {_live_server.errors}"
    assert page_problems(portuguese_phone) == [], path


def test_a_control_scrolled_to_is_never_left_under_the_tab_bar(phone):
    # WCAG 2.4.11 (focus not obscured): the fixed tab bar covers the bottom of the screen, so what
    # the browser scrolls into view (keyboard focus, a tap's target) must end above it, also when
    # it is already inside the screen, behind the bar.
    register(phone, name="Ana")
    phone.goto("/account")  # longer than the screen, with controls all the way down
    target = phone.locator("main").locator("a:visible, button:visible, summary:visible").last
    # Scrolled so that the control sits at the bottom of the screen, where the bar is.
    target.evaluate("el => window.scrollBy(0, el.getBoundingClientRect().bottom - innerHeight + 8)")
    target.scroll_into_view_if_needed()  # as a tap on it (Playwright's click) and focus do
    bar = phone.locator("nav.tabbar").bounding_box()
    shown = target.bounding_box()
    assert shown["y"] + shown["height"] <= bar["y"], (shown, bar)
