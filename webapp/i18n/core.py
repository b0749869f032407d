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


def _plural_as_written(singular: str, plural: str, num: int) -> str:
    return singular if num == 1 else plural


def _decimal_as_written(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _percent_as_written(share: float) -> str:
    return f"{round(share * 100)}%"


_translator: list[Callable[[str], str]] = [_as_written]
_plural_translator: list[Callable[[str, str, int], str]] = [_plural_as_written]
_decimal_formatter: list[Callable[[float, int], str]] = [_decimal_as_written]
_percent_formatter: list[Callable[[float], str]] = [_percent_as_written]


def install(translate, translate_plural=None, format_decimal=None, format_percent=None) -> None:
    """Route every LazyText through `translate` (a gettext) and its plural form through
    `translate_plural` (an ngettext), and numbers through the given formatters, from now on."""
    _translator[0] = translate
    if translate_plural is not None:
        _plural_translator[0] = translate_plural
    if format_decimal is not None:
        _decimal_formatter[0] = format_decimal
    if format_percent is not None:
        _percent_formatter[0] = format_percent


class LazyNumber:
    """A number written the reader's way when shown ("3.8", "3,8"; "42%", "42 %")."""

    __slots__ = ("value", "digits", "percent")

    def __init__(self, value: float, digits: int = 0, percent: bool = False) -> None:
        self.value, self.digits, self.percent = value, digits, percent

    def __str__(self) -> str:
        if self.percent:
            return _percent_formatter[0](self.value)
        return _decimal_formatter[0](self.value, self.digits)

    def __repr__(self) -> str:
        return f"LazyNumber({self.value!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, LazyNumber):
            return (self.value, self.digits, self.percent) == (other.value, other.digits, other.percent)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.value, self.digits, self.percent))


def decimal(value: float, digits: int = 1) -> LazyNumber:
    """`value` with `digits` decimals, in the reader's way of writing numbers."""
    return LazyNumber(value, digits)


def percent(share: float) -> LazyNumber:
    """A share (0.42) as a whole percentage, in the reader's way ("42%")."""
    return LazyNumber(share, percent=True)


class LazyText:
    """A message id (and its placeholders) that reads as a translation whenever it is used."""

    __slots__ = ("message", "variables", "plural")

    def __init__(self, message: str, variables: dict, plural: tuple[str, int] | None = None) -> None:
        self.message = message
        self.variables = variables
        self.plural = plural  # (the plural message, the count that picks the form)

    def __str__(self) -> str:
        if self.plural is None:
            text = _translator[0](self.message)
        else:
            text = _plural_translator[0](self.message, *self.plural)
        if self.variables:
            text = text % {
                name: str(value) if isinstance(value, LazyText | LazyNumber) else value
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


def ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    """Like N_, with a plural form picked by `num` in the reader's language (`%(num)d` is `num`).

    Named after gettext's `ngettext` so that `pybabel extract` finds it without options; unlike
    that one, it is lazy."""
    return LazyText(singular, {"num": num, **variables}, (plural, num))
