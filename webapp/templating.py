"""The templates' Jinja environment: Flask's, with each template's globals the environment's own.

Jinja gives every template a `ChainMap(its own globals, the environment's)`: each render copies
it into the context key by key through ChainMap's Python `__getitem__` (forty-odd globals), and
each `{% import %}` subtracts its keys from the importer's through `Set.__rsub__`. Rebound's
templates have no globals of their own, so the environment's dict serves: the same names and
values, read at C speed. As Jinja asks, globals are all set before a template loads (the
features' `init_app`). A template made from a string with globals of its own still gets Jinja's
ChainMap; a loaded one cannot be given any (Jinja would add them to the cached template's
globals, here the environment's, for every template).
"""

from __future__ import annotations

from flask.templating import Environment


class TemplateEnvironment(Environment):
    def make_globals(self, d):
        if not d:
            return self.globals
        return super().make_globals(d)

    def get_template(self, name, parent=None, globals=None):
        _refuse(globals)
        return super().get_template(name, parent)

    def select_template(self, names, parent=None, globals=None):
        _refuse(globals)
        return super().select_template(names, parent)


def _refuse(globals) -> None:
    if globals:
        raise ValueError("a loaded template shares the environment's globals: pass values in its context")
