"""Server-rendered pages: content without JavaScript, JSON-LD, hreflang, friendly errors."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from starlette.testclient import TestClient

from parcours.snapshot import Snapshot

ARENBERG = "caph-15a-fosse-d-arenberg-arenberg-creative-mine"


class PageParser(HTMLParser):
    """Collects what the tests look at: links, scripts, headings and the html lang."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.anchors: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.h3: list[str] = []
        self.lang = ""
        self._script: dict[str, str] | None = None
        self._h3 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "link":
            self.links.append(values)
        elif tag == "a":
            self.anchors.append(values.get("href", ""))
        elif tag == "script":
            self._script = values
            self.scripts.append((values, ""))
        elif tag == "h3":
            self._h3 = True
            self.h3.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        elif tag == "h3":
            self._h3 = False

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        if self._h3:
            self.h3[-1] += data


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def test_home_lists_every_site_by_commune(client: TestClient, snapshot: Snapshot) -> None:
    response = client.get("/?lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.lang == "en"
    for site in snapshot.sites:
        assert f"/sites/{site.id}?lang=en" in page.anchors
    communes = [h.split("(")[0].strip() for h in page.h3]
    assert communes == sorted({s.commune for s in snapshot.sites})
    assert "Search for a site" in response.text
    assert "/?lang=en&type=terril" in page.anchors


def test_home_filters_without_javascript(client: TestClient) -> None:
    page = client.get("/?lang=fr&type=terril").text
    assert page.count('href="/sites/') == 9
    search = client.get("/?lang=de&q=mathilde").text
    assert search.count('href="/sites/') == 1 and "caph-17-fosse-mathilde" in search
    nothing = client.get("/?lang=nl&q=zzzz").text
    assert "Geen enkele plek komt overeen" in nothing


def test_pages_need_no_javascript(client: TestClient) -> None:
    """Scripts only enhance: each is data or deferred, and the text is all in the HTML."""
    for url in ("/", f"/sites/{ARENBERG}", "/trails/arenberg"):
        page = parse(client.get(url).text)
        for attrs, _ in page.scripts:
            data = attrs.get("type") in {"application/ld+json", "application/json"}
            assert data or "defer" in attrs, attrs


@pytest.mark.parametrize("lang", ["fr", "en", "nl", "de"])
def test_site_page(client: TestClient, snapshot: Snapshot, lang: str) -> None:
    response = client.get(f"/sites/{ARENBERG}?lang={lang}")
    assert response.status_code == 200
    assert response.headers["content-language"] == lang
    page = parse(response.text)
    texts = snapshot.texts[lang][ARENBERG]
    assert texts.summary.text in response.text.replace("&#39;", "'")
    # JSON-LD
    (ld_text,) = [
        text for attrs, text in page.scripts if attrs.get("type") == "application/ld+json"
    ]
    ld = json.loads(ld_text)
    assert ld["@context"] == "https://schema.org"
    assert set(ld["@type"]) == {"TouristAttraction", "LandmarksOrHistoricalBuildings"}
    assert ld["geo"] == {"@type": "GeoCoordinates", "latitude": 50.38449, "longitude": 3.42582}
    assert ld["name"] == texts.name.text
    # hreflang: every language and x-default, absolute URLs, including this page's own.
    alternates = {
        link["hreflang"]: link["href"]
        for link in page.links
        if link.get("rel") == "alternate" and "hreflang" in link
    }
    assert set(alternates) == {"fr", "en", "nl", "de", "x-default"}
    assert all(href.startswith("http") for href in alternates.values())
    assert alternates[lang].endswith(f"/sites/{ARENBERG}?lang={lang}")
    (json_link,) = [link for link in page.links if link.get("type") == "application/json"]
    assert json_link["href"] == f"/api/sites/{ARENBERG}?lang={lang}"


def test_fallback_text_is_marked_french(client: TestClient) -> None:
    page = client.get(f"/sites/{ARENBERG}?lang=pcd").text
    assert '<div class="description" lang="fr">' in page
    assert "pas encore traduit" in page


def test_json_ld_cannot_break_out_of_its_script(snapshot: Snapshot) -> None:
    from parcours.linked_data import script_ld, site_ld

    site = snapshot.by_id[ARENBERG]
    assert "</" not in script_ld(site_ld(site, snapshot, "fr", "http://x/</script><b>"))


def test_unknown_site_page_is_friendly(client: TestClient) -> None:
    response = client.get("/sites/fosse-mathilde?lang=de")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Seite nicht gefunden" in response.text
    assert "/sites/caph-17-fosse-mathilde?lang=de" in response.text


def test_bad_parameter_page_is_friendly(client: TestClient) -> None:
    response = client.get("/?lang=xx")
    assert response.status_code == 400
    assert "parameter &#39;lang&#39;" in response.text and "Demande incorrecte" in response.text


def test_pages_have_etags(client: TestClient) -> None:
    first = client.get(f"/sites/{ARENBERG}?lang=en")
    again = client.get(
        f"/sites/{ARENBERG}?lang=en", headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/parcours.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
