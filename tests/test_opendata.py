"""Open data: the sites as GeoJSON and CSV, and the /open-data page with its DataCatalog."""

from __future__ import annotations

import csv
import io
import json
import re
from html import escape
from html.parser import HTMLParser
from typing import Any

from starlette.routing import Route
from starlette.testclient import TestClient

from parcours.iiif import MEDIA_TYPE as IIIF_MEDIA_TYPE
from parcours.snapshot import Snapshot
from parcours.trail_docs import format_bytes

BASE = "http://testserver"
OTHER_LANGS = ("en", "nl", "de")


def _snapshot(client: TestClient) -> Snapshot:
    return client.app.state.holder.current  # type: ignore[attr-defined,no-any-return]


def _geojson(client: TestClient) -> dict[str, Any]:
    response = client.get("/open-data/sites.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()  # type: ignore[no-any-return]


def test_geojson_has_every_site_longitude_first(built_client: TestClient) -> None:
    snapshot = _snapshot(built_client)
    document = _geojson(built_client)
    assert document["type"] == "FeatureCollection"
    features = document["features"]
    assert len(features) == len(snapshot.sites) == 53
    assert [f["id"] for f in features] == [s.id for s in snapshot.sites]
    west, south, east, north = document["bbox"]
    for feature, site in zip(features, snapshot.sites, strict=True):
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (round(site.location.lon, 6), round(site.location.lat, 6))
        assert 2.5 < lon < 4.0 and 50.0 < lat < 51.0  # La Porte du Hainaut, never swapped
        assert west <= lon <= east and south <= lat <= north
        properties = feature["properties"]
        assert properties["id"] == site.id
        assert properties["name"] == site.name and properties["summary"] == site.summary
        assert properties["unesco_element"] == site.unesco.element
        assert properties["url"] == f"{BASE}/sites/{site.id}"


def test_geojson_has_licence_and_translations(built_client: TestClient) -> None:
    document = _geojson(built_client)
    info = _snapshot(built_client).catalogue.catalogue
    assert document["licence"] == {"name": info.licence, "url": info.licence_url}
    assert "Licence Ouverte 2.0" in document["licence"]["name"]
    assert "Mission Bassin Minier" in document["attribution"]
    site_id = "caph-17-fosse-mathilde"
    properties = next(f for f in document["features"] if f["id"] == site_id)["properties"]
    for lang in OTHER_LANGS:
        site = built_client.get(f"/api/sites/{site_id}?lang={lang}").json()
        assert site["summary"]["lang"] == lang
        assert properties[f"summary_{lang}"] == site["summary"]["text"]
        assert properties[f"name_{lang}"] == site["name"]["text"]


def _csv(client: TestClient) -> tuple[str, list[dict[str, str]]]:
    response = client.get("/open-data/sites.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'inline; filename="parcours-sites.csv"'
    text = response.content.decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_the_same_sites_and_coordinates(built_client: TestClient) -> None:
    text, rows = _csv(built_client)
    assert not text.startswith("\ufeff")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # RFC 4180 lines
    assert len(rows) == 53
    header = text.split("\r\n", 1)[0].split(",")
    assert {"id", "longitude", "latitude", "summary", "summary_en", "url"} <= set(header)
    features = _geojson(built_client)["features"]
    assert [r["id"] for r in rows] == [f["id"] for f in features]
    for row, feature in zip(rows, features, strict=True):
        assert [float(row["longitude"]), float(row["latitude"])] == feature["geometry"][
            "coordinates"
        ]
        assert row["communes"].split("; ") == feature["properties"]["communes"]
        assert row["summary_de"] == feature["properties"]["summary_de"]


def test_datasets_answer_304_and_allow_cross_origin(built_client: TestClient) -> None:
    for url in ("/open-data/sites.geojson", "/open-data/sites.csv"):
        first = built_client.get(url)
        assert first.headers["access-control-allow-origin"] == "*"
        again = built_client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert built_client.get(url + "?x=1").status_code == 400


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[str] = []
        self._in_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        self._in_ld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_ld:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_ld = False


def _page(client: TestClient, lang: str = "fr") -> tuple[str, _Page]:
    response = client.get(f"/open-data?lang={lang}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    parser = _Page()
    parser.feed(response.text)
    return response.text, parser


def _served(client: TestClient, path: str) -> bool:
    return any(
        isinstance(r, Route) and r.path_regex.match(path)
        for r in client.app.routes  # type: ignore[attr-defined]
    )


def test_page_lists_every_dataset_url_and_each_answers(built_client: TestClient) -> None:
    snapshot = _snapshot(built_client)
    html, page = _page(built_client)
    expected = {
        f"{BASE}/open-data/sites.geojson",
        f"{BASE}/open-data/sites.csv",
        f"{BASE}/ogc",
        f"{BASE}/api/sites",
        f"{BASE}/openapi.json",
        *(f"{BASE}/iiif/assets/{a}/manifest.json" for a in snapshot.assets),
        *(f"{BASE}/iiif/trails/{t}/collection.json" for t in snapshot.trails.resolved),
    }
    assert expected <= set(page.links)
    assert snapshot.revision in html
    assert "Licence Ouverte 2.0" in html and snapshot.catalogue.catalogue.licence_url in html
    for link in sorted(set(page.links)):
        if not link.startswith((BASE + "/", "/")):
            continue  # iiif.io, etalab.gouv.fr
        path = link.removeprefix(BASE)
        if path == "/ogc" and not _served(built_client, "/ogc"):
            continue  # the OGC API is built separately; the page links it already
        assert built_client.get(link).status_code == 200, link


def test_page_states_sizes_and_records_from_the_data(built_client: TestClient) -> None:
    html, _ = _page(built_client, "en")
    assert "Stable address" in html and "Records" in html
    assert re.search(r"Records</dt><dd>53</dd>", html)
    for url in ("/open-data/sites.geojson", "/open-data/sites.csv"):
        size = format_bytes(len(built_client.get(url).content), "en")
        assert f"Size</dt><dd>{escape(size)}</dd>" in html


def test_json_ld_is_a_data_catalog_of_the_same_datasets(built_client: TestClient) -> None:
    _, page = _page(built_client)
    (script,) = page.scripts
    catalog = json.loads(script)
    assert catalog["@context"] == "https://schema.org"
    assert catalog["@type"] == "DataCatalog"
    info = _snapshot(built_client).catalogue.catalogue
    assert catalog["license"] == info.licence_url
    datasets = catalog["dataset"]
    assert all(d["@type"] == "Dataset" for d in datasets)
    sites = datasets[0]
    assert sites["license"] == info.licence_url
    downloads = {d["contentUrl"]: d for d in sites["distribution"]}
    assert all(d["@type"] == "DataDownload" for d in downloads.values())
    geojson = downloads[f"{BASE}/open-data/sites.geojson"]
    assert geojson["encodingFormat"] == "application/geo+json"
    size = len(built_client.get("/open-data/sites.geojson").content)
    assert geojson["contentSize"] == f"{size} B"
    assert downloads[f"{BASE}/open-data/sites.csv"]["encodingFormat"].startswith("text/csv")
    models = datasets[1]
    assert models["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert {d["encodingFormat"] for d in models["distribution"]} == {IIIF_MEDIA_TYPE}
    assert len(models["distribution"]) == 56
