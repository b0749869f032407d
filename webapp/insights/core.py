"""What goes with a better evening, from the user's own days — honestly, or not at all.

This module does no I/O, never reads the clock and knows nothing of Flask or the database:
the caller passes the evening moods, the done days, the expected days and the setback days as
plain dates and numbers, and gets frozen results back.

The comparisons
---------------
- **A practice** (morning, breathe, goals): the evening mood on days it was done, against the
  evening mood on days it was *expected* and not done. Days it was not expected (a weekend off,
  a pause) and not done are left out: skipping a day off is not skipping the practice.
- **A reset after a setback**: among days with a setback logged, the evening mood on days with a
  breathing session against setback days without one.
- **A setback**: the evening mood on days with a setback logged against days without one.
- **After a rough evening** (mood 1 or 2): the share of next days with any routine done, against
  the share after other evenings. Only next days that are over (`last_finished_day` or earlier).

When something is said
----------------------
A comparison is tested only with at least `MIN_SIDE_DAYS` days on each side and at least
`MIN_MOOD_DAYS` evenings with a mood in all. A tested comparison is shown only when

- its p-value — Welch's t-test for moods (two-sided; unequal variances; Student's t with
  Welch–Satterthwaite degrees of freedom), Fisher's exact test for the shares of next days with
  a routine done — survives the Benjamini–Hochberg procedure at a false-discovery rate of
  `FDR` across every comparison tested, and
- the effect size (Cohen's d, pooled standard deviation) is at least `MIN_EFFECT` — a smaller
  difference is not worth a sentence even when it is steady.

Closed-form tests instead of a permutation test: deterministic, linear in the number of days
(a page can afford them on three years of days), and — checked by simulation in
tests/test_insights_core.py — within the stated false-discovery rate when mood is unrelated.

Sentences describe, never explain: "On days you ..., your evening mood averaged 3.8, against
3.1 on days you didn't (12 and 9 days)." The numbers in them are the means rounded to one
decimal (shares to whole percents) and the two counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date, timedelta

from webapp.i18n.core import N_, decimal, ngettext, percent

MIN_SIDE_DAYS = 7
MIN_MOOD_DAYS = 21
FDR = 0.10
MIN_EFFECT = 0.2
ROUGH_MOOD = 2  # an evening at or below this is a rough one
ONE_DAY = timedelta(days=1)

PRACTICE_ROUTINES = ("morning", "breathe", "goals")
COMPARISONS = ("morning", "breathe", "goals", "reset", "setback", "after_rough_day")

# How each comparison reads: (what the "with" days are, what the "without" days are).
LABELS = {
    "morning": N_("Morning routine"),
    "breathe": N_("Breathing"),
    "goals": N_("Goal review"),
    "reset": N_("A reset after a setback"),
    "setback": N_("A setback"),
    "after_rough_day": N_("The day after a rough evening"),
}


@dataclass(frozen=True)
class Finding:
    """One comparison: its two sides, the figures behind it and, when shown, its sentence."""

    practice: str
    measure: str  # "evening_mood" (a mean of 1-5) or "next_day_practice" (a share, 0-1)
    with_days: int
    without_days: int
    mood_with: float | None  # the "with" side's mean (for next_day_practice: the share)
    mood_without: float | None
    difference: float | None
    effect_size: float | None  # Cohen's d; None when both sides have no spread
    p_value: float | None  # None when not tested (too few days)
    adjusted_p: float | None  # Benjamini–Hochberg
    tested: bool
    shown: bool
    sentence: str  # the plain-words sentence (written for every tested comparison)
    needs: str | None  # what is missing before it can be tested


@dataclass(frozen=True)
class Insights:
    mood_days: int
    findings: tuple[Finding, ...]  # the ones shown, strongest first
    comparisons: tuple[Finding, ...]  # every comparison, in COMPARISONS order
    needs: str | None  # when nothing could be tested: how many more evenings are needed
    note: str | None  # when something was tested but nothing is shown


# --- statistics -------------------------------------------------------------------------------


def mean(values) -> float:
    return sum(values) / len(values)


def _variance(values, centre: float) -> float:
    return sum((value - centre) ** 2 for value in values) / (len(values) - 1)


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-12:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom."""
    if math.isinf(t):
        return 0.0
    return regularized_beta(df / 2.0, 0.5, df / (df + t * t))


def welch_p(a, b) -> float:
    """Two-sided p of Welch's t-test (each side needs at least two values)."""
    mean_a, mean_b = mean(a), mean(b)
    se2_a, se2_b = _variance(a, mean_a) / len(a), _variance(b, mean_b) / len(b)
    se2 = se2_a + se2_b
    if se2 == 0.0:
        return 1.0 if mean_a == mean_b else 0.0
    t = (mean_a - mean_b) / math.sqrt(se2)
    df = se2**2 / (se2_a**2 / (len(a) - 1) + se2_b**2 / (len(b) - 1))
    return t_two_sided_p(t, df)


def fisher_p(kept: int, of: int, usual: int, of_other: int) -> float:
    """Two-sided p of Fisher's exact test on a 2x2 table (kept of `of` against usual of `of_other`).

    Exact enumeration over the tables with the same margins: the sum of the probabilities of
    every table no more likely than the one observed. Used for shares, where Welch's t on 0/1
    values at a handful of days claims too much.
    """
    total, successes = of + of_other, kept + usual

    def log_probability(k: int) -> float:
        return _log_choose(successes, k) + _log_choose(total - successes, of - k) - _log_choose(total, of)

    observed = log_probability(kept)
    low, high = max(0, successes - of_other), min(of, successes)
    p = sum(
        math.exp(log_probability(k)) for k in range(low, high + 1) if log_probability(k) <= observed + 1e-7
    )
    return min(1.0, p)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def cohens_d(a, b) -> float | None:
    mean_a, mean_b = mean(a), mean(b)
    pooled = ((len(a) - 1) * _variance(a, mean_a) + (len(b) - 1) * _variance(b, mean_b)) / (
        len(a) + len(b) - 2
    )
    if pooled == 0.0:
        return 0.0 if mean_a == mean_b else None
    return (mean_a - mean_b) / math.sqrt(pooled)


def benjamini_hochberg(p_values: list[float], fdr: float = FDR) -> tuple[list[bool], list[float]]:
    """Which hypotheses are rejected at the given false-discovery rate, and the adjusted p-values."""
    m = len(p_values)
    order = sorted(range(m), key=lambda index: p_values[index])
    cutoff = 0
    for rank, index in enumerate(order, start=1):
        if p_values[index] <= rank / m * fdr:
            cutoff = rank
    rejected = [False] * m
    for rank, index in enumerate(order, start=1):
        rejected[index] = rank <= cutoff
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        index = order[rank - 1]
        running = min(running, p_values[index] * m / rank)
        adjusted[index] = running
    return rejected, adjusted


# --- words ------------------------------------------------------------------------------------


def days(count: int):
    return ngettext("%(num)d day", "%(num)d days", count)


def evenings(count: int):
    return ngettext("%(num)d evening", "%(num)d evenings", count)


def more_evenings(count: int):
    return ngettext("%(num)d more evening", "%(num)d more evenings", count)


def one_decimal(value: float):
    return decimal(value, 1)


def _sentence(practice: str, with_values, without_values):
    """What went together, in whole sentences per practice (each language builds its own)."""
    n_with, n_without = len(with_values), len(without_values)
    if practice == "after_rough_day":
        kept = round(sum(with_values))
        usual = round(sum(without_values))
        # NOTE: %(share)s and %(usual_share)s are percentages, such as 75%.
        return N_(
            "After a rough evening (a mood of 1 or 2) you did at least one routine the next day "
            "%(kept)d times out of %(n_with)d (%(share)s), against %(usual_share)s after other evenings "
            "(%(usual)d of %(n_without)d).",
            kept=kept,
            n_with=n_with,
            share=percent(kept / n_with),
            usual_share=percent(usual / n_without),
            usual=usual,
            n_without=n_without,
        )
    moods = {
        "mood_with": one_decimal(mean(with_values)),
        "mood_without": one_decimal(mean(without_values)),
        "n_with": n_with,
    }
    # NOTE: %(mood_with)s and %(mood_without)s are average moods (1 to 5), such as 3.8;
    # NOTE: %(n_with)s and %(num)d count the days on each side.
    if practice == "morning":
        return ngettext(
            "On days you did your morning routine, your evening mood averaged %(mood_with)s, against "
            "%(mood_without)s on days you didn't (%(n_with)s and %(num)d day).",
            "On days you did your morning routine, your evening mood averaged %(mood_with)s, against "
            "%(mood_without)s on days you didn't (%(n_with)s and %(num)d days).",
            n_without,
            **moods,
        )
    if practice == "breathe":
        return ngettext(
            "On days you took a breathing session, your evening mood averaged %(mood_with)s, against "
            "%(mood_without)s on days you didn't (%(n_with)s and %(num)d day).",
            "On days you took a breathing session, your evening mood averaged %(mood_with)s, against "
            "%(mood_without)s on days you didn't (%(n_with)s and %(num)d days).",
            n_without,
            **moods,
        )
    if practice == "goals":
        return ngettext(
            "On days you reviewed your goals, your evening mood averaged %(mood_with)s, against "
            "%(mood_without)s on days you didn't (%(n_with)s and %(num)d day).",
            "On days you reviewed your goals, your evening mood averaged %(mood_with)s, against "
            "%(mood_without)s on days you didn't (%(n_with)s and %(num)d days).",
            n_without,
            **moods,
        )
    if practice == "reset":
        return ngettext(
            "On days a setback was followed by a breathing reset, your evening mood averaged "
            "%(mood_with)s, against %(mood_without)s on setback days without one (%(n_with)s and "
            "%(num)d day).",
            "On days a setback was followed by a breathing reset, your evening mood averaged "
            "%(mood_with)s, against %(mood_without)s on setback days without one (%(n_with)s and "
            "%(num)d days).",
            n_without,
            **moods,
        )
    return ngettext(
        "On days you logged a setback, your evening mood averaged %(mood_with)s, against "
        "%(mood_without)s on days without one (%(n_with)s and %(num)d day).",
        "On days you logged a setback, your evening mood averaged %(mood_with)s, against "
        "%(mood_without)s on days without one (%(n_with)s and %(num)d days).",
        n_without,
        **moods,
    )


def _needs(with_days: int, without_days: int):
    return N_(
        "needs at least %(min)d days on each side to compare (so far %(with_days)d and %(without_days)d)",
        min=MIN_SIDE_DAYS,
        with_days=with_days,
        without_days=without_days,
    )


# --- the comparisons --------------------------------------------------------------------------


def _sides(
    moods: Mapping[date, int],
    done: Mapping[str, Set[date]],
    expected: Mapping[str, Set[date]],
    setback_days: Set[date],
    last_finished_day: date,
) -> dict[str, tuple[list[float], list[float]]]:
    # In day order, so the same days always give the same sums to the last bit.
    moods = dict(sorted(moods.items()))
    sides: dict[str, tuple[list[float], list[float]]] = {}
    for routine in PRACTICE_ROUTINES:
        done_days, expected_days = done.get(routine, frozenset()), expected.get(routine, frozenset())
        sides[routine] = (
            [mood for day, mood in moods.items() if day in done_days],
            [mood for day, mood in moods.items() if day not in done_days and day in expected_days],
        )
    breathed = done.get("breathe", frozenset())
    sides["reset"] = (
        [mood for day, mood in moods.items() if day in setback_days and day in breathed],
        [mood for day, mood in moods.items() if day in setback_days and day not in breathed],
    )
    sides["setback"] = (
        [mood for day, mood in moods.items() if day in setback_days],
        [mood for day, mood in moods.items() if day not in setback_days],
    )
    any_done = frozenset().union(*done.values()) if done else frozenset()
    rough: list[float] = []
    other: list[float] = []
    for day, mood in moods.items():
        following = day + ONE_DAY
        if following > last_finished_day:
            continue
        (rough if mood <= ROUGH_MOOD else other).append(1.0 if following in any_done else 0.0)
    sides["after_rough_day"] = (rough, other)
    return sides


def _p_value(name: str, with_values: list[float], without_values: list[float]) -> float:
    if name == "after_rough_day":
        return fisher_p(
            round(sum(with_values)), len(with_values), round(sum(without_values)), len(without_values)
        )
    return welch_p(with_values, without_values)


def find_insights(
    moods: Mapping[date, int],
    done: Mapping[str, Set[date]],
    expected: Mapping[str, Set[date]],
    setback_days: Set[date],
    last_finished_day: date,
) -> Insights:
    """Every comparison, tested where there is enough data, and the findings worth a sentence.

    `moods` are the evening moods (1-5) by local day over the window the caller chose;
    `done[routine]` the days each routine was done; `expected[routine]` the days it was expected
    (on, not paused, not jumped over by a zone change); `setback_days` the days with a setback.
    """
    mood_days = len(moods)
    sides = _sides(moods, done, expected, setback_days, last_finished_day)
    testable = [
        name
        for name in COMPARISONS
        if mood_days >= MIN_MOOD_DAYS and min(len(sides[name][0]), len(sides[name][1])) >= MIN_SIDE_DAYS
    ]
    p_values = {name: _p_value(name, *sides[name]) for name in testable}
    rejected, adjusted = benjamini_hochberg([p_values[name] for name in testable])
    passed = dict(zip(testable, rejected, strict=True))
    adjusted_by_name = dict(zip(testable, adjusted, strict=True))

    comparisons = []
    for name in COMPARISONS:
        with_values, without_values = sides[name]
        tested = name in p_values
        mood_with = mean(with_values) if with_values else None
        mood_without = mean(without_values) if without_values else None
        effect = cohens_d(with_values, without_values) if tested else None
        strong = tested and (effect is None or abs(effect) >= MIN_EFFECT)
        comparisons.append(
            Finding(
                practice=name,
                measure="next_day_practice" if name == "after_rough_day" else "evening_mood",
                with_days=len(with_values),
                without_days=len(without_values),
                mood_with=mood_with,
                mood_without=mood_without,
                difference=None if mood_with is None or mood_without is None else mood_with - mood_without,
                effect_size=effect,
                p_value=p_values.get(name),
                adjusted_p=adjusted_by_name.get(name),
                tested=tested,
                shown=bool(passed.get(name)) and strong,
                sentence=_sentence(name, with_values, without_values) if tested else "",
                needs=None if tested else _needs(len(with_values), len(without_values)),
            )
        )
    shown = tuple(
        sorted(
            (finding for finding in comparisons if finding.shown),
            key=lambda finding: (finding.adjusted_p, COMPARISONS.index(finding.practice)),
        )
    )
    return Insights(
        mood_days=mood_days,
        findings=shown,
        comparisons=tuple(comparisons),
        needs=_overall_needs(mood_days, sides) if not p_values else None,
        note=None
        if shown or not p_values
        else N_("No clear links yet: the differences so far are small enough to be chance. Keep going."),
    )


def more_evenings_needed(mood_days: int, sides) -> int:
    """The fewest more evenings with a mood before some comparison could be tested.

    Each new evening adds one day to one side of a comparison at best, so the count is the
    larger of what the whole needs and the smallest shortfall of any one comparison.
    """
    shortfall = min(
        max(0, MIN_SIDE_DAYS - len(with_values)) + max(0, MIN_SIDE_DAYS - len(without_values))
        for with_values, without_values in sides.values()
    )
    return max(MIN_MOOD_DAYS - mood_days, shortfall, 1)


def _overall_needs(mood_days: int, sides):
    more = more_evenings(more_evenings_needed(mood_days, sides))
    if mood_days < MIN_MOOD_DAYS and not mood_days:
        return N_(
            "Nothing to say yet: Rebound compares days only once it has %(min)d evenings with a "
            "mood, and none yet. At least %(more)s, and there may be something to see.",
            min=MIN_MOOD_DAYS,
            more=more,
        )
    if mood_days < MIN_MOOD_DAYS:
        return N_(
            "Nothing to say yet: Rebound compares days only once it has %(min)d evenings with a "
            "mood, and so far you have %(have)s. At least %(more)s, and there may be something to see.",
            min=MIN_MOOD_DAYS,
            have=evenings(mood_days),
            more=more,
        )
    return N_(
        "Nothing to say yet: each comparison needs at least %(min)d days on each side. "
        "At least %(more)s with a mood, and there may be something to see.",
        min=MIN_SIDE_DAYS,
        more=more,
    )
