"""Languages: which one a page is in, and the helpers that put words and dates in it.

The locale of a request is the account's setting (`User.locale`) when it has one, else the best
match of the browser's `Accept-Language` among the languages with a catalog, else English. The
time zone of every formatted date is the account's. Background work (the reminder sender)
writes in the recipient's language with `flask_babel.force_locale(user_locale(user))`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache, lru_cache

from babel import Locale
from babel import numbers as babel_numbers
from flask import Flask, g, has_request_context, request
from flask.json.provider import _default as _flask_json_default
from flask_babel import (
    Babel,
    format_date,
    format_decimal,
    format_number,
    format_percent,
)
from flask_babel.speaklater import LazyString

from webapp.i18n import core as text_core
from webapp.i18n.catalogs import SOURCE_LANGUAGE, available_languages, compile_stale, directory, tag
from webapp.i18n.core import LazyText
from webapp.i18n.js import js_string_groups, js_strings, page_strings
from webapp.i18n.translations import (
    RequestDomain,
    current_translations,
    get_locale,
    gettext,
    shared_locale,
    template_gettext,
    template_ngettext,
    template_npgettext,
    template_pgettext,
)

babel = Babel()


def languages() -> tuple[str, ...]:
    """The languages Rebound speaks, as BCP 47 tags (`en`, `de`, `es`, `fr`, `pt-BR`)."""
    from flask import current_app

    return current_app.config["LANGUAGES"]


def best_language(accept_language, offered: tuple[str, ...]) -> str | None:
    """The browser's best match among `offered`, or None.

    Exact tags first (werkzeug's quality order, `pt-br` matching `pt-BR`); a bare `pt` also finds
    `pt-BR`, and `de-AT` finds `de`, through werkzeug's primary-language fallback."""
    return accept_language.best_match(offered)


def user_language(user) -> str | None:
    """The account's own setting, when it names a language we still have."""
    chosen = getattr(user, "locale", None)
    return chosen if chosen in languages() else None


def user_locale(user) -> str:
    """The locale to write to `user` in when no browser is asking (reminders, cheers).

    Their setting, else (`User.locale` None: "follow the browser") the language their browser
    last asked for (`User.browser_locale`, recorded at sign-in and when a device subscribes to
    push), else English."""
    browser = getattr(user, "browser_locale", None)
    chosen = user_language(user) or (browser if browser in languages() else None)
    return directory(chosen or SOURCE_LANGUAGE)


def select_locale() -> str:
    if not has_request_context():
        return SOURCE_LANGUAGE
    chosen = None
    user = _loaded_user()
    if user is not None:
        chosen = user_language(user)
    chosen = chosen or browser_language()
    return directory(chosen)


def browser_language() -> str:
    """The language this browser asks for, among ours (English when none matches)."""
    return best_language(request.accept_languages, languages()) or SOURCE_LANGUAGE


def remember_browser_language(user) -> None:
    """Record the browser's language for messages sent when no browser asks (see user_locale)."""
    chosen = browser_language()
    if user.browser_locale != chosen:
        user.browser_locale = chosen


def select_timezone() -> str | None:
    user = _loaded_user()
    return getattr(user, "time_zone", None) if user is not None else None


def _loaded_user():
    """The signed-in user, loading them if the request hasn't yet; None for a visitor.

    An error page whose database session is broken must still render: then the page is in the
    browser's language."""
    from flask_login import current_user

    user = g.get("_login_user")
    if user is None:
        try:
            user = current_user._get_current_object()
        except Exception:  # noqa: BLE001 — see above: a broken session must not break the page
            return None
    return user if getattr(user, "is_authenticated", False) else None


def page_lang() -> str:
    """This response's language as a BCP 47 tag, for `<html lang>`, the manifest and `Intl`."""
    locale = get_locale()
    return tag(str(locale)) if locale is not None else SOURCE_LANGUAGE


def language_name(tag_: str) -> str:
    """A language's name in itself ("Deutsch", "Português"): how people look for it. The region
    ("Português (Brasil)") only when another variant of the language is offered too."""
    locale = Locale.parse(directory(tag_))
    base = tag_.split("-")[0]
    variants = [t for t in languages() if t.split("-")[0] == base]
    name = (locale.get_display_name() if len(variants) > 1 else locale.language_name) or tag_
    return name[:1].upper() + name[1:]


def _json_default(value):
    if isinstance(value, LazyText | LazyString):
        return str(value)
    return _flask_json_default(value)


def _fast_ngettext(singular: str, plural: str, num: int) -> str:
    # Unformatted: LazyText and Jinja's newstyle gettext fill in their own placeholders.
    return current_translations().ungettext(singular, plural, num)


def init_app(app: Flask) -> None:
    compile_stale()
    text_core.install(
        gettext,
        _fast_ngettext,
        lambda value, digits: format_decimal(value, "#,##0" + ("." + "0" * digits if digits else "")),
        format_percent,
    )
    # A lazy message in a JSON answer is written in the request's language.
    app.json.default = _json_default
    app.config.setdefault("LANGUAGES", available_languages())
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    if "domain_instance" not in vars(babel):  # Flask-Babel's cached property, not yet asked for
        babel.domain_instance = RequestDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    # Replaces the callables Flask-Babel installed, which look the translations up on every call;
    # the extension stays for `{% trans %}`, which calls the `gettext` and `ngettext` set here.
    app.jinja_env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        ngettext=template_ngettext,
        pgettext=template_pgettext,
        npgettext=template_npgettext,
    )
    app.jinja_env.globals.update(
        page_lang=page_lang,
        language_name=language_name,
        day_words=day_words,
        clock_time=clock_time,
        moment_words=moment_words,
        format_list=format_list,
        weekday_names=weekday_names,
        js_strings=js_strings,
        js_string_groups=js_string_groups,
        page_strings=page_strings,
    )
    # Flask-Babel's filters, with what /progress formats a few dozen times a page kept.
    app.jinja_env.filters.update(
        percentformat=percentformat,
        decimalformat=decimalformat,
        dateformat=dateformat,
    )
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    from webapp.reminders.api import device_name

    app.jinja_env.filters["device_name"] = device_name

    @app.after_request
    def vary_on_language(response):
        if response.mimetype == "text/html" or request.path == "/manifest.webmanifest":
            response.vary.add("Accept-Language")
        return response


def is_source_language() -> bool:
    """Whether this response is in English, the language the words were written in."""
    locale = get_locale()
    return locale is None or locale.language == SOURCE_LANGUAGE


def _list_locale():
    # The app's English is British in its lists ("Mon, Wed and Fri"), as in its dates.
    return "en_GB" if is_source_language() else get_locale()


def format_list(items) -> str:
    """ "A, B and C" in the page's language (Babel's list patterns)."""
    from babel.lists import format_list as babel_format_list

    return babel_format_list([str(item) for item in items], locale=_list_locale())


def weekday_names(width: str = "wide") -> list[str]:
    """Monday first: ["Mon", "Tue", ...] (`abbreviated`) or the full names (`wide`)."""
    from babel.dates import get_day_names

    names = get_day_names(width, locale=get_locale() or SOURCE_LANGUAGE)
    return [names[day] for day in range(7)]


# A number's or a date's words in a language never change: kept, as `_day_words` keeps dates. Only
# for what equal keys write alike: not 0 (-0.0 == 0.0 may read "-0"), a `date`, not a datetime
# (Flask-Babel writes those in the user's zone), and a pattern, not a named format (the app's
# settings). Everything else goes to Flask-Babel's own filter, as before.
_KEPT_NUMBERS = frozenset({int, float})
_NAMED_FORMATS = frozenset({None, "short", "medium", "long", "full"})


def percentformat(number, format=None) -> str:
    if type(number) in _KEPT_NUMBERS and number:
        return _kept_number(babel_numbers.format_percent, shared_locale(), type(number), number, format)
    return format_percent(number, format)


def decimalformat(number, format=None) -> str:
    if type(number) in _KEPT_NUMBERS and number:
        return _kept_number(babel_numbers.format_decimal, shared_locale(), type(number), number, format)
    return format_decimal(number, format)


def dateformat(day=None, format=None, rebase=True) -> str:
    if type(day) is date and format not in _NAMED_FORMATS:
        return _kept_date(shared_locale(), day, format)
    return format_date(day, format, rebase)


@lru_cache(maxsize=4096)
def _kept_number(formatter, locale, _kind: type, number, format) -> str:
    return formatter(number, format=format, locale=locale)


@lru_cache(maxsize=4096)
def _kept_date(locale, day: date, format: str) -> str:
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format, locale=locale)


def number(value) -> LazyString:
    """A number as the reader writes it ("4,000", "4.000", "4 000"), formatted when shown."""
    return LazyString(format_number, value)


# How the app has always written dates in English, and the skeleton other languages order their own
# way (Babel picks "Sonntag, 6. Dezember", "domingo, 6 de diciembre", ...).
DATE_STYLES = {
    "weekday_day_month": ("EEEE d MMMM", "MMMMEEEEd"),
    "weekday_day_month_year": ("EEEE d MMMM y", "yMMMMEEEEd"),
    "short": ("EEE d MMM", "MMMEd"),
    "short_year": ("EEE d MMM y", "yMMMEd"),
    "day_month": ("d MMMM", "MMMMd"),
    "day_month_year": ("d MMMM y", "yMMMMd"),
    "day_mon": ("d MMM", "MMMd"),
    "day_mon_year": ("d MMM y", "yMMMd"),
}


def day_words(day, style: str = "short") -> str:
    """A date in words in the page's language: `short` is "Tue 3 Mar" in English."""
    locale = shared_locale()
    # A datetime is written by its own wall-clock date (as Babel does); keyed by that date, since
    # two aware datetimes of the same instant in different zones compare (and hash) equal.
    if isinstance(day, datetime):
        day = day.date()
    return _day_words(locale if locale is not None else _ENGLISH, day, style)


_ENGLISH = Locale.parse(SOURCE_LANGUAGE)


@lru_cache(maxsize=4096)
def _day_words(locale: Locale, day: date, style: str) -> str:
    # Kept: /progress writes a few hundred dates and Babel's formatting was a sixth of the page;
    # a date's words in a language never change.
    from babel.dates import format_date as babel_format_date

    english, skeleton = DATE_STYLES[style]
    if locale.language == SOURCE_LANGUAGE:
        return babel_format_date(day, english, locale=locale)
    return babel_format_date(day, _skeleton_pattern(str(locale), skeleton), locale=locale)


@cache
def _skeleton_pattern(locale_name: str, skeleton: str) -> str:
    """The language's own pattern for a skeleton, with its fields as long as the skeleton asks.

    CLDR lists "MMMMEd" but no "MMMMEEEEd"; its matching rules widen the weekday to what was asked
    ("Dienstag, 3. März", not "Di., 3. März"), which Babel's `format_skeleton` leaves out."""
    from babel.dates import match_skeleton

    skeletons = Locale.parse(locale_name).datetime_skeletons
    pattern = skeletons[match_skeleton(skeleton, skeletons)].pattern
    parts = re.split(r"('[^']*')", pattern)  # quoted literals ('de') stay as they are
    for index in range(0, len(parts), 2):
        if "EEEE" in skeleton:
            parts[index] = re.sub(r"(?<!E)E{1,3}(?!E)", "EEEE", parts[index])
        if "MMMM" in skeleton:
            parts[index] = re.sub(r"(?<![ML])([ML])\1\1(?![ML])", r"\1\1\1\1", parts[index])
    return "".join(parts)


def clock_time(moment) -> str:
    """A time of day in the page's language: "08:00" in English (24-hour, as the app always wrote it)."""
    from babel.dates import format_time as babel_format_time

    locale = get_locale() or Locale.parse(SOURCE_LANGUAGE)
    if locale.language == SOURCE_LANGUAGE:
        return f"{moment:%H:%M}"
    return babel_format_time(moment, "short", locale=locale)


def moment_words(local, style: str = "short") -> str:
    """A local date and time, such as "Tue 3 Mar, 08:00" (the moment already in the user's zone)."""
    # NOTE: A day and a time of day, such as "Tue 3 Mar" and "08:00".
    return gettext("%(day)s, %(time)s", day=day_words(local, style), time=clock_time(local))


def in_language_of(user):
    """A `with` block whose words are in `user`'s language (for messages no browser asks for)."""
    from flask_babel import force_locale

    return force_locale(user_locale(user))


def refresh_language() -> None:
    """Pick the language again (after the account's setting changed in this request)."""
    from flask_babel import refresh

    refresh()


def source_text(text) -> str:
    """The English a (lazy) message was written in, whatever the page's language: for code that
    decides by the words (a breathing phase's direction), never for showing them."""
    if isinstance(text, LazyString):
        return text._args[0]  # Flask-Babel keeps the message id as the first argument
    if isinstance(text, LazyText):
        return text.message
    return str(text)
