"""/progress rendered block by block, each block kept under what it shows.

The page's body (progress/_page.html) is a row of `{% block %}`s and nothing else. After a write
the whole body has to be made again (the kept body is keyed on the data version), but a write
changes what few blocks show: a setback changes the setbacks' lines, not the mood table; a
reflection saved again with the same mood changes nothing on the page at all. So each block is
kept under a key made of the values of every name it reads from the page's context (found in
the template itself, with what its includes read), the user's id, the day and the language, and
rendered with those values only: two requests with equal keys get the same text, and a write
that changes anything a block shows changes its key.

A block may call only the globals that depend on nothing but the language (`SAFE_GLOBALS`):
one that reads any other global (the request, the session) is an error, not a key without it.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable
from datetime import date
from types import FunctionType

from flask import current_app
from flask_babel.speaklater import LazyString
from jinja2 import meta, nodes
from markupsafe import Markup

from webapp import pagecache
from webapp.i18n.core import LazyNumber, LazyText
from webapp.i18n.translations import get_locale
from webapp.sharedcache import function_name, in_order

PAGE = "progress/_page.html"
# Globals a block may call: each gives the same text for the same arguments in one language.
SAFE_GLOBALS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "url_for", "namespace"})


@functools.cache
def _blocks(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The template's blocks in order, each with the context names it reads (its includes' too)."""
    env = current_app.jinja_env
    # Jinja's analysis leaves out the names of globals: parsed without any, a block's reads of
    # `request` or `session` are found too.
    bare = env.overlay()
    bare.globals = {}
    template = bare.parse(env.loader.get_source(env, name)[0])
    blocks = []
    for node in template.body:
        if not isinstance(node, nodes.Block):
            # Text between blocks would be in the page and in no block.
            raise ValueError(f"{name}: only blocks at the top level, found {type(node).__name__}")
        blocks.append((node.name, tuple(sorted(_reads(bare, nodes.Template(node.body))))))
    return tuple(blocks)


def _reads(bare, body: nodes.Template) -> set[str]:
    body.set_environment(bare)
    names = set(meta.find_undeclared_variables(body))
    for included in meta.find_referenced_templates(body):
        if included is None:
            raise ValueError("a block includes a template named at run time: what it reads is unknown")
        names |= _reads(bare, bare.parse(bare.loader.get_source(bare, included)[0]))
    return names - SAFE_GLOBALS


def render(user, today: date, context: dict) -> Markup:
    """The page's body: each block from memory when the values it reads are unchanged."""
    template = current_app.jinja_env.get_template(PAGE)
    locale = str(get_locale())
    keys, computes = [], []
    for block, names in _blocks(PAGE):
        # A name the page does not give is undefined in the block, as in the whole template (a
        # `{% set %}` inside an `{% if %}` reads as such a name to Jinja's analysis).
        shown = {name: context[name] for name in names if name in context}
        unsafe = [name for name in names if name not in context and name in template.globals]
        if unsafe:
            # A global other than the language's (the request, the session, `g`) could differ
            # under an equal key.
            raise ValueError(f"{PAGE} block {block} reads globals it cannot be kept with: {unsafe}")
        keys.append(("progress_part", today, locale, block, frozen(tuple(shown.items()))))
        computes.append(
            lambda block=block, shown=shown: "".join(template.blocks[block](template.new_context(shown)))
        )
    # At once: the blocks this process lacks are asked of the shared level in one round trip.
    return Markup("".join(pagecache.by_content_many(keys, user, computes, stable=True)))  # noqa: S704 (the template's own escaped output)


# Values that are their own key: immutable, and equal only when they read the same.
_PLAIN = frozenset({str, int, date, type(None)})
# Immutable values that may be equal to a value of another type that reads otherwise (1 == 1.0 ==
# True, Markup("<") == "<"): kept with their type's tag.
#
# A key tags a value of a built-in kind with its name, not its class: the repr of a built-in class
# looks its module up each time, and a block's key holds hundreds of floats, bools and containers,
# whose classes' reprs were a quarter of the key's. A name is as distinct: no two kinds share one,
# and a str is never equal to a class (the tag of every other kind).
_TYPED = {float: "float", bool: "bool", Markup: Markup}


def frozen(value):
    """A hashable key for `value` that is equal for two values only when they show the same.

    Containers are taken apart, frozen dataclasses and named tuples by their fields; anything
    else that is not a known immutable value is refused (an object equal by identity, such as a
    database row, could change under an equal key).

    The key's repr is the same in every process, so the shared page cache names it by a digest of
    that (webapp/sharedcache.py): a set's items are in sorted order, a function is its module and
    qualified name (a lambda is itself: its repr holds its address, and is not shared), a class
    reads as its module and name."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind in _TYPED:  # before the containers: a chart's coordinates are floats
        return (_TYPED[kind], value)
    if kind is tuple or kind is list:
        return (
            "tuple" if kind is tuple else "list",
            tuple([item if type(item) in _PLAIN else frozen(item) for item in value]),
        )
    if kind is dict:
        return (
            "dict",
            tuple(
                [
                    (
                        key if type(key) in _PLAIN else frozen(key),
                        item if type(item) in _PLAIN else frozen(item),
                    )
                    for key, item in value.items()
                ]
            ),
        )
    if kind is frozenset or kind is set:
        return ("frozenset" if kind is frozenset else "set", tuple(in_order(list(map(frozen, value)))))
    fields = _fields(kind)
    if fields is not None:
        return (kind, tuple([item if type(item) in _PLAIN else frozen(item) for item in fields(value)]))
    if kind is FunctionType:
        return ("function", _function_name(value))
    if kind is LazyNumber:
        return (kind, value.value, value.digits, value.percent)
    if kind is LazyText:
        return (kind, value.message, frozen(value.variables), frozen(value.plural))
    if kind is LazyString:
        function = value._func
        function = _function_name(function) if type(function) is FunctionType else function
        return (kind, function, frozen(value._args), frozen(value._kwargs))
    raise TypeError(f"no key for a {kind.__name__}: what it shows could change under an equal key")


def _function_name(function) -> object:
    """A function's module and qualified name when they find it (a module's function), else the
    function itself: a lambda's name is shared by every lambda beside it, so the key holds the
    function (equal only to itself), whose repr holds its address and is never shared."""
    return function_name(function) or function


@functools.cache
def _fields(kind: type) -> Callable[[object], tuple] | None:
    """What reads a frozen dataclass's or a named tuple's fields as a tuple, else None."""
    if dataclasses.is_dataclass(kind):
        if not kind.__dataclass_params__.frozen:
            return None
        names = [field.name for field in dataclasses.fields(kind)]
    elif issubclass(kind, tuple) and hasattr(kind, "_fields"):
        names = list(kind._fields)
    else:
        return None
    if len(names) > 1:
        return operator.attrgetter(*names)
    # attrgetter of one name gives the value itself, not a tuple of one.
    return lambda value: tuple(getattr(value, name) for name in names)
