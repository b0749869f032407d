"""A full-page picture of every page on a phone (390×844), light and dark, for people to look at.

Saved as test-artifacts/screenshots/<page>-<light|dark>.png. The account, the clocks and the phones
are those of `test_accessibility`, so the pictures show the same data on the same fixed day.
"""

from __future__ import annotations

import pytest

from .conftest import PHONE, horizontal_overflow, snap
from .test_accessibility import PAGES, open_page, page_problems, phones, scheme, seeded  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def snap_whole_page(phone, name: str):
    """`snap`, with the window as tall as the page: the fixed tab bar then sits at the bottom of the
    picture, where a phone shows it, instead of across the middle of a full-page capture."""
    height = phone.evaluate("document.documentElement.scrollHeight")
    phone.set_viewport_size(
        {"width": PHONE["viewport"]["width"], "height": max(height, PHONE["viewport"]["height"])}
    )
    try:
        return snap(phone, name)
    finally:
        phone.set_viewport_size(PHONE["viewport"])


@pytest.mark.parametrize("page", PAGES, ids=[page.slug for page in PAGES])
def test_every_page_fits_a_phone_and_is_saved_as_a_screenshot(phones, seeded, scheme, page, _live_server):  # noqa: F811
    errors_before = len(_live_server.errors)
    phone = open_page(phones, seeded, page)

    assert horizontal_overflow(phone) == 0, f"{page.path} scrolls sideways at 390 px in {scheme} mode"
    path = snap_whole_page(phone, f"{page.slug}-{scheme}")
    assert path.stat().st_size > 0
    assert not _live_server.errors[errors_before:], f"the server raised: {_live_server.errors}"
    assert page_problems(phone) == [], f"{page.path} in {scheme} mode"
