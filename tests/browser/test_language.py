"""The language a visitor picked is remembered: a sign's short link opens in that language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

SITE_PATH = "/sites/caph-8n-cite-lagrange"

Shoot = Callable[[Page, str], Any]


@pytest.fixture
def locale() -> str:
    return "de-DE"


def test_short_link_follows_the_phone_language(page: Page) -> None:
    """Without a choice, Accept-Language decides (the control for the test below)."""
    page.goto("/s/8n")
    assert page.url.endswith(f"{SITE_PATH}?lang=de"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_short_link_remembers_the_chosen_language(
    context: BrowserContext, page: Page, shoot: Shoot
) -> None:
    page.goto("/?lang=nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert any(c["name"] == "parcours_lang" and c["value"] == "nl" for c in context.cookies())
    page.goto("/s/8n")
    assert page.url.endswith(f"{SITE_PATH}?lang=nl"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    shoot(page, "site-caph-8n-nl-from-short-link")


def test_language_link_in_the_header_is_remembered(context: BrowserContext, page: Page) -> None:
    """A click on a language in the header is kept too, then wins over Accept-Language."""
    page.goto(f"{SITE_PATH}?lang=fr")
    page.locator('.langs a[data-remember-lang="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/s/8n")
    assert page.url.endswith(f"{SITE_PATH}?lang=en"), page.url
