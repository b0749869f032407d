"""Words in templates that would reach a page untranslated: text outside `_()` and `{% trans %}`.

Every Jinja construct is blanked out first (a `{% trans %}` block with its words, since those
are translated), then the rest is read as HTML. What is left with a letter in it is English no
catalog will ever see: text between tags, and the attributes people read or hear (`title`,
`alt`, `placeholder`, `aria-label`, a meta description, a `data-*` attribute with words for a
script). Names that are the same in every language are allowed (`ALLOWED`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# The same in every language: the product's name, and symbols that aren't words.
ALLOWED = {"Rebound"}
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-roledescription", "aria-valuetext"}
META_WITH_WORDS = {"description", "apple-mobile-web-app-title", "application-name"}
PLACEHOLDER = "\x00"

_JINJA = re.compile(
    r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}"  # a translated block, words and all
    r"|\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}",
    re.DOTALL,
)
_ENTITY = re.compile(r"&#?\w+;")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def blank_jinja(source: str) -> str:
    """`source` with every Jinja construct replaced by a placeholder, its line breaks kept."""
    return _JINJA.sub(lambda m: " " + PLACEHOLDER + "\n" * m.group(0).count("\n"), source)


def _words(text: str) -> str:
    text = _ENTITY.sub(" ", text.replace(PLACEHOLDER, " "))
    words = " ".join(text.split())
    if not _LETTER.search(words):
        return ""
    if all(word.strip(".,:;!?()·–—") in ALLOWED | {""} for word in words.split()):
        return ""
    return words


def _is_prose(value: str) -> bool:
    # A data-* attribute holds ids ("reflect", "box") or words for a script ("Saved on this phone").
    words = _words(value)
    return bool(words) and (" " in words or words[:1].isupper())


class _Reader(HTMLParser):
    def __init__(self, template: str):
        super().__init__(convert_charrefs=False)
        self.template = template
        self.findings: list[Finding] = []
        self.skipping = 0  # inside <script> or <style>

    def _add(self, text: str) -> None:
        self.findings.append(Finding(self.template, self.getpos()[0], text))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            kind = attributes.get("name") if tag == "meta" else attributes.get("type")
            shown = name in READ_ATTRIBUTES
            shown = shown or (tag == "meta" and name == "content" and kind in META_WITH_WORDS)
            shown = shown or (tag == "input" and name == "value" and kind in ("submit", "button"))
            words = _words(value)
            if (shown and words) or (name.startswith("data-") and _is_prose(value)):
                self._add(f"{name}={_words(value)}")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if self.skipping:
            return
        words = _words(data)
        if words:
            self._add(words)


_GETTEXT_CALL = re.compile(r"\b(?:_|gettext|ngettext|pgettext)\((?:[^()]|\([^()]*\))*\)", re.DOTALL)
_STRING = re.compile(r"\"([^\"]*)\"|'([^']*)'")
# A Babel date pattern ("LLLL y", "EEE d MMM") is no words.
_DATE_PATTERN = re.compile(r"^[GyYuQqMLwWdDFEecabBhHKkjmsSAzZvVOXx ,.'/:-]+$")
_PROSE = re.compile(r"^[A-Z][^\s]*(\s+\S+)+$|^[A-Z].*[.?!]$")


def _strings_in_expressions(source: str, template: str) -> list[Finding]:
    """Words written as string literals inside `{{ }}` / `{% %}` (a macro's `hint="..."`), which
    the HTML reading above can't see. Literals inside `_()` and friends are translated."""
    found = []
    for match in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", source, re.DOTALL):
        construct = match.group(0)
        if re.match(r"\{%-?\s*(trans|pluralize|endtrans)\b", construct):
            continue
        construct = _GETTEXT_CALL.sub("", construct)
        for literal in _STRING.finditer(construct):
            text = literal.group(1) if literal.group(1) is not None else literal.group(2)
            if _PROSE.match(text.strip()) and _words(text) and not _DATE_PATTERN.match(text):
                line = source.count("\n", 0, match.start()) + 1
                found.append(Finding(template, line, f"literal={text}"))
    return found


def _outside_trans(source: str) -> str:
    return re.sub(
        r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}",
        lambda m: "\n" * m.group(0).count("\n"),
        source,
        flags=re.DOTALL,
    )


def untranslated(path: Path, root: Path) -> list[Finding]:
    """What `path` (a template under `root`) would show in English whatever the language."""
    template = path.relative_to(root).as_posix()
    source = path.read_text(encoding="utf-8")
    reader = _Reader(template)
    # A child template's body class is a CSS class name, not words.
    source = re.sub(r"(\{%-?\s*block body_class\s*-?%\}).*?(\{%-?\s*endblock)", r"\1\2", source)
    reader.feed(blank_jinja(source))
    reader.close()
    return reader.findings + _strings_in_expressions(_outside_trans(source), template)


def untranslated_in(root: Path, skip: tuple[str, ...] = ()) -> list[Finding]:
    """Every finding in every template under `root`, except the folders or files in `skip`."""
    found = []
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith(skip):
            continue
        found += untranslated(path, root)
    return found
