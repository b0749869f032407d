"""The translation workflow, one command each (`python3 dev.py i18n ...` runs these):

extract            templates and Python -> webapp/translations/messages.pot
update             extract, then bring every catalog up to date with the template
init LANG          a new language (`pt_BR`, `it`): its catalog from the template; no code change
compile            build each .mo that is older than its .po (the app does this at start too)
merge FILE...      fill the catalogs from translators' files (`po/es.po` fills `es`, `pt_BR.po`
                   fills `pt_BR`): every msgstr whose msgid the catalog has; says what is missing
check              every catalog complete, nothing fuzzy (what the test suite checks)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from webapp.i18n.catalogs import TRANSLATIONS, compile_stale, gaps, merge_translations, read_catalog

ROOT = Path(__file__).resolve().parents[2]
POT = TRANSLATIONS / "messages.pot"
PYBABEL = Path(sys.executable).with_name("pybabel")
# `_l` is lazy_gettext where a message is defined before any request; `N_` and `ngettext` mark
# the pure modules' messages (webapp/i18n/core.py); the rest are pybabel's defaults.
EXTRACT = ["extract", "-F", "babel.cfg", "-c", "NOTE:", "-k", "_l", "--no-wrap", "--sort-by-file"]
EXTRACT += ["--project", "Rebound", "--copyright-holder", "Rebound", "-o", str(POT), "."]


def pybabel(*args: str) -> None:
    subprocess.run([str(PYBABEL), "-q", *args], cwd=ROOT, check=True)


def extract() -> None:
    pybabel(*EXTRACT)


def update() -> None:
    extract()
    # No fuzzy matching: a guess from a similar message would hide a missing translation behind
    # one that says something else (and a fuzzy entry fails the suite anyway).
    pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "--no-wrap",
        "--ignore-obsolete",
        "--no-fuzzy-matching",
    )


def init(language: str) -> None:
    pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language.replace("-", "_"), "--no-wrap")


def compile_all() -> None:
    for built in compile_stale():
        print(f"compiled {built.relative_to(ROOT)}")


def report(language: str, found) -> bool:
    if not found.missing and not found.fuzzy:
        print(f"{language}: complete")
        return True
    print(f"{language}: {len(found.missing)} missing, {len(found.fuzzy)} fuzzy")
    for message in found.missing:
        print(f"  missing: {message!r}")
    for message in found.fuzzy:
        print(f"  fuzzy:   {message!r}")
    return False


def language_of(po: Path) -> str:
    """The language a translator's file is in: its `Language:` header, else its name (`pt_BR.po`)."""
    with po.open("rb") as handle:
        locale = read_po(handle).locale
    return str(locale) if locale else po.stem.replace("-", "_")


def merge(files: list[str]) -> bool:
    complete = True
    for name in files:
        source = Path(name)
        language = language_of(source)
        target = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        if not target.exists():
            print(f"{source}: no catalog {target.relative_to(ROOT)} (python3 dev.py i18n init {language})")
            complete = False
            continue
        complete = report(language, merge_translations(source, target)) and complete
    return complete


def check() -> bool:
    complete = True
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        language = po.parent.parent.name
        complete = report(language, gaps(read_catalog(po, language))) and complete
    return complete


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "init" and len(rest) == 1:
        init(rest[0])
    elif command == "compile":
        compile_all()
    elif command == "merge" and rest:
        return 0 if merge(rest) else 1
    elif command == "check":
        return 0 if check() else 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
