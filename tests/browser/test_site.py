"""A site page on a phone: poster first, then the 3D model, its hotspots and AR, in any language."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route, expect

from parcours.trail_docs import format_bytes
from tests.browser.conftest import MODEL_TIMEOUT_MS, wait_for_model
from tests.e2e.conftest import Server

SITE = "caph-8n-cite-lagrange"
VIEWER = "model-viewer.model"

Shoot = Callable[[Page, str], Any]


def asset_document(server: Server, lang: str) -> dict[str, Any]:
    response = server.get(f"/api/assets/{SITE}", params={"lang": lang})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def hotspot_labels(page: Page) -> list[tuple[str, str | None]]:
    pairs = page.locator(f"{VIEWER} .hotspot").evaluate_all(
        "spots => spots.map((s) => [s.textContent.trim(), s.getAttribute('lang')])"
    )
    return [(text, lang) for text, lang in pairs]


def test_poster_first_then_model_hotspots_and_ar(server: Server, page: Page, shoot: Shoot) -> None:
    doc = asset_document(server, "de")
    variants = doc["variants"]
    # Hold the viewer library back: what the phone shows before any model is requested.
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/vendor/model-viewer.min.js", hold)
    page.goto(f"/sites/{SITE}?lang=de", wait_until="domcontentloaded")
    viewer = page.locator(VIEWER)
    expect(viewer).to_have_attribute("poster", variants["poster"]["url"])
    assert viewer.get_attribute("src") is None
    assert viewer.evaluate("v => v.src === undefined || v.src === null || v.src === ''")
    poster = page.locator(f"{VIEWER} img.poster")
    expect(poster).to_have_attribute("src", variants["poster"]["url"])
    expect(poster).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.poster'); "
        "return i && i.complete && i.naturalWidth > 0; }"
    )
    shoot(page, "site-caph-8n-de-poster")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the page never asked for /vendor/model-viewer.min.js"
    for route in held:
        route.fallback()
    page.unroute("**/vendor/model-viewer.min.js", hold)

    wait_for_model(page)
    state = viewer.evaluate("v => ({loaded: v.loaded, src: v.src})")
    assert state["loaded"] is True
    assert state["src"].endswith(variants["phone"]["url"]), state
    expected = [(h["label"]["text"], h["label"]["lang"]) for h in doc["hotspots"]]
    assert hotspot_labels(page) == expected
    # AR: the attributes model-viewer reads to offer WebXR, Scene Viewer and Quick Look.
    assert viewer.get_attribute("ar") is not None
    assert viewer.get_attribute("ar-modes") == "webxr scene-viewer quick-look"
    assert viewer.get_attribute("ios-src") == variants["usdz"]["url"]
    expect(page.locator(".viewer-tools")).to_be_visible()
    page.wait_for_timeout(500)  # let the first frames reach the canvas
    shoot(page, "site-caph-8n-de")


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_hotspot_labels_follow_lang(server: Server, page: Page, shoot: Shoot, lang: str) -> None:
    doc = asset_document(server, lang)
    german = [h["label"]["text"] for h in asset_document(server, "de")["hotspots"]]
    expected = [(h["label"]["text"], h["label"]["lang"]) for h in doc["hotspots"]]
    assert [text for text, _ in expected] != german, "the fixture content should differ by lang"
    page.goto(f"/sites/{SITE}?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert hotspot_labels(page) == expected
    wait_for_model(page)
    assert hotspot_labels(page) == expected
    shoot(page, f"site-caph-8n-{lang}")


def test_without_javascript_poster_and_description(
    server: Server, new_context: Callable[..., BrowserContext], shoot: Shoot
) -> None:
    doc = asset_document(server, "de")
    site = server.get(f"/api/sites/{SITE}", params={"lang": "de"}).json()
    page = new_context(java_script_enabled=False).new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"/sites/{SITE}?lang=de")
    poster = page.locator(f"{VIEWER} img.poster")
    expect(poster).to_be_visible()
    expect(poster).to_have_attribute("src", doc["variants"]["poster"]["url"])
    expect(poster).to_have_attribute("alt", doc["alt"]["text"])
    box = poster.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100
    first_paragraph = site["description"]["text"].split("\n\n")[0]
    expect(page.locator(".description p").first).to_have_text(first_paragraph)
    expect(page.locator("h1")).to_have_text(site["name"]["text"])
    # The enhancements stay out of the way: no viewer tools, no model download.
    expect(page.locator(".viewer-tools")).to_be_hidden()
    assert not [url for url in requests if url.endswith(".glb")]
    assert any(url.endswith(doc["variants"]["poster"]["url"]) for url in requests)
    shoot(page, "site-caph-8n-de-nojs")


SAVE_DATA = """
Object.defineProperty(navigator, 'connection', {
  configurable: true,
  value: {saveData: true, effectiveType: '4g', addEventListener() {}, removeEventListener() {}},
});
"""


def test_save_data_waits_for_a_tap(
    server: Server, context: BrowserContext, page: Page, shoot: Shoot
) -> None:
    doc = asset_document(server, "fr")
    phone = doc["variants"]["phone"]
    context.add_init_script(SAVE_DATA)
    model_requests: list[str] = []

    def spot(request: Request) -> None:
        if request.url.endswith(phone["url"]):
            model_requests.append(request.url)

    context.on("request", spot)
    page.goto(f"/sites/{SITE}?lang=fr")
    assert page.evaluate("navigator.connection.saveData") is True
    button = page.locator(".load-model")
    expect(button).to_be_visible()
    expect(button).to_contain_text(format_bytes(phone["bytes"], "fr"))
    expect(button).to_contain_text(re.compile(r"\d+\s?(ko|kB|Mo|MB)"))
    page.wait_for_timeout(3000)
    fetched = page.evaluate(
        "(url) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(url))",
        phone["url"],
    )
    assert not model_requests
    assert not fetched, "the model was fetched although Save-Data is on"
    assert page.locator(VIEWER).evaluate("v => !v.src")
    shoot(page, "site-caph-8n-fr-save-data")

    page.locator(VIEWER).evaluate(
        "v => { window.__loadFired = false;"
        " v.addEventListener('load', () => { window.__loadFired = true; }, {once: true}); }"
    )
    button.click()
    expect(button).to_be_hidden()
    page.wait_for_function("() => window.__loadFired === true", timeout=MODEL_TIMEOUT_MS)
    wait_for_model(page)
    assert model_requests or page.evaluate(
        "(url) => performance.getEntriesByType('resource').some((e) => e.name.endsWith(url))",
        phone["url"],
    )
    shoot(page, "site-caph-8n-fr-save-data-loaded")
