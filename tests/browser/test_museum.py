"""A museum's page on another origin embeds a site, as a CMS does it: oEmbed discovery, then
the iframe it returns. With an allow-list set, a page from any other origin is refused."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2 as httpx
import pytest

from tests.browser.conftest import MODEL_TIMEOUT_MS, PHONE
from tests.e2e.conftest import Server, free_port, start_server, stop

if TYPE_CHECKING:
    from playwright.sync_api import Browser


SITE = "caph-8n-cite-lagrange"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def serve_folder(folder: Path) -> tuple[str, ThreadingHTTPServer]:
    """A static web server on its own port: another origin than parcours."""
    port = free_port()
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}", httpd


@pytest.fixture
def museum_host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    origin, httpd = serve_folder(tmp_path)
    yield origin, tmp_path
    httpd.shutdown()
    httpd.server_close()


class _OEmbedLink(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("type") == "application/json+oembed":
            self.href = values.get("href")


def discover(page_url: str) -> dict[str, object]:
    """What a museum's CMS does with a URL pasted by an editor."""
    finder = _OEmbedLink()
    finder.feed(httpx.get(page_url, timeout=10).text)
    assert finder.href, "the page announces its oEmbed endpoint"
    answer = httpx.get(finder.href, timeout=10)
    assert answer.status_code == 200
    return dict(answer.json())


def museum_page(folder: Path, embed_html: str) -> str:
    (folder / "museum.html").write_text(
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Musée de Denain</title>"
        "</head><body><h1>Musée d'archéologie et d'histoire locale</h1>"
        f"<p>Découvrez la cité en 3D :</p>{embed_html}</body></html>",
        encoding="utf-8",
    )
    return "/museum.html"


def test_museum_embeds_a_site_through_oembed(
    browser: Browser, server: Server, museum_host: tuple[str, Path], artefacts: Path
) -> None:
    origin, folder = museum_host
    document = discover(f"{server.base}/sites/{SITE}?lang=en")
    assert document["type"] == "rich"
    path = museum_page(folder, str(document["html"]))
    labels = [
        spot["label"]["text"]
        for spot in httpx.get(f"{server.base}/api/assets/{SITE}?lang=en", timeout=10).json()[
            "hotspots"
        ]
    ]
    context = browser.new_context(**{**PHONE, "locale": "fr-FR"})
    try:
        page = context.new_page()
        page.goto(origin + path)
        frame = page.frame_locator("iframe")
        frame.locator("model-viewer[data-loaded='true']").wait_for(timeout=MODEL_TIMEOUT_MS)
        shown = frame.locator("button.hotspot").all_inner_texts()
        assert [text.strip() for text in shown] == labels
        assert page.locator("iframe").get_attribute("allow") == "xr-spatial-tracking; fullscreen"
        page.screenshot(path=str(artefacts / "museum-embed-site-en.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def guarded_server(
    monkeypatch: pytest.MonkeyPatch, museum_host: tuple[str, Path]
) -> Iterator[tuple[Server, str]]:
    """parcours allowing only one museum origin (serving the same folder) to frame it."""
    allowed, httpd = serve_folder(museum_host[1])
    monkeypatch.setenv("PARCOURS_EMBED_ORIGINS", allowed)
    running = start_server(wait=60)
    yield running, allowed
    stop(running)
    httpd.shutdown()
    httpd.server_close()


def test_origin_outside_the_allow_list_is_refused(
    browser: Browser,
    guarded_server: tuple[Server, str],
    museum_host: tuple[str, Path],
    artefacts: Path,
) -> None:
    server, allowed = guarded_server
    origin, folder = museum_host
    assert origin != allowed
    policy = httpx.get(f"{server.base}/embed/sites/{SITE}", timeout=10).headers[
        "content-security-policy"
    ]
    assert policy.endswith(f"frame-ancestors {allowed}")
    path = museum_page(
        folder, f'<iframe src="{server.base}/embed/sites/{SITE}?lang=en" title="3D"></iframe>'
    )
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(origin + path)
        page.wait_for_timeout(1500)
        frames = [f for f in page.frames if f != page.main_frame]
        assert frames, "the iframe exists"
        # Chromium replaces a refused frame by its error page: none of our document loads.
        assert not frames[0].url.startswith(server.base)
        assert frames[0].locator("model-viewer").count() == 0
        page.screenshot(path=str(artefacts / "museum-embed-refused.png"), full_page=True)
        # The same page from the allowed origin is framed.
        page.goto(allowed + path)
        page.frame_locator("iframe").locator("model-viewer").wait_for(state="attached")
    finally:
        context.close()
