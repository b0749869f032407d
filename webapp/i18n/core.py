"""Words that pure modules hold: marked for translation here, translated when shown.

Pure (standard library only), so that `core.py` modules can keep their labels and messages next
to their rules. `N_("Goal review")` is a `LazyText`: it turns into words only when it is shown
(`str()`, a template, a JSON answer), through the translator the app installs
(`webapp.i18n.init_app`: Flask-Babel's `gettext`, so in the reader's language). Without an app
it reads as the English it was written in, which is what the rules' own tests see.

`pybabel extract` finds `N_(...)` (one of its default keywords), with `%(name)s` placeholders
filled from the keyword arguments after translation.
"""

from __future__ import annotations

from collections.abc import Callable


def _as_written(message: str) -> str:
    return message


_translator: list[Callable[[str], str]] = [_as_written]


def install(translate: Callable[[str], str]) -> None:
    """Route every LazyText through `translate` (a gettext) from now on."""
    _translator[0] = translate


class LazyText:
    """A message id (and its placeholders) that reads as a translation whenever it is used."""

    __slots__ = ("message", "variables")

    def __init__(self, message: str, variables: dict) -> None:
        self.message = message
        self.variables = variables

    def __str__(self) -> str:
        text = _translator[0](self.message)
        if self.variables:
            text = text % {
                name: str(value) if isinstance(value, LazyText) else value
                for name, value in self.variables.items()
            }
        return text

    def __repr__(self) -> str:
        return f"N_({self.message!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, LazyText):
            return (self.message, self.variables) == (other.message, other.variables)
        return str(self) == other

    def __hash__(self) -> int:
        return hash(self.message)

    def __len__(self) -> int:
        return len(str(self))

    def __getitem__(self, index):
        return str(self)[index]

    def __iter__(self):
        return iter(str(self))

    def __contains__(self, item) -> bool:
        return item in str(self)

    def __add__(self, other) -> str:
        return str(self) + str(other)

    def __radd__(self, other) -> str:
        return str(other) + str(self)

    def __mod__(self, other) -> str:
        return str(self) % other

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __lt__(self, other) -> bool:
        return str(self) < str(other)

    def __getattr__(self, name: str):
        # lower(), startswith(), ... act on the words as shown.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(str(self), name)


def N_(message: str, **variables) -> LazyText:  # noqa: N802 — gettext's own name for "mark only"
    """Mark `message` for translation; it is translated each time it is shown."""
    return LazyText(message, variables)
