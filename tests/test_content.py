import ast
import math
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from webapp.routines import content
from webapp.routines.content import (
    AFFIRMATIONS,
    BREATHING_PATTERNS,
    OBJECTIONS,
    REFLECTION_PROMPTS,
    REFRAME_PROMPTS,
    SELF_COMPASSION_LINES,
    THEMES,
    VISUALISATIONS,
    Prompt,
    affirmation_by_id,
    custom_pattern,
    cycle_seconds,
    prompt_for_day,
)

COLLECTIONS = {
    "affirmations": AFFIRMATIONS,
    "visualisations": VISUALISATIONS,
    "reflection_prompts": REFLECTION_PROMPTS,
    "reframe_prompts": REFRAME_PROMPTS,
    "self_compassion_lines": SELF_COMPASSION_LINES,
}
PROMPT_COLLECTIONS = {name: items for name, items in COLLECTIONS.items() if name != "affirmations"}

# The texts are lazy (translated when shown); these checks read the English source.
ALL_TEXTS = [str(item.text) for items in COLLECTIONS.values() for item in items] + [
    str(text)
    for pattern in BREATHING_PATTERNS.values()
    for text in (pattern.name, pattern.when, pattern.how, *(word for word, _ in pattern.phases))
]

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
FIRST_PERSON = re.compile(r"\b(I|I'm|[Mm]y|[Mm]e)\b")


@pytest.mark.parametrize(
    ("name", "minimum"),
    [
        ("affirmations", 60),
        ("visualisations", 15),
        ("reflection_prompts", 20),
        ("reframe_prompts", 10),
        ("self_compassion_lines", 10),
    ],
)
def test_there_is_enough_of_each_kind_of_content(name, minimum):
    assert len(COLLECTIONS[name]) >= minimum


def test_themes_are_the_seven_from_the_brief():
    assert set(THEMES) == {
        "self-worth",
        "resilience",
        "curiosity",
        "persistence",
        "preparation",
        "self-compassion",
        "learning",
    }
    assert all(label.strip() for label in THEMES.values())


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_theme_has_at_least_eight_affirmations(theme):
    assert sum(a.theme == theme for a in AFFIRMATIONS) >= 8


def test_every_affirmation_theme_is_a_known_theme():
    assert {a.theme for a in AFFIRMATIONS} <= set(THEMES)


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_ids_are_unique_within_each_collection(name):
    ids = [item.id for item in COLLECTIONS[name]]
    assert len(ids) == len(set(ids))


def test_prompt_ids_are_unique_across_prompt_collections():
    # A stored prompt id must say which prompt it was without also naming its collection.
    ids = [p.id for prompts in PROMPT_COLLECTIONS.values() for p in prompts]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_ids_are_lowercase_slugs(name):
    bad = [item.id for item in COLLECTIONS[name] if not SLUG.fullmatch(item.id)]
    assert bad == []


def test_no_two_affirmations_say_the_same_thing():
    texts = [str(a.text).casefold() for a in AFFIRMATIONS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("affirmation", AFFIRMATIONS, ids=lambda a: a.id)
def test_affirmations_are_first_person_and_fit_in_140_characters(affirmation):
    assert FIRST_PERSON.search(str(affirmation.text)), affirmation.text
    assert len(str(affirmation.text)) <= 140


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_no_text_shouts_or_hypes(text):
    assert "!" not in text
    assert not re.search(r"unstoppable|crush", text, re.IGNORECASE)


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_every_text_is_tidy(text):
    assert text == text.strip()
    assert "  " not in text
    assert text[0].isupper() or text[0].isdigit()


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_every_sentence_in_a_collection_ends_properly(name):
    assert all(str(item.text).endswith((".", "?")) for item in COLLECTIONS[name])


def test_reflection_and_reframe_prompts_are_questions():
    assert all(str(p.text).endswith("?") for p in REFLECTION_PROMPTS + REFRAME_PROMPTS)


def test_visualisations_are_a_few_sentences_long():
    for prompt in VISUALISATIONS:
        sentences = re.findall(r"[.?](?:'|\s|$)", str(prompt.text))
        assert 2 <= len(sentences) <= 4, prompt.id


def test_objection_keys_are_the_ones_setbacks_store():
    assert list(OBJECTIONS) == [
        "price",
        "timing",
        "no_need",
        "competitor",
        "no_authority",
        "went_silent",
        "other",
    ]
    assert OBJECTIONS["competitor"] == "Went with a competitor"


def test_affirmation_by_id_finds_every_affirmation():
    for affirmation in AFFIRMATIONS:
        assert affirmation_by_id(affirmation.id) is affirmation


def test_affirmation_by_id_returns_none_for_a_retired_id():
    assert affirmation_by_id("no-such-affirmation-1") is None


PROMPTS = (Prompt("a", "A?"), Prompt("b", "B?"), Prompt("c", "C?"))


def test_prompt_for_day_is_the_same_all_day():
    day = date(2025, 3, 30)
    first = prompt_for_day(REFLECTION_PROMPTS, "user-7|evening", day)
    assert all(prompt_for_day(REFLECTION_PROMPTS, "user-7|evening", day) is first for _ in range(5))


def test_prompt_for_day_is_stable_across_processes():
    # Pinned so that a switch to the salted built-in hash() (or any other change that would
    # reshuffle everyone's prompt mid-day after a deploy) fails here.
    days = [date(2025, 1, d) for d in range(1, 11)]
    chosen = "".join(prompt_for_day(PROMPTS, "user-1|morning", day).id for day in days)
    assert chosen == "cabaabccbb"


def test_prompt_for_day_varies_across_days():
    start = date(2025, 1, 1)
    chosen = {prompt_for_day(VISUALISATIONS, "user-1", start + timedelta(days=n)).id for n in range(30)}
    assert len(chosen) >= 8


def test_prompt_for_day_differs_between_seeds():
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(14)]
    one = [prompt_for_day(REFLECTION_PROMPTS, "user-1", day).id for day in days]
    two = [prompt_for_day(REFLECTION_PROMPTS, "user-2", day).id for day in days]
    assert one != two


def test_prompt_for_day_refuses_an_empty_list():
    with pytest.raises(ValueError, match="no prompts"):
        prompt_for_day((), "user-1", date(2025, 1, 1))


@pytest.mark.parametrize(
    ("inhale", "hold_in", "exhale", "hold_out", "message"),
    [
        (1, 0, 6, 0, "Breathing in should last between 2 and 12 seconds"),
        (4, 0, 1.5, 0, "Breathing out should last between 2 and 12 seconds"),
        (13, 0, 6, 0, "Breathing in"),
        (4, -1, 6, 0, "hold after breathing in should last between 0 and 12"),
        (4, 0, 6, 12.5, "hold after breathing out"),
        (math.nan, 0, 6, 0, "Breathing in"),
        (4, math.inf, 6, 0, "hold after breathing in"),
        (4, 0, "six", 0, "Breathing out needs a number"),
        (4, None, 6, 0, "hold after breathing in needs a number"),
    ],
)
def test_custom_pattern_rejects_bad_values(inhale, hold_in, exhale, hold_out, message):
    with pytest.raises(ValueError, match=message):
        custom_pattern(inhale, hold_in, exhale, hold_out)


@pytest.mark.parametrize("seconds", [(2, 0, 2, 0), (12, 12, 12, 12), (3.5, 1.5, 7, 0.5)])
def test_custom_pattern_accepts_values_within_bounds(seconds):
    pattern = custom_pattern(*seconds)
    assert cycle_seconds(pattern) == pytest.approx(sum(seconds))


def test_custom_pattern_leaves_out_holds_of_zero_seconds():
    pattern = custom_pattern(4, 0, 6, 2)
    assert [(str(word), s) for word, s in pattern.phases] == [
        ("Breathe in", 4),
        ("Breathe out", 6),
        ("Hold", 2),
    ]
    assert "breathe in for 4 seconds" in str(pattern.how)
    assert "hold for 2" in str(pattern.how)


@pytest.mark.parametrize(
    ("key", "seconds"),
    [
        ("box", (4, 4, 4, 4)),
        ("478", (4, 7, 8)),
        ("sigh", (2, 1, 6)),
        ("coherent", (5, 5)),
        ("custom", (4, 6)),
    ],
)
def test_breathing_patterns_have_the_documented_rhythm(key, seconds):
    pattern = BREATHING_PATTERNS[key]
    assert pattern.id == key
    assert tuple(s for _, s in pattern.phases) == seconds
    assert cycle_seconds(pattern) == sum(seconds)


@pytest.mark.parametrize("pattern", BREATHING_PATTERNS.values(), ids=lambda p: p.id)
def test_every_pattern_has_positive_phases_and_plain_instructions(pattern):
    assert pattern.phases
    assert all(seconds > 0 for _, seconds in pattern.phases)
    assert str(pattern.when).endswith(".")
    assert 2 <= str(pattern.how).count(". ") + 1 <= 4


def test_content_imports_nothing_but_the_standard_library_and_lazy_translation():
    tree = ast.parse(Path(content.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "content.py must not import from the app"
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_sqlalchemy", "sqlalchemy", "webapp"}
    # Flask-Babel's lazy strings: the words are looked up in the reader's language when shown.
    assert imported <= set(sys.stdlib_module_names) | {"flask_babel"}
