"""Rebound in English, Spanish, German, French and Brazilian Portuguese (issue 18).

Which language a page is in, that every catalog is complete, that no template shows words outside
gettext, every page in every language (no English left), a plural and a date in each language,
and reminders and cheers written in the recipient's language by the sender, through the local
push service that decrypts what a phone would show."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_domain, gettext, lazy_gettext, ngettext

from tests.conftest import csrf_token, register, submit
from tests.pushservice import PushService
from webapp.auth.models import User
from webapp.extensions import db
from webapp.i18n import day_words
from webapp.i18n.catalogs import TRANSLATIONS, available_languages, directory, gaps, read_catalog
from webapp.i18n.untranslated import untranslated, untranslated_in

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ("es", "de", "fr", "pt-BR")
# Languages whose catalog still lacks messages (none now). Their completeness checks are expected
# to fail, strictly: the day a catalog is complete, its XPASS fails the suite until it is taken
# off this list.
INCOMPLETE: set[str] = set()


def each_language(languages=TRANSLATED):
    return [
        pytest.param(
            language,
            marks=pytest.mark.xfail(strict=True, reason=f"the {language} catalog is still being translated")
            if language in INCOMPLETE
            else (),
            id=language,
        )
        for language in languages
    ]


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "the page names no language"
    return match.group(1)


# --- which language ----------------------------------------------------------------------------


def test_the_languages_are_the_catalogs_on_disk_with_english_first():
    assert available_languages() == ("en", "de", "es", "fr", "pt-BR")


def test_a_new_language_is_a_new_catalog_directory_and_nothing_else(tmp_path):
    (tmp_path / "it" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "it" / "LC_MESSAGES" / "messages.po").write_text('msgid ""\nmsgstr ""\n')
    assert available_languages(tmp_path) == ("en", "it")


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        (None, "en"),  # what the test client sends: every English test reads English
        ("de-DE,de;q=0.9,en;q=0.5", "de"),
        ("de-AT", "de"),
        ("es-MX,es;q=0.9", "es"),
        ("fr-CA", "fr"),
        ("pt-BR", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("pt", "pt-BR"),
        ("pt-PT,pt;q=0.9", "pt-BR"),
        ("ja, fr;q=0.5", "fr"),
        ("ja", "en"),
        ("*", "en"),
    ],
)
def test_a_visitor_gets_the_best_match_of_the_browsers_languages(client, accept_language, expected):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == expected
    assert "Accept-Language" in response.headers["Vary"]


def set_language(client, language: str):
    fields = {"display_name": "Ana", "time_zone": "Europe/Berlin", "day_end_hour": "0", "locale": language}
    return submit(client, "/account", fields, page="/account")


@pytest.mark.both_dbs
def test_the_accounts_language_beats_the_browsers(app, client, user):
    response = set_language(client, "es")
    assert response.status_code == 302
    page = client.get("/today", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert html_lang(page) == "es"
    with app.app_context():
        assert db.session.get(User, user.id).locale == "es"


@pytest.mark.both_dbs
def test_following_the_browser_again_clears_the_setting(app, client, user):
    set_language(client, "fr")
    set_language(client, "")
    assert html_lang(client.get("/today", headers={"Accept-Language": "de"}).get_data(as_text=True)) == "de"
    with app.app_context():
        assert db.session.get(User, user.id).locale is None


def test_the_account_page_offers_each_language_in_its_own_words(client, user):
    html = client.get("/account").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="locale".*?</select>', html, re.DOTALL).group(0)
    options = re.findall(r'<option (?:selected )?value="([^"]*)">([^<]+)</option>', select)
    assert options == [
        ("", "Automatic"),  # no setting: the browser's language
        ("en", "English"),
        ("de", "Deutsch"),
        ("es", "Español"),
        ("fr", "Français"),
        ("pt-BR", "Português"),  # the region only when two Portugueses are offered
    ]


def test_a_language_that_is_not_offered_is_refused_and_nothing_changes(app, client, user):
    response = set_language(client, "xx")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).locale is None


@pytest.mark.parametrize(
    ("language", "refusal"), [("de", "Keine gültige Auswahl"), ("fr", "N'est pas un choix valide")]
)
def test_wtforms_own_messages_are_in_the_readers_language(app, client, user, language, refusal):
    assert set_language(client, language).status_code in (200, 302)
    response = set_language(client, "xx")
    assert response.status_code == 400
    assert refusal in unescape(response.get_data(as_text=True))
    assert "Not a valid choice" not in response.get_data(as_text=True)


def test_a_setting_for_a_language_since_removed_falls_back_to_the_browser(app, client, user):
    with app.app_context():
        db.session.get(User, user.id).locale = "it"
        db.session.commit()
    assert html_lang(client.get("/today", headers={"Accept-Language": "fr"}).get_data(as_text=True)) == "fr"


def test_the_manifest_names_its_language_and_each_page_links_its_own(client):
    assert client.get("/manifest.webmanifest").get_json()["lang"] == "en"
    assert client.get("/manifest.webmanifest?lang=pt-BR").get_json()["lang"] == "pt-BR"
    assert client.get("/manifest.webmanifest?lang=xx").get_json()["lang"] == "en"
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=de">' in html


def test_the_offline_page_is_in_the_language_the_worker_asks_for(client):
    assert html_lang(client.get("/offline?lang=fr").get_data(as_text=True)) == "fr"
    assert html_lang(client.get("/offline", headers={"Accept-Language": "es"}).get_data(as_text=True)) == "es"


def test_the_scripts_words_come_with_the_page_in_its_language(app, client, user):
    html = client.get("/breathe", headers={"Accept-Language": "de"}).get_data(as_text=True)
    match = re.search(r"data-page-strings='([^']*)'", html)
    assert match, "the page carries its scripts' words"
    import json
    from html import unescape

    words = json.loads(unescape(match.group(1)))
    assert set(words) == {"queue", "breathe"}  # only what this page's scripts show
    with app.test_request_context(), force_locale("de"):
        assert words["breathe"]["ready"] == gettext("Ready") != "Ready"
    # A plural comes per plural category of the language, for Intl.PluralRules to pick.
    assert set(words["breathe"]["logMinutes"]) == {"one", "other"}


def test_the_translations_found_once_follow_force_locale_and_refresh(app):
    """The request's translations are looked up once per locale (webapp.i18n.translations), and
    still follow a locale forced for a message to someone else, and a language changed mid-request."""
    from flask import g
    from flask_babel import refresh

    from webapp.i18n import translations

    expected = {
        language: read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")["Today"].string
        for language in ("de", "fr")
    }
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert translations.gettext("Today") == expected["de"]
        assert translations.gettext("Today") == expected["de"]  # the kept translations
        with force_locale("fr"):
            assert translations.gettext("Today") == expected["fr"]
            assert str(translations.lazy_gettext("Today")) == expected["fr"]
            # Flask-Babel's own, through the domain that takes the kept translations
            assert isinstance(get_domain(), translations.RequestDomain)
            assert gettext("Today") == expected["fr"]
            assert str(lazy_gettext("Today")) == expected["fr"]
        assert translations.gettext("Today") == expected["de"]
        assert gettext("Today") == expected["de"] and str(lazy_gettext("Today")) == expected["de"]
        assert str(translations.get_locale()) == "de"
        g._flask_babel.babel_locale = None  # as a new choice of language would leave it
        refresh()
        assert translations.gettext("Today") == expected["de"]  # chosen again from the browser
        assert gettext("Today") == expected["de"]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert gettext("Today") == expected["fr"]  # Flask-Babel's, before ours is asked
        assert translations.gettext("Today") == expected["fr"]  # nothing carried between requests
    assert translations.gettext("Today") == "Today"  # outside a request: the English


# --- the catalogs --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", each_language())
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = TRANSLATIONS / directory(language) / "LC_MESSAGES" / "messages.po"
    found = gaps(read_catalog(po, directory(language)))
    assert (found.missing, found.fuzzy) == ((), ()), f"{language}: {len(found.missing)} missing"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalog_holds_every_message_of_the_template(language):
    # `python3 dev.py i18n update` after `extract`: a message the template has and a catalog lacks
    # would show in English without anyone noticing.
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    catalog = read_catalog(TRANSLATIONS / directory(language) / "LC_MESSAGES" / "messages.po")
    assert template - {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id} == set()


def test_the_template_holds_every_message_of_the_code(tmp_path):
    # `python3 dev.py i18n extract` after changing words: the template is what translators see.
    fresh = tmp_path / "messages.pot"
    command = [str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F", "babel.cfg"]
    command += ["-c", "NOTE:", "-k", "_l", "-o", str(fresh), "."]
    subprocess.run(command, cwd=ROOT, check=True)

    def ids(path):
        with path.open("rb") as handle:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}

    assert ids(fresh) - ids(TRANSLATIONS / "messages.pot") == set()


def test_a_placeholder_is_never_lost_in_translation():
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        for message in read_catalog(po, po.parent.parent.name):
            if not message.id or not message.string or message.fuzzy:
                continue  # missing or fuzzy: the completeness check reports those
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            wanted = set(re.findall(r"%\(\w+\)[sd]", ids[-1]))
            for text in strings:
                if text:
                    assert set(re.findall(r"%\(\w+\)[sd]", text)) == wanted, (po.parent.parent.name, ids[0])


# --- templates say everything through gettext ----------------------------------------------------


def test_no_template_shows_words_outside_gettext():
    found = untranslated_in(ROOT / "templates")
    assert found == [], "\n".join(map(str, found))


@pytest.mark.parametrize(
    ("source", "finding"),
    [
        ("<p>Hello there</p>", "Hello there"),
        ('<p>{{ _("Hello") }} there</p>', "there"),
        ('<button aria-label="Close it">×</button>', "aria-label=Close it"),
        ('<div data-say="Saved on this phone"></div>', "data-say=Saved on this phone"),
        ('{{ field(form.name, hint="A line or two.") }}', "literal=A line or two."),
        ("{% block title %}Goals{% endblock %}", "Goals"),
    ],
)
def test_the_template_check_finds_words_outside_gettext(tmp_path, source, finding):
    page = tmp_path / "page.html"
    page.write_text(source)
    assert [f.text for f in untranslated(page, tmp_path)] == [finding]


@pytest.mark.parametrize(
    "source",
    [
        '<p>{{ _("Hello there") }}</p>',
        "<p>{% trans name=user.name %}Hello {{ name }}{% endtrans %}</p>",
        "<title>{{ title }} · Rebound</title>",
        '<div data-breathe="box" data-pattern="{{ chosen }}"></div>',
        '<p>{{ field(form.name, hint=_("A line or two.")) }}</p>',
        '<p>{{ when|dateformat("EEE d MMM") }}</p>',
    ],
)
def test_the_template_check_lets_translated_words_and_names_through(tmp_path, source):
    page = tmp_path / "page.html"
    page.write_text(source)
    assert untranslated(page, tmp_path) == []


# --- every page in every language ----------------------------------------------------------------

MARK = "Zq9"  # in everything the user writes: their words are theirs, in no catalog
SIGNED_IN_PAGES = [
    "/today",
    "/morning",
    "/morning/affirmations",
    "/breathe",
    "/breathe?pattern=custom&minutes=3&inhale=4&hold_in=0&exhale=6&hold_out=0",
    "/reset",
    "/reset?step=breathe",
    "/reset?step=affirmation",
    "/reflect",
    "/reflect/history",
    "/reflect/2026-03-02",
    "/goals",
    "/goals/review",
    "/setbacks",
    "/setbacks/objections/price",
    "/progress",
    "/reminders",
    "/welcome",
    "/welcome/days",
    "/welcome/times",
    "/welcome/reminders",
    "/account",
    "/more",
    "/support",
    "/help",
]
VISITOR_PAGES = ["/", "/login", "/register", "/help", "/offline"]


def _api(client, path, body):
    response = client.post(path, json=body, headers={"X-CSRFToken": csrf_token(client, "/account")})
    assert response.status_code in (200, 201), response.get_json()


@pytest.fixture
def lived_in(app, client, user, clock):
    """Ana with a bit of everything written by her: a reflection, a setback with its lesson and a
    follow-up due, a goal and her own affirmation."""
    import uuid

    _api(
        client,
        "/api/completions",
        {
            "id": str(uuid.uuid4()),
            "routine": "reflect",
            "completed_at": "2026-03-02T08:30:00+00:00",
            "data": {"went_well": f"{MARK} went well", "small_win": f"{MARK} win", "mood": 2},
        },
    )
    _api(
        client,
        "/api/setbacks",
        {
            "id": str(uuid.uuid4()),
            "occurred_at": "2026-03-02T08:40:00+00:00",
            "what_happened": f"{MARK} said no",
            "objection": "price",
            "controlled": "",
            "learned": f"{MARK} lesson",
            "follow_up_on": "2026-03-02",
        },
    )
    goal = {"name": f"{MARK}Goal", "kind": "activity", "period": "day", "target": "5"}
    assert submit(client, "/goals", goal, page="/goals").status_code in (302, 303)
    own = {"text": f"I {MARK} keep going"}
    assert submit(client, "/morning/affirmations", own, page="/morning/affirmations").status_code in (
        302,
        303,
    )
    return client


class _Words(HTMLParser):
    """What a person reads on a page: text, and the attributes that are read or heard."""

    READ = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        for name, value in attrs:
            if value and (
                name in self.READ
                or (tag == "meta" and name == "content" and ("name", "description") in attrs)
            ):
                self.words.append(value)

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.words.append(" ".join(data.split()))


def words_on(html: str) -> set[str]:
    parser = _Words()
    parser.feed(html)
    return {w for w in parser.words if re.search(r"[^\W\d_]{2}", w)}


def kept_as_english(language: str) -> set[str]:
    """What the translators kept as it is in English (a name, a word the language borrows, a
    word both languages share: French "Notes", "%(num)d minutes"), as it shows on a page: tags
    dropped, plural counts written out for the numbers a page shows."""
    po = TRANSLATIONS / directory(language) / "LC_MESSAGES" / "messages.po"
    kept = set()
    for message in read_catalog(po, directory(language)):
        if isinstance(message.id, str):
            pairs = [(message.id, message.string)]
        else:
            pairs = list(zip(message.id, message.string, strict=False))
        for english, translated in pairs:
            shown = re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", english).strip()
            if (
                shown
                and shown
                == re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", translated).strip()
            ):
                kept.update(shown.replace("%(num)d", str(n)) for n in range(0, 61))
    return kept


def is_a_name(words: str, language: str) -> bool:
    # The product, a person's or a zone's name, an email, a language's own name, a number, or a
    # month the language writes as English does ("April 2026" in German).
    from babel.dates import get_month_names

    months = "|".join(get_month_names("wide", locale=directory(language)).values())
    return bool(
        re.fullmatch(rf"({months}) \d{{4}}", words)
        or MARK in words
        or re.fullmatch(r"[\w./+-]+@[\w.-]+|[A-Z][a-z]+/[A-Za-z_/]+|Rebound|Ana|UTC|[\d\s:.,%/·–-]+", words)
        or words in {"English", "Deutsch", "Español", "Français", "Português", "4-7-8"}
    )


def render_all(client, visitor, language: str) -> dict[str, str]:
    headers = {"Accept-Language": language}
    pages = {}
    for path in SIGNED_IN_PAGES:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, f"{path} in {language}: {response.status_code}"
        pages[path] = response.get_data(as_text=True)
    for path in VISITOR_PAGES:
        response = visitor.get(path, headers=headers)
        assert response.status_code == 200, f"{path} in {language}: {response.status_code}"
        pages["visitor " + path] = response.get_data(as_text=True)
    return pages


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_every_page_renders_in_every_language_with_its_lang(app, lived_in, language):
    for path, html in render_all(lived_in, app.test_client(), language).items():
        assert html_lang(html) == language, path


@pytest.mark.parametrize("language", each_language())
def test_no_english_is_left_on_a_translated_page_but_names(app, lived_in, language):
    visitor = app.test_client()
    english = render_all(lived_in, visitor, "en")
    translated = render_all(lived_in, visitor, language)
    kept = kept_as_english(language)
    left = {
        path: sorted(
            w
            for w in {re.sub(r"\s*·\s*Rebound$", "", w) for w in words_on(html) & words_on(english[path])}
            if not is_a_name(w, language) and w not in kept
        )
        for path, html in translated.items()
    }
    left = {path: words for path, words in left.items() if words}
    assert left == {}, "\n".join(f"{path}: {words}" for path, words in left.items())


# --- plurals and dates ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_plural_reads_right_in_each_language(app, language):
    with app.test_request_context(), force_locale(directory(language)):
        one = ngettext("Sent to %(num)d device.", "Sent to %(num)d devices.", 1)
        two = ngettext("Sent to %(num)d device.", "Sent to %(num)d devices.", 2)
    assert "1" in one and "2" in two
    assert one.replace("1", "") != two.replace("2", ""), "one device and two read the same"
    assert one != "Sent to 1 device." and two != "Sent to 2 devices."


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("en", "Tue 3 Mar", "Tuesday 3 March"),
        ("de", "Di., 3. März", "Dienstag, 3. März"),
        ("es", "mar, 3 mar", "martes, 3 de marzo"),
        ("fr", "mar. 3 mars", "mardi 3 mars"),
        ("pt-BR", "ter., 3 de mar.", "terça-feira, 3 de março"),
    ],
)
def test_a_date_is_written_the_languages_way(app, language, short, long):
    with app.test_request_context(), force_locale(directory(language)):
        assert day_words(date(2026, 3, 3)) == short
        assert day_words(date(2026, 3, 3), "weekday_day_month") == long


def test_a_moment_is_written_by_its_own_wall_clock_date_in_any_order():
    """Dates' words are kept per language and date: the same instant seen in two zones (equal
    datetimes, different dates) must still give each its own day, whichever is asked first."""
    from zoneinfo import ZoneInfo

    late_in_london = datetime(2026, 3, 2, 23, 30, tzinfo=ZoneInfo("Europe/London"))
    same_in_tokyo = late_in_london.astimezone(ZoneInfo("Asia/Tokyo"))
    assert late_in_london == same_in_tokyo
    assert day_words(late_in_london) == "Mon 2 Mar"
    assert day_words(same_in_tokyo) == "Tue 3 Mar"
    assert day_words(late_in_london) == "Mon 2 Mar"


# --- the templates' gettext and formats -----------------------------------------------------------

TEMPLATE_WORDS = [
    '{{ _("Today") }}',
    '{{ gettext("Today") }}',
    '{{ _("%(name)s: %(day)s", name="<b>A & B</b>", day=3) }}',
    '{{ _("%(message)s and %(context)s", message="<i>", context="&") }}',
    '{{ _("100%%") }} {{ _("Calendar") }}',
    '{{ ngettext("%(num)d day", "%(num)d days", 1) }} {{ ngettext("%(num)d day", "%(num)d days", 3) }}',
    '{{ ngettext("%(num)d day", "%(num)d days", 2, num=7) }}',
    '{{ pgettext("status", "Done") }} {{ npgettext("status", "Done", "Done", 2) }}',
    "{% trans %}Today{% endtrans %}",
    '{% trans name="<b>" %}{{ name }} week by week{% endtrans %}',
    "{% trans count=2 %}{{ count }} more{% endtrans %}",
    "{% trans count=5 %}{{ count }} day{% pluralize %}{{ count }} days{% endtrans %}",
    '{% for day in [1, 2] %}{{ _("Today") }}{{ ngettext("%(num)d day", "%(num)d days", day) }}{% endfor %}',
    '{% autoescape false %}{{ _("%(name)s: %(day)s", name="<b>", day=1) }}{% endautoescape %}',
]


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_templates_words_are_written_as_jinjas_newstyle_gettext_writes_them(app, language):
    """The templates' `_`, `gettext`, `ngettext`, `pgettext`, `npgettext` and `{% trans %}` are one
    call each (webapp.i18n.translations), with Jinja's newstyle gettext's text: Markup, escaped
    variables, "%%" read as "%"."""
    import jinja2

    from webapp.i18n.translations import current_translations

    jinjas = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    jinjas.policies["ext.i18n.trimmed"] = True
    jinjas.install_gettext_callables(
        gettext=lambda message: current_translations().ugettext(message),
        ngettext=lambda singular, plural, num: current_translations().ungettext(singular, plural, num),
        pgettext=lambda context, message: current_translations().upgettext(context, message),
        npgettext=lambda context, singular, plural, num: current_translations().unpgettext(
            context, singular, plural, num
        ),
        newstyle=True,
    )
    with app.test_request_context(headers={"Accept-Language": language}):
        for source in TEMPLATE_WORDS:
            ours = app.jinja_env.from_string(source).render()
            assert ours == jinjas.from_string(source).render(), source
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert app.jinja_env.from_string('{{ _("Today") }}').render() != "Today"


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_kept_number_and_date_formats_write_what_flask_babels_write(app, language):
    """percentformat, decimalformat and dateformat keep a number's or a date's words per language
    (webapp.i18n); asked twice, in any order, each writes what Flask-Babel's filter writes."""
    from decimal import Decimal

    import flask_babel

    numbers = [0.5667, 1, 0, 0.0, -0.0, -0.25, 3.25, 1234.5, 2, 2.0, Decimal("2.5")]
    days = [
        (date(2026, 3, 3), "LLLL y"),
        (date(2026, 3, 3), "d MMM"),
        (date(2026, 3, 3), None),
        (date(2026, 3, 3), "short"),
        (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "LLLL y"),
    ]
    filters = app.jinja_env.filters
    with app.test_request_context(headers={"Accept-Language": language}):
        for _pass in range(2):
            for number in numbers:
                assert filters["percentformat"](number) == flask_babel.format_percent(number), number
                assert filters["decimalformat"](number) == flask_babel.format_decimal(number), number
                assert filters["decimalformat"](number, "0.0") == flask_babel.format_decimal(number, "0.0")
            for day, pattern in days:
                assert filters["dateformat"](day, pattern) == flask_babel.format_date(day, pattern), day
            numbers.reverse()


def test_done_as_a_days_status_is_not_the_buttons_imperative(client, user):
    # "Done" is a button ("Concluir") and a status on /progress' calendar ("Feito"): two messages.
    html = client.get("/progress", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert '<span class="swatch swatch-done"></span>Feito' in html
    assert "Concluir" not in html


# --- messages no browser asks for: in the recipient's language -----------------------------------


@pytest.fixture
def push(app):
    with PushService(vapid_public_key=app.config["VAPID_PUBLIC_KEY"]) as service:
        before = app.config["PUSH_ALLOWED_HOSTS"]
        app.config["PUSH_ALLOWED_HOSTS"] = (service.origin,)
        yield service
        app.config["PUSH_ALLOWED_HOSTS"] = before


def subscribed(app, push, email: str, name: str, accept_language: str):
    """Someone signed up and subscribed from a browser asking for `accept_language`."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    assert register(client, email=email, name=name).status_code == 302
    device = push.new_subscription()
    response = client.post(
        "/api/push/subscriptions",
        json=device.as_json(),
        headers={"X-CSRFToken": csrf_token(client, "/account")},
    )
    assert response.status_code == 201, response.get_json()
    return client, device


def translated(language: str, message: str, **variables) -> str:
    from flask import current_app

    with current_app.test_request_context(), force_locale(directory(language)):
        words = gettext(message, **variables)
    assert words != message % variables if variables else words != message, f"{message!r} in {language}"
    return words


@pytest.mark.both_dbs
def test_the_sender_writes_each_reminder_in_its_recipients_language(app, push, clock):
    from webapp.reminders.sender import send_test

    _, german = subscribed(app, push, "ute@example.com", "Ute", "de-DE,de;q=0.9")
    _, brazilian = subscribed(app, push, "joao@example.com", "João", "pt-BR")
    # The sender: a process of its own, no request, no browser (flask reminders run).
    with app.app_context():
        for email in ("ute@example.com", "joao@example.com"):
            user = db.session.scalar(db.select(User).filter_by(email=email))
            send_test(user, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        for device, language in ((german, "de"), (brazilian, "pt-BR")):
            [message] = push.messages_for(device)
            shown = message.json()
            assert shown["title"] == translated(language, "Reminders are on")
            assert shown["body"] == translated(
                language, "This is how a Rebound reminder looks on this device."
            )
            assert [a["title"] for a in shown["actions"]] == [
                translated(language, "Start"),
                translated(language, "Later"),
            ]


@pytest.mark.both_dbs
def test_a_cheer_reaches_the_owner_in_the_owners_language_not_the_senders(app, push, clock):
    from tests.support_helpers import cheer, link_to
    from webapp.clock import utcnow
    from webapp.reminders.sender import send_due

    owner, device = subscribed(app, push, "alex@example.com", "Alex", "fr-FR")
    supporter = app.test_client()
    supporter.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    assert register(supporter, email="sam@example.com", name="Sam").status_code == 302
    link = link_to(owner, supporter)
    assert cheer(supporter, link, kind="keep-going").status_code == 201
    with app.app_context():
        send_due(utcnow(), concurrency=2)
        [message] = [m for m in push.messages_for(device) if m.json().get("routine") == "support"]
        shown = message.json()
        assert shown["title"] == translated("fr", "%(name)s cheered you on", name="Sam")
        assert shown["body"] == translated("fr", "Keep going")


def test_the_accounts_setting_beats_the_browser_for_reminders_too(app, push, clock):
    from webapp.reminders.sender import send_test

    client, device = subscribed(app, push, "ute@example.com", "Ute", "de")
    assert set_language(client, "es").status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="ute@example.com"))
        send_test(user, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        [message] = push.messages_for(device)
        assert message.json()["title"] == translated("es", "Reminders are on")
