"""A trail downloaded with signal, then opened with none: page, 3D model and narration work."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import wait_for_model
from tests.e2e.conftest import Server

TRAIL = "denain-1712"
DOWNLOAD_TIMEOUT_MS = 60_000

Shoot = Callable[[Page, str], Any]

PLAY = """async (audio) => {
  audio.muted = true;
  try {
    await audio.play();
  } catch (error) {
    return {error: String(error), readyState: audio.readyState};
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const state = {
    currentTime: audio.currentTime, readyState: audio.readyState,
    paused: audio.paused, error: audio.error && audio.error.code,
  };
  audio.pause();
  return state;
}"""


def test_downloaded_trail_works_offline(
    server: Server, context: BrowserContext, page: Page, shoot: Shoot
) -> None:
    doc = server.get(f"/api/trails/{TRAIL}", params={"lang": "en"}).json()
    url = f"/trails/{TRAIL}?lang=en"
    page.goto(url)
    # Bounded: a worker that fails to install never makes `ready` resolve.
    page.wait_for_function(
        "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))", timeout=20_000
    )
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null") is True

    download = page.locator("#download")
    expect(download).to_be_visible()
    expect(download).to_have_text(re.compile(r"\d.*\b(MB|kB)\b"))
    expect(download).not_to_have_attribute("data-state", "done")
    shoot(page, "trail-denain-1712-en-before-download")
    download.click()
    expect(download).to_have_attribute("data-state", "done", timeout=DOWNLOAD_TIMEOUT_MS)
    expect(page.locator("#forget")).to_be_visible()
    expect(page.locator("#download-status")).to_contain_text(re.compile(r"\d"))

    context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False
    page.reload()
    expect(page.locator("h1")).to_have_text(doc["title"]["text"])
    expect(page.locator("li.stop")).to_have_count(len(doc["stops"]))
    for stop in doc["stops"]:
        number = stop["index"] + 1
        expect(page.locator(f"li#stop-{number} summary").first).to_contain_text(
            stop["title"]["text"]
        )
    expect(download).to_have_attribute("data-state", "done")

    stop_1 = page.locator("li#stop-1")
    stop_1.locator("summary").first.click()
    expect(stop_1.locator("details").first).to_have_js_property("open", True)
    wait_for_model(page, "#stop-1 model-viewer")
    assert stop_1.locator("model-viewer").evaluate("v => v.loaded") is True

    audio = stop_1.locator("audio")
    assert (audio.get_attribute("src") or "") == doc["stops"][0]["audio"]["url"]
    state = audio.evaluate(PLAY, timeout=15_000)
    assert "error" not in state or state["error"] is None, state
    assert state["currentTime"] > 0 or state["readyState"] >= 2, state
    page.wait_for_timeout(300)
    shoot(page, "trail-denain-1712-en-offline-stop-1")
    context.set_offline(False)
