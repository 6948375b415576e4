"""The home page: sites around the visitor, the live map (even with no tiles) and the plain map."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.conftest import distance_m
from tests.e2e.conftest import Server

#: Wallers, south-west of Arenberg (the position named in the test plan).
WALLERS = {"latitude": 50.3745, "longitude": 3.4095}
#: The Fosse d'Arenberg (Arenberg Creative Mine), Wallers.
FOSSE_ARENBERG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"
SITES = 53

Shoot = Callable[[Page, str], Any]


def near_me(page: Page, where: dict[str, float]) -> Locator:
    """Tap "near me" and check the list is the 53 sites sorted by distance from `where`."""
    page.goto("/?lang=fr")
    data = json.loads(page.locator("#map-data").text_content() or "{}")
    assert len(data["sites"]) == SITES
    near = page.locator("#near-me")
    expect(near).to_be_visible()
    near.click()
    items = page.locator("#near-list > li")
    expect(page.locator("#near-list")).to_be_visible()
    expect(items).to_have_count(SITES)
    hrefs = items.locator("a").evaluate_all("links => links.map((a) => a.getAttribute('href'))")
    by_distance = sorted(
        data["sites"],
        key=lambda s: distance_m(where["latitude"], where["longitude"], s["lat"], s["lon"]),
    )
    assert hrefs == [site["href"] for site in by_distance]
    expect(page.locator("#near-status")).to_have_text("")
    return items


def test_near_me_sorts_sites_by_distance(
    new_context: Callable[..., BrowserContext], shoot: Shoot
) -> None:
    context = new_context(geolocation=WALLERS, permissions=["geolocation"])
    page = context.new_page()
    items = near_me(page, WALLERS)
    expect(items.first).to_contain_text("Wallers")

    # The live map: Leaflet draws all the sites although no tile can load here.
    expect(page.locator("#map")).to_have_class("map live")
    expect(page.locator("#map svg.plain-map")).to_be_hidden()
    markers = page.locator('#map .leaflet-overlay-pane path.leaflet-interactive[stroke="#fff"]')
    expect(markers).to_have_count(SITES)
    assert page.locator("#map path.leaflet-interactive").count() >= SITES
    shoot(page, "home-fr-near-wallers")


def test_near_me_at_the_fosse_d_arenberg(
    server: Server, new_context: Callable[..., BrowserContext], shoot: Shoot
) -> None:
    location = server.get(f"/api/sites/{FOSSE_ARENBERG}", params={"lang": "fr"}).json()["location"]
    # About 40 m south-west of the catalogued point: at the gate rather than on the headframe.
    here = {"latitude": location["lat"] - 0.0003, "longitude": location["lon"] - 0.0003}
    context = new_context(geolocation=here, permissions=["geolocation"])
    page = context.new_page()
    items = near_me(page, here)
    expect(items.first).to_contain_text("Arenberg")
    expect(items.first).to_contain_text("Wallers")
    expect(items.first.locator("a")).to_have_attribute("href", f"/sites/{FOSSE_ARENBERG}?lang=fr")
    shoot(page, "home-fr-near-fosse-arenberg")


def test_without_javascript_the_plain_map_shows_every_site(
    new_context: Callable[..., BrowserContext], shoot: Shoot
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/?lang=fr")
    plain = page.locator("#map svg.plain-map")
    expect(plain).to_be_visible()
    expect(plain.locator("circle")).to_have_count(SITES)
    expect(page.locator("#near-me")).to_be_hidden()
    expect(page.locator("ul.sites a[href^='/sites/']")).to_have_count(SITES)
    shoot(page, "home-fr-nojs")
