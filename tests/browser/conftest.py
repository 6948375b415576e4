"""Real-browser fixtures: Chromium on a phone viewport against a real `parcours serve`.

The whole folder is skipped (each module reported as skipped, with the reason) when Chromium
(/usr/bin/chromium, or $PARCOURS_CHROMIUM) or the Python packages `playwright` and
`axe-playwright-python` are missing. No browser is ever downloaded: the system Chromium is
driven through Playwright's sync API, WebGL going through SwiftShader.

Every test may save full-page screenshots in the artefacts folder ($PARCOURS_ARTEFACTS or
test-artefacts/screenshots): they are for a person to look at, never compared. Any uncaught
JavaScript error (`pageerror`) in a page of a test fails that test; console errors about
failed loads (map tiles: the machine may have no network) do not.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.conftest import Server, start_server, stop

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path(os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium"))


def _missing() -> str | None:
    """Why these tests cannot run here, or None."""
    if not CHROMIUM.is_file():
        return f"browser tests need Chromium at {CHROMIUM} (or set PARCOURS_CHROMIUM)"
    if importlib.util.find_spec("playwright") is None:
        return "browser tests need the Python package playwright (pip install playwright)"
    if importlib.util.find_spec("axe_playwright_python") is None:
        return "browser tests need the Python package axe-playwright-python"
    return None


MISSING = _missing()

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("PARCOURS_ARTEFACTS") or REPO / "test-artefacts" / "screenshots")

LAUNCH_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
#: A mid-sized phone (iPhone 12-15 class), touch, service workers on.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "service_workers": "allow",
}
#: Default time limits (ms): every wait of these tests is bounded.
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 20_000
#: Loading a model through SwiftShader (software WebGL) can take a few seconds.
MODEL_TIMEOUT_MS = 30_000


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: real-browser tests (Chromium + Playwright)")


class _SkippedModule(pytest.Module):
    def collect(self) -> list[pytest.Item]:
        pytest.skip(MISSING or "")


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> object:
    """Without Chromium or Playwright, report each test module as skipped (not imported)."""
    if MISSING:
        return _SkippedModule.from_parent(parent, path=module_path)
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a test whose pages threw an uncaught JavaScript error, even if it asserted all."""
    try:
        result = yield
    except BaseException:
        errors = getattr(item, "funcargs", {}).get("js_errors")
        if errors:  # shown beside the failure: often its cause
            item.add_report_section("call", "uncaught JavaScript errors", "\n".join(errors))
        raise
    errors = getattr(item, "funcargs", {}).get("js_errors")
    if errors:
        pytest.fail("uncaught JavaScript errors:\n" + "\n".join(errors), pytrace=False)
    return result


# --- Server ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_root() -> Path:
    """The bundled content with its models, posters and narrations built (incremental)."""
    from parcours.build import build_all
    from parcours.settings import settings_from_env

    settings = settings_from_env()
    build_all(settings)
    return settings.root


@pytest.fixture(scope="session")
def server(built_root: Path) -> Iterator[Server]:
    running = start_server(root=built_root, wait=60)
    yield running
    stop(running)


# --- Browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, timeout=30_000
        )
        yield launched
        launched.close()


@pytest.fixture
def locale() -> str:
    """The phone's language (Accept-Language); override with parametrize or a fixture."""
    return "fr-FR"


@pytest.fixture
def js_errors() -> list[str]:
    return []


@pytest.fixture
def new_context(
    browser: Browser, server: Server, locale: str, js_errors: list[str]
) -> Iterator[Callable[..., BrowserContext]]:
    """Make phone contexts (options override PHONE); all closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(
            **{**PHONE, "locale": locale, "base_url": server.base, **options}
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)

        def watch(page: Page) -> None:
            page.on("pageerror", lambda error: js_errors.append(f"{page.url}: {error}"))

        context.on("page", watch)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# --- Artefacts ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


@pytest.fixture
def shoot(artefacts: Path) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot named after what it shows (e.g. site-caph-8n-de)."""

    def save(page: Page, name: str) -> Path:
        path = artefacts / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True, timeout=30_000)
        return path

    return save


# --- Helpers shared by the tests ---------------------------------------------------------

EARTH_RADIUS_M = 6371008.8  # the same as parcours/geo.py and parcours.js


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    rad = math.radians
    a = (
        math.sin(rad(lat2 - lat1) / 2) ** 2
        + math.cos(rad(lat1)) * math.cos(rad(lat2)) * math.sin(rad(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def wait_for_model(page: Page, selector: str = "model-viewer.model") -> None:
    """Wait until the first matching viewer fired `load` (parcours.js sets data-loaded).

    The viewers load lazily (loading="lazy"): as a visitor would, scroll the viewer into view.
    """
    page.locator(selector).first.scroll_into_view_if_needed()
    page.wait_for_function(
        """(selector) => {
            const v = document.querySelector(selector);
            if (v && v.dataset.loaded === 'error') throw new Error('model-viewer error event');
            return v && v.dataset.loaded === 'true';
        }""",
        arg=selector,
        timeout=MODEL_TIMEOUT_MS,
    )
