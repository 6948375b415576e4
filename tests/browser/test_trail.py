"""A trail walked with an emulated GPS: the guide opens each stop as the phone reaches it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import distance_m
from tests.e2e.conftest import Server

TRAIL = "denain-1712"
POSITION_TIMEOUT_MS = 10_000
#: The accuracy of every emulated fix (m): well under the guide's cap.
ACCURACY_M = 10

Shoot = Callable[[Page, str], Any]


def trail_document(server: Server, lang: str) -> dict[str, Any]:
    response = server.get(f"/api/trails/{TRAIL}", params={"lang": lang})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def toward(a: dict[str, float], b: dict[str, float], fraction: float) -> dict[str, float]:
    """The point `fraction` of the way from a to b (straight, fine over a few km)."""
    return {
        "lat": a["lat"] + (b["lat"] - a["lat"]) * fraction,
        "lon": a["lon"] + (b["lon"] - a["lon"]) * fraction,
    }


def beyond(a: dict[str, float], b: dict[str, float], metres: float) -> dict[str, float]:
    """The point `metres` past a, on the line from b through a (a walk arriving at a)."""
    return toward(a, b, -metres / distance_m(a["lat"], a["lon"], b["lat"], b["lon"]))


def metres_shown(text: str) -> float:
    """'300 m' or '1.8 km' (as formatted by Intl.NumberFormat in English) in metres."""
    match = re.fullmatch(r"([\d.,]+)\s*(m|km)", text.strip().replace("\u00a0", " "))
    assert match, f"not a distance: {text!r}"
    value = float(match.group(1).replace(",", ""))
    return value * 1000 if match.group(2) == "km" else value


def test_guided_walk_opens_stops_in_order(
    server: Server, context: BrowserContext, page: Page, shoot: Shoot
) -> None:
    doc = trail_document(server, "en")
    stops = doc["stops"]
    assert len(stops) >= 2
    locations = [stop["location"] for stop in stops]
    titles = [stop["title"]["text"] for stop in stops]

    def walk_to(where: dict[str, float]) -> None:
        context.set_geolocation(
            {"latitude": where["lat"], "longitude": where["lon"], "accuracy": ACCURACY_M}
        )

    def expect_heading_for(number: int, where: dict[str, float]) -> None:
        """Between stops: the guide names stop `number` and how far it is."""
        target = locations[number - 1]
        page.wait_for_function(
            "(title) => document.getElementById('next-stop-title').textContent === title",
            arg=f"{number}. {titles[number - 1]}",
            timeout=POSITION_TIMEOUT_MS,
        )
        expected = distance_m(where["lat"], where["lon"], target["lat"], target["lon"])
        page.wait_for_function(
            "() => document.getElementById('next-stop-distance').textContent !== ''",
            timeout=POSITION_TIMEOUT_MS,
        )
        shown = metres_shown(page.locator("#next-stop-distance").inner_text())
        # Rounded to 10 m under 1 km, to 100 m above: half a step of slack, and a little more.
        assert math.isclose(shown, expected, abs_tol=60), (shown, expected)

    def expect_at_stop(number: int) -> None:
        item = page.locator(f"li#stop-{number}")
        expect(item).to_have_attribute("aria-current", "step", timeout=POSITION_TIMEOUT_MS)
        expect(item.locator("details").first).to_have_js_property("open", True)
        expect(item.locator(".stop-body").first).to_be_visible()
        assert page.locator("li.stop[aria-current]").count() == 1
        for other in range(1, number):
            expect(page.locator(f"li#stop-{other}")).not_to_have_attribute("aria-current", "step")

    context.grant_permissions(["geolocation"])
    start = beyond(locations[0], locations[1], 300)
    walk_to(start)
    page.goto(f"/trails/{TRAIL}?lang=en")
    words = json.loads(page.locator("#trail-data").text_content() or "{}")["words"]
    expect(page.locator("#guide-status")).to_be_hidden()
    page.locator("#start").click()
    expect(page.locator("#guide-status")).to_be_visible(timeout=POSITION_TIMEOUT_MS)
    expect(page.locator("#stop-guide")).to_be_focused()
    expect_heading_for(1, start)
    assert page.locator("li.stop[aria-current]").count() == 0
    shoot(page, "trail-denain-1712-en-guide-start")

    previous = start
    for number, here in enumerate(locations, start=1):
        if number > 1:
            # Walking from the last stop: the guide keeps pointing at this one.
            for fraction in (0.25, 0.5, 0.75):
                step = toward(previous, here, fraction)
                walk_to(step)
                expect_heading_for(number, step)
                expect(page.locator(f"li#stop-{number}")).not_to_have_attribute(
                    "aria-current", "step"
                )
            expect(page.locator(f"li#stop-{number - 1}")).to_have_attribute("aria-current", "step")
        else:
            step = beyond(here, locations[1], 150)
            walk_to(step)
            expect_heading_for(1, step)
        walk_to(here)
        expect_at_stop(number)
        if number < len(locations):
            expect(page.locator("#guide-message")).to_have_text(
                words["at_stop"]
                .replace("%(number)d", str(number))
                .replace("%(title)s", titles[number - 1])
            )
            expect(page.locator("#next-stop-title")).to_have_text(f"{number + 1}. {titles[number]}")
        shoot(page, f"trail-denain-1712-en-guide-stop-{number}")
        previous = here

    expect(page.locator("#guide-message")).to_have_text(words["finished"])
    assert words["finished"] == "You are at the last stop of the trail."
    expect(page.locator("#next-stop-title")).to_have_text("")
    expect(page.locator("#next-stop-distance")).to_have_text("")


def test_dated_layers_switch(server: Server, page: Page, shoot: Shoot) -> None:
    doc = trail_document(server, "en")
    layers = doc["stops"][0]["layers"]
    assert len(layers) >= 2, "stop 1 of denain-1712 is expected to have dated layers"
    page.goto(f"/trails/{TRAIL}?lang=en")
    stop = page.locator("li#stop-1")
    stop.locator("summary").first.click()
    expect(stop.locator("details").first).to_have_js_property("open", True)
    switches = stop.locator(".layer-switch")
    expect(switches).to_have_count(len(layers))
    assert switches.evaluate_all("bs => bs.map((b) => b.tagName)") == ["BUTTON"] * len(layers)

    def expect_shown(layer_id: str) -> None:
        for layer in layers:
            on = layer["id"] == layer_id
            button = stop.locator(f'.layer-switch[data-layer="{layer["id"]}"]')
            section = stop.locator(f'section.layer[data-layer="{layer["id"]}"]')
            expect(button).to_be_visible()
            expect(button).to_have_attribute("aria-pressed", "true" if on else "false")
            if on:
                expect(section).to_be_visible()
                expect(section.locator("h3")).to_have_text(layer["label"]["text"])
            else:
                expect(section).to_be_hidden()

    expect_shown(layers[0]["id"])
    for layer in [*layers[1:], layers[0]]:
        stop.locator(f'.layer-switch[data-layer="{layer["id"]}"]').click()
        expect_shown(layer["id"])
    last = layers[-1]["id"]
    stop.locator(f'.layer-switch[data-layer="{last}"]').click()
    expect_shown(last)
    shoot(page, f"trail-denain-1712-en-stop-1-layer-{last}")
