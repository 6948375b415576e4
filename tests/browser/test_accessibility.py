"""Accessibility: axe finds no serious or critical violation; the viewer works with a keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, expect

from tests.browser.conftest import wait_for_model

SITE = "caph-8n-cite-lagrange"
TRAIL = "denain-1712"
BLOCKING = {"serious", "critical"}

Shoot = Callable[[Page, str], Any]


def blocking_violations(page: Page) -> list[dict[str, Any]]:
    results = Axe().run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [v for v in violations if v.get("impact") in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '')[:200]!r}")
    return "\n".join(lines)


def open_home(page: Page) -> None:
    page.goto("/?lang=fr")
    expect(page.locator("#map")).to_have_class("map live")


def open_site(page: Page) -> None:
    page.goto(f"/sites/{SITE}?lang=fr")
    wait_for_model(page)


def open_trail_stop(page: Page) -> None:
    page.goto(f"/trails/{TRAIL}?lang=fr")
    page.locator("#stop-1 summary").first.click()
    expect(page.locator("#stop-1 details").first).to_have_js_property("open", True)
    wait_for_model(page, "#stop-1 model-viewer")


def open_embed_site(page: Page) -> None:
    page.goto(f"/embed/sites/{SITE}?lang=en&autorotate=1")
    wait_for_model(page)


def open_embed_trail(page: Page) -> None:
    page.goto(f"/embed/trails/{TRAIL}?lang=nl")
    expect(page.locator("#map")).to_have_class("map live")


def open_asset(page: Page) -> None:
    page.goto("/assets/denain-1712-diorama?lang=de")
    wait_for_model(page)


@pytest.mark.parametrize(
    ("name", "visit"),
    [
        pytest.param("home-fr", open_home, id="home"),
        pytest.param("embed-site-caph-8n-en", open_embed_site, id="embed-site"),
        pytest.param("embed-trail-denain-1712-nl", open_embed_trail, id="embed-trail"),
        pytest.param("asset-diorama-de", open_asset, id="asset"),
        pytest.param("site-caph-8n-fr", open_site, id="site"),
        pytest.param("trail-denain-1712-fr", open_trail_stop, id="trail-stop-open"),
    ],
)
def test_axe_finds_no_serious_violation(
    page: Page, shoot: Shoot, name: str, visit: Callable[[Page], None]
) -> None:
    visit(page)
    violations = blocking_violations(page)
    shoot(page, f"axe-{name}")
    assert not violations, "axe found serious or critical violations:\n" + describe(violations)


def test_keyboard_reaches_the_viewer_and_its_controls(page: Page) -> None:
    page.goto(f"/sites/{SITE}?lang=fr")
    wait_for_model(page)
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: list[str] = []
    wanted = {"model-viewer", *(f"orbit:{how}" for how in ("left", "right", "in", "out", "reset"))}
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return 'body';
              if (el.dataset.orbit) return `orbit:${el.dataset.orbit}`;
              return el.tagName.toLowerCase();
            }"""
        )
        reached.append(focused)
        if wanted <= set(reached):
            break
    assert wanted <= set(reached), f"never focused {wanted - set(reached)} in {reached}"
    assert reached.index("model-viewer") < reached.index("orbit:left")
    # Each control does something visible to whoever uses it (no mouse needed).
    page.locator('[data-orbit="left"]').focus()
    before = page.locator("model-viewer.model").evaluate("v => v.getCameraOrbit().theta")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(before) => Math.abs(document.querySelector('model-viewer.model')"
        ".getCameraOrbit().theta - before) > 0.1",
        arg=before,
    )
    # The AR entry is a real button, whatever model-viewer decides about showing it.
    ar = page.locator('model-viewer.model [slot="ar-button"]')
    assert ar.evaluate("b => b.tagName") == "BUTTON"
    assert ar.get_attribute("type") == "button"
    assert (ar.text_content() or "").strip()
