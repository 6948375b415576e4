"""The visitor web app over HTTP: pages, short links, manifest, service worker, libraries, budget.

What only a browser can show (the model loading, guided mode, airplane mode) is in
tests/browser/; here are the bytes the server sends.
"""

from __future__ import annotations

import gzip
import io
import json
import re

import pytest
from PIL import Image
from starlette.testclient import TestClient

from parcours.errors import Problem
from parcours.mapsvg import MapPoint, svg_map
from parcours.shortcodes import build_codes, site_code, stop_code
from parcours.snapshot import Snapshot
from parcours.web.vendor import VENDOR_FILES

SITE = "caph-8n-cite-lagrange"


def _trail_data(html: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="trail-data">(.*?)</script>', html, re.S)
    assert match, "the trail page carries its data for guided mode"
    return dict(json.loads(match.group(1)))


# --- Short links ------------------------------------------------------------------------


def test_every_site_and_stop_has_a_unique_code(snapshot: Snapshot) -> None:
    codes, problems = build_codes(snapshot.sites, snapshot.trails.resolved.values())
    assert problems == []
    for site in snapshot.sites:
        assert codes[site_code(site)].site_id == site.id
    for trail_id, resolved in snapshot.trails.resolved.items():
        for index in range(len(resolved.trail.stops)):
            target = codes[stop_code(trail_id, index)]
            assert (target.trail_id, target.stop_index) == (trail_id, index)


def test_a_code_claimed_twice_is_a_content_problem(snapshot: Snapshot) -> None:
    trail = snapshot.trails.resolved["denain-1712"]
    site = snapshot.sites[0].model_copy(update={"id": "denain-1712-1"})
    _, problems = build_codes([site], [trail])
    assert len(problems) == 1 and isinstance(problems[0], Problem)
    assert "'denain-1712-1'" in problems[0].message
    assert problems[0].file == "tours/denain-1712.yaml" and problems[0].hint


def test_short_link_follows_the_phone_language(client: TestClient) -> None:
    answer = client.get(
        "/s/8N", headers={"Accept-Language": "nl-BE,nl;q=0.9"}, follow_redirects=False
    )
    assert answer.status_code == 302
    assert answer.headers["location"] == f"/sites/{SITE}?lang=nl"
    assert "Accept-Language" in answer.headers["vary"]
    stop = client.get("/s/denain-1712-2", headers={"Accept-Language": "de"}, follow_redirects=False)
    assert stop.headers["location"] == "/trails/denain-1712?lang=de#stop-2"
    assert (
        client.get("/s/8n?lang=en", follow_redirects=False).headers["location"].endswith("lang=en")
    )


def test_unknown_short_code_suggests_close_ones(client: TestClient) -> None:
    answer = client.get("/s/denain-1712-9")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert "denain-1712-1" in answer.text


def test_language_picked_on_a_page_is_remembered() -> None:
    from parcours.settings import Settings
    from parcours.web.app import create_app

    with TestClient(create_app(Settings())) as fresh:
        first = fresh.get("/?lang=nl")
        assert "parcours_lang=nl" in first.headers["set-cookie"]
        assert "samesite=lax" in first.headers["set-cookie"].lower()
        again = fresh.get("/", headers={"Accept-Language": "de"})
        assert again.headers["content-language"] == "nl"
        assert "Cookie" in again.headers["vary"]
        redirect = fresh.get("/s/8n", headers={"Accept-Language": "de"}, follow_redirects=False)
        assert redirect.headers["location"].endswith("lang=nl")


# --- Pages ------------------------------------------------------------------------------


def test_trail_page_lists_numbered_stops_and_carries_guided_mode_data(client: TestClient) -> None:
    answer = client.get("/trails/denain-1712?lang=en")
    assert answer.status_code == 200
    html = answer.text
    trail = client.get("/api/trails/denain-1712?lang=en").json()
    for stop in trail["stops"]:
        assert f'id="stop-{stop["index"] + 1}"' in html
        assert stop["title"]["text"] in html
    data = _trail_data(html)
    stops = data["stops"]
    assert isinstance(stops, list)
    assert [s["number"] for s in stops] == [1, 2, 3]
    assert stops[0]["radius_m"] == trail["stops"][0]["radius_m"]
    assert data["max_accuracy_m"] == 100.0
    words = data["words"]
    assert isinstance(words, dict)
    assert set(words["directions"]) == {"N", "NE", "E", "SE", "S", "SW", "W", "NW"}
    # The plain map: the route and every stop number, drawn without JavaScript or tiles.
    svg = re.search(r"<svg class=\"plain-map\".*?</svg>", html, re.S)
    assert svg and svg.group(0).count("<circle") == 3 and "<polyline" in svg.group(0)
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "OpenStreetMap" in html
    # Dated layers are all readable without JavaScript.
    assert html.count('class="layer"') >= 2


def test_unknown_trail_page_is_a_friendly_404(client: TestClient) -> None:
    answer = client.get("/trails/denain-1713")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]
    assert "denain-1712" in answer.text


def test_site_page_viewer_ar_hotspots_and_text_alternative(built_client: TestClient) -> None:
    html = built_client.get(f"/sites/{SITE}?lang=de").text
    asset = built_client.get(f"/api/assets/{SITE}?lang=de").json()
    variants = asset["variants"]
    assert f'data-src="{variants["phone"]["url"]}"' in html
    assert f'poster="{variants["poster"]["url"]}"' in html
    assert f'ios-src="{variants["usdz"]["url"]}"' in html
    assert 'ar-modes="webxr scene-viewer quick-look"' in html
    # No src before the page decides (Save-Data, slow networks): the poster comes first.
    viewer = re.search(r"<model-viewer[^>]*>", html, re.S)
    assert viewer and " src=" not in viewer.group(0)
    assert f'alt="{asset["alt"]["text"]}"' in html
    for spot in asset["hotspots"]:
        assert f">{spot['label']['text']}</button>" in html
        assert spot["text"]["text"] in html  # the text alternative lists every hotspot
    assert asset["description"]["text"] in html
    # The narration of the trail stops held here, with captions and transcript.
    assert '<audio controls preload="none"' in html
    assert 'kind="captions"' in html
    assert "autoplay" not in html


def test_site_page_budget_under_100_kb_compressed(built_client: TestClient) -> None:
    """HTML, CSS and our own JS of a site page, gzip as sent, before the model and viewer."""
    total = 0
    sizes = {}
    for path in (f"/sites/{SITE}?lang=fr", "/static/parcours.css", "/static/parcours.js"):
        answer = built_client.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        raw = len(gzip.compress(answer.content)) if "content-encoding" not in answer.headers else 0
        sizes[path] = int(answer.headers.get("content-length", raw)) if raw == 0 else raw
        total += sizes[path]
    assert total < 100_000, sizes


def test_pages_link_the_manifest_and_the_app_scripts(client: TestClient) -> None:
    html = client.get("/?lang=en").text
    assert '<link rel="manifest" href="/manifest.webmanifest?lang=en">' in html
    assert '<script src="/static/parcours.js" defer></script>' in html
    assert 'id="near-me"' in html and 'id="map-data"' in html
    svg = re.search(r"<svg class=\"plain-map\".*?</svg>", html, re.S)
    assert svg and svg.group(0).count("<circle") == 53


# --- App shell --------------------------------------------------------------------------


def test_manifest_is_localized_and_installable(client: TestClient) -> None:
    answer = client.get("/manifest.webmanifest?lang=en")
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = answer.json()
    for member in ("name", "short_name", "start_url", "scope", "display", "icons", "lang"):
        assert manifest[member], member
    assert manifest["lang"] == "en" and manifest["start_url"] == "/?lang=en"
    assert manifest["name"] != client.get("/manifest.webmanifest?lang=fr").json()["name"]
    sizes = set()
    for icon in manifest["icons"]:
        fetched = client.get(icon["src"])
        assert fetched.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            image = Image.open(io.BytesIO(fetched.content))
            assert f"{image.width}x{image.height}" == icon["sizes"]
            sizes.add(image.width)
    assert {192, 512} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_service_worker_is_served_at_the_root_and_revalidated(client: TestClient) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    assert "addEventListener('fetch'" in answer.text
    assert client.get("/static/sw.js").status_code == 404


@pytest.mark.parametrize("name", sorted(VENDOR_FILES))
def test_browser_libraries_are_served_by_parcours(client: TestClient, name: str) -> None:
    vendor = client.app.state.vendor  # type: ignore[attr-defined]
    if name in vendor.missing:
        pytest.skip(f"node_modules lacks {name}: run `npm ci`")
    answer = client.get(f"/vendor/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(VENDOR_FILES[name][1].split(";")[0])
    assert answer.headers["etag"]


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/../package.json",
        "/vendor/%2e%2e/package.json",
        "/vendor/leaflet/package.json",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
    ],
)
def test_only_listed_files_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


# --- The plain map ----------------------------------------------------------------------


def test_plain_map_puts_north_up_and_everything_inside() -> None:
    north = MapPoint(50.45, 3.40, "north", 1)
    south = MapPoint(50.30, 3.50, "south", 2)
    svg = svg_map([north, south], [(50.45, 3.40), (50.30, 3.50)], title="T & <map>")
    circles = [tuple(map(float, m)) for m in re.findall(r'cx="([\d.]+)" cy="([\d.]+)"', svg)]
    (x1, y1), (x2, y2) = circles
    assert y1 < y2 and x1 < x2  # north above, east to the right
    assert all(0 <= x <= 640 and 0 <= y <= 400 for x, y in circles)
    assert '<title id="map-title">T &amp; &lt;map&gt;</title>' in svg
