"""The pages everyone sees: landing, help, health, and the signed-in home."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest


def test_visitors_get_an_honest_landing_page(client):
    html = client.get("/").get_data(as_text=True)
    assert "salespeople" in html
    assert "home screen" in html.lower()
    assert "not medical care" in html
    assert 'href="/register"' in html


def test_signed_in_people_go_straight_to_today(client, user):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/today"


def test_help_points_to_professional_help(client):
    html = client.get("/help").get_data(as_text=True)
    assert "emergency number" in html and "doctor" in html


@pytest.mark.both_dbs
def test_health_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_the_layout_is_accessible_on_a_phone(client, user):
    html = client.get("/today").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'href="#main"' in html and 'id="main"' in html, "skip link to the content"
    assert "width=device-width, initial-scale=1" in html
    assert "user-scalable" not in html and "maximum-scale" not in html, "zoom is never disabled"
    for tab in ("Today", "Breathe", "Reflect", "Progress"):
        assert f"<span>{tab}</span>" in html
    # "More" alone says nothing out of context (screen readers' link lists, Lighthouse's link-text).
    assert '<span>More<span class="visually-hidden">: routines and settings</span></span>' in html
    assert 'aria-current="page"' in html


class _Inputs(HTMLParser):
    """Visible inputs, and the ids labels point at (or wrap)."""

    def __init__(self):
        super().__init__()
        self.inputs, self.labelled, self._open_label = [], set(), 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._open_label += 1
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.inputs.append(attrs.get("id") or attrs.get("name"))
            if self._open_label:
                self.labelled.add(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_label -= 1


@pytest.mark.parametrize("path", ["/register", "/login", "/account"])
def test_every_input_has_a_label(app, client, user, path):
    phone = client if path == "/account" else app.test_client()
    parser = _Inputs()
    parser.feed(phone.get(path).get_data(as_text=True))
    assert parser.inputs
    assert [i for i in parser.inputs if i not in parser.labelled] == []


def test_the_stylesheet_has_dark_mode_focus_and_reduced_motion(client):
    with client.get("/static/css/app.css") as response:
        css = response.get_data(as_text=True)
    assert "prefers-color-scheme: dark" in css
    assert ":focus-visible" in css
    assert "prefers-reduced-motion" in css
    assert "@import" not in css and "url(http" not in css and "@font-face" not in css


def test_every_routine_and_setting_is_two_taps_from_anywhere(client, user):
    """The tab bar is on every signed-in page; More links to every page it has no room for."""
    for path in ("/today", "/breathe", "/goals", "/reminders", "/progress"):
        tabs = client.get(path).get_data(as_text=True).split('<nav class="tabbar"', 1)[1]
        for href in ("/today", "/breathe", "/reflect", "/progress", "/more"):
            assert f'href="{href}"' in tabs, f"{path} has no tab to {href}"
    more = client.get("/more").get_data(as_text=True)
    for href in ("/morning", "/goals", "/setbacks", "/reset", "/reminders", "/account", "/help"):
        assert f'href="{href}"' in more


def current_tab(html: str) -> list[tuple[str, str]]:
    """The tab bar's links marked current, with how: [("/more", "true")]."""
    tabs = html.split('<nav class="tabbar"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)" aria-current="(\w+)"', tabs)


def test_the_kept_header_and_tab_bar_follow_the_page_the_language_and_the_sign_in(app, client, user):
    """Both are rendered once per language and what they show, then kept (webapp/web.py)."""
    expected = {
        "/today": [("/today", "page")],
        "/progress": [("/progress", "page")],
        "/more": [("/more", "page")],
        "/help": [("/more", "true")],
        "/account/sessions": [("/more", "true")],
        "/goals": [("/more", "true")],
        "/breathe": [("/breathe", "page")],
    }
    for _ in range(2):  # the second round is served from what the first kept
        for path, current in expected.items():
            assert current_tab(client.get(path).get_data(as_text=True)) == current, path
    english = client.get("/help").get_data(as_text=True)
    german = client.get("/help", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="de"' in german and ">Today<" in english and ">Today<" not in german
    assert german.split('<nav class="tabbar"')[1] != english.split('<nav class="tabbar"')[1]
    assert 'manifest.webmanifest?lang=de"' in german and "?lang=" not in english.split("</head>")[0]
    # The scripts' words are kept per language and the groups the page asked for.
    for _ in range(2):
        breathe = client.get("/breathe").get_data(as_text=True).split("data-page-strings=")[1]
        help_page = client.get("/help").get_data(as_text=True).split("data-page-strings=")[1]
        assert '"breathe":' in breathe and '"breathe":' not in help_page and '"queue":' in help_page
    # A visitor after a signed-in page: the header that signs in, no tab bar.
    visitor = app.test_client().get("/help").get_data(as_text=True)
    assert 'href="/login"' in visitor and 'class="tabbar"' not in visitor
    assert 'href="/account"' in english and 'href="/account"' not in visitor.split("</header>")[0]


def test_a_view_is_asked_once_whether_it_is_async_and_an_async_one_is_still_run(app):
    """webapp.web.App keeps the answer per callable; Flask asked on every request."""

    def plain():
        return "ok"

    async def coroutine():
        return "ok"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    for _ in range(2):
        try:
            wrapped = app.ensure_sync(coroutine)
        except RuntimeError as error:  # Flask without its "async" extra says so
            assert "async" in str(error)
        else:
            assert wrapped is not coroutine and wrapped() == "ok"


def test_templates_read_the_environments_globals_and_one_given_its_own_keeps_them(app):
    """webapp.templating: a template's globals are the environment's own dict (Jinja's ChainMap
    over it was copied key by key on every render); a template given globals of its own still
    gets them layered over the environment's, without changing anyone else's; a loaded one
    cannot be given any (Jinja would add them to every template's)."""
    env = app.jinja_env
    page = env.get_template("errors/plain.html")
    assert page.globals is env.globals
    own = env.from_string("{{ greeting }} {{ layout_part is defined }}", globals={"greeting": "hi"})
    assert own.globals is not env.globals and "greeting" not in env.globals
    with app.test_request_context():
        assert own.render() == "hi True"
        assert env.from_string("{{ greeting is defined }}").render() == "False"
    with pytest.raises(ValueError):
        env.get_template("errors/plain.html", globals={"greeting": "hi"})
    assert "greeting" not in env.globals
