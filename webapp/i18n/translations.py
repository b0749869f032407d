"""Flask-Babel's gettext, with the request's translations found once per locale.

Flask-Babel finds the translations through `g` (several context-local lookups and the domain's
cache) on every call, and a page makes a few hundred calls between its template, its forms and
its lazy words: that lookup was about a sixth of a signed-in page's time. Here they are kept
beside Flask-Babel's own state (`g._flask_babel`) together with the locale object they were
found for; `force_locale` and `refresh()` replace or remove that object, so they are honoured on
the next call. They serve our gettext, the templates' (one call a word, as Jinja's newstyle
gettext writes it) and Flask-Babel's own (`RequestDomain`, for its lazy strings). Everything else
(the locale selector, the catalogs, `LazyString`) is Flask-Babel's.
"""

from __future__ import annotations

from flask.globals import _cv_app
from flask_babel import Domain, get_translations
from flask_babel import get_locale as _babel_get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup


def _babel_state():
    """Flask-Babel's per-request namespace, or None before it exists / outside an app context."""
    try:
        app_globals = _cv_app.get().g
    except LookupError:
        return None
    return app_globals.__dict__.get("_flask_babel")


def _found_translations():
    """The translations kept for this request's locale, or None."""
    state = _babel_state()
    if state is not None:
        found = state.__dict__.get("rebound_translations")
        if found is not None and found[0] is state.__dict__.get("babel_locale"):
            return found[1]
    return None


def current_translations():
    """The translations of this request's locale (Flask-Babel's NullTranslations outside one)."""
    found = _found_translations()
    if found is not None:
        return found
    translations = get_translations()
    state = _babel_state()
    if state is not None:
        state.rebound_translations = (state.__dict__.get("babel_locale"), translations)
    return translations


class RequestDomain(Domain):
    """Flask-Babel's default domain, taking the translations kept for the request's locale when
    there are some: Flask-Babel's own `gettext` and lazy strings (the routines' content, a
    form's messages) go through it each time they are shown."""

    def get_translations(self):
        found = _found_translations()
        return found if found is not None else super().get_translations()


def get_locale():
    """`flask_babel.get_locale`, without its lookups once the locale is chosen."""
    state = _babel_state()
    locale = state.__dict__.get("babel_locale") if state is not None else None
    return locale if locale is not None else _babel_get_locale()


_SHARED_LOCALES: dict[str, object] = {}


def shared_locale():
    """`get_locale()`, as one object per language for the worker's life: a cache key that is
    found by identity (Babel's `Locale.__eq__` is Python, and each request parses its own)."""
    state = _babel_state()
    if state is not None:
        found = state.__dict__.get("rebound_shared_locale")
        if found is not None and found[0] is state.__dict__.get("babel_locale"):
            return found[1]
    locale = get_locale()
    if locale is None:
        return None
    shared = _SHARED_LOCALES.setdefault(str(locale), locale)
    state = _babel_state()
    if state is not None:
        state.rebound_shared_locale = (state.__dict__.get("babel_locale"), shared)
    return shared


def gettext(message: str, **variables) -> str:
    text = current_translations().ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return current_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(message: str, **variables) -> LazyString:
    return LazyString(gettext, message, **variables)


# The templates' `_`, `gettext`, `ngettext`, `pgettext` and `npgettext` (and `{% trans %}`), as Jinja's
# newstyle gettext makes them: Markup when the template escapes, always `%`-formatted (so "%%" is
# "%" with or without variables). Jinja's own go through three `Context.call`s per word (the `_`
# alias, the newstyle wrapper, the translation callable), each a context derived from the loop's;
# /progress says a few hundred words. Parameters are positional-only: a word's variables may be
# called anything.


def _filled(eval_ctx, text: str, variables: dict) -> str:
    # A catalog's words are the template's own source, trusted as Jinja trusts them; the variables
    # are escaped by Markup's `%`. Words without a "%" read the same formatted with no variables.
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_gettext(eval_ctx, message: str, /, **variables) -> str:
    text = current_translations().ugettext(message)
    return _filled(eval_ctx, text, variables)


@pass_eval_context
def template_ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = current_translations().ungettext(singular, plural, num)
    return _filled(eval_ctx, text, variables)


@pass_eval_context
def template_pgettext(eval_ctx, context: str, message: str, /, **variables) -> str:
    variables.setdefault("context", context)
    text = current_translations().upgettext(context, message)
    return _filled(eval_ctx, text, variables)


@pass_eval_context
def template_npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = current_translations().unpgettext(context, singular, plural, num)
    return _filled(eval_ctx, text, variables)
