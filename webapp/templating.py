"""The templates' Jinja environment: Flask's, with each template's globals the environment's own.

Jinja gives every template a `ChainMap(its own globals, the environment's)`: each render copies
it into the context key by key through ChainMap's Python `__getitem__` (forty-odd globals), and
each `{% import %}` subtracts its keys from the importer's through `Set.__rsub__`. Rebound's
templates have no globals of their own (no `get_template(..., globals=...)`), so the
environment's dict serves: the same names and values, read at C speed. A template given its own
globals still gets Jinja's ChainMap. As Jinja asks, globals are all set before a template loads
(the features' `init_app`).
"""

from __future__ import annotations

from flask.templating import Environment


class TemplateEnvironment(Environment):
    def make_globals(self, d):
        if not d:
            return self.globals
        return super().make_globals(d)
