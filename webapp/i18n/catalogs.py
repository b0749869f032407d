"""The translation catalogs on disk: which languages exist, compiling them, merging translators' work.

A language exists when `webapp/translations/<dir>/LC_MESSAGES/messages.po` does: adding a
language is `pybabel init -l <dir>` (README, "Languages"), with no code change. Directory names
are gettext's (`pt_BR`); pages, URLs and `<html lang>` use the BCP 47 tag (`pt-BR`).

Compiled `.mo` files are not committed: `compile_stale` builds each one from its `.po` whenever
the `.po` is newer, writing to a temporary file and renaming it into place, so several
processes starting at once never read a half-written catalog.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

SOURCE_LANGUAGE = "en"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"


def tag(directory: str) -> str:
    """The BCP 47 tag of a catalog directory: `pt_BR` -> `pt-BR`."""
    return directory.replace("_", "-")


def directory(tag_: str) -> str:
    """The catalog directory of a BCP 47 tag: `pt-BR` -> `pt_BR`."""
    return tag_.replace("-", "_")


def po_path(tag_: str, root: Path = TRANSLATIONS) -> Path:
    return root / directory(tag_) / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages(root: Path = TRANSLATIONS) -> tuple[str, ...]:
    """English first, then every language with a catalog, as BCP 47 tags."""
    found = sorted(tag(p.parent.parent.name) for p in root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *(t for t in found if t != SOURCE_LANGUAGE))


def compile_stale(root: Path = TRANSLATIONS) -> list[Path]:
    """Build every `.mo` whose `.po` is newer (or that is missing); the paths built.

    Fuzzy entries are left out, as `pybabel compile` does without `--use-fuzzy`: a guess must
    not reach a page. A read-only checkout keeps the `.mo` it has."""
    built = []
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        with contextlib.suppress(FileNotFoundError):
            if mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
                continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        try:
            fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".tmp-", suffix=".mo")
        except OSError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            os.replace(tmp, mo)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        built.append(mo)
    return built


@dataclass(frozen=True)
class Gaps:
    """What a catalog still lacks: messages with no translation, and fuzzy (unchecked) ones."""

    missing: tuple[str, ...]
    fuzzy: tuple[str, ...]


def _key(message) -> tuple:
    return (message.id if isinstance(message.id, str) else tuple(message.id), message.context)


def _translated(message) -> bool:
    if isinstance(message.id, str | bytes):
        return bool(message.string)
    return bool(message.string) and all(message.string)


def gaps(catalog) -> Gaps:
    """The messages of `catalog` (a babel Catalog) that a page would show in English."""
    missing, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue  # the header
        name = message.id if isinstance(message.id, str) else message.id[0]
        if not _translated(message):
            missing.append(name)
        elif message.fuzzy:
            fuzzy.append(name)
    return Gaps(tuple(missing), tuple(fuzzy))


def read_catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def merge_translations(source: Path, target: Path) -> Gaps:
    """Fill `target`'s msgstr from `source` (a translator's `.po`) for every msgid both have.

    Only translated, non-fuzzy entries of `source` are taken; a msgid `source` doesn't have is
    left as it was. Translator comments and references stay the repository's. Returns what
    `target` still lacks afterwards."""
    locale = target.parent.parent.name
    incoming = read_catalog(source, locale)
    catalog = read_catalog(target, locale)
    if (incoming.num_plurals, incoming.plural_expr) != (catalog.num_plurals, catalog.plural_expr):
        # The translator's plural rule wins: they wrote the forms for it. (pybabel init takes
        # CLDR's, which gives French, Spanish and Portuguese a third form for millions; gettext's
        # usual two-form rules are what translators write.)
        catalog._num_plurals, catalog._plural_expr = incoming.num_plurals, incoming.plural_expr
        for message in catalog:
            if message.id and not isinstance(message.id, str):
                message.string = tuple(message.string)[: catalog.num_plurals] + ("",) * max(
                    0, catalog.num_plurals - len(message.string)
                )
    offered = {_key(m): m for m in incoming if m.id and _translated(m) and not m.fuzzy}
    for message in catalog:
        if not message.id:
            continue
        found = offered.get(_key(message))
        if found is None:
            continue
        message.string = found.string
        if message.fuzzy:
            message.flags.discard("fuzzy")
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return gaps(catalog)
