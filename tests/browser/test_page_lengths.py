"""With a lived-in account (six weeks of demo history), no page is an endless stack on a phone,
and /progress's calendar fits the screen with squares a thumb can see. Light and dark, 390×844.

The account, clocks and phones are those of `test_accessibility`.
"""

from __future__ import annotations

import pytest

from .conftest import PHONE
from .test_accessibility import PAGES, open_page, phones, scheme, seeded  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

SCREEN = PHONE["viewport"]["height"]
# "About three screens": a page may run a quarter of a screen over, not a whole one.
MOST_SCREENS = 3.25


@pytest.mark.parametrize("page", [p for p in PAGES if p.signed_in], ids=lambda p: p.slug)
def test_no_page_is_longer_than_about_three_screens(phones, seeded, scheme, page):  # noqa: F811
    phone = open_page(phones, seeded, page)
    height = phone.evaluate("document.documentElement.scrollHeight")
    assert height <= MOST_SCREENS * SCREEN, f"{page.path} is {height / SCREEN:.1f} screens in {scheme} mode"


def test_the_progress_calendar_fits_a_phone_without_clipping(phones, seeded, scheme):  # noqa: F811
    phone = open_page(phones, seeded, next(p for p in PAGES if p.slug == "progress"))
    box = phone.locator(".heatmap").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    scroller = phone.locator(".heatmap-scroll")
    assert scroller.evaluate("element => element.scrollWidth - element.clientWidth") == 0
    # A day is a square of at least 12 CSS pixels (it was about 8 with the whole year squeezed in).
    cell = phone.locator(".heatmap rect.day-done").first.bounding_box()
    assert cell["width"] >= 12
    # Missed and Rest day differ in shape, not only in colour: a hollow square, a small dot.
    shapes = phone.evaluate(
        """() => ["missed", "off"].map((status) => {
             const cell = document.querySelector(`.heatmap rect.day-${status}`);
             if (!cell) return null;
             const style = getComputedStyle(cell);
             return {fill: style.fill, width: cell.getBoundingClientRect().width};
           })"""
    )
    missed, rest = shapes
    assert missed is not None and rest is not None, "the demo history has a missed day and a rest day"
    assert missed["fill"] == "none"
    assert rest["width"] < cell["width"] / 2
