"""On a 390 px wide phone, no page scrolls sideways (WCAG 1.4.10 Reflow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

TRAILS = sorted(p.stem for p in (Path(__file__).parents[2] / "tours").glob("*.yaml"))


@pytest.mark.parametrize(
    "path",
    [
        "/?lang=fr",
        "/sites/caph-8n-cite-lagrange?lang=fr",
        "/sites/caph-20-monument-a-charles-mathieu?lang=fr",
        "/sites/caph-8x-cite-sabatier?lang=de",
        "/assets/denain-1712-diorama?lang=nl",
        "/embed/sites/caph-8n-cite-lagrange?lang=en",
        *(f"/trails/{trail}?lang=fr" for trail in TRAILS),
    ],
)
def test_no_sideways_scrolling(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth,"
        " client: document.documentElement.clientWidth})"
    )
    too_wide = page.evaluate(
        """() => {
          const edge = document.documentElement.clientWidth + 1;
          return [...document.querySelectorAll('main *')]
            .filter((el) => !el.closest('.visually-hidden, .map'))
            .filter((el) => el.getBoundingClientRect().right > edge)
            .slice(0, 5)
            .map((el) => `${el.tagName.toLowerCase()}: ${el.textContent.slice(0, 80)}`);
        }"""
    )
    assert widths["scroll"] <= widths["client"], (widths, too_wide)
