"""Museums embed parcours: embed pages, oEmbed, framing rules and schema.org on every page."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
import pytest
from starlette.testclient import TestClient

from parcours.settings import Settings, SettingsError, settings_from_env
from parcours.web.app import create_app

SITE = "caph-8n-cite-lagrange"
BASE = "http://testserver"

#: oEmbed 1.0 (oembed.com, section 2.3.4) for type "rich", as we answer it.
OEMBED_SCHEMA = {
    "type": "object",
    "required": ["type", "version", "html", "width", "height"],
    "properties": {
        "type": {"const": "rich"},
        "version": {"const": "1.0"},
        "html": {"type": "string", "pattern": "^<iframe "},
        "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1},
        "title": {"type": "string"},
        "provider_name": {"type": "string"},
        "provider_url": {"type": "string", "format": "uri"},
        "cache_age": {"type": "integer"},
        "thumbnail_url": {"type": "string"},
        "thumbnail_width": {"type": "integer"},
        "thumbnail_height": {"type": "integer"},
    },
    "dependentRequired": {
        "thumbnail_url": ["thumbnail_width", "thumbnail_height"],
        "thumbnail_width": ["thumbnail_url", "thumbnail_height"],
    },
}


class Heads(HTMLParser):
    """<link> and JSON-LD of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.json_ld: list[object] = []
        self._ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "link":
            self.links.append(values)
        self._ld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._ld:
            self.json_ld.append(json.loads(data))
            self._ld = False


def directive(policy: str, name: str) -> str:
    """One directive of a Content-Security-Policy header."""
    found = [d.strip() for d in policy.split(";") if d.strip().startswith(name + " ")]
    assert len(found) == 1, policy
    return found[0]


def heads(html: str) -> Heads:
    parser = Heads()
    parser.feed(html)
    return parser


def oembed(client: TestClient, url: str, **params: str) -> dict[str, object]:
    answer = client.get("/oembed?" + urlencode({"url": url, **params}))
    assert answer.status_code == 200, answer.text
    document = answer.json()
    jsonschema.validate(document, OEMBED_SCHEMA)
    return dict(document)


# --- oEmbed -----------------------------------------------------------------------------


def test_oembed_of_a_site_is_an_iframe_to_its_embed_page(built_client: TestClient) -> None:
    document = oembed(built_client, f"{BASE}/sites/{SITE}?lang=de")
    html = str(document["html"])
    src = re.search(r'src="([^"]+)"', html)
    assert src and src.group(1).replace("&amp;", "&") == f"{BASE}/embed/sites/{SITE}?lang=de"
    assert 'allow="xr-spatial-tracking; fullscreen"' in html and 'title="Cité Lagrange"' in html
    assert document["title"] == "Cité Lagrange"
    poster = built_client.get(f"/api/assets/{SITE}").json()["variants"]["poster"]["url"]
    assert document["thumbnail_url"] == BASE + poster
    assert built_client.get(str(document["thumbnail_url"])).status_code == 200
    assert built_client.get(src.group(1).replace("&amp;", "&")).status_code == 200


def test_oembed_respects_maxwidth_and_maxheight(built_client: TestClient) -> None:
    url = f"{BASE}/trails/denain-1712"
    full = oembed(built_client, url)
    small = oembed(built_client, url, maxwidth="320", maxheight="300")
    assert int(str(small["width"])) <= 320 and int(str(small["height"])) <= 300
    ratio = int(str(full["width"])) / int(str(full["height"]))
    assert abs(int(str(small["width"])) / int(str(small["height"])) - ratio) < 0.02
    thumb = oembed(built_client, f"{BASE}/sites/{SITE}", maxwidth="200")
    assert "thumbnail_url" not in thumb  # a 512 px poster would not fit


def test_oembed_keeps_the_embed_options_and_the_language(built_client: TestClient) -> None:
    url = f"{BASE}/embed/assets/{SITE}?lang=nl&hotspots=0&autorotate=1"
    src = re.search(r'src="([^"]+)"', str(oembed(built_client, url)["html"]))
    assert src
    query = parse_qs(urlsplit(src.group(1).replace("&amp;", "&")).query)
    assert query == {"lang": ["nl"], "hotspots": ["0"], "autorotate": ["1"]}


def test_oembed_xml(built_client: TestClient) -> None:
    answer = built_client.get(
        "/oembed?" + urlencode({"url": f"{BASE}/trails/denain-1712", "format": "xml"})
    )
    assert answer.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(answer.content)
    assert root.tag == "oembed"
    assert {"type", "version", "html", "width", "height"} <= {child.tag for child in root}
    assert root.findtext("html", "").startswith("<iframe ")


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"url": "https://elsewhere.example/sites/" + SITE}, 404),
        ({"url": f"{BASE}/sites/no-such-site"}, 404),
        ({"url": f"{BASE}/api/sites"}, 404),
        ({"url": f"{BASE}/sites/{SITE}", "format": "yaml"}, 501),
        ({"url": f"{BASE}/sites/{SITE}", "maxwidth": "wide"}, 400),
        ({}, 400),
    ],
)
def test_oembed_refusals(client: TestClient, params: dict[str, str], status: int) -> None:
    answer = client.get("/oembed?" + urlencode(params))
    assert answer.status_code == status
    assert answer.json()["error"]["message"]


@pytest.mark.parametrize("path", [f"/sites/{SITE}", f"/assets/{SITE}", "/trails/denain-1712"])
def test_pages_announce_oembed(built_client: TestClient, path: str) -> None:
    page = heads(built_client.get(path + "?lang=en").text)
    found = {
        link.get("type", ""): link["href"] for link in page.links if link.get("rel") == "alternate"
    }
    json_href = found["application/json+oembed"]
    assert "text/xml+oembed" in found
    target = parse_qs(urlsplit(json_href).query)["url"][0]
    assert target == f"{BASE}{path}?lang=en"
    assert built_client.get(json_href).status_code == 200


def test_site_page_offers_embed_code_in_the_visitors_language(built_client: TestClient) -> None:
    fr = built_client.get(f"/sites/{SITE}?lang=fr").text
    en = built_client.get(f"/sites/{SITE}?lang=en").text
    assert "Intégrer sur votre site" in fr
    assert "Intégrer sur votre site" not in en and 'class="embed-code"' in en
    code = re.search(r'<textarea id="embed-iframe"[^>]*>(.*?)</textarea>', en, re.S)
    assert code and f"{BASE}/embed/sites/{SITE}?lang=en" in code.group(1)
    assert "allow=&#34;xr-spatial-tracking; fullscreen&#34;" in code.group(
        1
    ) or "xr-spatial-tracking" in code.group(1)


# --- Embed pages and framing ------------------------------------------------------------


def test_embed_page_options(built_client: TestClient) -> None:
    plain = built_client.get(f"/embed/sites/{SITE}?lang=de").text
    assert 'class="hotspot"' in plain and 'data-autorotate="false"' in plain
    assert f'href="/sites/{SITE}?lang=de"' in plain  # link back to the full page
    hidden = built_client.get(
        f"/embed/sites/{SITE}?hotspots=0&autorotate=1&poster=1&background=%23ffffff"
    ).text
    assert 'class="hotspot"' not in hidden
    assert 'data-autorotate="true"' in hidden and 'data-poster-only="true"' in hidden
    assert "background-color: #ffffff" in hidden
    trail = built_client.get("/embed/trails/denain-1712?lang=en").text
    assert 'id="map-data"' in trail and trail.count("<li>") == 3


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("background=red", "background"),
        ("background=%23fff;x", "background"),
        ("hotspots=maybe", "hotspots"),
        ("autorotate=2", "autorotate"),
    ],
)
def test_embed_page_bad_option_names_it(client: TestClient, query: str, name: str) -> None:
    answer = client.get(f"/embed/sites/{SITE}?{query}")
    assert answer.status_code == 400
    assert name in answer.text


def test_embed_pages_may_be_framed_others_not(client: TestClient) -> None:
    for path in (f"/embed/sites/{SITE}", "/embed/trails/denain-1712"):
        headers = client.get(path).headers
        assert (
            directive(headers["content-security-policy"], "frame-ancestors") == "frame-ancestors *"
        )
        assert "x-frame-options" not in headers
    for path in ("/", f"/sites/{SITE}", "/trails/denain-1712", "/api/sites", f"/api/sites/{SITE}"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert directive(policy, "frame-ancestors") == "frame-ancestors 'self'", path
        assert headers["x-frame-options"] == "SAMEORIGIN"
        assert headers["x-content-type-options"] == "nosniff"


def test_embed_allow_list_from_settings() -> None:
    settings = Settings(embed_origins=("https://museum.example", "http://localhost:8081"))
    with TestClient(create_app(settings)) as client:
        policy = client.get(f"/embed/sites/{SITE}").headers["content-security-policy"]
    assert directive(policy, "frame-ancestors") == (
        "frame-ancestors https://museum.example http://localhost:8081"
    )
    parsed = settings_from_env(
        {"PARCOURS_EMBED_ORIGINS": "https://a.example/, http://b.example:8080"}
    )
    assert parsed.embed_origins == ("https://a.example", "http://b.example:8080")
    with pytest.raises(SettingsError, match="not an origin"):
        settings_from_env({"PARCOURS_EMBED_ORIGINS": "museum.example/page"})


def test_reads_are_cross_origin_writes_never_preflighted(client: TestClient) -> None:
    assert client.get(f"/api/sites/{SITE}").headers["access-control-allow-origin"] == "*"
    assert (
        client.get("/oembed?" + urlencode({"url": f"{BASE}/sites/{SITE}"})).headers[
            "access-control-allow-origin"
        ]
        == "*"
    )
    preflight = client.options(
        "/api/sites",
        headers={"Origin": "https://x.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "PATCH" not in preflight.headers.get("access-control-allow-methods", "")


# --- schema.org JSON-LD -----------------------------------------------------------------


def ld_of(client: TestClient, path: str) -> list[dict[str, object]]:
    found = heads(client.get(path).text).json_ld
    assert found, f"{path} has no JSON-LD"
    return [dict(item) for item in found if isinstance(item, dict)]


def test_json_ld_of_a_site_with_its_model(built_client: TestClient) -> None:
    (data,) = ld_of(built_client, f"/sites/{SITE}?lang=en")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == ["TouristAttraction", "LandmarksOrHistoricalBuildings"]
    geo = data["geo"]
    assert isinstance(geo, dict) and geo["@type"] == "GeoCoordinates"
    assert "https://whc.unesco.org/en/list/1360/" in list(data["sameAs"])  # type: ignore[call-overload]
    (model,) = data["subjectOf"]  # type: ignore[misc]
    assert model["@type"] == "3DModel" and model["encodingFormat"] == "model/gltf-binary"
    assert built_client.get(model["contentUrl"]).content[:4] == b"glTF"


def test_json_ld_of_a_trail_keeps_the_order(client: TestClient) -> None:
    (data,) = ld_of(client, "/trails/denain-1712?lang=de")
    assert data["@type"] == "TouristTrip"
    itinerary = data["itinerary"]
    assert isinstance(itinerary, dict) and itinerary["@type"] == "ItemList"
    positions = [item["position"] for item in itinerary["itemListElement"]]
    assert positions == [1, 2, 3]
    trail = client.get("/api/trails/denain-1712?lang=de").json()
    names = [item["item"]["name"] for item in itinerary["itemListElement"]]
    assert names == [stop["title"]["text"] for stop in trail["stops"]]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/?lang=nl", "WebSite"),
        (f"/assets/{SITE}", "3DModel"),
        (f"/embed/assets/{SITE}", "3DModel"),
        ("/embed/trails/denain-1712", "TouristTrip"),
    ],
)
def test_every_page_has_json_ld(built_client: TestClient, path: str, kind: str) -> None:
    (data,) = ld_of(built_client, path)
    assert data["@context"] == "https://schema.org" and data["@type"] == kind


def test_asset_page(built_client: TestClient) -> None:
    page = built_client.get("/assets/denain-1712-diorama?lang=en")
    assert page.status_code == 200
    assert (
        "<model-viewer" in page.text
        and "/iiif/assets/denain-1712-diorama/manifest.json" in page.text
    )
    missing = built_client.get("/assets/denain-1712-diorma")
    assert missing.status_code == 404 and "denain-1712-diorama" in missing.text


def test_content_security_policy_fits_each_kind_of_answer(client: TestClient) -> None:
    page = client.get(f"/sites/{SITE}").headers["content-security-policy"]
    assert directive(page, "script-src") == "script-src 'self' 'wasm-unsafe-eval'"
    assert "https://tile.openstreetmap.org" in directive(page, "img-src")
    assert directive(page, "object-src") == "object-src 'none'"
    data = client.get(f"/api/sites/{SITE}").headers["content-security-policy"]
    assert directive(data, "default-src") == "default-src 'none'"
    assert "strict-transport-security" not in client.get("/").headers
    secure = client.get("https://testserver/api/sites").headers
    assert secure["strict-transport-security"].startswith("max-age=31536000")


def test_a_304_does_not_replace_the_page_policy(client: TestClient) -> None:
    first = client.get("/trails/denain-1712?lang=en")
    again = client.get(
        "/trails/denain-1712?lang=en", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers
