"""`python -m webapp.i18n.delta OUT.pot LANG`: the template's messages LANG's catalog still lacks,
as a template of their own (a translator's next round)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from webapp.i18n.catalogs import TRANSLATIONS, _key, _translated, read_catalog


def delta(language: str) -> Catalog:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", language)
    done = {_key(m) for m in catalog if m.id and _translated(m) and not m.fuzzy}
    missing = Catalog(project="Rebound", copyright_holder="Rebound")
    for message in template:
        if message.id and _key(message) not in done:
            missing.add(
                message.id,
                None,
                locations=message.locations,
                flags=message.flags,
                auto_comments=message.auto_comments,
                context=message.context,
            )
    return missing


if __name__ == "__main__":
    out, language = Path(sys.argv[1]), sys.argv[2]
    found = delta(language)
    with out.open("wb") as handle:
        write_po(handle, found, width=0)
    print(f"{len(found)} messages -> {out}")
